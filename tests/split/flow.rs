//! The shop's flow through the public routes, recorded as a transcript of
//! (step, status, body) with ids, dates and per-run names normalized, so two
//! deployments' transcripts compare equal when they answer alike.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hme_kernel::testing::clerk_token;
use reqwest::Method;
use serde_json::{json, Value};

use crate::mail;

pub use crate::isolation::WEBHOOK_SECRET;
/// The seller (a Clerk id; same in every run, each run has its own database).
pub const SELLER: &str = "user_split_seller";
/// The customer.
pub const CUSTOMER: &str = "user_split_customer";
/// How long events get to reach the worker and its effects to show.
pub const EVENTUAL: Duration = Duration::from_secs(45);

/// One answer of the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub name: &'static str,
    pub status: u16,
    pub body: Value,
}

/// Where the flow sends each request (the same base for every module in one process).
pub struct Shop {
    pub products: String,
    pub auth: String,
    pub orders: String,
    pub images: String,
    /// Unique per run: in the customer's and the owner's email addresses.
    pub tag: String,
    pub client: reqwest::Client,
}

/// A valid 1x1 RGBA PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
    0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// What the flow created, for the checks that follow it.
pub struct Placed {
    /// Product A (stock 5, 2 ordered).
    pub product_a: String,
    /// The customer's address.
    pub address: String,
    /// Per-run strings the transcript hides: the uploaded files' URLs and keys, the tag.
    pub volatile: Vec<(String, String)>,
}

impl Shop {
    pub fn customer_email(&self) -> String {
        format!("customer-{}@shop.test", self.tag)
    }

    pub fn owner_email(&self) -> String {
        format!("owner-{}@shop.test", self.tag)
    }

