//! Database round trips of placing an order on MongoDB, counted through the driver's
//! command monitoring ([`tally`]: the commands the request sent, background loops such
//! as the outbox relay and the liveness heartbeat excluded). The customers port here is
//! the test's `People` over the real `addresses` and `users` collections, with the same
//! commands as the auth module's (`find` an address, `find` a user, `update` the cart).

use actix_web::http::StatusCode;
use hme_kernel::telemetry::mongo::{tally, SentCommand};
use serde_json::json;

use crate::support::{customer, order_body, Reply, TestApp, CUSTOMER};

/// The request's commands as `name collection`, without the liveness record: before a
/// transaction, the transaction helper writes the session's id into this process's
/// instance document (`update hme_instances`) unless that pooled session is already
/// recorded and the document was confirmed within `dead_after / 2` (a heartbeat a
/// second keeps it so). Whether it is sent depends on the pool and the clock, so it is
/// checked apart: at most one per transaction.
fn split(sent: &[SentCommand], transactions: usize) -> Vec<String> {
    let liveness = sent.iter().filter(|c| c.collection.as_deref() == Some(hme_kernel::liveness::INSTANCES)).count();
    assert!(liveness <= transactions, "{liveness} liveness records for {transactions} transactions: {sent:?}");
    sent.iter().filter(|c| c.collection.as_deref() != Some(hme_kernel::liveness::INSTANCES)).map(ToString::to_string).collect()
}

async fn place(app: &TestApp, body: serde_json::Value, key: Option<&str>) -> (Reply, Vec<SentCommand>) {
    let (r, sent) = tally(app.create(&customer(), body, key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    (r, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn placing_an_order_of_two_stocked_lines_is_thirteen_commands_in_two_transactions() {
    let Some(app) = TestApp::mongo().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Buds", 5000.0, 0.0, Some(10)).await;
    let b = app.product("Watch", 2000.0, 0.0, Some(10)).await;
    let body = order_body(&address, &[(&a, json!(1)), (&b, json!(2))]);
    // A first order: the pooled sessions get recorded in the instance document.
    place(&app, body.clone(), None).await;
    let (_, sent) = place(&app, body, None).await;
    let expected = [
        // The address (customers port) and the products, priced (catalog port): one
        // `find` each, the products' answer in one batch (limit = number of ids).
        "find addresses",
        "find products",
        // The stock hold, one transaction: is this reservation id already held (the
        // port is idempotent), one conditional decrement per line, the hold, commit.
        // (`startTransaction` rides on the first command: no round trip of its own.)
        "find stock_reservations",
        "findAndModify products",
        "findAndModify products",
        "insert stock_reservations",
        "commitTransaction",
        // The customer's name and email for the order.created event.
        "find users",
        // The order, one transaction: confirm the hold, the order, its outbox entry,
        // commit. (Only a retried attempt first reads whether an earlier one committed
        // with its reply lost: the first one's order id is new.)
        "update stock_reservations",
        "insert orders",
        "insert outbox",
        "commitTransaction",
        // The cart emptied, as the legacy did.
        "update users",
    ];
    assert_eq!(split(&sent, 2), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unlimited_line_costs_one_read_in_the_hold_and_a_key_five_more() {
    let Some(app) = TestApp::mongo().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Cable", 500.0, 0.0, None).await;
    place(&app, order_body(&address, &[(&a, json!(1))]), None).await;
    let (_, sent) = place(&app, order_body(&address, &[(&a, json!(1))]), Some("k-1")).await;
    let expected = [
        // Idempotency-Key: is there a finished order for it?
        "find order_idempotency",
        "find addresses",
        "find products",
        // The key claimed (read, then a short insert outside any transaction).
        "find order_idempotency",
        "insert order_idempotency",
        "find stock_reservations",
        // No `stock` field when priced just before: the product is read in the
        // transaction's snapshot, still unlimited, so no decrement is tried.
        "find products",
        "insert stock_reservations",
        "commitTransaction",
        "find users",
        // The claim is still ours (read in the transaction) ...
        "find order_idempotency",
        "update stock_reservations",
        "insert orders",
        "insert outbox",
        // ... and becomes the key's record as the transaction's last write.
        "update order_idempotency",
        "commitTransaction",
        "update users",
    ];
    assert_eq!(split(&sent, 2), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_product_seen_unlimited_that_got_a_stock_since_is_counted_by_the_hold() {
    // The hold reads a product last seen unlimited first; found stocked after all, the
    // line is taken by the conditional decrement as any stocked line: the stock counts.
    let Some(app) = TestApp::mongo().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Charger", 900.0, 0.0, None).await;
    place(&app, order_body(&address, &[(&a, json!(1))]), None).await;
    let products = app.mongo.as_ref().unwrap().collection::<mongodb::bson::Document>("products");
    let id = mongodb::bson::oid::ObjectId::parse_str(&a).unwrap();
    products.update_one(mongodb::bson::doc! {"_id": id}, mongodb::bson::doc! {"$set": {"stock": 2}}).await.unwrap();
    let catalog = app.products.catalog();
    let lease = std::time::Duration::from_secs(60);
    let (err, sent) = tally(catalog.reserve_for("seen-unlimited-1", &[(a.clone(), 3)], lease)).await;
    assert!(matches!(err, Err(hme_products_contract::CatalogError::OutOfStock { available: 2, .. })), "{err:?}");
    assert!(sent.iter().any(|c| c.to_string() == "findAndModify products"), "the stocked line went the decrement's way: {sent:?}");
    catalog.reserve_for("seen-unlimited-2", &[(a.clone(), 2)], lease).await.unwrap();
    let left = products.find_one(mongodb::bson::doc! {"_id": id}).await.unwrap().unwrap();
    assert_eq!(left.get_i32("stock").ok().map(i64::from).or_else(|| left.get_i64("stock").ok()), Some(0), "{left:?}");
    assert_eq!(left.get_bool("inStock").ok(), Some(false));
}
