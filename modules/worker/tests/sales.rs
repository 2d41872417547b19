//! `order.created` → products' sales counters, once per event, on redb and MongoDB.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_kernel::module::Platform;
use hme_kernel::testing::{embedded_test_db, mongo_test_db};
use hme_products::adapters::{EmbeddedProductStore, MongoProductStore};
use hme_products::{ProductStore, ProductsModule, ProductsSettings};
use hme_worker::metrics::Outcome;
use hme_worker::WorkerPorts;
use mongodb::bson::oid::ObjectId;
use support::*;

async fn counters(store: &dyn ProductStore, id: &str) -> (f64, f64) {
    let p = store.get(&ObjectId::parse_str(id).unwrap()).await.unwrap().unwrap();
    (p.sales.get(), p.views.get())
}

async fn sales_are_counted_once_per_event(platform: Platform, store: Arc<dyn ProductStore>) {
    let products = ProductsModule::build(&platform, ProductsSettings::default()).await.unwrap();
    products.seed_demo(&Default::default()).await.unwrap();
    let ids: Vec<String> = hme_products::seed::demo_products(&Default::default()).iter().take(2).map(|p| p.id.to_hex()).collect();
    let before = [counters(store.as_ref(), &ids[0]).await, counters(store.as_ref(), &ids[1]).await];
    let outbox = tempfile::tempdir().unwrap();
    let settings = hme_worker::WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..hme_worker::WorkerSettings::default() };
    let ports = WorkerPorts { sales: Some(products.sales(&platform)), ..WorkerPorts::default() };
    let worker = start_worker(&platform, &settings, ports).await;
    let handler = worker.handlers().into_iter().find(|h| h.consumer() == "inventory.sales").unwrap();

    let event = EventEnvelope::new("order.created", order_created(Some("c@example.com"), &[&ids[0], &ids[1], "not-an-id"]));
    platform.events.publish(&event).await.unwrap();
    let m = worker.metrics();
    assert!(wait_until(|| m.get("inventory.sales", "order.created", Outcome::Processed) == 1, 15).await, "{}", m.render());
    handler.handle(&event).await.unwrap();
    products.sales(&platform).record_sales(event.id, &[(ids[0].clone(), 5)]).await.unwrap();

    let after = [counters(store.as_ref(), &ids[0]).await, counters(store.as_ref(), &ids[1]).await];
    assert_eq!(after[0].0, before[0].0 + 1.0, "quantity 1 added once");
    assert_eq!(after[1].0, before[1].0 + 2.0, "quantity 2 added once");
    assert_eq!((after[0].1, after[1].1), (before[0].1, before[1].1), "views untouched");
}

#[tokio::test]
async fn embedded_sales_counters_grow_once_per_event() {
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db.clone()));
    let store = Arc::new(EmbeddedProductStore::open(db).unwrap());
    sales_are_counted_once_per_event(platform, store).await;
}

#[tokio::test]
async fn mongo_sales_counters_grow_once_per_event() {
    let Some(mongo) = mongo_test_db().await else { return };
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Mongo(mongo.clone()), embedded_bus(db));
    let store = Arc::new(MongoProductStore::open(&mongo).await.unwrap());
    sales_are_counted_once_per_event(platform, store).await;
    let markers = mongo.collection::<mongodb::bson::Document>("sales_events").count_documents(mongodb::bson::doc! {}).await.unwrap();
    assert_eq!(markers, 1, "one marker per event");
}
