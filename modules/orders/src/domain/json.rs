//! Orders printed the way mongoose's `find(...).populate('address items.product')`
//! prints them: schema defaults filled in for older documents, empty objects dropped
//! (`minimize`), unknown fields kept, `address` and each `items[].product` replaced by
//! the referenced document, or null when it no longer exists.

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

/// The referenced ids of a set of orders: `(address ids, product ids)`.
pub fn references(orders: &[Document]) -> (Vec<String>, Vec<String>) {
    let mut addresses = Vec::new();
    let mut products = Vec::new();
    for o in orders {
        if let Ok(a) = o.get_str("address") {
            addresses.push(a.to_owned());
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

fn item_json(item: &Value, products: &HashMap<String, Value>) -> Value {
    let mut item = item.clone();
    if let Value::Object(m) = &mut item {
        if let Some(p) = m.get("product").cloned() {
            m.insert("product".into(), populate(&p, products));
        }
    }
    item
}

/// One order as mongoose serializes it, populated from `addresses` and `products`
/// (keyed by `_id` hex).
pub fn order_json(order: &Document, addresses: &HashMap<String, Value>, products: &HashMap<String, Value>) -> Value {
    let Value::Object(mut m) = bson_to_json(&Bson::Document(order.clone())) else { return Value::Null };
    for (k, v) in defaults() {
        m.entry(k).or_insert(v);
    }
    m.entry("items").or_insert_with(|| Value::Array(Vec::new()));
    m.retain(|_, v| !is_empty_object(v));
    if let Some(a) = m.get("address").cloned() {
        m.insert("address".into(), populate(&a, addresses));
    }
    if let Some(Value::Array(items)) = m.get("items") {
        let populated: Vec<Value> = items.iter().map(|i| item_json(i, products)).collect();
        m.insert("items".into(), Value::Array(populated));
    }
    Value::Object(m)
}

/// Documents keyed by their `_id` string (lower-case).
pub fn by_id(docs: Vec<Value>) -> HashMap<String, Value> {
    docs.into_iter()
        .filter_map(|d| Some((d.get("_id")?.as_str()?.to_ascii_lowercase(), d)))
        .collect::<HashMap<_, _>>()
}
