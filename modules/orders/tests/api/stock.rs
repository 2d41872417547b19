//! No oversell under concurrency, and idempotent retries.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{assert_conserved, customer, holds, order_body, place_direct, req, TestApp, CUSTOMER};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_orders_against_stock_five_sell_exactly_five() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Limited", 100.0, 0.0, Some(5)).await;
        let tasks: Vec<_> = (0..30)
            .map(|_| {
                let (service, body) = (app.orders.service(), order_body(&address, &[(&a, json!(1))]));
                tokio::spawn(async move { place_direct(service, CUSTOMER, body, None).await.0 })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 5, "{}: {statuses:?}", app.backend);
        assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{statuses:?}");
        assert_eq!(app.stock(&a).await, Some(0), "{}", app.backend);
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert_eq!(list.body["orders"].as_array().unwrap().len(), 5);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_create_with_the_same_idempotency_key_answers_the_first_order_and_takes_stock_once() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(10)).await;
        let body = order_body(&address, &[(&a, json!(2))]);
        let first = app.create(&customer(), body.clone(), Some("checkout-1")).await;
        let again = app.create(&customer(), body.clone(), Some("checkout-1")).await;
        assert_eq!((first.status, again.status), (StatusCode::OK, StatusCode::OK), "{}", again.raw);
        assert_eq!(first.body, again.body);
        assert_eq!(app.stock(&a).await, Some(8));
        let other = app.create(&customer(), body, Some("checkout-2")).await;
        assert_ne!(other.body["orderId"], first.body["orderId"]);
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert_eq!(list.body["orders"].as_array().unwrap().len(), 2, "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_twins_with_one_idempotency_key_place_one_order_and_give_the_loser_stock_back() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(10)).await;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (service, body) = (app.orders.service(), order_body(&address, &[(&a, json!(1))]));
                tokio::spawn(async move { place_direct(service, CUSTOMER, body, Some("twin")).await })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            assert_eq!(status, StatusCode::OK, "{body}");
            ids.push(body["orderId"].clone());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{}: {ids:?}", app.backend);
        assert_eq!(app.stock(&a).await, Some(9), "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_idempotency_key_places_a_new_order() {
    for app in TestApp::all().await {
        let s = hme_orders::OrdersSettings { idempotency_ttl_secs: 0, ..crate::support::settings() };
        let app = app.restart(s, None).await;
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, None).await;
        let first = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("k")).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let second = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("k")).await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.raw);
        assert_ne!(first.body["orderId"], second.body["orderId"], "{}", app.backend);
    }
}

