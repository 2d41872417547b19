//! The split deploy, end to end: the five single-module binaries built by
//! `scripts/split-bins.sh` (`HME_SPLIT_BIN_DIR`) run as separate processes on their own
//! ports against one MongoDB database, Redis prefix and RabbitMQ exchange, talking over
//! HTTP (`HME_*_URL`, `HME_SERVICE_TOKEN`) and the broker. The shop's flow through their
//! public ports (images uploaded, products added, address and cart saved, an order placed,
//! emails and sales counters from the worker, a product deleted and its image removed by
//! the worker through the images module) must answer exactly like the all-in-one binary
//! running the same flow on a fresh database; then, with the products process killed, order placement answers 503
//! with the legacy envelope and writes nothing, and goes through once products is back.
//!
//! Needs the test services (scripts/test.sh); with `HME_TEST_REQUIRE_SERVICES=1` a
//! missing service or `HME_SPLIT_BIN_DIR` fails the test instead of skipping it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod flow;
mod isolation;
mod mail;
mod metrics;
mod procs;
mod traces;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::FutureExt;
use hme_kernel::testing::{service_env, unique_name};
use isolation::{Backends, Isolation};
use mongodb::bson::{doc, Document};
use serde_json::json;

use flow::Shop;
use procs::{free_port, Deployment, Service};

/// The modules, one binary each.
const MODULES: [&str; 5] = ["products", "orders", "images", "auth", "worker"];

/// `HME_SPLIT_BIN_DIR`, with every `hme-<module>` in it.
fn split_binaries() -> Option<PathBuf> {
    let dir = PathBuf::from(service_env("HME_SPLIT_BIN_DIR")?);
    for m in MODULES {
        let bin = dir.join(format!("hme-{m}"));
        assert!(bin.is_file(), "{} is missing: build the split binaries with scripts/split-bins.sh", bin.display());
        assert_eq!(compiled_modules(&bin), vec![m], "{} is not a {m}-only build: rebuild with scripts/split-bins.sh", bin.display());
    }
    Some(dir)
}

/// The feature modules whose routes `bin routes --json` lists.
fn compiled_modules(bin: &Path) -> Vec<&'static str> {
    let out = std::process::Command::new(bin)
        .args(["routes", "--json"])
        .env_clear()
        .env("HME_CONFIG_DIR", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    assert!(out.status.success(), "{} routes: {}", bin.display(), String::from_utf8_lossy(&out.stderr));
    let routes: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    MODULES.into_iter().filter(|m| routes.iter().any(|r| r["module"] == *m)).collect()
}

/// The five single-module processes, each told where the others run.
fn split_deployment(b: &Backends, iso: &Isolation, bins: &Path) -> Deployment {
    split_deployment_with(b, iso, bins, &[])
}

/// [`split_deployment`] with `extra` in every process's environment.
fn split_deployment_with(b: &Backends, iso: &Isolation, bins: &Path, extra: &[(String, String)]) -> Deployment {
    let ports: Vec<(&str, u16)> = MODULES.iter().map(|m| (*m, free_port())).collect();
    let url = |m: &str| format!("http://127.0.0.1:{}", ports.iter().find(|(n, _)| *n == m).unwrap().1);
    let mut remote = vec![
        ("HME_PRODUCTS_URL".to_owned(), url("products")),
        ("HME_AUTH_URL".to_owned(), url("auth")),
        ("HME_ORDERS_URL".to_owned(), url("orders")),
        ("HME_IMAGES_URL".to_owned(), url("images")),
        ("HME_SERVICE_TOKEN".to_owned(), unique_name("service-token")),
        ("HME__IMAGES__PUBLIC_BASE_URL".to_owned(), url("images")),
    ];
    remote.extend_from_slice(extra);
    let services = ports
        .iter()
        .map(|(m, port)| Service::new(m, &bins.join(format!("hme-{m}")), &["serve"], iso.env(b, m, *port, &remote), *port, &iso.dir))
        .collect();
    Deployment { services }
}

/// The all-in-one binary of this build (every feature).
fn all_in_one(b: &Backends, iso: &Isolation) -> Deployment {
    all_in_one_with(b, iso, &[])
}

/// [`all_in_one`] with `extra` in its environment.
fn all_in_one_with(b: &Backends, iso: &Isolation, extra: &[(String, String)]) -> Deployment {
    let port = free_port();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_hme"));
    let mut media = vec![("HME__IMAGES__PUBLIC_BASE_URL".to_owned(), format!("http://127.0.0.1:{port}"))];
    media.extend_from_slice(extra);
    Deployment { services: vec![Service::new("all-in-one", &bin, &["serve"], iso.env(b, "all", port, &media), port, &iso.dir)] }
}

