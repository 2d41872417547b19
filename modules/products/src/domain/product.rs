//! A product as stored in the `products` collection and as mongoose serializes it.

use chrono::{DateTime, Utc};
use mongodb::bson::{oid::ObjectId, Bson, Document};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::bson_json::bson_to_json;
use super::number::JsNumber;
use hme_kernel::dates::to_iso_millis;

/// The schema paths, in schema order (everything else is an extra field).
const SCHEMA_FIELDS: [&str; 17] = [
    "_id", "userId", "name", "description", "price", "offerPrice", "image", "category", "date", "inStock",
    "promotion", "tags", "views", "sales", "createdAt", "updatedAt", "__v",
];

/// A product document. Reading fills in the schema defaults mongoose would (offerPrice 0,
/// inStock true, promotion false, tags [], views 0, sales 0) and keeps unknown fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// `_id`.
    pub id: ObjectId,
    /// The seller's Clerk id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// List price, PKR.
    pub price: JsNumber,
    /// Offer price, PKR; 0 = no offer.
    pub offer_price: JsNumber,
    /// Image URLs.
    pub image: Vec<String>,
    /// Category (free text; the shop uses a fixed set).
    pub category: String,
    /// Listing date.
    pub date: DateTime<Utc>,
    /// Whether it is sold now.
    pub in_stock: bool,
    /// Whether it is promoted.
    pub promotion: bool,
    /// Search tags.
    pub tags: Vec<String>,
    /// View counter.
    pub views: JsNumber,
    /// Sales counter.
    pub sales: JsNumber,
    /// mongoose timestamp (absent on documents written without timestamps).
    pub created_at: Option<DateTime<Utc>>,
    /// mongoose timestamp.
    pub updated_at: Option<DateTime<Utc>>,
    /// mongoose `__v`.
    pub version: Option<JsNumber>,
    /// Fields outside the schema, in stored order (hme's optional `stock` lives here).
    pub extra: Document,
}

/// A stored document that cannot be read as a product.
#[derive(Debug, thiserror::Error)]
#[error("product document {id}: {problem}")]
pub struct BadDocument {
    /// The document's `_id`, as printed.
    pub id: String,
    /// What is wrong.
    pub problem: String,
}

