//! A real Prometheus scrapes every process of the split deploy (their admin listeners,
//! `HME__ADMIN__PORT`) and, queried through its HTTP API after a known number of
//! requests, reports exactly them: per process, per route template and status class,
//! and the port calls of one order by port, operation and transport (orders → auth and
//! orders → products, worker → products), with the owners' internal routes counted on
//! their side. `promtool check metrics` accepts each process's exposition.

use std::path::PathBuf;
use std::time::Duration;

use hme_kernel::testing::unique_name;

use crate::common::prometheus::{assert_exposition_valid, Prometheus};
use crate::{shop, split_binaries, split_deployment, with_logs, Backends, Isolation, MODULES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_every_split_service_and_counts_exactly_the_requests_and_port_calls() {
    let Some(bins) = split_binaries() else { return };
    let Some(b) = Backends::from_env() else { return };
    let run_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_name("metrics-split"));
    let iso = Isolation::new(&run_dir, "split");
    let mut d = split_deployment(&b, &iso, &bins);
    let targets: Vec<(&str, u16)> = MODULES.iter().map(|m| (*m, d.get(m).admin_port())).collect();
    let Some(prom) = Prometheus::start(&run_dir.join("prometheus"), &targets) else { return };
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    d.start_all(&client).await;
    let logs: Vec<(String, PathBuf)> = d.services.iter().map(|s| (s.name.clone(), s.log.clone())).collect();

    with_logs(&logs, async {
        // A different number of unmatched requests to each process: each is counted by
        // the process that answered, under the `unmatched` route.
        for (i, m) in MODULES.iter().enumerate() {
            for _ in 0..i + 2 {
                let r = client.get(format!("{}/no/such/route", d.get(m).base())).send().await.unwrap();
                assert_eq!(r.status(), 404, "{m}");
            }
        }
        const LISTS: u32 = 7;
        for _ in 0..LISTS {
            assert_eq!(client.get(format!("{}/api/product/list", d.get("products").base())).send().await.unwrap().status(), 200);
        }
        // One order: one call of each port operation placing it makes, over HTTP.
        let shop = shop(&d, &iso, &client, true);
        let (product, address) = shop.prepare_order().await;
        let (status, body) = shop.place(&address, &[(&product, 1)]).await;
        assert_eq!(status, 200, "{body}");
        shop.wait_for_sales(&product, 1).await;

        let mut expected: Vec<(String, f64)> = MODULES
            .iter()
            .enumerate()
            .map(|(i, m)| (format!(r#"sum(hme_http_requests_total{{job="hme",service="{m}",route="unmatched",status_class="4xx"}})"#), (i + 2) as f64))
            .collect();
        let http = |service: &str, route: &str, n: f64| (format!(r#"sum(hme_http_requests_total{{service="{service}",route="{route}",status_class="2xx"}})"#), n);
        expected.push(http("products", "/api/product/list", f64::from(LISTS)));
        expected.push((r#"sum(hme_http_request_duration_seconds_count{service="products",route="/api/product/list"})"#.to_owned(), f64::from(LISTS)));
        expected.push(http("orders", "/api/order/create", 1.0));
        let port = |service: &str, port: &str, op: &str| {
            (format!(r#"sum(hme_port_calls_total{{service="{service}",port="{port}",operation="{op}",transport="http",outcome="ok"}})"#), 1.0)
        };
        for (p, op, owner) in [("customers", "address", "auth"), ("catalog", "products-by-ids", "products"), ("catalog", "reserve", "products"), ("customers", "profile", "auth"), ("customers", "clear-cart", "auth")] {
            expected.push(port("orders", p, op));
            expected.push(http(owner, &format!("/internal/v1/{p}/{op}"), 1.0));
        }
        expected.push((r#"sum(hme_port_call_duration_seconds_count{service="orders",port="catalog",operation="reserve",transport="http"})"#.to_owned(), 1.0));
        expected.push(port("worker", "sales", "record"));
        expected.push(http("products", "/internal/v1/sales/record", 1.0));
        // Nothing of the order was counted as an in-process call in a split process.
        expected.push((r#"count(hme_port_calls_total{transport="in_process"}) or vector(0)"#.to_owned(), 0.0));
        prom.assert_values(&client, &expected).await;

        for m in MODULES {
            assert_exposition_valid(&client, m, d.get(m).admin_port()).await;
        }
    })
    .await;
    drop(d);
    let _ = std::fs::remove_dir_all(&run_dir);
}
