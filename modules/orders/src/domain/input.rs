//! Request bodies and their validation. Every failure names the field or the item.

use hme_kernel::ApiError;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `POST /api/order/create`: `{address, items:[{product, quantity}], courierName?}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderBody {
    /// The address `_id` (24 hex), one of the caller's.
    #[schema(value_type = String)]
    pub address: Option<Value>,
    /// The lines; a product may appear several times (quantities are summed).
    #[schema(value_type = Vec<Object>, example = json!([{"product": "665f1c2b9a1e4b0012345678", "quantity": 2}]))]
    pub items: Option<Value>,
    /// Optional courier; books a tracking number `<COURIER>-<8 digits>`.
    #[schema(value_type = Option<String>)]
    pub courier_name: Option<Value>,
}

/// `PUT /api/order/status`: `{orderId, status}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    /// The order `_id` (24 hex).
    #[schema(value_type = String)]
    pub order_id: Option<Value>,
    /// "Processing", "Shipped", "Delivered" or "Cancelled".
    #[schema(value_type = String)]
    pub status: Option<Value>,
}

/// `POST /api/order/cancel`: `{orderId}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelBody {
    /// The order `_id` (24 hex).
    #[schema(value_type = String)]
    pub order_id: Option<Value>,
}

/// One validated line: products distinct, quantities summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based position of the product's first line in the request (for messages).
    pub item: usize,
    /// The product id, 24 lower-case hex.
    pub product_id: String,
    /// Units, at least 1.
    pub quantity: u32,
}

/// A validated create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// The address id, 24 lower-case hex.
    pub address_id: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// The courier, trimmed, when given.
    pub courier_name: Option<String>,
}

/// A 24-hex id from a JSON value, lower-cased.
pub fn hex_id(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    (s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

fn quantity(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 1e15).map(|f| f as u64)),
        Value::String(s) if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|q| *q >= 1)
}

fn courier(value: Option<&Value>) -> Result<Option<String>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.trim().chars().count() <= 64 && !s.chars().any(char::is_control) => Ok(Some(s.trim().to_owned())),
        _ => Err(ApiError::bad_request("Invalid courierName: expected a name of at most 64 characters")),
    }
}

fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

fn line(i: usize, raw: &Value, max_quantity: u32) -> Result<(String, u64), ApiError> {
    let n = i + 1;
    let product = hex_id(raw.get("product")).ok_or_else(|| ApiError::bad_request(format!("Item {n}: invalid product ID (expected 24 hex characters)")))?;
    let qty = quantity(raw.get("quantity"))
        .filter(|q| *q <= u64::from(max_quantity))
        .ok_or_else(|| ApiError::bad_request(format!("Item {n} (product {product}): quantity must be a whole number from 1 to {max_quantity}")))?;
    Ok((product, qty))
}

impl CreateOrderBody {
    /// Validates the body: address and items present (legacy message "No items in the
    /// order"), ids well-formed, quantities positive integers, lines within limits;
    /// repeated products are summed.
    pub fn validate(&self, max_lines: usize, max_quantity: u32) -> Result<OrderRequest, ApiError> {
        if empty(self.address.as_ref()) || empty(self.items.as_ref()) {
            return Err(ApiError::bad_request("No items in the order"));
        }
        let address_id = hex_id(self.address.as_ref()).ok_or_else(|| ApiError::bad_request("Invalid address ID: expected 24 hex characters"))?;
        let lines = self.validate_items(max_lines, max_quantity)?;
        Ok(OrderRequest { address_id, lines, courier_name: courier(self.courier_name.as_ref())? })
    }

    /// Validates `items` alone (see [`Self::validate`]); the address is the caller's
    /// business (checkout accepts a free-text address).
    pub fn validate_items(&self, max_lines: usize, max_quantity: u32) -> Result<Vec<Line>, ApiError> {
        if empty(self.items.as_ref()) {
            return Err(ApiError::bad_request("No items in the order"));
        }
        let Some(Value::Array(raw)) = &self.items else { return Err(ApiError::bad_request("Invalid items: expected an array")) };
        if raw.len() > max_lines {
            return Err(ApiError::bad_request(format!("Too many items: at most {max_lines} lines per order")));
        }
        let mut lines: Vec<Line> = Vec::with_capacity(raw.len());
        for (i, item) in raw.iter().enumerate() {
            let (product_id, qty) = line(i, item, max_quantity)?;
            let existing = lines.iter_mut().find(|l| l.product_id == product_id);
            let entry = match existing {
                Some(l) => l,
                None => {
                    lines.push(Line { item: i + 1, product_id, quantity: 0 });
                    lines.last_mut().ok_or_else(|| ApiError::bad_request("Invalid items"))?
                }
            };
            let total = u64::from(entry.quantity) + qty;
            if total > u64::from(max_quantity) {
                return Err(ApiError::bad_request(format!("Item {} (product {}): at most {max_quantity} units in total", entry.item, entry.product_id)));
            }
            entry.quantity = u32::try_from(total).unwrap_or(max_quantity);
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> CreateOrderBody {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn repeated_products_are_summed_and_keep_their_first_position() {
        let b = body(json!({"address": "665f1c2b9a1e4b0012345678", "items": [
            {"product": "aaaaaaaaaaaaaaaaaaaaaaaa", "quantity": 2}, {"product": "bbbbbbbbbbbbbbbbbbbbbbbb", "quantity": "1"},
            {"product": "AAAAAAAAAAAAAAAAAAAAAAAA", "quantity": 3}]}));
        let r = b.validate(50, 1000).map_err(|e| e.to_string());
        let lines = r.map(|r| r.lines).unwrap_or_default();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].item, lines[0].quantity, lines[1].quantity), (1, 5, 1));
    }

    #[test]
    fn bad_quantities_name_the_item() {
        for q in [json!(0), json!(-1), json!(1.5), json!("x"), json!(null), json!(1001)] {
            let b = body(json!({"address": "665f1c2b9a1e4b0012345678", "items": [{"product": "aaaaaaaaaaaaaaaaaaaaaaaa", "quantity": q}]}));
            let msg = b.validate(50, 1000).err().map(|e| e.message().to_owned()).unwrap_or_default();
            assert!(msg.starts_with("Item 1 (product aaaaaaaaaaaaaaaaaaaaaaaa)"), "{q}: {msg}");
        }
    }

    #[test]
    fn missing_address_or_items_is_the_legacy_message() {
        for v in [json!({"items": [{"product": "aaaaaaaaaaaaaaaaaaaaaaaa", "quantity": 1}]}), json!({"address": "665f1c2b9a1e4b0012345678", "items": []})] {
            assert_eq!(body(v).validate(50, 1000).err().map(|e| e.message().to_owned()).as_deref(), Some("No items in the order"));
        }
    }
}
