//! What the write routes accept, and the validated values they turn into.

use chrono::{DateTime, Utc};
use hme_kernel::ApiError;
use mongodb::bson::{oid::ObjectId, Bson, Document};
use serde::Deserialize;
use serde_json::Value;

use super::number::JsNumber;
use super::product::{bson_date, Product};
use super::validation as v;

/// Body of `POST /api/product/add`. Fields are read loosely (prices may be strings of
/// digits) and validated one by one, so every problem gets its own message.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddProductBody {
    /// Required, at most 200 characters.
    #[schema(value_type = String)]
    pub name: Option<Value>,
    /// Required, at most 5000 characters.
    #[schema(value_type = String)]
    pub description: Option<Value>,
    /// Required; trimmed; any text (the shop uses Earphone, Headphone, Watch, ...).
    #[schema(value_type = String)]
    pub category: Option<Value>,
    /// Required, PKR, a number or a string of digits.
    #[schema(value_type = f64)]
    pub price: Option<Value>,
    /// PKR, at most `price`; 0 or absent = no offer.
    #[schema(value_type = Option<f64>)]
    pub offer_price: Option<Value>,
    /// 1 to 8 http(s) URLs.
    #[schema(value_type = Vec<String>)]
    pub image: Option<Value>,
    /// Optional search tags.
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Option<Value>,
    /// Optional stock count (absent = unlimited).
    #[schema(value_type = Option<i64>)]
    pub stock: Option<Value>,
}

/// Body of `PUT /api/product/edit`: the product id, then the fields to change
/// (absent = unchanged, except `offerPrice`, which becomes 0 when absent or falsy).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditProductBody {
    /// The product's 24-hex id.
    #[schema(value_type = String)]
    pub product_id: Option<Value>,
    /// New name.
    #[schema(value_type = Option<String>)]
    pub name: Option<Value>,
    /// New description.
    #[schema(value_type = Option<String>)]
    pub description: Option<Value>,
    /// New category.
    #[schema(value_type = Option<String>)]
    pub category: Option<Value>,
    /// New price.
    #[schema(value_type = Option<f64>)]
    pub price: Option<Value>,
    /// New offer price; absent or falsy = 0.
    #[schema(value_type = Option<f64>)]
    pub offer_price: Option<Value>,
    /// New image URLs.
    #[schema(value_type = Option<Vec<String>>)]
    pub image: Option<Value>,
    /// New tags.
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Option<Value>,
    /// New stock count.
    #[schema(value_type = Option<i64>)]
    pub stock: Option<Value>,
}

/// Body of `DELETE /api/product/delete`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteBody {
    /// The product's 24-hex id.
    #[schema(value_type = String)]
    pub product_id: Option<Value>,
}

/// Body of `PUT /api/product/inStock`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InStockBody {
    /// The product's 24-hex id.
    #[schema(value_type = String)]
    pub product_id: Option<Value>,
    /// The new flag.
    #[schema(value_type = bool)]
    pub in_stock: Option<Value>,
}

/// Body of `PUT /api/product/promotion`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromotionBody {
    /// The product's 24-hex id.
    #[schema(value_type = String)]
    pub product_id: Option<Value>,
    /// The new flag.
    #[schema(value_type = bool)]
    pub promotion: Option<Value>,
}

/// A validated new product.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: String,
    /// Price.
    pub price: f64,
    /// Offer price (0 = none).
    pub offer_price: f64,
    /// Image URLs.
    pub image: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Optional stock count.
    pub stock: Option<i64>,
}

impl NewProduct {
    /// Validates an add body.
    pub fn from_body(b: &AddProductBody, max_images: usize) -> Result<Self, ApiError> {
        let name = v::required_text(b.name.as_ref(), "Product name", v::MAX_NAME_CHARS)?;
        let description = v::required_text(b.description.as_ref(), "Product description", v::MAX_DESCRIPTION_CHARS)?;
        let category = v::required_text(b.category.as_ref(), "Category", v::MAX_CATEGORY_CHARS)?;
        // The seller form sends the raw input, "" when left blank; the legacy handler's
        // `Number("")` stored 0 (frontend.md section 9). A missing price stays refused.
        let blank = matches!(b.price.as_ref(), Some(Value::String(s)) if s.trim().is_empty());
        let price = match v::amount(b.price.as_ref(), "Price")? {
            Some(p) => p,
            None if blank => 0.0,
            None => return Err(ApiError::bad_request("Price is required")),
        };
        let offer_price = v::offer_price_or_zero(b.offer_price.as_ref())?;
        v::check_offer(price, offer_price)?;
        let image = v::images(b.image.as_ref(), max_images)?;
        let tags = v::tags(b.tags.as_ref())?.unwrap_or_default();
        let stock = v::stock(b.stock.as_ref())?;
        Ok(Self { name, description, category, price, offer_price, image, tags, stock })
    }

