//! Conformance of every UploadStore adapter: embedded redb and MongoDB.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;

use std::sync::Arc;

use hme_images::adapters::{EmbeddedUploadStore, MongoUploadStore};
use hme_images::uploads::UploadStore;

pub fn embedded_store() -> (Arc<dyn UploadStore>, tempfile::TempDir) {
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    (Arc::new(EmbeddedUploadStore::open(db).unwrap()), dir)
}

pub async fn mongo_store() -> Option<Arc<dyn UploadStore>> {
    let db = hme_kernel::testing::mongo_test_db().await?;
    Some(Arc::new(MongoUploadStore::open(&db).await.unwrap()))
}

/// One test per (case, adapter): `<case>::embedded` and `<case>::mongodb`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test]
            async fn embedded() {
                let (store, _dir) = super::embedded_store();
                super::suite::$case(store.as_ref()).await;
            }
            #[tokio::test]
            async fn mongodb() {
                let Some(store) = super::mongo_store().await else { return };
                super::suite::$case(store.as_ref()).await;
            }
        }
    )*};
}

conformance!(
    a_record_reads_back_equal_by_url_and_by_key,
    key_and_url_are_each_unique,
    delete_is_idempotent,
    unreferenced_before_returns_old_unreferenced_records_oldest_first_up_to_the_limit,
    mark_referenced_takes_records_out_of_the_sweep_and_ignores_unknown_keys,
);
