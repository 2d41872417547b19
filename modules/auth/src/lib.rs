//! The auth module: users, carts and addresses (legacy routes), Clerk webhooks, and
//! accounts of our own.
//!
//! - the five legacy routes under `/api/user/...` and `/api/cart/...`, same methods,
//!   paths and bodies, on the `users` and `addresses` collections exactly as mongoose
//!   stores them ([`store::UserStore`], MongoDB and embedded adapters);
//! - `POST /api/webhooks/clerk`: Svix-verified Clerk user events, applied idempotently;
//! - `/api/auth/...`: register, login (rate limited), refresh (rotating, reuse revokes
//!   the family), logout, me, roles, and the JWKS of our token-signing key, which the
//!   module registers with the platform's [`hme_kernel::auth::TokenVerifier`] so every
//!   module's `Principal` accepts our tokens as well as Clerk's
//!   ([`store::AccountStore`]: `accounts`, `refresh_tokens`);
//! - the cross-module [`hme_auth_contract::Customers`] port (addresses, profiles, carts)
//!   and [`hme_auth_contract::AddressBook`], in process and as internal endpoints for
//!   split deploys ([`hme_kernel::remote`]).

pub mod accounts;
pub mod adapters;
pub mod domain;
pub mod http;
pub mod passwords;
pub mod ratelimit;
pub mod service;
pub mod settings;
pub mod signer;
pub mod store;
pub mod svix;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use hme_kernel::backends::{BackendError, Documents};
use hme_kernel::module::{HttpModule, Platform};
use hme_auth_contract::{AddressBook, Customers};
use secrecy::ExposeSecret;
use utoipa::OpenApi;

pub use accounts::AccountsService;
pub use service::UsersService;
pub use settings::AuthModuleSettings;
pub use store::{AccountStore, StoreError, UserStore};

use http::clerk_webhook::Webhooks;

/// The auth module, built by the composition root.
pub struct AuthModule {
    users: Arc<UsersService>,
    accounts: Arc<AccountsService>,
    hooks: Arc<Webhooks>,
}

impl AuthModule {
    /// Builds the module on the platform's storage (indexes and tables are created
    /// idempotently), loads or generates the token-signing key and registers its public
    /// half with the platform's token verifier. Fails on a bad key or webhook secret.
    pub async fn build(platform: &Platform, settings: AuthModuleSettings) -> Result<Arc<Self>, BackendError> {
        let (users, accounts): (Arc<dyn UserStore>, Arc<dyn AccountStore>) = match &platform.documents {
            Documents::Mongo(db) => (Arc::new(adapters::MongoUserStore::open(db).await?), Arc::new(adapters::MongoAccountStore::open(db).await?)),
            Documents::Embedded(db) => (Arc::new(adapters::EmbeddedUserStore::open(Arc::clone(db))?), Arc::new(adapters::EmbeddedAccountStore::open(Arc::clone(db))?)),
        };
        Self::with_stores(platform, users, accounts, settings)
    }

    /// Builds the module on given stores (tests, other adapters).
    pub fn with_stores(platform: &Platform, users: Arc<dyn UserStore>, accounts: Arc<dyn AccountStore>, settings: AuthModuleSettings) -> Result<Arc<Self>, BackendError> {
        let fail = |what: &str, e: String| BackendError(format!("accounts.{what}: {e}"));
        let signer = match &settings.signing_key_pem {
            Some(pem) => signer::Signer::from_pem(pem.expose_secret(), &settings.issuer, settings.access_ttl_secs).map_err(|e| fail("signing_key_pem", e))?,
            None => {
                tracing::warn!("accounts.signing_key_pem is not set: using a key generated at start (our tokens end with the process and are not shared between instances)");
                signer::Signer::ephemeral(&settings.issuer, settings.access_ttl_secs).map_err(|e| fail("signing_key_pem", e))?
            }
        };
        platform.tokens.trust_own_keys(signer.issuer(), signer.key_set());
        let verifier = match &settings.clerk_webhook_signing_secret {
            Some(s) => Some(svix::SvixVerifier::new(s.expose_secret(), settings.webhook_tolerance_secs).map_err(|e| fail("clerk_webhook_signing_secret", e))?),
            None => None,
        };
        let users = Arc::new(UsersService::new(users, settings.max_cart_lines));
        let replay_window = Duration::from_secs(settings.webhook_tolerance_secs.max(60) * 2);
        let hooks = Arc::new(Webhooks { verifier, cache: Arc::clone(&platform.cache), users: Arc::clone(&users), replay_window });
        let accounts = AccountsService::new(accounts, users.store(), Arc::new(signer), Arc::clone(&platform.cache), settings).map_err(|e| fail("argon2", e))?;
        Ok(Arc::new(Self { users, accounts: Arc::new(accounts), hooks }))
    }

    /// The OpenAPI document of the module's routes, without building it.
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        http::AuthApi::openapi()
    }

    /// The customers port other modules call (in process).
    pub fn customers(&self) -> Arc<dyn Customers> {
        Arc::clone(&self.users) as Arc<dyn Customers>
    }

    /// The address-book port (orders populate `address` with it), in process.
    pub fn address_book(&self) -> Arc<dyn AddressBook> {
        Arc::clone(&self.users) as Arc<dyn AddressBook>
    }

    /// The users service behind the legacy routes.
    pub fn users(&self) -> Arc<UsersService> {
        Arc::clone(&self.users)
    }

    /// The accounts service behind `/api/auth/...`.
    pub fn accounts(&self) -> Arc<AccountsService> {
        Arc::clone(&self.accounts)
    }
}

impl HttpModule for AuthModule {
    fn name(&self) -> &'static str {
        "auth"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        http::configure(cfg, &self.users, &self.accounts, &self.hooks);
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }

    fn configure_internal(&self, cfg: &mut web::ServiceConfig) {
        hme_auth_contract::remote::serve_customers(cfg, self.customers());
        hme_auth_contract::remote::serve_address_book(cfg, self.address_book());
    }
}