    /// One request; the body as JSON (or the raw text as a JSON string).
    pub async fn call(&self, method: Method, url: String, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(method.clone(), &url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {url}: no answer: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_else(|e| panic!("{method} {url}: body: {e}"));
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// A request that must answer 200; recorded in `steps`.
    async fn ok(&self, steps: &mut Vec<Step>, name: &'static str, method: Method, url: String, token: Option<&str>, body: Option<Value>) -> Value {
        let (status, body) = self.call(method.clone(), url.clone(), token, body).await;
        assert_eq!(status, 200, "{name}: {method} {url} answered {status}: {body}");
        assert_eq!(body["success"], json!(true), "{name}: {body}");
        steps.push(Step { name, status, body: body.clone() });
        body
    }

    /// Creates the customer through a Svix-signed Clerk `user.created` webhook.
    async fn clerk_user_created(&self, steps: &mut Vec<Step>) {
        let event = json!({"object": "event", "type": "user.created", "data": {
            "id": CUSTOMER, "first_name": "Ada", "last_name": "Lovelace", "image_url": "https://img.clerk.com/ada.png",
            "email_addresses": [{"id": "idn_1", "email_address": self.customer_email()}],
            "public_metadata": {}, "object": "user"}});
        let body = event.to_string();
        let (id, ts) = (format!("msg_{}", uuid::Uuid::new_v4().simple()), chrono::Utc::now().timestamp());
        let signature = hme_auth::svix::sign(WEBHOOK_SECRET, &id, ts, body.as_bytes()).unwrap();
        let url = format!("{}/api/webhooks/clerk", self.auth);
        let resp = self
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("svix-id", id)
            .header("svix-timestamp", ts.to_string())
            .header("svix-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "webhook: {body}");
        steps.push(Step { name: "clerk webhook user.created", status, body });
    }

    /// A product's current document (`GET /api/product/{id}`).
    pub async fn product(&self, id: &str) -> Value {
        let (status, body) = self.call(Method::GET, format!("{}/api/product/{id}", self.products), None, None).await;
        assert_eq!(status, 200, "product {id}: {body}");
        body["product"].clone()
    }

    /// The customer's cart (`GET /api/cart/get`).
    pub async fn cart(&self) -> (u16, Value) {
        self.call(Method::GET, format!("{}/api/cart/get", self.auth), Some(&customer()), None).await
    }

    /// The seller uploads two PNGs (`POST /api/image/upload`, multipart).
    async fn upload(&self, steps: &mut Vec<Step>) -> Value {
        const BOUNDARY: &str = "hme-split-test-boundary";
        let mut body = Vec::new();
        for name in ["a.png", "b.png"] {
            let head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n");
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(PNG);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let url = format!("{}/api/image/upload", self.images);
        let resp = self
            .client
            .post(&url)
            .bearer_auth(seller())
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "upload: {body}");
        steps.push(Step { name: "seller uploads two images", status, body: body.clone() });
        body
    }

    /// The status of GET `url` (an uploaded image).
    async fn media_status(&self, url: &str) -> u16 {
        self.client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}")).status().as_u16()
    }

    /// Places an order of `items` (product id, quantity) to `address`.
    pub async fn place(&self, address: &str, items: &[(&str, u32)]) -> (u16, Value) {
        self.place_traced(address, items, None).await
    }

    /// [`Self::place`], continuing the caller's W3C `traceparent` when given (as the
    /// gateway would send it).
    pub async fn place_traced(&self, address: &str, items: &[(&str, u32)], traceparent: Option<&str>) -> (u16, Value) {
        let items: Vec<Value> = items.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect();
        let body = json!({"address": address, "items": items});
        let url = format!("{}/api/order/create", self.orders);
        let mut req = self.client.post(&url).bearer_auth(customer()).json(&body);
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("POST {url}: no answer: {e}"));
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// What one order needs: the customer (Clerk webhook), a product of the seller's
    /// (stock 5) and the customer's address. Returns (product id, address id).
    pub async fn prepare_order(&self) -> (String, String) {
        let mut steps = Vec::new();
        self.clerk_user_created(&mut steps).await;
        let product = json!({"name": "Traced buds", "description": "split deploy test", "category": "Earphone", "price": 1200, "offerPrice": 999, "stock": 5,
            "image": ["https://res.cloudinary.com/demo/image/upload/buds.png"]});
        let added = self.ok(&mut steps, "seller adds a product", Method::POST, format!("{}/api/product/add", self.products), Some(&seller()), Some(product)).await;
        let address = json!({"address": {"fullName": "Ada Lovelace", "phoneNumber": "03001234567", "pinCode": "54000", "area": "Gulberg III", "city": "Lahore", "state": "Punjab"}});
        let added_address = self.ok(&mut steps, "customer adds an address", Method::POST, format!("{}/api/user/add-address", self.auth), Some(&customer()), Some(address)).await;
        (id_of(&added["newProduct"]), id_of(&added_address["newAddress"]))
    }

    /// Polls until `product`'s `sales` counter is `expected`.
    pub async fn wait_for_sales(&self, product: &str, expected: i64) {
        let started = Instant::now();
        loop {
            let p = self.product(product).await;
            if p["sales"].as_f64() == Some(expected as f64) {
                return;
            }
            assert!(started.elapsed() < EVENTUAL, "product {product}: sales still {} after {EVENTUAL:?}, expected {expected}", p["sales"]);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The flow: seller adds two products, the customer (created by the Clerk webhook)
    /// saves an address and a cart, orders, the worker mails customer and owner and bumps
    /// sales; stock went down. Returns the transcript and what was created.
    pub async fn run(&self, smtp_dir: &std::path::Path) -> (Vec<Step>, Placed) {
        let mut steps = Vec::new();
        let seller = seller();
        let customer = customer();
        self.clerk_user_created(&mut steps).await;

        let uploaded = self.upload(&mut steps).await;
        let urls: Vec<String> = uploaded["urls"].as_array().unwrap_or_else(|| panic!("no urls: {uploaded}")).iter().map(|u| u.as_str().unwrap().to_owned()).collect();
        assert_eq!(urls.len(), 2, "{uploaded}");
        for u in &urls {
            assert_eq!(self.media_status(u).await, 200, "{u} is not served after the upload");
        }
        let mut volatile: Vec<(String, String)> = urls.iter().enumerate().map(|(i, u)| (u.clone(), format!("<upload {i}>"))).collect();
        for (i, img) in uploaded["images"].as_array().into_iter().flatten().enumerate() {
            volatile.push((img["publicId"].as_str().unwrap_or_default().to_owned(), format!("<key {i}>")));
        }
        volatile.push((self.tag.clone(), "<tag>".to_owned()));

        let add = |name: &str, price: f64, offer: f64, stock: Option<i64>, image: &str| {
            let mut body = json!({"name": name, "description": "split deploy test", "category": "Earphone", "price": price, "offerPrice": offer, "image": [image]});
            if let Some(s) = stock {
                body["stock"] = json!(s);
            }
            body
        };
        let url = format!("{}/api/product/add", self.products);
        let a = self.ok(&mut steps, "seller adds product A", Method::POST, url.clone(), Some(&seller), Some(add("Buds A", 1200.0, 999.0, Some(5), &urls[0]))).await;
        let b = self.ok(&mut steps, "seller adds product B", Method::POST, url, Some(&seller), Some(add("Cable B", 300.0, 0.0, None, &urls[1]))).await;
        let (pa, pb) = (id_of(&a["newProduct"]), id_of(&b["newProduct"]));

        let address = json!({"address": {"fullName": "Ada Lovelace", "phoneNumber": "03001234567", "pinCode": "54000", "area": "Gulberg III", "city": "Lahore", "state": "Punjab"}});
        let added = self.ok(&mut steps, "customer adds an address", Method::POST, format!("{}/api/user/add-address", self.auth), Some(&customer), Some(address)).await;
        let address_id = id_of(&added["newAddress"]);
        self.ok(&mut steps, "customer lists addresses", Method::GET, format!("{}/api/user/get-address", self.auth), Some(&customer), None).await;
        let cart = json!({"cartData": {pa.clone(): 2, pb.clone(): 1}});
        self.ok(&mut steps, "customer saves the cart", Method::POST, format!("{}/api/cart/update", self.auth), Some(&customer), Some(cart)).await;
        self.ok(&mut steps, "customer reads the cart", Method::GET, format!("{}/api/cart/get", self.auth), Some(&customer), None).await;

        let (status, placed) = self.place(&address_id, &[(&pa, 2), (&pb, 1)]).await;
        assert_eq!(status, 200, "order create: {placed}");
        assert_eq!(placed["message"], "Order Placed", "{placed}");
        let order_id = placed["orderId"].as_str().unwrap_or_else(|| panic!("no orderId: {placed}")).to_owned();
        steps.push(Step { name: "customer places the order", status, body: placed });
        self.ok(&mut steps, "the cart is empty after the order", Method::GET, format!("{}/api/cart/get", self.auth), Some(&customer), None).await;

        // The worker: one email each to the customer and the owner, sales bumped.
        let customer_mail = mail::wait_for(smtp_dir, &self.customer_email(), EVENTUAL).await;
        let owner_mail = mail::wait_for(smtp_dir, &self.owner_email(), EVENTUAL).await;
        for (who, m) in [("customer", &customer_mail), ("owner", &owner_mail)] {
            assert!(m.contains(&order_id), "the {who}'s email does not name order {order_id}:\n{m}");
        }
        steps.push(Step { name: "the worker mails customer and owner", status: 0, body: json!({"customer": 1, "owner": 1}) });
        self.wait_for_sales(&pa, 2).await;
        self.wait_for_sales(&pb, 1).await;
        let (product_a, product_b) = (self.product(&pa).await, self.product(&pb).await);
        assert_eq!(product_a["stock"], json!(3), "stock of A after ordering 2 of 5: {product_a}");
        steps.push(Step { name: "product A after the order", status: 200, body: product_a });
        steps.push(Step { name: "product B after the order", status: 200, body: product_b });
        self.ok(&mut steps, "customer lists orders", Method::GET, format!("{}/api/order/list", self.orders), Some(&customer), None).await;
        self.ok(&mut steps, "seller lists all orders", Method::GET, format!("{}/api/order/seller-orders", self.orders), Some(&seller), None).await;

        // Product B deleted: the worker has the images module remove B's image (A's stays).
        let gone = json!({"productId": pb});
        self.ok(&mut steps, "seller deletes product B", Method::DELETE, format!("{}/api/product/delete", self.products), Some(&seller), Some(gone)).await;
        let started = Instant::now();
        while self.media_status(&urls[1]).await != 404 {
            assert!(started.elapsed() < EVENTUAL, "{} (product B's image) still served {EVENTUAL:?} after the delete", urls[1]);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let kept = self.media_status(&urls[0]).await;
        assert_eq!(kept, 200, "{} (product A's image) is no longer served after B's delete", urls[0]);
        let statuses = json!({"imageOfA": kept, "imageOfB": 404});
        steps.push(Step { name: "the worker removed product B's image only", status: 0, body: statuses });
        (steps, Placed { product_a: pa, address: address_id, volatile })
    }
}

/// The seller's token (Clerk-shaped, `metadata.role = seller`).
pub fn seller() -> String {
    clerk_token(SELLER, Some("seller"))
}

/// The customer's token.
pub fn customer() -> String {
    clerk_token(CUSTOMER, None)
}

fn id_of(doc: &Value) -> String {
    doc["_id"].as_str().unwrap_or_else(|| panic!("no _id in {doc}")).to_owned()
}

/// The transcript with the run's own strings (`volatile`, in order), ids and dates
/// replaced: each distinct 24-hex id
/// becomes `<id N>` in order of first appearance (so "the same id" is still checked),
/// every ISO-8601 date `<date>`.
pub fn normalize(steps: &[Step], volatile: &[(String, String)]) -> Vec<(String, u16, Value)> {
    let mut ids = HashMap::new();
    steps
        .iter()
        .map(|s| {
            let text = volatile.iter().filter(|(from, _)| !from.is_empty()).fold(s.body.to_string(), |t, (from, to)| t.replace(from, to));
            let body: Value = serde_json::from_str(&text).unwrap();
            (s.name.to_owned(), s.status, normalize_value(body, &mut ids))
        })
        .collect()
}

fn normalize_value(v: Value, ids: &mut HashMap<String, usize>) -> Value {
    match v {
        Value::String(s) if is_object_id(&s) => {
            let next = ids.len() + 1;
            Value::String(format!("<id {}>", ids.entry(s).or_insert(next)))
        }
        Value::String(s) if is_iso_date(&s) => Value::String("<date>".into()),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| normalize_value(x, ids)).collect()),
        Value::Object(o) => {
            // Object keys can be ids too (the cart is keyed by product id).
            Value::Object(o.into_iter().map(|(k, x)| (if is_object_id(&k) { normalize_value(Value::String(k), ids).as_str().unwrap_or_default().to_owned() } else { k }, normalize_value(x, ids))).collect())
        }
        other => other,
    }
}

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_iso_date(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}
