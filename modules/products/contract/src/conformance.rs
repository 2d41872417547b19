//! The conformance suites of the products ports ([`Catalog`], [`SalesLedger`],
//! [`ProductImages`]), over any implementation: the products module in process, or the
//! `Remote*` clients over HTTP against a running hme. The data a
//! case needs is created through a fixture (the owning module's own API).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::{Catalog, CatalogError, ProductImages, SalesLedger};

/// Creates products for the catalog suite.
/// (Not `Send`: fixtures may drive an actix test service.)
#[async_trait(?Send)]
pub trait CatalogFixture {
    /// Adds a product named `name` with price 5000, offer price 4500, in stock, with
    /// `stock` units (None: the product does not count stock); returns its id.
    async fn add_product(&self, name: &str, stock: Option<i64>) -> String;
    /// The product `id` as `GET /api/product/{id}` shows it (its `product` object).
    async fn product(&self, id: &str) -> serde_json::Value;
}

const UNKNOWN: &str = "665f1c2b9a1e4b0012345678";

async fn stock_of(catalog: &dyn Catalog, id: &str) -> (Option<i64>, bool) {
    let p = catalog.products_by_ids(&[id.to_owned()]).await.unwrap_or_default();
    p.first().map(|p| (p.stock, p.in_stock)).unwrap_or((Some(-1), false))
}

/// Every catalog case, one after the other.
pub async fn catalog_suite(catalog: Arc<dyn Catalog>, fixture: &dyn CatalogFixture) {
    products_by_ids_returns_known_products_once_in_request_order(catalog.as_ref(), fixture).await;
    reserve_is_all_or_nothing(catalog.as_ref(), fixture).await;
    reserve_and_release_are_idempotent_and_a_released_id_is_spent(catalog.as_ref(), fixture).await;
    confirm_is_idempotent_and_a_released_hold_cannot_be_confirmed(catalog.as_ref(), fixture).await;
    unknown_or_malformed_products_are_not_found(catalog.as_ref()).await;
    products_without_a_stock_count_are_unlimited(catalog.as_ref(), fixture).await;
    product_documents_are_the_mongoose_json(catalog.as_ref(), fixture).await;
    concurrent_reservations_never_oversell(catalog, fixture).await;
}

/// `products_by_ids`: known products once each, in the order first asked.
pub async fn products_by_ids_returns_known_products_once_in_request_order(catalog: &dyn Catalog, fixture: &dyn CatalogFixture) {
    let a = fixture.add_product("Port A", Some(3)).await;
    let b = fixture.add_product("Port B", None).await;
    let ids = vec![b.clone(), "not-an-id".into(), a.clone(), b.clone(), UNKNOWN.into()];
    let found = catalog.products_by_ids(&ids).await.unwrap_or_else(|e| panic!("products_by_ids: {e}"));
    assert_eq!(found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [b.as_str(), a.as_str()]);
    assert_eq!((found[0].name.as_str(), found[0].price, found[0].offer_price, found[0].unit_price), ("Port B", 5000.0, 4500.0, 4500.0));
    assert_eq!((found[0].stock, found[1].stock, found[1].in_stock), (None, Some(3), true));
    assert!(catalog.products_by_ids(&[]).await.unwrap_or_else(|e| panic!("{e}")).is_empty());
}

/// `reserve`: one line short of stock takes nothing from any line.
pub async fn reserve_is_all_or_nothing(catalog: &dyn Catalog, fixture: &dyn CatalogFixture) {
    let a = fixture.add_product("Plenty", Some(3)).await;
    let b = fixture.add_product("Scarce", Some(1)).await;
    let answer = catalog.reserve("conf-all-or-nothing", &[(a.clone(), 2), (b.clone(), 2)]).await;
    assert_eq!(answer, Err(CatalogError::OutOfStock { product_id: b.clone(), available: 1 }));
    assert_eq!(stock_of(catalog, &a).await, (Some(3), true), "the other line must be untouched");
    assert_eq!(stock_of(catalog, &b).await, (Some(1), true));
}

/// `reserve` twice with one id takes once; `release` gives back once; the id is spent.
pub async fn reserve_and_release_are_idempotent_and_a_released_id_is_spent(catalog: &dyn Catalog, fixture: &dyn CatalogFixture) {
    let a = fixture.add_product("Twice", Some(5)).await;
    let rid = format!("conf-idem-{a}");
    catalog.reserve(&rid, &[(a.clone(), 2)]).await.unwrap_or_else(|e| panic!("reserve: {e}"));
    catalog.reserve(&rid, &[(a.clone(), 2)]).await.unwrap_or_else(|e| panic!("reserve again: {e}"));
    assert_eq!(stock_of(catalog, &a).await, (Some(3), true));
    catalog.release(&rid, &[(a.clone(), 2)]).await.unwrap_or_else(|e| panic!("release: {e}"));
    catalog.release(&rid, &[(a.clone(), 2)]).await.unwrap_or_else(|e| panic!("release again: {e}"));
    assert_eq!(stock_of(catalog, &a).await, (Some(5), true));
    assert_eq!(catalog.reserve(&rid, &[(a.clone(), 1)]).await, Err(CatalogError::Released(rid.clone())));
    catalog.release("conf-never-reserved", &[(a.clone(), 1)]).await.unwrap_or_else(|e| panic!("release unknown: {e}"));
    assert_eq!(stock_of(catalog, &a).await, (Some(5), true));
}

