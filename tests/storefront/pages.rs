//! The storefront's client logic, mirrored: what each page does with an answer and
//! what the shopper then sees (frontend.md). Where the page would crash, these panic
//! with the browser's error.

use serde_json::{json, Value};

/// The toast an axios call ends with: the rejection's message, else the body's
/// `message` (green when `success`, red otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toast {
    Success(String),
    Error(String),
}

/// The toast of a page that checks `success` and shows `message`.
pub fn toast(r: &Result<Value, String>) -> Toast {
    match r {
        Err(e) => Toast::Error(e.clone()),
        Ok(b) => {
            let m = b["message"].as_str().unwrap_or("undefined").to_owned();
            if b["success"] == json!(true) {
                Toast::Success(m)
            } else {
                Toast::Error(m)
            }
        }
    }
}

/// A number the page computes with: a JSON number, or the crash a string causes
/// (`price.toFixed is not a function` and NaN totals).
pub fn number(v: &Value, what: &str) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("the page crashes: {what} is {v}, not a number"))
}

/// The unit price the cart and product pages use: `offerPrice` when > 0, else `price`.
pub fn unit_price(p: &Value) -> f64 {
    let offer = number(&p["offerPrice"], "offerPrice");
    if offer > 0.0 {
        offer
    } else {
        number(&p["price"], "price")
    }
}

/// The thumbnail (`image[0]`; no array crashes the card).
pub fn thumbnail(p: &Value) -> String {
    let images = p["image"].as_array().unwrap_or_else(|| panic!("the page crashes: image is {}, not an array", p["image"]));
    images.first().and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// The product card's badges: "Out of Stock" for a falsy `inStock`, "Promotion" for
/// a truthy `promotion`.
pub fn badges(p: &Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !truthy(&p["inStock"]) {
        out.push("Out of Stock");
    }
    if truthy(&p["promotion"]) {
        out.push("Promotion");
    }
    out
}

/// JavaScript truthiness.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// The product's `date` as milliseconds (`new Date(date)`).
fn date_ms(p: &Value) -> i64 {
    let d = p["date"].as_str().unwrap_or_else(|| panic!("date is {}", p["date"]));
    chrono::DateTime::parse_from_rfc3339(d).unwrap_or_else(|e| panic!("new Date({d}) is Invalid Date: {e}")).timestamp_millis()
}

/// New Arrivals: products dated less than 48 h before `now_ms`, newest first; their ids.
pub fn new_arrivals(products: &[Value], now_ms: i64) -> Vec<String> {
    let mut fresh: Vec<&Value> = products.iter().filter(|p| now_ms - date_ms(p) < 48 * 3600 * 1000).collect();
    fresh.sort_by_key(|p| std::cmp::Reverse(date_ms(p)));
    fresh.iter().map(|p| id(p)).collect()
}

/// Promotions: the products with a truthy `promotion`; their ids.
pub fn promotions(products: &[Value]) -> Vec<String> {
    products.iter().filter(|p| truthy(&p["promotion"])).map(id).collect()
}

/// The product page (`/product/[id]`): no call; the catalogue entry whose `_id`
/// equals the route's id as a string, or None: the spinner that never ends.
pub fn product_page<'a>(products: &'a [Value], route_id: &str) -> Option<&'a Value> {
    products.iter().find(|p| id(p) == route_id)
}

/// An `_id` as the page compares it (a string).
pub fn id(v: &Value) -> String {
    match &v["_id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What the cart page shows and sends.
#[derive(Debug, Clone, PartialEq)]
pub struct CartView {
    /// The visible lines: (product id, quantity), catalogue products with qty > 0.
    pub lines: Vec<(String, u64)>,
    /// The badge: the sum of every quantity in the cart, hidden ones too.
    pub badge: u64,
    /// Σ unit price × qty over the visible lines.
    pub subtotal: f64,
    /// Subtotal + the flat 250 shipping the UI adds.
    pub total: f64,
    /// The order/checkout items: every cart key, hidden ones too.
    pub items: Vec<(String, u64)>,
}

/// The cart page over `cart` (`{<id>: qty}`) and the catalogue.
pub fn cart_view(cart: &Value, products: &[Value]) -> CartView {
    let cart = cart.as_object().unwrap_or_else(|| panic!("the cart page crashes: cartItems is {cart}"));
    let mut view = CartView { lines: Vec::new(), badge: 0, subtotal: 0.0, total: 0.0, items: Vec::new() };
    for (pid, q) in cart {
        let q = q.as_f64().unwrap_or(0.0);
        let qty = if q > 0.0 { q as u64 } else { 0 };
        view.badge += qty;
        if qty > 0 {
            view.items.push((pid.clone(), qty));
        }
        if let Some(p) = product_page(products, pid).filter(|_| qty > 0) {
            view.lines.push((pid.clone(), qty));
            view.subtotal += unit_price(p) * qty as f64;
        }
    }
    view.total = if view.subtotal > 0.0 { view.subtotal + 250.0 } else { 0.0 };
    view
}

/// One order card of my-orders or of the seller's orders page.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderCard {
    pub id: String,
    /// "name x qty" per item, joined ", ".
    pub items: String,
    /// fullName / "area, city, state" / phoneNumber.
    pub address: [String; 3],
    pub amount: f64,
    /// The local date (`new Date(date).toLocaleDateString()`), here as YYYY-MM-DD.
    pub date: String,
    /// Upper-cased `courierName` when truthy.
    pub courier: Option<String>,
    pub tracking: Option<String>,
    pub courier_status: Option<String>,
    /// my-orders always prints "COD" / "Pending".
    pub payment: (&'static str, &'static str),
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "undefined".into(),
        other => other.to_string(),
    }
}