fn string_field(doc: &Document, key: &str) -> String {
    match doc.get(key) {
        Some(Bson::String(s)) => s.clone(),
        Some(other @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => bson_to_json(other).to_string(),
        _ => String::new(),
    }
}

fn strings_field(doc: &Document, key: &str) -> Vec<String> {
    match doc.get(key) {
        Some(Bson::Array(items)) => items.iter().filter_map(|b| b.as_str().map(str::to_owned)).collect(),
        Some(Bson::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn number_field(doc: &Document, key: &str, default: f64) -> JsNumber {
    doc.get(key).and_then(JsNumber::from_bson).unwrap_or(JsNumber(default))
}

fn date_field(doc: &Document, key: &str) -> Option<DateTime<Utc>> {
    match doc.get(key) {
        Some(Bson::DateTime(d)) => DateTime::from_timestamp_millis(d.timestamp_millis()),
        Some(Bson::String(s)) => DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc)),
        _ => None,
    }
}

fn bool_field(doc: &Document, key: &str, default: bool) -> bool {
    doc.get(key).and_then(Bson::as_bool).unwrap_or(default)
}

impl Product {
    /// Reads a stored document (what mongoose's `init` would make of it).
    pub fn from_document(doc: &Document) -> Result<Self, BadDocument> {
        let id = doc.get_object_id("_id").map_err(|_| BadDocument {
            id: doc.get("_id").map(ToString::to_string).unwrap_or_default(),
            problem: "`_id` is not an ObjectId".into(),
        })?;
        let extra = doc.iter().filter(|(k, _)| !SCHEMA_FIELDS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Self {
            id,
            user_id: string_field(doc, "userId"),
            name: string_field(doc, "name"),
            description: string_field(doc, "description"),
            price: number_field(doc, "price", 0.0),
            offer_price: number_field(doc, "offerPrice", 0.0),
            image: strings_field(doc, "image"),
            category: string_field(doc, "category"),
            date: date_field(doc, "date").unwrap_or_else(hme_kernel::dates::now_millis),
            in_stock: bool_field(doc, "inStock", true),
            promotion: bool_field(doc, "promotion", false),
            tags: strings_field(doc, "tags"),
            views: number_field(doc, "views", 0.0),
            sales: number_field(doc, "sales", 0.0),
            created_at: date_field(doc, "createdAt"),
            updated_at: date_field(doc, "updatedAt"),
            version: doc.get("__v").and_then(JsNumber::from_bson),
            extra,
        })
    }

    /// The document to store, with the BSON types mongoose would write.
    pub fn to_document(&self) -> Document {
        let mut d = Document::new();
        d.insert("_id", self.id);
        d.insert("userId", self.user_id.as_str());
        d.insert("name", self.name.as_str());
        d.insert("description", self.description.as_str());
        d.insert("price", self.price.to_bson());
        d.insert("offerPrice", self.offer_price.to_bson());
        d.insert("image", self.image.clone());
        d.insert("category", self.category.as_str());
        d.insert("date", bson_date(self.date));
        d.insert("inStock", self.in_stock);
        d.insert("promotion", self.promotion);
        d.insert("tags", self.tags.clone());
        d.insert("views", self.views.to_bson());
        d.insert("sales", self.sales.to_bson());
        for (k, v) in &self.extra {
            d.insert(k.clone(), v.clone());
        }
        if let Some(c) = self.created_at {
            d.insert("createdAt", bson_date(c));
        }
        if let Some(u) = self.updated_at {
            d.insert("updatedAt", bson_date(u));
        }
        if let Some(v) = self.version {
            d.insert("__v", v.to_bson());
        }
        d
    }

    /// The virtual `effectivePrice`: the offer price when above 0, else the price.
    pub fn effective_price(&self) -> f64 {
        if self.offer_price.get() > 0.0 {
            self.offer_price.get()
        } else {
            self.price.get()
        }
    }

    /// The optional stock count (absent = unlimited). Non-integral values are truncated.
    #[allow(clippy::cast_possible_truncation)]
    pub fn stock(&self) -> Option<i64> {
        self.extra.get("stock").and_then(JsNumber::from_bson).map(|n| n.get().trunc() as i64)
    }

    /// Sets the stock count and keeps `inStock` consistent with it.
    pub fn set_stock(&mut self, stock: i64) {
        #[allow(clippy::cast_precision_loss)]
        self.extra.insert("stock", JsNumber(stock as f64).to_bson());
        self.in_stock = stock > 0;
    }

    /// The Cloudinary public id of each image: the URL's last path segment without
    /// its extension.
    pub fn image_public_ids(&self) -> Vec<String> {
        self.image.iter().filter_map(|u| cloudinary_public_id(u)).collect()
    }
}

/// The last path segment of `url` without its extension (the legacy rule).
pub fn cloudinary_public_id(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    let stem = last.rsplit_once('.').map_or(last, |(s, _)| s);
    (!stem.is_empty()).then(|| stem.to_owned())
}

/// A chrono date as a BSON date.
pub fn bson_date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

impl Serialize for Product {
    /// mongoose's `toJSON({virtuals: true})`, in schema order, then extra fields, then
    /// the virtuals `effectivePrice` and `id`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let id = self.id.to_hex();
        m.serialize_entry("_id", &id)?;
        m.serialize_entry("userId", &self.user_id)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("description", &self.description)?;
        m.serialize_entry("price", &self.price)?;
        m.serialize_entry("offerPrice", &self.offer_price)?;
        m.serialize_entry("image", &self.image)?;
        m.serialize_entry("category", &self.category)?;
        m.serialize_entry("date", &to_iso_millis(&self.date))?;
        m.serialize_entry("inStock", &self.in_stock)?;
        m.serialize_entry("promotion", &self.promotion)?;
        m.serialize_entry("tags", &self.tags)?;
        m.serialize_entry("views", &self.views)?;
        m.serialize_entry("sales", &self.sales)?;
        if let Some(c) = &self.created_at {
            m.serialize_entry("createdAt", &to_iso_millis(c))?;
        }
        if let Some(u) = &self.updated_at {
            m.serialize_entry("updatedAt", &to_iso_millis(u))?;
        }
        if let Some(v) = &self.version {
            m.serialize_entry("__v", v)?;
        }
        for (k, v) in &self.extra {
            m.serialize_entry(k, &bson_to_json(v))?;
        }
        m.serialize_entry("effectivePrice", &JsNumber(self.effective_price()))?;
        m.serialize_entry("id", &id)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_the_last_segment_without_extension() {
        let u = "https://res.cloudinary.com/demo/image/upload/v1700000000/abc123.jpg";
        assert_eq!(cloudinary_public_id(u).as_deref(), Some("abc123"));
        assert_eq!(cloudinary_public_id("https://x.test/a/b/noext").as_deref(), Some("noext"));
    }
}
