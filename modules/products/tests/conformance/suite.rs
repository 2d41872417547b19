//! The ProductStore conformance suite: each case is an async fn over `&dyn ProductStore`,
//! run against every adapter by `main.rs`.

use chrono::{Duration, Utc};
use futures::future::join_all;
use hme_products_contract::CatalogError;
use hme_products::domain::{ListQuery, NewProduct, PageRequest, Product, ProductFilter, ProductPatch, SortOrder};
use hme_products::store::{ProductStore, StockLine};
use mongodb::bson::Bson;

pub fn product(owner: &str, name: &str, price: f64, category: &str, stock: Option<i64>) -> Product {
    let now = hme_kernel::dates::now_millis();
    NewProduct {
        name: name.to_owned(),
        description: format!("{name} description"),
        category: category.to_owned(),
        price,
        offer_price: 0.0,
        image: vec![format!("https://img.test/{name}.jpg")],
        tags: vec!["demo".into()],
        stock,
    }
    .into_product(owner, now)
}

pub async fn insert_then_get_returns_an_equal_product(store: &dyn ProductStore) {
    let mut p = product("u1", "Buds", 1999.5, "Earphone", None);
    p.extra.insert("vendorCode", "X-1");
    store.insert(&p).await.unwrap();
    let back = store.get(&p.id).await.unwrap().unwrap();
    assert_eq!(back, p);
    assert!(store.get(&mongodb::bson::oid::ObjectId::new()).await.unwrap().is_none());
    assert_eq!(store.count().await.unwrap(), 1);
}