fn card(o: &Value, missing_product: &str) -> OrderCard {
    let a = &o["address"];
    if !a.is_object() {
        panic!("the page crashes: TypeError: Cannot read properties of {a} (reading 'fullName') in order {}", o["_id"]);
    }
    let items: Vec<String> = o["items"]
        .as_array()
        .unwrap_or_else(|| panic!("the page crashes: items is {}", o["items"]))
        .iter()
        .map(|i| {
            let name = if i["product"].is_object() { text(&i["product"]["name"]) } else { missing_product.to_owned() };
            format!("{name} x {}", text(&i["quantity"]))
        })
        .collect();
    let date = o["date"].as_str().and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok()).map(|d| d.with_timezone(&chrono::Local).format("%Y-%m-%d").to_string());
    let opt = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    OrderCard {
        id: id(o),
        items: items.join(", "),
        address: [text(&a["fullName"]), format!("{}, {}, {}", text(&a["area"]), text(&a["city"]), text(&a["state"])), text(&a["phoneNumber"])],
        amount: number(&o["amount"], "amount"),
        date: date.unwrap_or_else(|| "Invalid Date".into()),
        courier: opt(&o["courierName"]).map(|c| c.to_uppercase()),
        tracking: opt(&o["courierTrackingNumber"]),
        courier_status: opt(&o["courierStatus"]),
        payment: ("COD", "Pending"),
    }
}

/// my-orders: the list reversed (it expects oldest first), one card per order; a
/// deleted product reads "undefined x N".
pub fn my_orders_view(orders: &[Value]) -> Vec<OrderCard> {
    orders.iter().rev().map(|o| card(o, "undefined")).collect()
}

/// The seller's orders page: the list as given; a deleted product reads "Product x N".
pub fn seller_orders_view(orders: &[Value]) -> Vec<OrderCard> {
    orders.iter().map(|o| card(o, "Product")).collect()
}

/// What the subscribe form does with the answer of `POST /api/subscribe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribe {
    AlreadySubscribed,
    ThankYou,
    ErrorNotice,
}

/// The subscribe page: 2xx + `message` "Already subscribed" → the notice; other 2xx
/// → /thank-you; non-2xx or a body that is not JSON → the error notice.
pub fn subscribe_page(status: u16, body: &Value) -> Subscribe {
    if !(200..300).contains(&status) || body.is_null() {
        Subscribe::ErrorNotice
    } else if body["message"] == json!("Already subscribed") {
        Subscribe::AlreadySubscribed
    } else {
        Subscribe::ThankYou
    }
}

/// What the checkout page does with the initiate answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkout {
    /// The hidden form it posts: the action and one input per `fields` entry.
    PostForm { action: String, inputs: Vec<(String, String)> },
    Toast(String),
}

/// The checkout page: JSON read at any status; `success` → the form; else
/// "Initiation pipeline error track criteria: " + `error`.
pub fn checkout_page(body: &Value) -> Checkout {
    if body.is_null() {
        return Checkout::Toast("Something went wrong".into());
    }
    if body["success"] == json!(true) {
        let fields = body["fields"].as_object().unwrap_or_else(|| panic!("no fields: {body}"));
        let inputs = fields.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))).collect();
        Checkout::PostForm { action: text(&body["gatewayUrl"]), inputs }
    } else {
        Checkout::Toast(format!("Initiation pipeline error track criteria: {}", text(&body["error"])))
    }
}

/// `decodeURIComponent`: None where it throws URIError (a stray %).
pub fn decode_uri_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `new URL(location).searchParams.get(name)`: the first value, `+` as a space, decoded once.
pub fn query_param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).unwrap_or_else(|e| panic!("Location {location}: {e}"));
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The path of a redirect.
pub fn path_of(location: &str) -> String {
    url::Url::parse(location).unwrap_or_else(|e| panic!("Location {location}: {e}")).path().to_owned()
}

/// /payment-failed: the `reason` decoded a second time, or the default text; Err
/// where the second decode throws.
pub fn payment_failed_page(location: &str) -> Result<String, String> {
    match query_param(location, "reason") {
        None => Ok("Payment could not be completed".into()),
        Some(r) => decode_uri_component(&r).ok_or_else(|| format!("URIError: URI malformed ({r})")),
    }
}

/// What the tracking page shows.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackingView {
    Data { status: String, location: String, history: Vec<[String; 4]> },
    /// "Tracking Data Generating".
    Generating,
}

/// The tracking page: `success` → `status` verbatim, `currentLocation` (default "In
/// Transit"), `history[]` as `[date, time, remarks, location]`, item 0 the latest;
/// anything else → "Tracking Data Generating".
pub fn tracking_page(body: &Value) -> TrackingView {
    if body["success"] != json!(true) {
        return TrackingView::Generating;
    }
    let history = body["history"].as_array().unwrap_or_else(|| panic!("the page crashes: history.map is not a function ({})", body["history"]));
    let cell = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_default();
    TrackingView::Data {
        status: text(&body["status"]),
        location: body["currentLocation"].as_str().filter(|s| !s.is_empty()).unwrap_or("In Transit").to_owned(),
        history: history.iter().map(|h| [cell(&h["date"]), cell(&h["time"]), cell(&h["remarks"]), cell(&h["location"])]).collect(),
    }
}
