//! The products ports observed in process ([`Observed`], see [`hme_kernel::telemetry::ports`]).

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use hme_kernel::telemetry::ports::{observe_port, Observed, Transport};
use uuid::Uuid;

use crate::remote::{catalog as c, product_images as im, sales as sa};
use crate::{Catalog, CatalogError, CatalogProduct, ProductImages, ProductImagesError, SalesError, SalesLedger};

#[async_trait]
impl Catalog for Observed<dyn Catalog> {
    async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<CatalogProduct>, CatalogError> {
        observe_port(c::PRODUCTS_BY_IDS, Transport::InProcess, catalog_failed, self.inner().products_by_ids(ids)).await
    }
    async fn reserve_for(&self, reservation_id: &str, lines: &[(String, u32)], lease: Duration) -> Result<(), CatalogError> {
        observe_port(c::RESERVE, Transport::InProcess, catalog_failed, self.inner().reserve_for(reservation_id, lines, lease)).await
    }
    async fn confirm(&self, reservation_id: &str) -> Result<(), CatalogError> {
        observe_port(c::CONFIRM, Transport::InProcess, catalog_failed, self.inner().confirm(reservation_id)).await
    }
    async fn release(&self, reservation_id: &str, lines: &[(String, u32)]) -> Result<(), CatalogError> {
        observe_port(c::RELEASE, Transport::InProcess, catalog_failed, self.inner().release(reservation_id, lines)).await
    }
    async fn product_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, CatalogError> {
        observe_port(c::PRODUCT_DOCUMENTS, Transport::InProcess, catalog_failed, self.inner().product_documents(ids)).await
    }
}

fn catalog_failed(e: &CatalogError) -> bool {
    matches!(e, CatalogError::Unavailable(_))
}

#[async_trait]
impl SalesLedger for Observed<dyn SalesLedger> {
    async fn record_sales(&self, event_id: Uuid, lines: &[(String, i64)]) -> Result<bool, SalesError> {
        observe_port(sa::RECORD, Transport::InProcess, |_| true, self.inner().record_sales(event_id, lines)).await
    }
}

#[async_trait]
impl ProductImages for Observed<dyn ProductImages> {
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ProductImagesError> {
        observe_port(im::REFERENCED, Transport::InProcess, |_| true, self.inner().referenced(urls)).await
    }
}
