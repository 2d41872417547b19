//! A new order as hme writes it (the exact BSON mongoose would write), and the few
//! fields hme reads back from stored orders (written by hme or by the legacy app).

use chrono::{DateTime, Utc};
use hme_kernel::dates::to_iso_millis;
use hme_kernel::mongoose::JsNumber;
use hme_auth_contract::CustomerAddress;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use serde_json::{json, Value};

use super::input::Line;
use super::status::OrderStatus;

/// One priced line of a new order.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedLine {
    /// The validated line.
    pub line: Line,
    /// The item's own `_id` (mongoose gives each array element one).
    pub item_id: ObjectId,
    /// The product's name now.
    pub name: String,
    /// What one unit costs now: `offerPrice` when above 0, else `price`.
    pub unit_price: f64,
}

/// The courier booking of a new order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Courier {
    /// The courier asked for, if any.
    pub name: Option<String>,
    /// `<NAME upper>-<8 digits>` when a courier was asked for.
    pub tracking_number: Option<String>,
}

impl Courier {
    /// Books `name` (when given) with a fresh tracking number.
    pub fn book(name: Option<String>) -> Self {
        let tracking_number = name.as_ref().map(|n| {
            let digits = uuid::Uuid::new_v4().as_u128() % 100_000_000;
            format!("{}-{digits:08}", n.to_uppercase())
        });
        Self { name, tracking_number }
    }
}

/// A new order, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// `_id`; its hex is also the stock reservation id.
    pub id: ObjectId,
    /// The customer.
    pub user_id: String,
    /// The priced lines.
    pub lines: Vec<PricedLine>,
    /// The shipping fee included in `amount`.
    pub shipping_fee: f64,
    /// Sum of the lines plus the shipping fee, PKR.
    pub amount: f64,
    /// The delivery address (the caller's).
    pub address: CustomerAddress,
    /// The courier booking.
    pub courier: Courier,
    /// When it was placed (ms precision).
    pub date: DateTime<Utc>,
    /// `cod` (order/create) or `jazzcash` (checkout).
    pub payment_method: &'static str,
    /// The gateway transaction reference (`pp_TxnRefNo`), for online payments.
    pub payment_txn_ref: Option<String>,
}

fn bson_date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

fn opt(s: Option<&String>) -> Bson {
    s.map_or(Bson::Null, |s| Bson::String(s.clone()))
}

impl NewOrder {
    /// `courierStatus` of the new order: "Booked" for `order/create` (as the legacy, with
    /// or without a courier), null (the schema default) for a pending checkout, which
    /// the legacy initiate left unset until its callback booked TCS.
    fn courier_status(&self) -> Bson {
        if self.payment_method == "cod" {
            Bson::String("Booked".to_owned())
        } else {
            Bson::Null
        }
    }

    /// The document as mongoose would store it, fields in schema order. `courierMeta`
    /// is stored only with a courier (mongoose drops empty objects).
    pub fn to_document(&self) -> Document {
        let items: Vec<Bson> = self
            .lines
            .iter()
            .map(|l| Bson::Document(doc! {"product": &l.line.product_id, "quantity": JsNumber(f64::from(l.line.quantity)).to_bson(), "_id": l.item_id}))
            .collect();
        let mut d = doc! {
            "_id": self.id, "userId": &self.user_id, "items": items, "amount": JsNumber(self.amount).to_bson(),
            "address": &self.address.id, "status": OrderStatus::Placed.as_str(), "date": bson_date(self.date),
            "courierName": opt(self.courier.name.as_ref()), "courierTrackingNumber": opt(self.courier.tracking_number.as_ref()),
            "courierStatus": self.courier_status(),
        };
        if let Some(name) = &self.courier.name {
            d.insert("courierMeta", doc! {"bookedAt": to_iso_millis(&self.date), "courier": name});
        }
        d.extend(doc! {
            "paymentMethod": self.payment_method, "paymentStatus": "pending", "paymentTxnRef": opt(self.payment_txn_ref.as_ref()), "paymentTxnId": Bson::Null,
            "paymentError": Bson::Null, "createdAt": bson_date(self.date), "updatedAt": bson_date(self.date), "__v": 0,
        });
        d
    }

    /// The legacy success body, plus `orderId`.
    pub fn response(&self) -> Value {
        json!({
            "success": true,
            "message": "Order Placed",
            "courier": {"courierName": self.courier.name, "courierTrackingNumber": self.courier.tracking_number, "courierStatus": "Booked"},
            "orderId": self.id.to_hex(),
        })
    }

    /// `(product id, quantity)` per line, as the catalog wants them.
    pub fn stock_lines(&self) -> Vec<(String, u32)> {
        self.lines.iter().map(|l| (l.line.product_id.clone(), l.line.quantity)).collect()
    }
}

/// What hme reads from a stored order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    /// `_id`.
    pub id: ObjectId,
    /// The customer.
    pub user_id: String,
    /// The status text (mongoose's default "Order Placed" when missing).
    pub status: String,
    /// `(product id, quantity)` per item.
    pub lines: Vec<(String, u32)>,
}

impl StoredOrder {
    /// Reads the fields hme needs; None when `_id` is not an ObjectId.
    pub fn from_document(d: &Document) -> Option<Self> {
        let id = d.get_object_id("_id").ok()?;
        let user_id = d.get_str("userId").unwrap_or_default().to_owned();
        let status = d.get_str("status").unwrap_or(OrderStatus::Placed.as_str()).to_owned();
        let items = d.get_array("items").map(|a| a.to_vec()).unwrap_or_default();
        let lines = items
            .iter()
            .filter_map(Bson::as_document)
            .filter_map(|i| {
                let q = i.get("quantity").and_then(JsNumber::from_bson)?.as_safe_integer()?;
                Some((i.get_str("product").ok()?.to_owned(), u32::try_from(q).ok()?))
            })
            .collect();
        Some(Self { id, user_id, status, lines })
    }
}
