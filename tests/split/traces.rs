//! One order is one trace: placed with tracing on (the standard `OTEL_*` variables,
//! every span sampled) and a caller's `traceparent`, through the split services and
//! through the all-in-one binary (both on MongoDB, Redis and RabbitMQ), exporting to the
//! test OTLP receiver (scripts/otlp_receiver.py, which decodes the published protobuf
//! format). The order request, its port calls (orders → auth, orders → products: a
//! client span in orders and the owner's server span over HTTP, an internal span in one
//! process), the owners' MongoDB operations, orders' own MongoDB and Redis operations,
//! the relay's publish of `order.created`, each worker consumer's handling of it and the
//! sales consumer's call of the products module all share the caller's trace id, each
//! span a child of the span that caused it. Then the product's delete: its
//! `product.deleted` (built in the MongoDB transaction) is relayed, published and consumed
//! by the images clean-up in the delete's trace, with the images module's call of the
//! products module under it.

use std::path::PathBuf;
use std::time::Duration;

use hme_kernel::events::consumers::{EMAIL_ORDER_CREATED, IMAGES_CLEANUP, INVENTORY_SALES};
use hme_kernel::testing::unique_name;
use serde_json::Value;

use crate::common::otlp::{caller_context, start_receiver, tracing_env, wait_spans, Trace};
use crate::procs::Deployment;
use crate::{all_in_one_with, shop, split_binaries, split_deployment_with, with_logs, Backends, Isolation};

/// The port calls placing an order makes: span name, owning service (split), wire path.
const PORT_CALLS: [(&str, &str, &str); 5] = [
    ("customers address", "auth", "/customers/address"),
    ("catalog products-by-ids", "products", "/catalog/products-by-ids"),
    ("catalog reserve", "products", "/catalog/reserve"),
    ("customers profile", "auth", "/customers/profile"),
    ("customers clear-cart", "auth", "/customers/clear-cart"),
];

/// The `service.name` of `module`'s process: `hme-<module>` split, `hme` in one process.
fn service(split: bool, module: &str) -> String {
    if split {
        format!("hme-{module}")
    } else {
        "hme".to_owned()
    }
}

