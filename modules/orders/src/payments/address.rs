//! The delivery address of a checkout. The storefront's checkout page sends the address
//! as free text, "fullName, area, city, state" (frontend.md section 6), and the legacy
//! stored that text verbatim in the order's `address` (collections.md); hme does the
//! same. A 24-hex address id (hme's own clients) is looked up among the caller's
//! addresses as for `POST /api/order/create` and stored as the id.

use hme_kernel::auth::Principal;
use hme_auth_contract::CustomerAddress;
use hme_kernel::{ApiError, ApiResult};
use serde_json::Value;

use super::{CheckoutBody, PaymentsService};
use crate::domain::input::hex_id;
use crate::domain::json::parse_text_address;
use crate::domain::{CreateOrderBody, OrderRequest};

/// Longest free-text address accepted (characters).
const MAX_TEXT: usize = 500;

/// A free-text address as a [`CustomerAddress`] whose `id` is the text itself: it is
/// what the order stores in `address`, and what `order.created` carries as
/// `address.id` (with the parsed parts beside it).
pub fn text_address(user_id: &str, text: &str) -> CustomerAddress {
    let (full_name, area, city, state) = parse_text_address(text);
    CustomerAddress { id: text.to_owned(), user_id: user_id.to_owned(), full_name, phone_number: String::new(), pin_code: None, area, city, state }
}

impl PaymentsService {
    /// The validated lines and the delivery address of a checkout.
    pub(crate) async fn checkout_request(&self, principal: &Principal, body: &CheckoutBody) -> ApiResult<(OrderRequest, CustomerAddress)> {
        let o = &self.orders;
        let create = CreateOrderBody { address: body.address.clone(), items: body.items.clone(), courier_name: None };
        let text = match body.address.as_ref() {
            Some(Value::String(s)) if hex_id(body.address.as_ref()).is_none() => s.trim(),
            _ => {
                let request = create.validate(o.settings.max_lines, o.settings.max_quantity)?;
                let address = o.deps.customers.address(&principal.user_id, &request.address_id).await?;
                let address = address.ok_or_else(|| ApiError::not_found("Address not found"))?;
                return Ok((request, address));
            }
        };
        let lines = create.validate_items(o.settings.max_lines, o.settings.max_quantity)?;
        if text.is_empty() {
            return Err(ApiError::bad_request("No items in the order"));
        }
        if text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
            return Err(ApiError::bad_request(format!("Invalid address: at most {MAX_TEXT} characters, no control characters")));
        }
        let request = OrderRequest { address_id: text.to_owned(), lines, courier_name: None };
        Ok((request, text_address(&principal.user_id, text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_text_splits_into_the_address_fields() {
        let a = text_address("u", "Ayesha Khan, House 4, Gulberg, Lahore, Punjab");
        assert_eq!((a.full_name.as_str(), a.area.as_str(), a.city.as_str(), a.state.as_str()), ("Ayesha Khan", "House 4, Gulberg", "Lahore", "Punjab"));
        assert_eq!(a.id, "Ayesha Khan, House 4, Gulberg, Lahore, Punjab");
    }
}