pub async fn list_filters_sorts_and_pages(store: &dyn ProductStore) {
    let mut all = Vec::new();
    for (i, (name, price, cat)) in [("Alpha Buds", 500.0, "Earphone"), ("Beta Watch", 3000.0, "Watch"), ("Gamma Buds", 1500.0, "Earphone"), ("Delta Phone", 90000.0, "Smartphone")].iter().enumerate() {
        let mut p = product(if i % 2 == 0 { "u1" } else { "u2" }, name, *price, cat, None);
        p.date = hme_kernel::dates::now_millis() - Duration::days(10 - i64::try_from(i).unwrap());
        p.promotion = i == 2;
        store.insert(&p).await.unwrap();
        all.push(p);
    }
    let every = store.list(&ListQuery::default()).await.unwrap();
    assert_eq!(every.products, all, "natural order is insertion order");
    assert_eq!(every.total, 4);
    let q = |filter: ProductFilter, sort: SortOrder, page: Option<PageRequest>| ListQuery { filter, sort, page };
    let ear = store.list(&q(ProductFilter { category: Some("Earphone".into()), ..Default::default() }, SortOrder::PriceDesc, None)).await.unwrap();
    assert_eq!(ear.products.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Gamma Buds", "Alpha Buds"]);
    let text = store.list(&q(ProductFilter { text: Some("buds".into()), ..Default::default() }, SortOrder::PriceAsc, None)).await.unwrap();
    assert_eq!(text.products.len(), 2);
    let priced = store.list(&q(ProductFilter { min_price: Some(1000.0), max_price: Some(5000.0), ..Default::default() }, SortOrder::PriceAsc, None)).await.unwrap();
    assert_eq!(priced.products.iter().map(|p| p.price.get()).collect::<Vec<_>>(), [1500.0, 3000.0]);
    let promo = store.list(&q(ProductFilter { promotion: Some(true), ..Default::default() }, SortOrder::Natural, None)).await.unwrap();
    assert_eq!(promo.products.len(), 1);
    let newest = store.list(&q(ProductFilter::default(), SortOrder::DateDesc, Some(PageRequest { page: 2, limit: 3 }))).await.unwrap();
    assert_eq!((newest.products.len(), newest.total), (1, 4));
    assert_eq!(newest.products[0].name, "Alpha Buds");
    let mine = store.list(&q(ProductFilter { user_id: Some("u2".into()), ..Default::default() }, SortOrder::Natural, None)).await.unwrap();
    assert_eq!(mine.products.len(), 2);
}

pub async fn regex_characters_in_a_search_match_literally(store: &dyn ProductStore) {
    store.insert(&product("u1", "Cable (USB-C) 1.0m", 500.0, "Accessories", None)).await.unwrap();
    store.insert(&product("u1", "Cable USB 100m", 500.0, "Accessories", None)).await.unwrap();
    let q = ListQuery { filter: ProductFilter { text: Some("(USB-C) 1.0".into()), ..Default::default() }, ..Default::default() };
    let found = store.list(&q).await.unwrap();
    assert_eq!(found.products.len(), 1, "{:?}", found.products);
}

pub async fn update_owned_only_touches_the_owners_product(store: &dyn ProductStore) {
    let p = product("u1", "Watch", 3000.0, "Watch", None);
    store.insert(&p).await.unwrap();
    let patch = ProductPatch { name: Some("Watch 2".into()), price: Some(2500.0), offer_price: Some(0.0), ..Default::default() };
    let now = hme_kernel::dates::now_millis();
    assert!(store.update_owned(&p.id, "u2", &patch, now).await.unwrap().is_none());
    let updated = store.update_owned(&p.id, "u1", &patch, now).await.unwrap().unwrap();
    assert_eq!((updated.name.as_str(), updated.price.get(), updated.updated_at), ("Watch 2", 2500.0, Some(now)));
    assert_eq!(store.get(&p.id).await.unwrap().unwrap(), updated);
}

pub async fn delete_owned_returns_the_deleted_product_once(store: &dyn ProductStore) {
    let p = product("u1", "Phone", 90000.0, "Smartphone", None);
    store.insert(&p).await.unwrap();
    assert!(store.delete_owned(&p.id, "u2", hme_products::service::announce_deleted).await.unwrap().is_none());
    assert_eq!(store.delete_owned(&p.id, "u1", hme_products::service::announce_deleted).await.unwrap().unwrap().id, p.id);
    assert!(store.delete_owned(&p.id, "u1", hme_products::service::announce_deleted).await.unwrap().is_none());
    assert!(store.get(&p.id).await.unwrap().is_none());
}

fn line(p: &Product, qty: u32) -> StockLine {
    StockLine { product_id: p.id, qty }
}

async fn stock_of(store: &dyn ProductStore, p: &Product) -> (Option<i64>, bool) {
    let back = store.get(&p.id).await.unwrap().unwrap();
    (back.stock(), back.in_stock)
}

const LEASE: chrono::Duration = chrono::Duration::seconds(30);

/// A hold past its lease is given back once by `expire_holds`; a confirmed one never.
pub async fn expired_holds_are_given_back_once_and_confirmed_ones_kept(store: &dyn ProductStore) {
    let a = product("u1", "Leased", 100.0, "Accessories", Some(5));
    store.insert(&a).await.unwrap();
    let then = Utc::now() - chrono::Duration::seconds(120);
    store.reserve_stock("lease-dead", &[line(&a, 2)], then, chrono::Duration::seconds(1)).await.unwrap();
    store.reserve_stock("lease-kept", &[line(&a, 1)], then, chrono::Duration::seconds(1)).await.unwrap();
    store.confirm_stock("lease-kept", then).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (Some(2), true));
    let now = Utc::now();
    assert_eq!(store.expire_holds(now).await.unwrap(), 1);
    assert_eq!(store.expire_holds(now).await.unwrap(), 0, "never twice");
    assert_eq!(stock_of(store, &a).await, (Some(4), true), "the confirmed hold keeps its unit");
    assert_eq!(store.confirm_stock("lease-dead", now).await, Err(CatalogError::Released("lease-dead".into())));
}

pub async fn reserve_is_all_or_nothing(store: &dyn ProductStore) {
    let a = product("u1", "A", 100.0, "Accessories", Some(5));
    let b = product("u1", "B", 100.0, "Accessories", Some(1));
    store.insert(&a).await.unwrap();
    store.insert(&b).await.unwrap();
    let now = Utc::now();
    let err = store.reserve_stock("r1", &[line(&a, 2), line(&b, 2)], now, LEASE).await.unwrap_err();
    assert_eq!(err, CatalogError::OutOfStock { product_id: b.id.to_hex(), available: 1 });
    assert_eq!(stock_of(store, &a).await, (Some(5), true), "the first line was given back");
    let missing = product("u1", "Missing", 1.0, "X", None);
    let err = store.reserve_stock("r2", &[line(&a, 1), line(&missing, 1)], now, LEASE).await.unwrap_err();
    assert_eq!(err, CatalogError::NotFound(missing.id.to_hex()));
    assert_eq!(stock_of(store, &a).await, (Some(5), true));
    store.reserve_stock("r3", &[line(&a, 2), line(&b, 1)], now, LEASE).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (Some(3), true));
    assert_eq!(stock_of(store, &b).await, (Some(0), false), "stock 0 means out of stock");
}

