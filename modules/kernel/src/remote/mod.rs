//! The platform under the cross-module ports over HTTP, for split deploys (one process
//! per module): the [`ServiceClient`], the service-token [`guard`] and the [`wire`]
//! helpers. The ports themselves, with both halves of each, live in the contract crate
//! of the module that answers them (`modules/<module>/contract`):
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
//! | port | method and path (under `/internal/v1`) | owner (contract crate) |
//! |---|---|---|
//! | `Catalog::products_by_ids` | `POST /catalog/products-by-ids` | products (`hme-products-contract`) |
//! | `Catalog::reserve` | `POST /catalog/reserve` | products (`hme-products-contract`) |
//! | `Catalog::release` | `POST /catalog/release` | products (`hme-products-contract`) |
//! | `Catalog::confirm` | `POST /catalog/confirm` | products (`hme-products-contract`) |
//! | `Catalog::product_documents` | `POST /catalog/product-documents` | products (`hme-products-contract`) |
//! | `SalesLedger::record_sales` | `POST /sales/record` | products (`hme-products-contract`) |
//! | `ProductImages::referenced` | `POST /product-images/referenced` | products (`hme-products-contract`) |
//! | `Customers::address` | `POST /customers/address` | auth (`hme-auth-contract`) |
//! | `Customers::profile` | `POST /customers/profile` | auth (`hme-auth-contract`) |
//! | `Customers::clear_cart` | `POST /customers/clear-cart` | auth (`hme-auth-contract`) |
//! | `AddressBook::address_documents` | `POST /address-book/documents` | auth (`hme-auth-contract`) |
//! | `ImageCleanup::delete_for_product` | `POST /images/delete-for-product` | images (`hme-images-contract`) |

pub mod client;
pub mod guard;
pub mod wire;

pub use client::{Idempotency, RemoteError, ServiceClient, ServiceClientSettings};
pub use guard::{internal_scope, ServiceToken, INTERNAL_PREFIX};