/// A deterministic pseudo-random sequence (xorshift), seeded and printed by each test.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_multi_line_orders_on_scarce_stock_sell_every_unit_and_refuse_only_what_could_not_be_filled() {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    println!("seed {seed}");
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let mut products = Vec::new();
        for i in 0..5 {
            products.push(app.product(&format!("Scarce {i}"), 100.0, 0.0, Some(20)).await);
        }
        let mut rng = Rng(seed);
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let n = 1 + rng.next(3) as usize;
                let mut lines: Vec<(String, i64)> = Vec::new();
                while lines.len() < n {
                    let p = products[rng.next(5) as usize].clone();
                    if !lines.iter().any(|(q, _)| *q == p) {
                        lines.push((p, 1 + rng.next(2) as i64));
                    }
                }
                let items: Vec<(&str, serde_json::Value)> = lines.iter().map(|(p, q)| (p.as_str(), json!(q))).collect();
                let (service, body) = (app.orders.service(), order_body(&address, &items));
                tokio::spawn(async move { (place_direct(service, CUSTOMER, body, None).await, lines) })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        let elapsed = started.elapsed();
        let mut sold = std::collections::HashMap::<String, i64>::new();
        let (mut ok, mut refused) = (0, Vec::new());
        for ((status, body), lines) in &outcomes {
            match *status {
                StatusCode::OK => {
                    ok += 1;
                    for (p, q) in lines {
                        *sold.entry(p.clone()).or_default() += q;
                    }
                }
                StatusCode::CONFLICT => refused.push(lines.clone()),
                other => panic!("{}: {other}: {body}", app.backend),
            }
        }
        let mut left = std::collections::HashMap::new();
        for p in &products {
            let stock = app.stock(p).await.unwrap();
            assert!(stock >= 0, "{}: oversold {p}: {stock}", app.backend);
            assert_eq!(stock + sold.get(p).copied().unwrap_or(0), 20, "{}: {p}", app.backend);
            assert_conserved(&app, p, 20).await;
            left.insert(p.clone(), stock);
        }
        // A refused order could not be filled even now: some line wants more than is left.
        for lines in &refused {
            assert!(lines.iter().any(|(p, q)| left[p] < *q), "{}: refused {lines:?} though {left:?} is left", app.backend);
        }
        // Every unit sold that any order could have taken: only units no refused order
        // could use (fewer than its line wanted) are left.
        let total_left: i64 = left.values().sum();
        println!("{}: {ok} orders placed, {} refused, {} units left, in {elapsed:?}", app.backend, refused.len(), total_left);
        assert!(holds(&app, "held").await.is_empty(), "{}: every hold confirmed or given back", app.backend);
        // Whatever is left is really there: one order for all of it goes through and
        // empties every product (the final counts depend on the interleaving; that the
        // shown stock can be sold does not).
        let rest: Vec<(&str, serde_json::Value)> =
            left.iter().filter(|(_, l)| **l > 0).map(|(p, l)| (p.as_str(), json!(l))).collect();
        if !rest.is_empty() {
            let (status, body) = place_direct(app.orders.service(), CUSTOMER, order_body(&address, &rest), None).await;
            assert_eq!(status, StatusCode::OK, "{}: the {total_left} units left could not be sold: {body}", app.backend);
        }
        for p in &products {
            assert_eq!(app.stock(p).await, Some(0), "{}: {p}", app.backend);
            assert_conserved(&app, p, 20).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hold_whose_order_was_never_stored_is_given_back_when_its_lease_ends() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Leased", 100.0, 0.0, Some(5)).await;
        // A process that died between taking the stock and storing the order.
        let catalog = app.products.catalog();
        catalog.reserve_for(&mongodb::bson::oid::ObjectId::new().to_hex(), &[(a.clone(), 2)], std::time::Duration::from_secs(1)).await.unwrap();
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(app.stock(&a).await, Some(2));
        assert_conserved(&app, &a, 5).await;
        let started = std::time::Instant::now();
        while app.stock(&a).await != Some(4) && started.elapsed() < std::time::Duration::from_secs(10) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(app.stock(&a).await, Some(4), "{}: the expired hold is given back, the order's is kept", app.backend);
        assert_conserved(&app, &a, 5).await;
        println!("{}: expired hold given back {:?} after its lease", app.backend, started.elapsed());
        assert_eq!(holds(&app, "released").await.len(), 1);
        // Sweeping again gives nothing twice.
        app.products.service().expire_holds().await.unwrap();
        assert_eq!(app.stock(&a).await, Some(4));
        // Cancelling gives the order's stock back once.
        let id = r.body["orderId"].as_str().unwrap().to_owned();
        let c = app.call(req(Method::POST, "/api/order/cancel", Some(&customer()), json!({"orderId": id}))).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.raw);
        assert_eq!(app.stock(&a).await, Some(5), "{}", app.backend);
        assert_conserved(&app, &a, 5).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_after_the_first_attempt_died_holding_its_key_is_answered_within_seconds_taking_stock_once() {
    for app in TestApp::all().await {
        let s = hme_orders::OrdersSettings { idempotency_claim_secs: 2, ..crate::support::settings() };
        let app = app.restart(s, None).await;
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Retried", 100.0, 0.0, Some(5)).await;
        // The dead attempt: it claimed the key and took stock for its order, then died.
        let dead_order = mongodb::bson::oid::ObjectId::new().to_hex();
        let key_id = format!("{CUSTOMER}:after-crash");
        let until = chrono::Utc::now() + chrono::Duration::seconds(2);
        match &app.platform.documents {
            hme_kernel::backends::Documents::Mongo(db) => {
                let doc = mongodb::bson::doc! {"_id": &key_id, "state": "pending", "orderId": &dead_order, "until": mongodb::bson::DateTime::from_millis(until.timestamp_millis()), "createdAt": mongodb::bson::DateTime::now()};
                db.collection::<mongodb::bson::Document>("order_idempotency").insert_one(doc).await.unwrap();
            }
            hme_kernel::backends::Documents::Embedded(db) => {
                let txn = db.begin_write().unwrap();
                let v = json!({"id": key_id, "pendingOrderId": dead_order, "until": until});
                txn.open_table(redb::TableDefinition::<&str, &[u8]>::new("order_idempotency")).unwrap().insert(key_id.as_str(), serde_json::to_vec(&v).unwrap().as_slice()).unwrap();
                txn.commit().unwrap();
            }
        }
        app.products.catalog().reserve_for(&dead_order, &[(a.clone(), 1)], std::time::Duration::from_secs(1)).await.unwrap();
        let started = std::time::Instant::now();
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("after-crash")).await;
        let took = started.elapsed();
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
        assert!(took < std::time::Duration::from_secs(5), "{}: {took:?}", app.backend);
        println!("{}: retry after a dead claimant answered in {took:?}", app.backend);
        let again = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("after-crash")).await;
        assert_eq!(again.body, r.body, "replayed");
        // The dead attempt's hold expires; the order's is kept: stock taken once.
        let waited = std::time::Instant::now();
        while app.stock(&a).await != Some(4) && waited.elapsed() < std::time::Duration::from_secs(10) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(app.stock(&a).await, Some(4), "{}", app.backend);
        assert_conserved(&app, &a, 5).await;
    }
}

