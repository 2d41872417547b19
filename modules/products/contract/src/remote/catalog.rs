//! The [`Catalog`] port over HTTP: the products module's internal endpoints and
//! [`RemoteCatalog`], the orders module's client of them.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use hme_kernel::remote::{Idempotency, RemoteError, ServiceClient};
use hme_kernel::remote::wire::{self, Documents, Done, Ids};
use crate::catalog::{Catalog, CatalogError, CatalogProduct};

pub(crate) const PRODUCTS_BY_IDS: &str = "/catalog/products-by-ids";
pub(crate) const RESERVE: &str = "/catalog/reserve";
pub(crate) const RELEASE: &str = "/catalog/release";
pub(crate) const CONFIRM: &str = "/catalog/confirm";
pub(crate) const PRODUCT_DOCUMENTS: &str = "/catalog/product-documents";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Products {
    products: Vec<CatalogProduct>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    product_id: String,
    qty: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reservation {
    reservation_id: String,
    #[serde(default)]
    lines: Vec<Line>,
    /// How long the hold lives unless confirmed, seconds (absent: the default lease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_secs: Option<u64>,
}

impl Reservation {
    fn new(reservation_id: &str, lines: &[(String, u32)]) -> Self {
        Self { reservation_id: reservation_id.to_owned(), lines: lines.iter().map(|(id, qty)| Line { product_id: id.clone(), qty: *qty }).collect(), lease_secs: None }
    }
    fn lease(&self) -> std::time::Duration {
        self.lease_secs.map_or(crate::catalog::DEFAULT_HOLD_LEASE, std::time::Duration::from_secs)
    }
    fn lines(&self) -> Vec<(String, u32)> {
        self.lines.iter().map(|l| (l.product_id.clone(), l.qty)).collect()
    }
}

/// Registers the catalog's internal endpoints over `catalog` (the products module).
pub fn serve(cfg: &mut web::ServiceConfig, catalog: Arc<dyn Catalog>) {
    let data = web::Data::from(catalog);
    cfg.service(web::resource(PRODUCTS_BY_IDS).app_data(data.clone()).route(web::post().to(products_by_ids)))
        .service(web::resource(RESERVE).app_data(data.clone()).route(web::post().to(reserve)))
        .service(web::resource(RELEASE).app_data(data.clone()).route(web::post().to(release)))
        .service(web::resource(CONFIRM).app_data(data.clone()).route(web::post().to(confirm)))
        .service(web::resource(PRODUCT_DOCUMENTS).app_data(data).route(web::post().to(product_documents)));
}

fn failure(e: CatalogError) -> HttpResponse {
    match &e {
        CatalogError::NotFound(_) => wire::refused(StatusCode::NOT_FOUND, &e),
        CatalogError::OutOfStock { .. } | CatalogError::Released(_) => wire::refused(StatusCode::CONFLICT, &e),
        CatalogError::Unavailable(_) => wire::unavailable(e),
    }
}

async fn products_by_ids(port: web::Data<dyn Catalog>, body: web::Json<Ids>) -> HttpResponse {
    match port.products_by_ids(&body.ids).await {
        Ok(products) => wire::ok(&Products { products }),
        Err(e) => failure(e),
    }
}

async fn reserve(port: web::Data<dyn Catalog>, body: web::Json<Reservation>) -> HttpResponse {
    match port.reserve_for(&body.reservation_id, &body.lines(), body.lease()).await {
        Ok(()) => wire::done(),
        Err(e) => failure(e),
    }
}

async fn confirm(port: web::Data<dyn Catalog>, body: web::Json<Reservation>) -> HttpResponse {
    match port.confirm(&body.reservation_id).await {
        Ok(()) => wire::done(),
        Err(e) => failure(e),
    }
}

async fn release(port: web::Data<dyn Catalog>, body: web::Json<Reservation>) -> HttpResponse {
    match port.release(&body.reservation_id, &body.lines()).await {
        Ok(()) => wire::done(),
        Err(e) => failure(e),
    }
}

async fn product_documents(port: web::Data<dyn Catalog>, body: web::Json<Ids>) -> HttpResponse {
    match port.product_documents(&body.ids).await {
        Ok(documents) => wire::ok(&Documents { documents }),
        Err(e) => failure(e),
    }
}

/// The [`Catalog`] of a products module running elsewhere. Every call is idempotent
/// (reads; reservations keyed by their id), so each is retried within the client's
/// bounds; a reservation stays all-or-nothing because the products module applies it
/// in one step.
pub struct RemoteCatalog {
    client: ServiceClient,
}

impl RemoteCatalog {
    /// A catalog calling the products module through `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }
}

fn rebuilt(e: RemoteError) -> CatalogError {
    match e {
        RemoteError::Refused(v) => serde_json::from_value(v.clone()).unwrap_or_else(|_| CatalogError::Unavailable(format!("unexpected catalog error: {v}"))),
        RemoteError::Unavailable(why) => CatalogError::Unavailable(why),
    }
}

#[async_trait]
impl Catalog for RemoteCatalog {
    async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<CatalogProduct>, CatalogError> {
        let answer: Products = self.client.call(PRODUCTS_BY_IDS, &Ids { ids: ids.to_vec() }, Idempotency::Idempotent).await.map_err(rebuilt)?;
        Ok(answer.products)
    }

    async fn reserve_for(&self, reservation_id: &str, lines: &[(String, u32)], lease: std::time::Duration) -> Result<(), CatalogError> {
        let body = Reservation { lease_secs: Some(lease.as_secs().max(1)), ..Reservation::new(reservation_id, lines) };
        let _: Done = self.client.call(RESERVE, &body, Idempotency::Idempotent).await.map_err(rebuilt)?;
        Ok(())
    }

    async fn confirm(&self, reservation_id: &str) -> Result<(), CatalogError> {
        let _: Done = self.client.call(CONFIRM, &Reservation::new(reservation_id, &[]), Idempotency::Idempotent).await.map_err(rebuilt)?;
        Ok(())
    }

    async fn release(&self, reservation_id: &str, lines: &[(String, u32)]) -> Result<(), CatalogError> {
        let _: Done = self.client.call(RELEASE, &Reservation::new(reservation_id, lines), Idempotency::Idempotent).await.map_err(rebuilt)?;
        Ok(())
    }

    async fn product_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, CatalogError> {
        let answer: Documents = self.client.call(PRODUCT_DOCUMENTS, &Ids { ids: ids.to_vec() }, Idempotency::Idempotent).await.map_err(rebuilt)?;
        Ok(answer.documents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_error_survives_the_wire() {
        for e in [
            CatalogError::NotFound("665f1c2b9a1e4b0012345678".into()),
            CatalogError::OutOfStock { product_id: "665f1c2b9a1e4b0012345678".into(), available: 2 },
            CatalogError::Released("r-1".into()),
            CatalogError::Unavailable("down".into()),
        ] {
            let v = serde_json::to_value(&e).unwrap();
            assert_eq!(rebuilt(RemoteError::Refused(v)), e);
        }
        let v = serde_json::to_value(CatalogError::OutOfStock { product_id: "p".into(), available: 0 }).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "outOfStock", "detail": {"productId": "p", "available": 0}}));
        assert!(matches!(rebuilt(RemoteError::Refused(serde_json::json!({"kind": "other"}))), CatalogError::Unavailable(_)));
    }
}