fn shop(d: &Deployment, iso: &Isolation, client: &reqwest::Client, split: bool) -> Shop {
    let base = |m: &str| if split { d.get(m).base() } else { d.get("all-in-one").base() };
    Shop { products: base("products"), auth: base("auth"), orders: base("orders"), images: base("images"), tag: iso.tag.clone(), client: client.clone() }
}

/// Runs `f`; when it panics, prints the tail of every log in `logs` first.
async fn with_logs<T>(logs: &[(String, PathBuf)], f: impl std::future::Future<Output = T>) -> T {
    match AssertUnwindSafe(f).catch_unwind().await {
        Ok(v) => v,
        Err(panic) => {
            for (name, log) in logs {
                eprintln!("--- {name} ({}), last lines:\n{}", log.display(), procs::tail(log, 40));
            }
            std::panic::resume_unwind(panic)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_services_answer_the_shop_flow_like_the_all_in_one_binary_and_fail_cleanly_without_products() {
    let Some(bins) = split_binaries() else { return };
    let Some(b) = Backends::from_env() else { return };
    let run_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_name("split"));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let (split_iso, all_iso) = (Isolation::new(&run_dir, "split"), Isolation::new(&run_dir, "all"));
    let mut split = split_deployment(&b, &split_iso, &bins);
    let mut all = all_in_one(&b, &all_iso);
    eprintln!("split test: process logs under {}", run_dir.display());

    // Both deployments start, and run the same flow, side by side.
    tokio::join!(split.start_all(&client), all.start_all(&client));
    let (split_shop, all_shop) = (shop(&split, &split_iso, &client, true), shop(&all, &all_iso, &client, false));
    let logs: Vec<(String, PathBuf)> = split.services.iter().chain(&all.services).map(|s| (s.name.clone(), s.log.clone())).collect();
    let ((split_steps, placed), (all_steps, all_placed)) =
        with_logs(&logs, async { tokio::join!(split_shop.run(&b.smtp_dir), all_shop.run(&b.smtp_dir)) }).await;
    let (split_t, all_t) = (flow::normalize(&split_steps, &placed.volatile), flow::normalize(&all_steps, &all_placed.volatile));
    assert_eq!(split_t.len(), all_t.len());
    for (s, a) in split_t.iter().zip(&all_t) {
        assert_eq!(s, a, "step {:?}: the split deploy (left) and the all-in-one binary (right) answered differently", s.0);
    }

    // Products killed: placement answers 503 with the envelope, and writes nothing.
    let db = split_iso.database(&b).await;
    with_logs(&logs, async {
        let cart = json!({"cartData": {placed.product_a.clone(): 1}});
        let (status, body) = split_shop.call(reqwest::Method::POST, format!("{}/api/cart/update", split_shop.auth), Some(&flow::customer()), Some(cart)).await;
        assert_eq!(status, 200, "{body}");
        let cart_before = split_shop.cart().await;
        let stock_before = split_shop.product(&placed.product_a).await["stock"].clone();
        let orders_before = db.collection::<Document>("orders").count_documents(doc! {}).await.unwrap();
        split.get_mut("products").kill();

        let (status, body) = split_shop.place(&placed.address, &[(&placed.product_a, 1)]).await;
        assert_eq!(status, 503, "order placement with products down: {body}");
        assert_eq!(body["success"], json!(false), "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "503 without a message: {body}");
        assert_eq!(db.collection::<Document>("orders").count_documents(doc! {}).await.unwrap(), orders_before, "an order was written");
        assert_eq!(split_shop.cart().await, cart_before, "the cart changed");

        // Products back on the same port: no stock was held, and the order goes through.
        split.get_mut("products").start();
        split.get_mut("products").wait_ready(&client).await;
        assert_eq!(split_shop.product(&placed.product_a).await["stock"], stock_before, "stock changed by the failed order");
        let (status, body) = split_shop.place(&placed.address, &[(&placed.product_a, 1)]).await;
        assert_eq!(status, 200, "order placement after products came back: {body}");
        assert_eq!(db.collection::<Document>("orders").count_documents(doc! {}).await.unwrap(), orders_before + 1);
        let stock_after = split_shop.product(&placed.product_a).await["stock"].as_i64();
        assert_eq!(stock_after, stock_before.as_i64().map(|s| s - 1), "stock after the second order");
        assert_eq!(split_shop.cart().await.1["cartItems"], json!({}), "the cart is emptied by the order");
    })
    .await;

    // The databases are left like every other test's (dropping one can stall SecantusDB).
    drop(split);
    drop(all);
    let _ = std::fs::remove_dir_all(&run_dir);
}
