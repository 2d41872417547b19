//! Orders printed the way mongoose's `find(...).populate('address items.product')`
//! prints them: schema defaults filled in for older documents, empty objects dropped
//! (`minimize`), unknown fields kept, each `items[].product` replaced by the referenced
//! document, or null when it no longer exists.
//!
//! Where the legacy failed, hme renders: `address` is always an object with the five
//! string fields the order pages print (`fullName, area, city, state, phoneNumber`;
//! the pages crash on null):
//! - an address id whose document exists: that document (missing fields as "");
//! - an address id whose document was deleted: `{_id, fullName:"", area:"", city:"",
//!   state:"", phoneNumber:""}` (orders keep no copy of the address);
//! - free text (every JazzCash order stores "fullName, area, city, state"): an object
//!   built from the text split on ", ", `_id` null, `text` the stored string;
//! - anything else (missing, another BSON type): the empty object of five "".
//!
//! A malformed order (a field of an unexpected BSON type) is printed as well as
//! possible: `items` that is not an array becomes `[]`, items that are not objects are
//! dropped, a `product` that is not a string is null. The list never fails for it.

use std::collections::HashMap;

use hme_kernel::mongoose::bson_to_json;
use mongodb::bson::{Bson, Document};
use serde_json::Value;

/// Defaults mongoose fills in when a stored order lacks the path.
fn defaults() -> [(&'static str, Value); 9] {
    [
        ("status", Value::from("Order Placed")),
        ("courierName", Value::Null),
        ("courierTrackingNumber", Value::Null),
        ("courierStatus", Value::Null),
        ("paymentMethod", Value::from("cod")),
        ("paymentStatus", Value::from("pending")),
        ("paymentTxnRef", Value::Null),
        ("paymentTxnId", Value::Null),
        ("paymentError", Value::Null),
    ]
}

fn is_empty_object(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.is_empty())
}

/// The five fields the order pages print.
const ADDRESS_FIELDS: [&str; 5] = ["fullName", "area", "city", "state", "phoneNumber"];

fn is_hex_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The referenced ids of a set of orders: `(address ids, product ids)`. Free-text
/// addresses are not ids and are left out.
pub fn references(orders: &[Document]) -> (Vec<String>, Vec<String>) {
    let mut addresses = Vec::new();
    let mut products = Vec::new();
    for o in orders {
        if let Ok(a) = o.get_str("address").map(str::trim) {
            if is_hex_id(a) {
                addresses.push(a.to_ascii_lowercase());
            }
        }
        for item in o.get_array("items").map(|a| a.as_slice()).unwrap_or_default().iter().filter_map(Bson::as_document) {
            if let Ok(p) = item.get_str("product") {
                products.push(p.to_owned());
            }
        }
    }
    addresses.sort();
    addresses.dedup();
    products.sort();
    products.dedup();
    (addresses, products)
}

