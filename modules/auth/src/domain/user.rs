//! A `users` document, kept whole (fields outside the schema survive every write).

use mongodb::bson::{doc, Bson, Document};
use serde_json::Value;

use super::bson_json::bson_to_json;

/// What Clerk (or registration) says about a user: the fields a webhook sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    /// The `_id`: a Clerk user id, or an own account's id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The email address.
    pub email: String,
    /// The avatar URL.
    pub image_url: String,
}

/// A `users` document as stored (schema `minimize: false`: `cartItems: {}` is kept).
#[derive(Debug, Clone, PartialEq)]
pub struct User(pub Document);

impl User {
    /// A new document as mongoose's `User.create` stores it.
    pub fn new(p: &UserProfile) -> Self {
        Self(doc! {"_id": &p.id, "name": &p.name, "email": &p.email, "imageUrl": &p.image_url, "cartItems": {}, "__v": 0})
    }

    /// The `_id`.
    pub fn id(&self) -> &str {
        self.0.get_str("_id").unwrap_or_default()
    }

    /// The name ("" when missing).
    pub fn name(&self) -> &str {
        self.0.get_str("name").unwrap_or_default()
    }

    /// The email ("" when missing).
    pub fn email(&self) -> &str {
        self.0.get_str("email").unwrap_or_default()
    }

    /// The avatar URL ("" when missing).
    pub fn image_url(&self) -> &str {
        self.0.get_str("imageUrl").unwrap_or_default()
    }

    /// The cart as stored; mongoose's default `{}` when missing or not an object.
    pub fn cart_items(&self) -> Document {
        self.0.get_document("cartItems").cloned().unwrap_or_default()
    }

    /// The document as mongoose's `toJSON` prints it: defaults filled in (`cartItems`),
    /// unknown fields kept.
    pub fn to_json(&self) -> Value {
        let mut out = match bson_to_json(&Bson::Document(self.0.clone())) {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        if !self.0.contains_key("cartItems") {
            out.insert("cartItems".into(), Value::Object(serde_json::Map::new()));
        }
        Value::Object(out)
    }

    /// The cart as the legacy `GET /api/cart/get` returns it.
    pub fn cart_json(&self) -> Value {
        match self.0.get("cartItems") {
            Some(v @ Bson::Document(_)) => bson_to_json(v),
            Some(Bson::Null) | None => Value::Object(serde_json::Map::new()),
            Some(other) => bson_to_json(other),
        }
    }
}
