//! The address-book port: the stored address documents that an order's `address`
//! field points at, for the order lists (mongoose `populate('address')`).
//!
//! Answered by the auth module (which owns the `addresses` collection); split into
//! services an HTTP client does. It carries no framework types.
//!
//! Promises: [`AddressBook::address_documents`] returns the existing addresses among
//! the ids asked, whoever owns them, each exactly as mongoose's `toJSON` serializes an
//! address (`_id` as hex, `pinCode` as a number, `__v` kept, no `id` virtual, unknown
//! stored fields kept). Unknown and malformed ids are left out; order is unspecified.
//!
//! Errors: [`AddressBookError::Unavailable`] means the storage could not be reached;
//! nothing changed (the call only reads), retrying is safe.

use async_trait::async_trait;

/// Why an address-book call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressBookError {
    /// The storage could not be reached or answered unexpectedly.
    #[error("address book unavailable: {0}")]
    Unavailable(String),
}

/// The status an address-book failure answers: the module unreachable is a 503.
impl From<AddressBookError> for hme_kernel::error::ApiError {
    fn from(e: AddressBookError) -> Self {
        Self::unavailable(e)
    }
}

/// The address-book port (see the module documentation for its promises).
#[async_trait]
pub trait AddressBook: Send + Sync {
    /// The existing addresses among `ids` (24-hex strings) as mongoose JSON documents.
    async fn address_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, AddressBookError>;
}
