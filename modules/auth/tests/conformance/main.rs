//! Conformance of every UserStore and AccountStore adapter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;

use std::sync::Arc;

use hme_auth::adapters::{EmbeddedAccountStore, EmbeddedUserStore, MongoAccountStore, MongoUserStore};
use hme_auth::store::{AccountStore, UserStore};

pub struct Stores {
    pub users: Arc<dyn UserStore>,
    pub accounts: Arc<dyn AccountStore>,
    _dir: Option<tempfile::TempDir>,
}

pub fn embedded() -> Stores {
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    Stores { users: Arc::new(EmbeddedUserStore::open(db.clone()).unwrap()), accounts: Arc::new(EmbeddedAccountStore::open(db).unwrap()), _dir: Some(dir) }
}

pub async fn mongo() -> Option<Stores> {
    let db = hme_kernel::testing::mongo_test_db().await?;
    Some(Stores { users: Arc::new(MongoUserStore::open(&db).await.unwrap()), accounts: Arc::new(MongoAccountStore::open(&db).await.unwrap()), _dir: None })
}

/// One test per (case, adapter): `<case>::embedded` and `<case>::mongodb`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn embedded() {
                super::suite::$case(&super::embedded()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mongodb() {
                let Some(s) = super::mongo().await else { return };
                super::suite::$case(&s).await;
            }
        }
    )*};
}

conformance!(
    upsert_creates_then_updates_keeping_the_cart_and_unknown_fields,
    insert_user_never_overwrites_and_emails_are_unique,
    set_cart_and_delete_report_whether_the_user_exists,
    addresses_are_listed_per_user_in_insertion_order,
    accounts_are_unique_by_email_and_roles_change,
    a_refresh_token_is_used_once_and_revoking_the_family_revokes_all,
    concurrent_uses_of_one_refresh_token_give_exactly_one_fresh,
);
