//! The in-process halves of the ports, observed: [`Observed`] wraps the owning
//! module's implementation of a port and runs every call through
//! [`crate::telemetry::ports::observe_port`] with `transport="in_process"`, so a port
//! call has its span and its metrics whether it stays in the process or goes over HTTP
//! ([`crate::remote`]'s clients do the same with `transport="http"`). The composition
//! root wraps each port it hands from one module to another in one process.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

use super::images::{ImageCleanup, ImageCleanupReport, ImagePortError, ProductImages};
use super::{AddressBook, AddressBookError, Catalog, CatalogError, CatalogProduct, CustomerAddress, CustomerProfile, Customers, CustomersError, SalesError, SalesLedger};
use crate::remote::{catalog as c, customers as cu, images as im, sales as sa};
use crate::telemetry::ports::{observe_port, Transport};

/// A port implemented in this process, observed (see the module documentation).
pub struct Observed<P: ?Sized>(Arc<P>);

impl<P: ?Sized> Observed<P> {
    /// Wraps the owning module's implementation `port`.
    pub fn new(port: Arc<P>) -> Self {
        Self(port)
    }
}

/// `port` observed, as the trait object the calling module takes.
pub fn observed<P: ?Sized>(port: Arc<P>) -> Arc<Observed<P>> {
    Arc::new(Observed(port))
}

#[async_trait]
impl Catalog for Observed<dyn Catalog> {
    async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<CatalogProduct>, CatalogError> {
        observe_port(c::PRODUCTS_BY_IDS, Transport::InProcess, catalog_failed, self.0.products_by_ids(ids)).await
    }
    async fn reserve_for(&self, reservation_id: &str, lines: &[(String, u32)], lease: Duration) -> Result<(), CatalogError> {
        observe_port(c::RESERVE, Transport::InProcess, catalog_failed, self.0.reserve_for(reservation_id, lines, lease)).await
    }
    async fn confirm(&self, reservation_id: &str) -> Result<(), CatalogError> {
        observe_port(c::CONFIRM, Transport::InProcess, catalog_failed, self.0.confirm(reservation_id)).await
    }
    async fn release(&self, reservation_id: &str, lines: &[(String, u32)]) -> Result<(), CatalogError> {
        observe_port(c::RELEASE, Transport::InProcess, catalog_failed, self.0.release(reservation_id, lines)).await
    }
    async fn product_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, CatalogError> {
        observe_port(c::PRODUCT_DOCUMENTS, Transport::InProcess, catalog_failed, self.0.product_documents(ids)).await
    }
}

fn catalog_failed(e: &CatalogError) -> bool {
    matches!(e, CatalogError::Unavailable(_))
}

#[async_trait]
impl Customers for Observed<dyn Customers> {
    async fn address(&self, user_id: &str, address_id: &str) -> Result<Option<CustomerAddress>, CustomersError> {
        observe_port(cu::ADDRESS, Transport::InProcess, |_| true, self.0.address(user_id, address_id)).await
    }
    async fn profile(&self, user_id: &str) -> Result<Option<CustomerProfile>, CustomersError> {
        observe_port(cu::PROFILE, Transport::InProcess, |_| true, self.0.profile(user_id)).await
    }
    async fn clear_cart(&self, user_id: &str) -> Result<(), CustomersError> {
        observe_port(cu::CLEAR_CART, Transport::InProcess, |_| true, self.0.clear_cart(user_id)).await
    }
}

#[async_trait]
impl AddressBook for Observed<dyn AddressBook> {
    async fn address_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, AddressBookError> {
        observe_port(cu::ADDRESS_DOCUMENTS, Transport::InProcess, |_| true, self.0.address_documents(ids)).await
    }
}

#[async_trait]
impl SalesLedger for Observed<dyn SalesLedger> {
    async fn record_sales(&self, event_id: Uuid, lines: &[(String, i64)]) -> Result<bool, SalesError> {
        observe_port(sa::RECORD, Transport::InProcess, |_| true, self.0.record_sales(event_id, lines)).await
    }
}

#[async_trait]
impl ImageCleanup for Observed<dyn ImageCleanup> {
    async fn delete_for_product(&self, urls: &[String]) -> Result<ImageCleanupReport, ImagePortError> {
        observe_port(im::DELETE_FOR_PRODUCT, Transport::InProcess, |_| true, self.0.delete_for_product(urls)).await
    }
}

#[async_trait]
impl ProductImages for Observed<dyn ProductImages> {
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ImagePortError> {
        observe_port(im::REFERENCED, Transport::InProcess, |_| true, self.0.referenced(urls)).await
    }
}
