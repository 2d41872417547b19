//! Response bodies (legacy shapes) and their OpenAPI schemas.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use utoipa::ToSchema;

use super::encoding::negotiate;
use crate::cache::{CachedBody, COMPRESS_MIN_BYTES};
use crate::domain::Product;

/// The legacy failure envelope, shared by every module.
pub use hme_kernel::openapi::ErrorBody;

/// A product as mongoose's `toJSON({virtuals: true})` prints it (documentation schema;
/// fields outside the schema, such as `stock`, are printed as stored).
#[derive(ToSchema)]
#[schema(as = Product)]
#[allow(dead_code)]
pub struct ProductJson {
    /// 24-hex id.
    _id: String,
    /// The seller's Clerk id.
    #[serde(rename = "userId")]
    user_id: String,
    name: String,
    description: String,
    /// PKR.
    price: f64,
    /// PKR; 0 = no offer.
    #[serde(rename = "offerPrice")]
    offer_price: f64,
    /// Image URLs.
    image: Vec<String>,
    category: String,
    /// ISO-8601 with milliseconds and `Z`.
    date: String,
    #[serde(rename = "inStock")]
    in_stock: bool,
    promotion: bool,
    tags: Vec<String>,
    views: f64,
    sales: f64,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "updatedAt")]
    updated_at: String,
    __v: i32,
    /// Optional stock count; absent = unlimited.
    stock: Option<i64>,
    /// Virtual: `offerPrice` when above 0, else `price`.
    #[serde(rename = "effectivePrice")]
    effective_price: f64,
    /// Virtual: `_id` again.
    id: String,
}

/// `{success, products}`, plus `page`, `limit`, `total` when any list parameter is given.
#[derive(Serialize, ToSchema)]
pub struct ListBody {
    /// Always true.
    pub success: bool,
    /// The products.
    #[schema(value_type = Vec<ProductJson>)]
    pub products: Vec<Product>,
    /// The page number (paged lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// The page size (paged lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// How many products match in all (paged lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// `{success, product}`.
#[derive(Serialize, ToSchema)]
pub struct ProductBody {
    /// Always true.
    pub success: bool,
    /// The product.
    #[schema(value_type = ProductJson)]
    pub product: Product,
}

/// `{success, message: "Upload Successfully", newProduct}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddedBody {
    /// Always true.
    pub success: bool,
    /// `Upload Successfully`.
    pub message: &'static str,
    /// The stored product.
    #[schema(value_type = ProductJson)]
    pub new_product: Product,
}

/// `{success, message, product}` after an update.
#[derive(Serialize, ToSchema)]
pub struct UpdatedBody {
    /// Always true.
    pub success: bool,
    /// `Product updated`, `Stock status updated` or `Promotion status updated`.
    pub message: &'static str,
    /// The product as updated.
    #[schema(value_type = ProductJson)]
    pub product: Product,
}

/// The driver's delete result, as the legacy route returns it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteResult {
    /// Always true.
    pub acknowledged: bool,
    /// 1.
    pub deleted_count: u64,
}

/// `{success, message: "Deleted successfully", result}`.
#[derive(Serialize, ToSchema)]
pub struct DeletedBody {
    /// Always true.
    pub success: bool,
    /// `Deleted successfully`.
    pub message: &'static str,
    /// `{acknowledged: true, deletedCount: 1}`.
    pub result: DeleteResult,
}

/// Whether `If-None-Match` names `etag` (weak comparison, `*` matches anything).
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    req.headers().get_all(header::IF_NONE_MATCH).filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == bare
    })
}

/// 200 with the cached JSON body and its ETag, or 304 when the client has it. The body
/// goes in the best coding the client accepts that was made for it (br, gzip: made once
/// per body, see [`CachedBody::encoded`]); short bodies go as they are.
pub async fn conditional_json(req: &HttpRequest, body: Arc<CachedBody>) -> HttpResponse {
    // header values made once, not parsed and copied per response
    let cache_control = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let with_etag = |mut resp: HttpResponseBuilder| {
        if let Some(etag) = body.etag_header() {
            resp.insert_header((header::ETAG, etag));
        }
        resp
    };
    if not_modified(req, &body.etag) {
        return with_etag(HttpResponse::NotModified()).insert_header(cache_control).finish();
    }
    let mut resp = with_etag(HttpResponse::Ok());
    resp.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json"))).insert_header(cache_control);
    if body.body.len() < COMPRESS_MIN_BYTES {
        return resp.body(body.body.clone());
    }
    // The answer depends on Accept-Encoding whichever coding is chosen.
    resp.insert_header((header::VARY, HeaderValue::from_static("accept-encoding")));
    let encoding = negotiate(req.headers());
    match (encoding.header_value(), body.encoded(encoding).await) {
        (Some(name), Some(encoded)) => resp.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(name))).body(encoded),
        _ => resp.body(body.body.clone()),
    }
}