/// The "a retry after a crash is refused for a minute": the first attempt's
/// process was killed with its transaction open on the key and on the product's stock
/// (SecantusDB keeps it, and its locks, for 60 s). A client retrying with its key, as a
/// shop's client does (503 → wait 500 ms → again, for 20 s), gets its order placed once:
/// a live instance reaps the dead one's transaction within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_after_the_process_died_inside_a_transaction_is_placed_within_seconds_taking_stock_once() {
    use mongodb::bson::{doc, oid::ObjectId, DateTime};
    let Some(app) = TestApp::mongo().await else { return };
    let s = hme_orders::OrdersSettings { idempotency_claim_secs: 2, ..crate::support::settings() };
    let app = app.restart(s, None).await;
    let db = app.mongo.clone().unwrap();
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Locked", 100.0, 0.0, Some(5)).await;
    // The dead attempt claimed the key, then died inside a transaction writing the key and
    // the product's stock: nothing aborts that transaction but a reaper (or 60 s).
    let key_id = format!("{CUSTOMER}:died-in-txn");
    let until = DateTime::from_millis(DateTime::now().timestamp_millis() + 1000);
    let claim = doc! {"_id": &key_id, "state": "pending", "orderId": ObjectId::new().to_hex(), "until": until, "createdAt": DateTime::now()};
    db.collection::<mongodb::bson::Document>("order_idempotency").insert_one(claim).await.unwrap();
    let product = ObjectId::parse_str(&a).unwrap();
    hme_kernel::testing::die_in_transaction(&db, &[("order_idempotency", doc! {"_id": &key_id}, doc! {"$set": {"until": until}}), ("products", doc! {"_id": product}, doc! {"$inc": {"stock": -1}})]).await;

    let started = std::time::Instant::now();
    let mut tries = Vec::new();
    let r = loop {
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("died-in-txn")).await;
        tries.push(r.status.as_u16());
        if r.status != StatusCode::SERVICE_UNAVAILABLE || started.elapsed() > std::time::Duration::from_secs(20) {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    let took = started.elapsed();
    println!("retry after a process died inside a transaction: answered {} in {took:?} (statuses {tries:?})", r.status);
    assert_eq!(r.status, StatusCode::OK, "{took:?} {tries:?}: {}", r.raw);
    let again = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("died-in-txn")).await;
    assert_eq!(again.body, r.body, "replayed");
    assert_eq!(app.stock(&a).await, Some(4), "the dead transaction's decrement is rolled back, the order's is kept");
    assert_conserved(&app, &a, 5).await;
}
