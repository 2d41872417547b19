//! The HTTP face: one handler per file, registered and documented together.

pub mod add_address;
pub mod cart_get;
pub mod cart_update;
pub mod clerk_webhook;
pub mod client;
pub mod get_address;
pub mod grant_role;
pub mod jwks;
pub mod legacy;
pub mod login;
pub mod logout;
pub mod me;
pub mod refresh;
pub mod register;
pub mod responses;
pub mod user_data;

use std::sync::Arc;

use actix_web::web;
use legacy::DOC as LEGACY_ANSWERS;
use hme_kernel::openapi::{BearerAuth, LegacyErrors};
use utoipa::OpenApi;

use crate::accounts::AccountsService;
use crate::service::UsersService;
use clerk_webhook::Webhooks;

/// The OpenAPI document of exactly the auth module's routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        user_data::user_data,
        cart_get::cart_get,
        cart_update::cart_update,
        add_address::add_address,
        get_address::get_address,
        clerk_webhook::clerk_webhook,
        register::register,
        login::login,
        refresh::refresh,
        logout::logout,
        me::me,
        jwks::jwks,
        grant_role::grant_role,
    ),
    components(schemas(
        responses::UserJson, responses::AddressJson, responses::UserBody, responses::CartBody, responses::CartUpdateBody,
        responses::OkBody, responses::AddAddressBody, responses::AddressAddedBody, responses::AddressesBody,
        responses::RegisterBody, responses::LoginBody, responses::RefreshBody, responses::MeBody, responses::GrantBody,
        responses::ErrorBody, crate::accounts::TokenPair, crate::domain::AddressInput,
    )),
    modifiers(&BearerAuth, &LegacyErrors, &LEGACY_ANSWERS),
    tags(
        (name = "users", description = "Legacy user, cart and address routes"),
        (name = "auth", description = "Accounts of our own: register, login, refresh, logout, me, roles, JWKS"),
        (name = "webhooks", description = "Clerk webhooks (Svix-signed)"),
    )
)]
pub struct AuthApi;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig, users: &Arc<UsersService>, accounts: &Arc<AccountsService>, hooks: &Arc<Webhooks>) {
    let (u, a, h) = (web::Data::from(Arc::clone(users)), web::Data::from(Arc::clone(accounts)), web::Data::from(Arc::clone(hooks)));
    let resource = |path: &str| web::resource(path.to_owned()).app_data(u.clone()).app_data(a.clone()).app_data(h.clone());
    cfg.service(resource("/api/user/data").wrap(legacy::USER_DATA.wrap()).route(web::get().to(user_data::user_data)))
        .service(resource("/api/cart/get").wrap(legacy::CART_GET.wrap()).route(web::get().to(cart_get::cart_get)))
        .service(resource("/api/cart/update").wrap(legacy::CART_UPDATE.wrap()).route(web::post().to(cart_update::cart_update)))
        .service(resource("/api/user/add-address").wrap(legacy::ADD_ADDRESS.wrap()).route(web::post().to(add_address::add_address)))
        .service(resource("/api/user/get-address").wrap(legacy::GET_ADDRESS.wrap()).route(web::get().to(get_address::get_address)))
        .service(resource("/api/webhooks/clerk").route(web::post().to(clerk_webhook::clerk_webhook)))
        .service(resource("/api/auth/register").route(web::post().to(register::register)))
        .service(resource("/api/auth/login").route(web::post().to(login::login)))
        .service(resource("/api/auth/refresh").route(web::post().to(refresh::refresh)))
        .service(resource("/api/auth/logout").route(web::post().to(logout::logout)))
        .service(resource("/api/auth/me").route(web::get().to(me::me)))
        .service(resource("/api/auth/jwks.json").route(web::get().to(jwks::jwks)))
        .service(resource("/api/auth/roles").route(web::post().to(grant_role::grant_role)));
}