fn populate(value: &Value, docs: &HashMap<String, Value>) -> Value {
    match value {
        Value::String(id) => docs.get(&id.to_ascii_lowercase()).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn item_json(item: &Value, products: &HashMap<String, Value>) -> Option<Value> {
    let mut item = item.clone();
    let Value::Object(m) = &mut item else { return None };
    if let Some(p) = m.get("product").cloned() {
        m.insert("product".into(), populate(&p, products));
    }
    Some(item)
}

/// An address object with the five printed fields, from `fields` (missing or
/// non-string fields as "").
fn address_object(id: Value, fields: &serde_json::Map<String, Value>) -> Value {
    let mut m = fields.clone();
    m.entry("_id").or_insert(id);
    for k in ADDRESS_FIELDS {
        if !m.get(k).is_some_and(Value::is_string) {
            m.insert(k.into(), Value::from(""));
        }
    }
    Value::Object(m)
}

/// The parts of a free-text address "fullName, area, city, state" split on ", ":
/// `(fullName, area, city, state)`; with more than four parts the middle ones form
/// `area`, with fewer the missing trailing ones are "".
pub fn parse_text_address(text: &str) -> (String, String, String, String) {
    let parts: Vec<&str> = text.split(", ").map(str::trim).collect();
    match parts.as_slice() {
        [] => Default::default(),
        [a] => ((*a).to_owned(), String::new(), String::new(), String::new()),
        [a, b] => ((*a).to_owned(), (*b).to_owned(), String::new(), String::new()),
        [a, b, c] => ((*a).to_owned(), (*b).to_owned(), (*c).to_owned(), String::new()),
        [a, middle @ .., c, d] => ((*a).to_owned(), middle.join(", "), (*c).to_owned(), (*d).to_owned()),
    }
}

/// The object made of a free-text address (see [`parse_text_address`]); `_id` null,
/// `phoneNumber` "", `text` the stored string.
pub fn address_from_text(text: &str) -> Value {
    let (full_name, area, city, state) = parse_text_address(text);
    let mut m = serde_json::Map::new();
    for (k, v) in [("fullName", full_name.as_str()), ("area", &area), ("city", &city), ("state", &state), ("phoneNumber", ""), ("text", text)] {
        m.insert(k.into(), Value::from(v));
    }
    address_object(Value::Null, &m)
}

/// What the order pages get for a stored `address` (see the module documentation).
fn address_json(stored: Option<&Value>, addresses: &HashMap<String, Value>) -> Value {
    let empty = serde_json::Map::new();
    match stored {
        Some(Value::String(s)) if is_hex_id(s.trim()) => {
            let id = s.trim().to_ascii_lowercase();
            match addresses.get(&id) {
                Some(Value::Object(doc)) => address_object(Value::from(id), doc),
                _ => address_object(Value::from(id), &empty),
            }
        }
        Some(Value::String(s)) if !s.trim().is_empty() => address_from_text(s),
        _ => address_object(Value::Null, &empty),
    }
}

/// One order as mongoose serializes it, populated from `addresses` and `products`
/// (keyed by `_id` hex).
pub fn order_json(order: &Document, addresses: &HashMap<String, Value>, products: &HashMap<String, Value>) -> Value {
    let Value::Object(mut m) = bson_to_json(&Bson::Document(order.clone())) else { return Value::Null };
    for (k, v) in defaults() {
        m.entry(k).or_insert(v);
    }
    m.retain(|_, v| !is_empty_object(v));
    let address = address_json(m.get("address"), addresses);
    m.insert("address".into(), address);
    let items = match m.get("items") {
        Some(Value::Array(items)) => items.iter().filter_map(|i| item_json(i, products)).collect(),
        _ => Vec::new(),
    };
    m.insert("items".into(), Value::Array(items));
    Value::Object(m)
}

/// Documents keyed by their `_id` string (lower-case).
pub fn by_id(docs: Vec<Value>) -> HashMap<String, Value> {
    docs.into_iter()
        .filter_map(|d| Some((d.get("_id")?.as_str()?.to_ascii_lowercase(), d)))
        .collect::<HashMap<_, _>>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;
    use serde_json::json;

    #[test]
    fn free_text_addresses_become_the_object_the_pages_print() {
        let a = address_from_text("Ayesha Khan, House 4, Street 9, Gulberg, Lahore, Punjab");
        assert_eq!((a["fullName"].clone(), a["area"].clone()), (json!("Ayesha Khan"), json!("House 4, Street 9, Gulberg")));
        assert_eq!((a["city"].clone(), a["state"].clone(), a["phoneNumber"].clone()), (json!("Lahore"), json!("Punjab"), json!("")));
        let short = address_from_text("Ali");
        assert_eq!((short["fullName"].clone(), short["state"].clone()), (json!("Ali"), json!("")));
    }

    #[test]
    fn odd_orders_render_with_an_address_object_and_items_array() {
        let none = HashMap::new();
        for address in [Bson::Int32(3), Bson::Null, Bson::String("665f1c2b9a1e4b0012345678".into())] {
            let o = order_json(&doc! {"_id": 1, "address": address.clone(), "items": "not an array"}, &none, &none);
            assert!(ADDRESS_FIELDS.iter().all(|k| o["address"][k] == json!("")), "{address}: {o}");
            assert_eq!(o["items"], json!([]));
        }
        let o = order_json(&doc! {"items": [1, {"product": 5, "quantity": 1}]}, &none, &none);
        assert_eq!(o["items"], json!([{"product": null, "quantity": 1}]));
    }
}