/// `confirm` twice is Ok and keeps the stock taken; a released hold is `Released`.
pub async fn confirm_is_idempotent_and_a_released_hold_cannot_be_confirmed(catalog: &dyn Catalog, fixture: &dyn CatalogFixture) {
    let a = fixture.add_product("Confirmed", Some(4)).await;
    let rid = format!("conf-confirm-{a}");
    catalog.reserve_for(&rid, &[(a.clone(), 3)], std::time::Duration::from_secs(60)).await.unwrap_or_else(|e| panic!("reserve: {e}"));
    catalog.confirm(&rid).await.unwrap_or_else(|e| panic!("confirm: {e}"));
    catalog.confirm(&rid).await.unwrap_or_else(|e| panic!("confirm again: {e}"));
    assert_eq!(stock_of(catalog, &a).await, (Some(1), true));
    catalog.release(&rid, &[]).await.unwrap_or_else(|e| panic!("release: {e}"));
    assert_eq!(stock_of(catalog, &a).await, (Some(4), true), "a confirmed hold is given back once (cancel)");
    assert_eq!(catalog.confirm(&rid).await, Err(CatalogError::Released(rid.clone())));
}

/// `reserve` of an unknown or malformed id: `NotFound` naming it.
pub async fn unknown_or_malformed_products_are_not_found(catalog: &dyn Catalog) {
    assert_eq!(catalog.reserve("conf-nf-1", &[(UNKNOWN.into(), 1)]).await, Err(CatalogError::NotFound(UNKNOWN.into())));
    assert_eq!(catalog.reserve("conf-nf-2", &[("nope".into(), 1)]).await, Err(CatalogError::NotFound("nope".into())));
}

/// A product without a stock count can always be reserved and keeps no count.
pub async fn products_without_a_stock_count_are_unlimited(catalog: &dyn Catalog, fixture: &dyn CatalogFixture) {
    let a = fixture.add_product("Unlimited", None).await;
    catalog.reserve(&format!("conf-unl-{a}"), &[(a.clone(), 1000)]).await.unwrap_or_else(|e| panic!("reserve: {e}"));
    assert_eq!(stock_of(catalog, &a).await, (None, true));
}

/// `product_documents`: mongoose JSON of the existing products only.
pub async fn product_documents_are_the_mongoose_json(catalog: &dyn Catalog, fixture: &dyn CatalogFixture) {
    let a = fixture.add_product("Documented", Some(2)).await;
    let docs = catalog.product_documents(&[a.clone(), "bad".into(), UNKNOWN.into()]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), 1);
    assert_eq!((docs[0]["_id"].clone(), docs[0]["id"].clone()), (json!(a), json!(a)));
    assert_eq!((docs[0]["name"].clone(), docs[0]["effectivePrice"].clone()), (json!("Documented"), json!(4500)));
}

/// Twenty concurrent reservations of one unit against a stock of seven: exactly seven.
pub async fn concurrent_reservations_never_oversell(catalog: Arc<dyn Catalog>, fixture: &dyn CatalogFixture) {
    let id = fixture.add_product("Limited", Some(7)).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (catalog, id) = (Arc::clone(&catalog), id.clone());
            tokio::spawn(async move { catalog.reserve(&format!("conf-race-{id}-{i}"), &[(id, 1)]).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(())) => ok += 1,
            Ok(Err(CatalogError::OutOfStock { available, .. })) => assert!(available >= 0),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 7);
    assert_eq!(stock_of(catalog.as_ref(), &id).await, (Some(0), false));
}

/// [`SalesLedger`]: an event's lines are counted once (a replay answers false and counts
/// nothing), unknown and malformed ids are skipped.
pub async fn sales_suite(ledger: &dyn SalesLedger, fixture: &dyn CatalogFixture) {
    let id = fixture.add_product("Counted", Some(4)).await;
    let event = uuid::Uuid::new_v4();
    assert!(ledger.record_sales(event, &[(id.clone(), 3), ("not-an-id".into(), 1), (UNKNOWN.into(), 2)]).await.unwrap_or_else(|e| panic!("{e}")));
    assert!(!ledger.record_sales(event, &[(id.clone(), 3)]).await.unwrap_or_else(|e| panic!("{e}")), "the same event is counted once");
    assert_eq!(fixture.product(&id).await["sales"], json!(3));
    assert!(ledger.record_sales(uuid::Uuid::new_v4(), &[(id.clone(), 1)]).await.unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(fixture.product(&id).await["sales"], json!(4), "another event adds up");
}

/// [`ProductImages`]: the URLs some product uses, compared exactly; others left out.
pub async fn product_images_suite(images: &dyn ProductImages, fixture: &dyn CatalogFixture) {
    let id = fixture.add_product("Pictured", None).await;
    let image = fixture.product(&id).await["image"][0].as_str().unwrap_or_else(|| panic!("the product has an image")).to_owned();
    let asked = [image.clone(), format!("{image}?v=2"), "https://elsewhere.test/unused.jpg".into()];
    let used = images.referenced(&asked).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(used, [image].into_iter().collect());
    assert!(images.referenced(&[]).await.unwrap_or_else(|e| panic!("{e}")).is_empty());
}
