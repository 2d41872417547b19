//! The auth ports observed in process ([`Observed`], see [`hme_kernel::telemetry::ports`]).

use async_trait::async_trait;
use hme_kernel::telemetry::ports::{observe_port, Observed, Transport};

use crate::remote as cu;
use crate::{AddressBook, AddressBookError, CustomerAddress, CustomerProfile, Customers, CustomersError};

#[async_trait]
impl Customers for Observed<dyn Customers> {
    async fn address(&self, user_id: &str, address_id: &str) -> Result<Option<CustomerAddress>, CustomersError> {
        observe_port(cu::ADDRESS, Transport::InProcess, |_| true, self.inner().address(user_id, address_id)).await
    }
    async fn profile(&self, user_id: &str) -> Result<Option<CustomerProfile>, CustomersError> {
        observe_port(cu::PROFILE, Transport::InProcess, |_| true, self.inner().profile(user_id)).await
    }
    async fn clear_cart(&self, user_id: &str) -> Result<(), CustomersError> {
        observe_port(cu::CLEAR_CART, Transport::InProcess, |_| true, self.inner().clear_cart(user_id)).await
    }
}

#[async_trait]
impl AddressBook for Observed<dyn AddressBook> {
    async fn address_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, AddressBookError> {
        observe_port(cu::ADDRESS_DOCUMENTS, Transport::InProcess, |_| true, self.inner().address_documents(ids)).await
    }
}
