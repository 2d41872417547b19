//! The storefront's client behaviour (shared/contract/frontend.md), one test per row:
//! each test drives hme exactly as the shop's page does (axios with a Bearer token,
//! `fetch` with the Clerk `__session` cookie, bodies typed as the page sends them) and
//! asserts what the page then shows, through the page's own logic mirrored in
//! `pages.rs`. Every test runs on the embedded store and on MongoDB (SecantusDB):
//! `<area>::<test>::embedded` and `<area>::<test>::mongodb`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Declares `name::embedded` and `name::mongodb` for each `async fn name(shop: Shop)`
/// of the enclosing file: the same test on a fresh shop per backend (MongoDB is skipped
/// outside scripts/test.sh unless `HME_TEST_REQUIRE_SERVICES=1`).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::support::{Backend, Shop};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                if let Some(shop) = Shop::start(Backend::Embedded).await {
                    super::$name(shop).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mongodb() {
                if let Some(shop) = Shop::start(Backend::Mongo).await {
                    super::$name(shop).await;
                }
            }
        }
    )*};
}

#[path = "../api/helpers.rs"]
#[allow(unused_imports)]
mod helpers;
mod pages;
mod stubs;
mod support;

mod addresses;
mod cart;
mod catalogue;
mod checkout;
mod modes;
mod newsletter;
mod orders;
mod seller;
mod tracking;
