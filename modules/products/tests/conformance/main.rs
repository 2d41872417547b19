//! Conformance of every ProductStore adapter, and the Catalog port over each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod catalog;
mod suite;

use std::sync::Arc;

use hme_products::adapters::{EmbeddedProductStore, MongoProductStore};
use hme_products::store::ProductStore;

pub async fn embedded_store() -> (Arc<dyn ProductStore>, tempfile::TempDir) {
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    (Arc::new(EmbeddedProductStore::open(db).unwrap()), dir)
}

pub async fn mongo_store() -> Option<Arc<dyn ProductStore>> {
    let db = hme_kernel::testing::mongo_test_db().await?;
    Some(Arc::new(MongoProductStore::open(&db).await.unwrap()))
}

/// One test per (case, adapter): `<case>::embedded` and `<case>::mongodb`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn embedded() {
                let (store, _dir) = super::embedded_store().await;
                super::suite::$case(store.as_ref()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mongodb() {
                let Some(store) = super::mongo_store().await else { return };
                super::suite::$case(store.as_ref()).await;
            }
        }
    )*};
}

conformance!(
    insert_then_get_returns_an_equal_product,
    list_filters_sorts_and_pages,
    regex_characters_in_a_search_match_literally,
    update_owned_only_touches_the_owners_product,
    delete_owned_returns_the_deleted_product_once,
    reserve_is_all_or_nothing,
    reserve_and_release_are_idempotent_by_reservation_id,
    releasing_a_sold_out_product_puts_it_back_in_stock,
    products_without_stock_are_unlimited_but_must_be_in_stock,
    concurrent_reservations_never_oversell,
    expired_holds_are_given_back_once_and_confirmed_ones_kept,
    numbers_stored_as_int32_int64_or_double_are_read,
);
