//! The HTTP face: one handler per file, registered and documented together.

pub mod add;
pub mod delete;
pub mod edit;
pub mod encoding;
pub mod flags;
pub mod get_one;
pub mod legacy;
pub mod list;
pub mod responses;
pub mod seller_list;

use std::sync::Arc;

use actix_web::web;
use legacy::DOC as LEGACY_ANSWERS;
use hme_kernel::openapi::{BearerAuth, LegacyErrors};
use utoipa::OpenApi;

use crate::service::ProductsService;

/// The OpenAPI document of exactly the products routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        list::list_products,
        seller_list::seller_list,
        add::add_product,
        edit::edit_product,
        delete::delete_product,
        flags::set_in_stock,
        flags::set_promotion,
        get_one::get_product,
    ),
    components(schemas(
        responses::ProductJson,
        responses::ListBody,
        responses::ProductBody,
        responses::AddedBody,
        responses::UpdatedBody,
        responses::DeletedBody,
        responses::DeleteResult,
        responses::ErrorBody,
        crate::domain::AddProductBody,
        crate::domain::EditProductBody,
        crate::domain::DeleteBody,
        crate::domain::InStockBody,
        crate::domain::PromotionBody,
    )),
    modifiers(&BearerAuth, &LegacyErrors, &LEGACY_ANSWERS),
    tags((name = "products", description = "The catalog: legacy product routes and their extensions"))
)]
pub struct ProductsApi;

/// Registers the routes. The named routes come before `/api/product/{id}`, so a wrong
/// method on them answers 405 rather than reaching the id route.
pub fn configure(cfg: &mut web::ServiceConfig, service: &Arc<ProductsService>) {
    let data = web::Data::from(Arc::clone(service));
    let resource = |path: &str| web::resource(path.to_owned()).app_data(data.clone());
    cfg.service(resource("/api/product/list").wrap(legacy::LIST.wrap()).route(web::get().to(list::list_products)))
        .service(resource("/api/product/seller-list").wrap(legacy::SELLER_LIST.wrap()).route(web::get().to(seller_list::seller_list)))
        .service(resource("/api/product/add").wrap(legacy::ADD.wrap()).route(web::post().to(add::add_product)))
        .service(resource("/api/product/edit").wrap(legacy::EDIT.wrap()).route(web::put().to(edit::edit_product)))
        .service(resource("/api/product/delete").wrap(legacy::DELETE.wrap()).route(web::delete().to(delete::delete_product)))
        .service(resource("/api/product/inStock").wrap(legacy::IN_STOCK.wrap()).route(web::put().to(flags::set_in_stock)))
        .service(resource("/api/product/promotion").wrap(legacy::PROMOTION.wrap()).route(web::put().to(flags::set_promotion)))
        .service(resource("/api/product/{id}").route(web::get().to(get_one::get_product)));
}