/// Places one order with a caller's `traceparent` on a started deployment and checks
/// its trace (see the module documentation). Returns the trace as a tree, for the log.
async fn one_order_is_one_trace(d: &Deployment, iso: &Isolation, out: &std::path::Path, split: bool) -> String {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let shop = shop(d, iso, &client, split);
    let (product, address) = shop.prepare_order().await;
    let (trace_id, caller) = caller_context();
    let (status, body) = shop.place_traced(&address, &[(&product, 2)], Some(&format!("00-{trace_id}-{caller}-01"))).await;
    assert_eq!(status, 200, "order create: {body}");
    shop.wait_for_sales(&product, 2).await;

    let (orders, worker, products) = (service(split, "orders"), service(split, "worker"), service(split, "products"));
    let consumed = |c: &str| format!("consume order.created {c}");
    let sales_server = "POST /internal/v1/sales/record";
    wait_spans(out, "the order's trace up to the worker's consumers", |s| {
        let t = Trace::of(s, &trace_id);
        t.has(&worker, &consumed(EMAIL_ORDER_CREATED)) && t.has(&worker, &consumed(INVENTORY_SALES)) && (!split || t.has(&products, sales_server))
            && t.has(&worker, "sales record")
    })
    .await;
    // Spans of one process arrive in one batch per 100 ms: give the last ones (the
    // owners' database operations end before their server span) a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let spans = crate::common::otlp::spans(out);
    let t = Trace::of(&spans, &trace_id);

    // The request continues the caller's span.
    let root = t.one(&orders, "POST /api/order/create");
    assert_eq!(root["kind"], "server");
    assert_eq!(root["parent_span_id"], caller.as_str(), "the order request continues the caller's span:\n{}", t.tree());
    assert_eq!(root["attributes"]["hme.module"], "orders");

    // Each port call: a child of the request; over HTTP the owner's server span is its
    // child; the owner's MongoDB operations are under it.
    for (name, owner, path) in PORT_CALLS {
        let call = t.one(&orders, name);
        t.assert_parent(call, root);
        let owner_service = service(split, owner);
        let under = if split {
            assert_eq!(call["kind"], "client", "{name}");
            assert_eq!(call["attributes"]["hme.port.transport"], "http", "{name}");
            let server = t.one(&owner_service, &format!("POST /internal/v1{path}"));
            assert_eq!(server["kind"], "server");
            t.assert_parent(server, call);
            server
        } else {
            assert_eq!(call["kind"], "internal", "{name}");
            assert_eq!(call["attributes"]["hme.port.transport"], "in_process", "{name}");
            call
        };
        let db = t.all(&owner_service, "mongodb ");
        assert!(db.iter().any(|m| t.descends_from(m, under)), "no MongoDB operation of {owner} under the port call {name}:\n{}", t.tree());
    }

    // Orders' own database operations (the order, its event and the hold confirmation in
    // one transaction) and its Redis operations (the rate limits) are the request's.
    let own_db: Vec<&Value> = t.all(&orders, "mongodb ").into_iter().filter(|m| m["parent_span_id"] == root["span_id"]).collect();
    assert!(own_db.iter().any(|m| m["name"] == "mongodb insert"), "no MongoDB insert of the order under the request:\n{}", t.tree());
    assert!(own_db.iter().all(|m| m["kind"] == "client" && m["attributes"]["db.system"] == "mongodb"), "{own_db:#?}");
    let redis = t.all(&orders, "redis ");
    assert!(redis.iter().any(|r| r["parent_span_id"] == root["span_id"]), "no Redis operation under the request:\n{}", t.tree());

    // The outbox relay (in whichever process's relay leased the entry) publishes the event
    // as a child of the request that committed it; each consumer is a child of the publish.
    let relays: Vec<&Value> = t.spans.iter().copied().filter(|s| s["name"] == "outbox relay order.created").collect();
    assert_eq!(relays.len(), 1, "one relay span for the order's event:\n{}", t.tree());
    let relay = relays[0];
    t.assert_parent(relay, root);
    let publish = t.one(relay["service"].as_str().unwrap(), "publish order.created");
    assert_eq!(publish["kind"], "producer");
    assert_eq!(publish["attributes"]["messaging.system"], "rabbitmq");
    t.assert_parent(publish, relay);
    for c in [EMAIL_ORDER_CREATED, INVENTORY_SALES] {
        let consume = t.one(&worker, &consumed(c));
        assert_eq!(consume["kind"], "consumer");
        t.assert_parent(consume, publish);
    }
    // The sales consumer's call of the products module, and its database operations.
    let sales = t.one(&worker, "sales record");
    t.assert_parent(sales, t.one(&worker, &consumed(INVENTORY_SALES)));
    let sales_under = if split {
        let server = t.one(&products, sales_server);
        t.assert_parent(server, sales);
        server
    } else {
        sales
    };
    assert!(t.all(&products, "mongodb ").iter().any(|m| t.descends_from(m, sales_under)), "no MongoDB operation under the sales call:\n{}", t.tree());

    t.assert_connected(&caller);

    // The product's delete on MongoDB: its `product.deleted`, built in the delete's
    // transaction, is relayed, published and consumed in the delete's trace, and the
    // images clean-up consumer's call of the images module is in it too.
    let (delete_trace, delete_caller) = caller_context();
    let resp = client
        .delete(format!("{}/api/product/delete", shop.products))
        .bearer_auth(crate::flow::seller())
        .header("traceparent", format!("00-{delete_trace}-{delete_caller}-01"))
        .json(&serde_json::json!({"productId": product}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cleanup_consumed = format!("consume product.deleted {IMAGES_CLEANUP}");
    wait_spans(out, "the delete's trace up to the images clean-up", |s| Trace::of(s, &delete_trace).has(&worker, "images delete-for-product")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let spans = crate::common::otlp::spans(out);
    let dt = Trace::of(&spans, &delete_trace);
    let delete = dt.one(&products, "DELETE /api/product/delete");
    assert_eq!(delete["parent_span_id"], delete_caller.as_str());
    assert!(dt.all(&products, "mongodb ").iter().any(|m| m["name"] == "mongodb findAndModify" && m["parent_span_id"] == delete["span_id"]), "no MongoDB findAndModify (the delete) under the request:\n{}", dt.tree());
    let relay = dt.spans.iter().copied().find(|s| s["name"] == "outbox relay product.deleted").unwrap_or_else(|| panic!("no relay span in the delete's trace:\n{}", dt.tree()));
    dt.assert_parent(relay, delete);
    let publish = dt.one(relay["service"].as_str().unwrap(), "publish product.deleted");
    dt.assert_parent(publish, relay);
    let consume = dt.one(&worker, &cleanup_consumed);
    dt.assert_parent(consume, publish);
    let cleanup = dt.one(&worker, "images delete-for-product");
    dt.assert_parent(cleanup, consume);
    // The images module asks products which of the URLs another product still uses.
    let images = service(split, "images");
    let referenced = dt.one(&images, "product-images referenced");
    if split {
        let server = dt.one(&images, "POST /internal/v1/images/delete-for-product");
        dt.assert_parent(server, cleanup);
        dt.assert_parent(referenced, server);
        dt.assert_parent(dt.one(&products, "POST /internal/v1/product-images/referenced"), referenced);
    } else {
        dt.assert_parent(referenced, cleanup);
    }
    dt.assert_connected(&delete_caller);
    let delete_tree = dt.tree();

    // In one process the same calls are counted, as in-process port calls.
    if !split {
        let admin = d.get("all-in-one").admin_port();
        let metrics = client.get(format!("http://127.0.0.1:{admin}/metrics")).send().await.unwrap().text().await.unwrap();
        for (name, _, path) in PORT_CALLS {
            let (port, op) = name.split_once(' ').unwrap();
            assert_eq!(format!("/{port}/{op}"), path);
            let series = format!(r#"hme_port_calls_total{{port="{port}",operation="{op}",transport="in_process",outcome="ok"}} 1"#);
            assert!(metrics.lines().any(|l| l == series), "no {series} in:\n{metrics}");
        }
    }
    format!("{}\nthe product's delete:\n{delete_tree}", t.tree())
}

/// Deploys with tracing on (`deploy` builds the deployment from the backends, the run's
/// isolation and the tracing environment), places one order and proves its one trace.
async fn traced_order(name: &str, shape: &str, split: bool, deploy: impl FnOnce(&Backends, &Isolation, &[(String, String)]) -> Deployment) {
    let Some(b) = Backends::from_env() else { return };
    let run_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_name(name));
    let out = run_dir.join("spans.jsonl");
    std::fs::create_dir_all(&run_dir).unwrap();
    let Some((_receiver, otlp)) = start_receiver(&out, 0) else { return };
    let iso = Isolation::new(&run_dir, shape);
    let mut d = deploy(&b, &iso, &tracing_env(otlp));
    let client = reqwest::Client::new();
    d.start_all(&client).await;
    let logs: Vec<(String, PathBuf)> = d.services.iter().map(|s| (s.name.clone(), s.log.clone())).collect();
    let tree = with_logs(&logs, one_order_is_one_trace(&d, &iso, &out, split)).await;
    eprintln!("the order's trace ({name}):\n{tree}");
    drop(d);
    let _ = std::fs::remove_dir_all(&run_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_is_one_trace_across_the_split_services() {
    let Some(bins) = split_binaries() else { return };
    traced_order("trace-split", "split", true, |b, iso, env| split_deployment_with(b, iso, &bins, env)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_is_one_trace_in_one_process() {
    traced_order("trace-one", "all", false, all_in_one_with).await;
}
