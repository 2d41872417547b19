//! The [`Customers`] and [`AddressBook`] ports over HTTP: the auth module's internal
//! endpoints and [`RemoteCustomers`] / [`RemoteAddressBook`], the orders module's
//! clients of them.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use hme_kernel::remote::{Idempotency, ServiceClient};
use hme_kernel::remote::wire::{self, Documents, Done, Ids};
use crate::{AddressBook, AddressBookError, CustomerAddress, CustomerProfile, Customers, CustomersError};

pub(crate) const ADDRESS: &str = "/customers/address";
pub(crate) const PROFILE: &str = "/customers/profile";
pub(crate) const CLEAR_CART: &str = "/customers/clear-cart";
pub(crate) const ADDRESS_DOCUMENTS: &str = "/address-book/documents";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressAsk {
    user_id: String,
    address_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserAsk {
    user_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressAnswer {
    address: Option<CustomerAddress>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileAnswer {
    profile: Option<CustomerProfile>,
}

/// Registers the customers' internal endpoints over `customers` (the auth module).
pub fn serve_customers(cfg: &mut web::ServiceConfig, customers: Arc<dyn Customers>) {
    let data = web::Data::from(customers);
    cfg.service(web::resource(ADDRESS).app_data(data.clone()).route(web::post().to(address)))
        .service(web::resource(PROFILE).app_data(data.clone()).route(web::post().to(profile)))
        .service(web::resource(CLEAR_CART).app_data(data).route(web::post().to(clear_cart)));
}

/// Registers the address book's internal endpoint over `book` (the auth module).
pub fn serve_address_book(cfg: &mut web::ServiceConfig, book: Arc<dyn AddressBook>) {
    cfg.service(web::resource(ADDRESS_DOCUMENTS).app_data(web::Data::from(book)).route(web::post().to(address_documents)));
}

async fn address(port: web::Data<dyn Customers>, body: web::Json<AddressAsk>) -> HttpResponse {
    match port.address(&body.user_id, &body.address_id).await {
        Ok(address) => wire::ok(&AddressAnswer { address }),
        Err(e) => wire::unavailable(e),
    }
}

async fn profile(port: web::Data<dyn Customers>, body: web::Json<UserAsk>) -> HttpResponse {
    match port.profile(&body.user_id).await {
        Ok(profile) => wire::ok(&ProfileAnswer { profile }),
        Err(e) => wire::unavailable(e),
    }
}

async fn clear_cart(port: web::Data<dyn Customers>, body: web::Json<UserAsk>) -> HttpResponse {
    match port.clear_cart(&body.user_id).await {
        Ok(()) => wire::done(),
        Err(e) => wire::unavailable(e),
    }
}

async fn address_documents(port: web::Data<dyn AddressBook>, body: web::Json<Ids>) -> HttpResponse {
    match port.address_documents(&body.ids).await {
        Ok(documents) => wire::ok(&Documents { documents }),
        Err(e) => wire::unavailable(e),
    }
}

/// The [`Customers`] of an auth module running elsewhere. Every call is idempotent
/// (reads; clearing a cart twice leaves it empty), so each is retried within the
/// client's bounds.
pub struct RemoteCustomers {
    client: ServiceClient,
}

impl RemoteCustomers {
    /// Customers answered by the auth module through `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Customers for RemoteCustomers {
    async fn address(&self, user_id: &str, address_id: &str) -> Result<Option<CustomerAddress>, CustomersError> {
        let ask = AddressAsk { user_id: user_id.to_owned(), address_id: address_id.to_owned() };
        let answer: AddressAnswer = self.client.call(ADDRESS, &ask, Idempotency::Idempotent).await.map_err(|e| CustomersError::Unavailable(e.reason()))?;
        Ok(answer.address)
    }

    async fn profile(&self, user_id: &str) -> Result<Option<CustomerProfile>, CustomersError> {
        let answer: ProfileAnswer = self.client.call(PROFILE, &UserAsk { user_id: user_id.to_owned() }, Idempotency::Idempotent).await.map_err(|e| CustomersError::Unavailable(e.reason()))?;
        Ok(answer.profile)
    }

    async fn clear_cart(&self, user_id: &str) -> Result<(), CustomersError> {
        let _: Done = self.client.call(CLEAR_CART, &UserAsk { user_id: user_id.to_owned() }, Idempotency::Idempotent).await.map_err(|e| CustomersError::Unavailable(e.reason()))?;
        Ok(())
    }
}

/// The [`AddressBook`] of an auth module running elsewhere (a read: retried).
pub struct RemoteAddressBook {
    client: ServiceClient,
}

impl RemoteAddressBook {
    /// The address book answered by the auth module through `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl AddressBook for RemoteAddressBook {
    async fn address_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, AddressBookError> {
        let answer: Documents = self.client.call(ADDRESS_DOCUMENTS, &Ids { ids: ids.to_vec() }, Idempotency::Idempotent).await.map_err(|e| AddressBookError::Unavailable(e.reason()))?;
        Ok(answer.documents)
    }
}