    /// The product document: `userId` = the seller, `date`, `createdAt` and `updatedAt`
    /// = now, `__v` 0, counters 0, `inStock` true (false when `stock` is 0).
    pub fn into_product(self, user_id: &str, now: DateTime<Utc>) -> Product {
        let mut p = Product {
            id: ObjectId::new(),
            user_id: user_id.to_owned(),
            name: self.name,
            description: self.description,
            price: JsNumber(self.price),
            offer_price: JsNumber(self.offer_price),
            image: self.image,
            category: self.category,
            date: now,
            in_stock: true,
            promotion: false,
            tags: self.tags,
            views: JsNumber(0.0),
            sales: JsNumber(0.0),
            created_at: Some(now),
            updated_at: Some(now),
            version: Some(JsNumber(0.0)),
            extra: Document::new(),
        };
        if let Some(s) = self.stock {
            p.set_stock(s);
        }
        p
    }
}

/// A validated change to a product; `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// New price.
    pub price: Option<f64>,
    /// New offer price.
    pub offer_price: Option<f64>,
    /// New images.
    pub image: Option<Vec<String>>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// New `inStock` flag.
    pub in_stock: Option<bool>,
    /// New `promotion` flag.
    pub promotion: Option<bool>,
    /// New stock count (also sets `inStock` to `stock > 0`).
    pub stock: Option<i64>,
}

impl ProductPatch {
    /// Validates an edit body into the product id and the change.
    pub fn from_edit(b: &EditProductBody, max_images: usize) -> Result<(ObjectId, Self), ApiError> {
        let id = v::product_id(b.product_id.as_ref())?;
        let image = match &b.image {
            None | Some(Value::Null) => None,
            some => Some(v::images(some.as_ref(), max_images)?),
        };
        let patch = Self {
            name: v::text(b.name.as_ref(), "Product name", v::MAX_NAME_CHARS)?,
            description: v::text(b.description.as_ref(), "Product description", v::MAX_DESCRIPTION_CHARS)?,
            category: v::text(b.category.as_ref(), "Category", v::MAX_CATEGORY_CHARS)?,
            price: v::amount(b.price.as_ref(), "Price")?,
            offer_price: Some(v::offer_price_or_zero(b.offer_price.as_ref())?),
            image,
            tags: v::tags(b.tags.as_ref())?,
            stock: v::stock(b.stock.as_ref())?,
            ..Self::default()
        };
        Ok((id, patch))
    }

    /// Applies the change to `p` and stamps `updatedAt`.
    pub fn apply(&self, p: &mut Product, now: DateTime<Utc>) {
        let set = |slot: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                slot.clone_from(v);
            }
        };
        set(&mut p.name, &self.name);
        set(&mut p.description, &self.description);
        set(&mut p.category, &self.category);
        if let Some(x) = self.price {
            p.price = JsNumber(x);
        }
        if let Some(x) = self.offer_price {
            p.offer_price = JsNumber(x);
        }
        if let Some(x) = &self.image {
            p.image.clone_from(x);
        }
        if let Some(x) = &self.tags {
            p.tags.clone_from(x);
        }
        if let Some(x) = self.in_stock {
            p.in_stock = x;
        }
        if let Some(x) = self.promotion {
            p.promotion = x;
        }
        if let Some(s) = self.stock {
            p.set_stock(s);
        }
        p.updated_at = Some(now);
    }

    /// The `$set` document of this change (BSON types as mongoose writes them).
    pub fn to_set_document(&self, now: DateTime<Utc>) -> Document {
        let mut d = Document::new();
        let mut put = |k: &str, v: Option<Bson>| {
            if let Some(v) = v {
                d.insert(k, v);
            }
        };
        put("name", self.name.clone().map(Bson::String));
        put("description", self.description.clone().map(Bson::String));
        put("category", self.category.clone().map(Bson::String));
        put("price", self.price.map(|x| JsNumber(x).to_bson()));
        put("offerPrice", self.offer_price.map(|x| JsNumber(x).to_bson()));
        put("image", self.image.clone().map(Bson::from));
        put("tags", self.tags.clone().map(Bson::from));
        put("inStock", self.in_stock.map(Bson::Boolean));
        put("promotion", self.promotion.map(Bson::Boolean));
        #[allow(clippy::cast_precision_loss)]
        put("stock", self.stock.map(|s| JsNumber(s as f64).to_bson()));
        put("inStock", self.stock.map(|s| Bson::Boolean(s > 0)));
        put("updatedAt", Some(bson_date(now)));
        d
    }
}
