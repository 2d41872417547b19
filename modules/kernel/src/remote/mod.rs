//! Cross-module ports over HTTP, for split deploys (one process per module).
//!
//! Each port has two halves here, side by side, so the wire format lives in one place:
//! - the **server** half: `/internal/v1/...` handlers over the in-process port, which the
//!   owning module mounts from [`crate::module::HttpModule::configure_internal`];
//! - the **client** half: a `Remote*` adapter implementing the port with a
//!   [`ServiceClient`], which the composition root picks when the owning module is not
//!   compiled in.
//!
//! Internal endpoints require `Authorization: Bearer <service token>` ([`guard`]); without
//! a configured token they are not mounted at all. They are not in the OpenAPI document.
//! Bodies are JSON (camelCase). A failure answers the legacy envelope plus `error`, the
//! port's error serialized with its serde tag, so the client rebuilds the exact error
//! (`OutOfStock`, `NotFound`, `Released` survive the hop); storage failures answer 503
//! with no detail, which the client turns into the port's `Unavailable`.
//!
//! | port | method and path (under `/internal/v1`) | owner |
//! |---|---|---|
//! | `Catalog::products_by_ids` | `POST /catalog/products-by-ids` | products |
//! | `Catalog::reserve` | `POST /catalog/reserve` | products |
//! | `Catalog::release` | `POST /catalog/release` | products |
//! | `Catalog::confirm` | `POST /catalog/confirm` | products |
//! | `Catalog::product_documents` | `POST /catalog/product-documents` | products |
//! | `SalesLedger::record_sales` | `POST /sales/record` | products |
//! | `ProductImages::referenced` | `POST /product-images/referenced` | products |
//! | `Customers::address` | `POST /customers/address` | auth |
//! | `Customers::profile` | `POST /customers/profile` | auth |
//! | `Customers::clear_cart` | `POST /customers/clear-cart` | auth |
//! | `AddressBook::address_documents` | `POST /address-book/documents` | auth |
//! | `ImageCleanup::delete_for_product` | `POST /images/delete-for-product` | images |

pub mod catalog;
pub mod client;
pub mod customers;
pub mod guard;
pub mod images;
pub mod sales;
mod wire;

pub use catalog::RemoteCatalog;
pub use client::{Idempotency, RemoteError, ServiceClient, ServiceClientSettings};
pub use customers::{RemoteAddressBook, RemoteCustomers};
pub use guard::{internal_scope, ServiceToken, INTERNAL_PREFIX};
pub use images::{RemoteImageCleanup, RemoteProductImages};
pub use sales::RemoteSalesLedger;