pub async fn reserve_and_release_are_idempotent_by_reservation_id(store: &dyn ProductStore) {
    let a = product("u1", "A", 100.0, "Accessories", Some(5));
    store.insert(&a).await.unwrap();
    let now = Utc::now();
    store.reserve_stock("order-1", &[line(&a, 2)], now, LEASE).await.unwrap();
    store.reserve_stock("order-1", &[line(&a, 2)], now, LEASE).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (Some(3), true), "a retried reserve takes nothing twice");
    store.release_stock("order-1", now).await.unwrap();
    store.release_stock("order-1", now).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (Some(5), true), "a release gives back once");
    let again = store.reserve_stock("order-1", &[line(&a, 2)], now, LEASE).await.unwrap_err();
    assert_eq!(again, CatalogError::Released("order-1".into()));
    store.release_stock("never-reserved", now).await.unwrap();
    assert!(store.reserve_stock("never-reserved", &[line(&a, 1)], now, LEASE).await.is_err(), "a late reserve after its release takes nothing");
    assert_eq!(stock_of(store, &a).await, (Some(5), true));
}

pub async fn releasing_a_sold_out_product_puts_it_back_in_stock(store: &dyn ProductStore) {
    let a = product("u1", "A", 100.0, "Accessories", Some(1));
    store.insert(&a).await.unwrap();
    let now = Utc::now();
    store.reserve_stock("o1", &[line(&a, 1)], now, LEASE).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (Some(0), false));
    store.release_stock("o1", now).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (Some(1), true));
}

pub async fn products_without_stock_are_unlimited_but_must_be_in_stock(store: &dyn ProductStore) {
    let a = product("u1", "Unlimited", 100.0, "Accessories", None);
    store.insert(&a).await.unwrap();
    let now = Utc::now();
    store.reserve_stock("u-1", &[line(&a, 1000)], now, LEASE).await.unwrap();
    assert_eq!(stock_of(store, &a).await, (None, true));
    let patch = ProductPatch { in_stock: Some(false), ..Default::default() };
    store.update_owned(&a.id, "u1", &patch, now).await.unwrap();
    let err = store.reserve_stock("u-2", &[line(&a, 1)], now, LEASE).await.unwrap_err();
    assert_eq!(err, CatalogError::OutOfStock { product_id: a.id.to_hex(), available: 0 });
}

pub async fn concurrent_reservations_never_oversell(store: &dyn ProductStore) {
    let a = product("u1", "Hot item", 100.0, "Accessories", Some(7));
    store.insert(&a).await.unwrap();
    let now = Utc::now();
    let ids: Vec<String> = (0..50).map(|i| format!("race-{i}")).collect();
    let lines = vec![line(&a, 1)];
    let attempts = ids.iter().map(|rid| store.reserve_stock(rid, &lines, now, LEASE));
    let results = join_all(attempts).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 7, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(CatalogError::OutOfStock { .. }))), "{results:?}");
    assert_eq!(stock_of(store, &a).await, (Some(0), false));
}

pub async fn numbers_stored_as_int32_int64_or_double_are_read(store: &dyn ProductStore) {
    // Through the document form: the same reader serves both adapters.
    for price in [Bson::Int32(1500), Bson::Int64(1500), Bson::Double(1500.0)] {
        let mut doc = product("u1", "Typed", 1.0, "Watch", None).to_document();
        doc.insert("price", price.clone());
        doc.remove("views");
        let p = Product::from_document(&doc).unwrap();
        store.insert(&p).await.unwrap();
        let back = store.get(&p.id).await.unwrap().unwrap();
        assert_eq!((back.price.get(), back.views.get()), (1500.0, 0.0), "{price:?}");
    }
}
