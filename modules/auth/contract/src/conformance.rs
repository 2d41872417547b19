//! The conformance suite of the [`Customers`] and [`AddressBook`] ports, over any
//! implementation: the auth module in process, or [`crate::RemoteCustomers`] and
//! [`crate::RemoteAddressBook`] over HTTP against a running hme. The data a case needs is
//! created through a fixture (the auth module's own API).

use async_trait::async_trait;
use serde_json::json;

use crate::{AddressBook, Customers};

/// Creates customers for the customers suite.
#[async_trait(?Send)]
pub trait CustomersFixture {
    /// Creates a user named `name` with `email`; returns its user id.
    async fn add_user(&self, name: &str, email: &str) -> String;
    /// Adds an address of `user_id` (full name "Ada Lovelace", pin code 54000); returns
    /// its id.
    async fn add_address(&self, user_id: &str) -> String;
    /// Replaces `user_id`'s cart.
    async fn set_cart(&self, user_id: &str, cart: serde_json::Value);
    /// `user_id`'s cart as the owning module shows it.
    async fn cart(&self, user_id: &str) -> serde_json::Value;
}

const UNKNOWN: &str = "665f1c2b9a1e4b0012345678";

/// Every customers and address-book case.
pub async fn customers_suite(customers: &dyn Customers, book: &dyn AddressBook, fixture: &dyn CustomersFixture) {
    let email = format!("{}@port.test", hme_kernel::testing::unique_name("ada"));
    let user = fixture.add_user("Ada Lovelace", &email).await;
    let other = fixture.add_user("Mallory", &format!("{}@port.test", hme_kernel::testing::unique_name("mal"))).await;
    let id = fixture.add_address(&user).await;

    let a = customers.address(&user, &id).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("own address not found"));
    assert_eq!((a.id.as_str(), a.user_id.as_str(), a.full_name.as_str(), a.pin_code), (id.as_str(), user.as_str(), "Ada Lovelace", Some(54000)));
    assert_eq!(customers.address(&other, &id).await.unwrap_or_else(|e| panic!("{e}")), None, "a foreign address is None");
    assert_eq!(customers.address(&user, "not-an-id").await.unwrap_or_else(|e| panic!("{e}")), None);
    assert_eq!(customers.address(&user, UNKNOWN).await.unwrap_or_else(|e| panic!("{e}")), None);

    let p = customers.profile(&user).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("profile not found"));
    assert_eq!((p.user_id.as_str(), p.name.as_str(), p.email.as_str()), (user.as_str(), "Ada Lovelace", email.as_str()));
    assert_eq!(customers.profile("user_nobody_at_all").await.unwrap_or_else(|e| panic!("{e}")), None);

    fixture.set_cart(&user, json!({UNKNOWN: 3})).await;
    customers.clear_cart(&user).await.unwrap_or_else(|e| panic!("{e}"));
    customers.clear_cart(&user).await.unwrap_or_else(|e| panic!("{e}"));
    customers.clear_cart("user_nobody_at_all").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fixture.cart(&user).await, json!({}));

    let docs = book.address_documents(&[id.clone(), id.clone(), "bad".into(), UNKNOWN.into()]).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), 1);
    assert_eq!((docs[0]["_id"].clone(), docs[0]["userId"].clone(), docs[0]["pinCode"].clone()), (json!(id), json!(user), json!(54000)));
}
