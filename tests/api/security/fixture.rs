//! A shop with people and things in it, for the security tests: five accounts of our
//! own (two customers, two sellers, an admin) signed in through the real routes, a
//! product per seller, an address per customer, an order, a paid order with its
//! tracking number, and an uploaded image. Everything goes through HTTP.

use std::collections::{BTreeMap, HashMap};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backends, TestApp};

/// The JazzCash test salt (the callback's HMAC key).
pub const SALT: &str = "security-test-salt";
/// The Clerk webhook secret the fixture configures.
pub const WEBHOOK_SECRET: &str = "whsec_c2VjdXJpdHktdGVzdC13ZWJob29rLXNlY3JldA==";
/// A valid 1x1 PNG.
pub const PNG_HEX: &str = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6364f8cf500f00038601805a347d6b0000000049454e44ae426082";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    Anonymous,
    Customer,
    OtherCustomer,
    Seller,
    OtherSeller,
    Admin,
}

impl Who {
    /// Every caller, in the matrix's column order.
    pub const ALL: [Who; 6] = [Who::Anonymous, Who::Customer, Who::OtherCustomer, Who::Seller, Who::OtherSeller, Who::Admin];
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
    pub id: String,
    pub token: String,
}

/// An answer: status, headers, body as JSON (Null when not JSON) and as text.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub raw: String,
}

/// The settings every security test app gets (cheap hashing, JazzCash and Cloudinary
/// credentials so no route answers "not configured", limits off unless a test sets them).
pub fn base_overrides() -> HashMap<String, String> {
    let pairs = [
        ("HME__ACCOUNTS__ARGON2_MEMORY_KIB", "256"),
        ("HME__ACCOUNTS__ARGON2_ITERATIONS", "1"),
        ("HME__ACCOUNTS__ADMIN_EMAILS", "admin@security.test"),
        ("HME__ACCOUNTS__LOGIN_MAX_PER_IP", "0"),
        ("HME__ACCOUNTS__LOGIN_MAX_PER_ACCOUNT", "0"),
        ("HME__ACCOUNTS__REGISTER_MAX_PER_IP", "0"),
        ("HME__ORDERS__CREATE_MAX_PER_USER", "0"),
        ("HME__ORDERS__CREATE_MAX_PER_IP", "0"),
        ("HME__WORKER__NOTIFICATIONS__RATE_LIMIT_MAX", "0"),
        ("HME__SERVER__MAX_CONCURRENT_PER_CLIENT", "0"),
        ("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET),
        ("JAZZCASH_MERCHANT_ID", "MC12345"),
        ("JAZZCASH_PASSWORD", "jc-pass"),
        ("JAZZCASH_INTEGRITY_SALT", SALT),
        ("CLOUDINARY_CLOUD_NAME", "demo"),
        ("CLOUDINARY_API_KEY", "123456"),
        ("CLOUDINARY_API_SECRET", "cloud-secret"),
        ("HME__IMAGES__BACKEND", "local"),
        ("HME__IMAGES__CLEANUP_INTERVAL_SECS", "0"),
        ("HME__PRODUCTS__CACHE_ENABLED", "false"),
    ];
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The shop.
pub struct Shop {
    pub app: TestApp,
    pub accounts: BTreeMap<Who, Account>,
    /// A product of the seller, and one of the other seller.
    pub product: String,
    pub other_product: String,
    /// An address of the customer, and one of the other customer.
    pub address: String,
    pub other_address: String,
    /// An order of the customer.
    pub order: String,
    /// The tracking number of a paid order of the customer.
    pub tracking: String,
    /// An image the seller uploaded (its public URL).
    pub image: String,
    /// The MongoDB database when the app runs on MongoDB.
    pub db: Option<mongodb::Database>,
    /// A client that does not follow redirects (the checkout callback answers 303).
    pub no_redirect: reqwest::Client,
}

impl Shop {
    /// A shop on MongoDB (so tests can read the stored documents); None outside the test script.
    pub async fn on_mongo() -> Option<Shop> {
        Self::build(Backends { mongo: true, overrides: base_overrides(), ..Default::default() }).await
    }

    /// A shop on the given backends (`overrides` added to [`base_overrides`]).
    pub async fn build(mut backends: Backends) -> Option<Shop> {
        for (k, v) in base_overrides() {
            backends.overrides.entry(k).or_insert(v);
        }
        let app = spawn_app(backends).await?;
        let db = match &app.settings.mongodb.uri {
            Some(uri) => {
                use secrecy::ExposeSecret;
                let name = app.settings.mongodb.database.clone();
                Some(hme_kernel::backends::connect_mongo(uri.expose_secret(), Some(2), name.as_deref()).await.unwrap())
            }
            None => None,
        };
        let mut shop = Shop {
            app,
            accounts: BTreeMap::new(),
            product: String::new(),
            other_product: String::new(),
            address: String::new(),
            other_address: String::new(),
            order: String::new(),
            tracking: String::new(),
            image: String::new(),
            db,
            no_redirect: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        };
        for (who, email) in [
            (Who::Customer, "customer@security.test"),
            (Who::OtherCustomer, "other.customer@security.test"),
            (Who::Seller, "seller@security.test"),
            (Who::OtherSeller, "other.seller@security.test"),
            (Who::Admin, "admin@security.test"),
        ] {
            let account = shop.sign_up(email).await;
            shop.accounts.insert(who, account);
        }
        for who in [Who::Seller, Who::OtherSeller] {
            let id = shop.accounts[&who].id.clone();
            let r = shop.call(Who::Admin, Method::POST, "/api/auth/roles", Some(json!({"userId": id, "role": "seller"}))).await;
            assert_eq!(r.status, 200, "grant seller: {}", r.raw);
            let a = shop.accounts[&who].clone();
            let token = shop.login(&a.email, &a.password).await;
            shop.accounts.get_mut(&who).unwrap_or_else(|| panic!("{who:?}")).token = token;
        }
        shop.product = shop.add_product(Who::Seller, "Security Buds").await;
        shop.other_product = shop.add_product(Who::OtherSeller, "Other Buds").await;
        shop.address = shop.add_address(Who::Customer).await;
        shop.other_address = shop.add_address(Who::OtherCustomer).await;
        shop.order = shop.place_order(Who::Customer).await;
        shop.tracking = shop.paid_order_tracking().await;
        shop.image = shop.upload_image(Who::Seller).await;
        Some(shop)
    }

    /// The bearer token of `who` (None for the anonymous caller).
    pub fn token(&self, who: Who) -> Option<&str> {
        self.accounts.get(&who).map(|a| a.token.as_str())
    }

    /// Sends a request as `who` with an optional JSON body.
    pub async fn call(&self, who: Who, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut r = self.app.client.request(method, self.app.url(path));
        if let Some(t) = self.token(who) {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        send(r).await
    }

    async fn sign_up(&self, email: &str) -> Account {
        let password = "security test password".to_owned();
        let r = self.call(Who::Anonymous, Method::POST, "/api/auth/register", Some(json!({"email": email, "password": password, "name": "Sec Tester"}))).await;
        assert_eq!(r.status, 201, "register {email}: {}", r.raw);
        let token = self.login(email, &password).await;
        let me = send(self.app.client.get(self.app.url("/api/auth/me")).bearer_auth(&token)).await;
        assert_eq!(me.status, 200, "{}", me.raw);
        Account { email: email.to_owned(), password, id: me.body["userId"].as_str().unwrap_or_else(|| panic!("{}", me.raw)).to_owned(), token }
    }

    /// Signs in; the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self.call(Who::Anonymous, Method::POST, "/api/auth/login", Some(json!({"email": email, "password": password}))).await;
        assert_eq!(r.status, 200, "login {email}: {}", r.raw);
        r.body["accessToken"].as_str().unwrap_or_else(|| panic!("{}", r.raw)).to_owned()
    }

    /// A new product of `who` (a seller); its id.
    pub async fn add_product(&self, who: Who, name: &str) -> String {
        let body = json!({"name": name, "description": "A product for the security tests", "category": "Earphone",
            "price": 1000, "offerPrice": 900, "image": ["https://res.cloudinary.com/demo/image/upload/x.png"], "stock": 1000});
        let r = self.call(who, Method::POST, "/api/product/add", Some(body)).await;
        assert_eq!(r.status, 200, "add product: {}", r.raw);
        let id = r.body["newProduct"]["_id"].as_str().or_else(|| r.body["product"]["_id"].as_str());
        id.unwrap_or_else(|| panic!("no product id: {}", r.raw)).to_owned()
    }

    /// A new address of `who`; its id.
    pub async fn add_address(&self, who: Who) -> String {
        let body = json!({"address": {"fullName": "Sec Tester", "phoneNumber": "03001234567", "pinCode": "54000", "area": "Gulberg", "city": "Lahore", "state": "Punjab"}});
        let r = self.call(who, Method::POST, "/api/user/add-address", Some(body)).await;
        assert_eq!(r.status, 200, "add address: {}", r.raw);
        r.body["newAddress"]["_id"].as_str().unwrap_or_else(|| panic!("no address id: {}", r.raw)).to_owned()
    }

    /// The body of an order of one unit of the seller's product to `address`.
    pub fn order_body(&self, address: &str) -> Value {
        json!({"address": address, "items": [{"product": self.product, "quantity": 1}]})
    }

    /// A new order of the customer; its id.
    pub async fn place_order(&self, who: Who) -> String {
        let address = if who == Who::OtherCustomer { &self.other_address } else { &self.address };
        let r = self.call(who, Method::POST, "/api/order/create", Some(self.order_body(address))).await;
        assert_eq!(r.status, 200, "order: {}", r.raw);
        r.body["orderId"].as_str().unwrap_or_else(|| panic!("no order id: {}", r.raw)).to_owned()
    }

    /// A JazzCash checkout of the customer, paid through the (signed) callback; the
    /// provisional tracking number of its courier booking.
    async fn paid_order_tracking(&self) -> String {
        let mut body = self.order_body(&self.address);
        body["paymentMethod"] = json!("jazzcash");
        let init = self.call(Who::Customer, Method::POST, "/api/checkout/initiate", Some(body)).await;
        assert_eq!(init.status, 200, "checkout: {}", init.raw);
        let id = init.body["orderId"].as_str().unwrap_or_default().to_owned();
        let form = paid_callback_form(&init.body);
        let r = send(self.no_redirect.post(self.app.url("/api/checkout/callback")).form(&form)).await;
        assert!(r.status.is_redirection(), "callback: {} {}", r.status, r.raw);
        for _ in 0..100 {
            let list = self.call(Who::Customer, Method::GET, "/api/order/list", None).await;
            let found = list.body["orders"].as_array().into_iter().flatten().find(|o| o["_id"] == json!(id)).and_then(|o| o["courierTrackingNumber"].as_str().map(str::to_owned));
            if let Some(t) = found.filter(|t| !t.is_empty()) {
                return t;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the paid order {id} got no tracking number");
    }

    /// An image uploaded by `who`; its public URL.
    pub async fn upload_image(&self, who: Who) -> String {
        let r = self.upload(who, &png(), "image/png").await;
        assert_eq!(r.status, 200, "upload: {}", r.raw);
        r.body["urls"][0].as_str().unwrap_or_else(|| panic!("no url: {}", r.raw)).to_owned()
    }

    /// A multipart upload of one file.
    pub async fn upload(&self, who: Who, bytes: &[u8], content_type: &str) -> Reply {
        let boundary = "----hmeSecurityBoundary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.png\"\r\nContent-Type: {content_type}\r\n\r\n").into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut r = self.app.client.post(self.app.url("/api/image/upload")).header("content-type", format!("multipart/form-data; boundary={boundary}")).body(body);
        if let Some(t) = self.token(who) {
            r = r.bearer_auth(t);
        }
        send(r).await
    }

    /// Every stored document, per collection, sorted: what "nothing changed" compares.
    /// Outbox and processed-event bookkeeping are reduced to their ids (a relay marks
    /// entries published in the background; a new entry still shows). The instances of
    /// the liveness registry (a heartbeat a second) are not the shop's data.
    pub async fn stored(&self) -> BTreeMap<String, Vec<String>> {
        let Some(db) = &self.db else { return BTreeMap::new() };
        let mut out = BTreeMap::new();
        let mut names = db.list_collection_names().await.unwrap();
        names.retain(|n| n != hme_kernel::liveness::INSTANCES);
        names.sort();
        for name in names {
            let coll = db.collection::<mongodb::bson::Document>(&name);
            let mut cursor = coll.find(mongodb::bson::doc! {}).await.unwrap();
            let mut docs = Vec::new();
            let ids_only = name.contains("outbox") || name.contains("processed");
            while cursor.advance().await.unwrap() {
                let d = cursor.deserialize_current().unwrap();
                docs.push(if ids_only { format!("{:?}", d.get("_id")) } else { format!("{d}") });
            }
            docs.sort();
            out.insert(name, docs);
        }
        out
    }

    /// Waits until what is stored stops changing (background relays and consumers done).
    pub async fn settled(&self) -> BTreeMap<String, Vec<String>> {
        let mut last = self.stored().await;
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let now = self.stored().await;
            if now == last {
                return now;
            }
            last = now;
        }
        last
    }
}

/// The decoded test PNG.
pub fn png() -> Vec<u8> {
    (0..PNG_HEX.len()).step_by(2).map(|i| u8::from_str_radix(&PNG_HEX[i..i + 2], 16).unwrap_or(0)).collect()
}

/// JazzCash's success answer to a checkout, signed with the test salt.
pub fn paid_callback_form(init: &Value) -> BTreeMap<String, String> {
    let f = &init["fields"];
    let mut m: BTreeMap<String, String> = [
        ("pp_Version", "1.1"), ("pp_TxnType", "MWALLET"), ("pp_Language", "EN"), ("pp_ResponseCode", "000"),
        ("pp_ResponseMessage", "Thank you for Using JazzCash"), ("pp_RetreivalReferenceNo", "250601123456"), ("pp_TxnCurrency", "PKR"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for k in ["pp_MerchantID", "pp_TxnRefNo", "pp_Amount", "pp_TxnDateTime", "pp_BillReference"] {
        m.insert(k.to_owned(), f[k].as_str().unwrap_or_default().to_owned());
    }
    let h = hme_orders::payments::hash::secure_hash(SALT, &m);
    m.insert("pp_SecureHash".into(), h);
    m
}

/// Sends and reads the answer.
pub async fn send(r: reqwest::RequestBuilder) -> Reply {
    let resp = r.send().await.unwrap_or_else(|e| panic!("request failed: {e}"));
    let status = resp.status();
    let headers = resp.headers().clone();
    let raw = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
    Reply { status, headers, body, raw }
}

/// Asserts the legacy failure envelope: `success: false` and a non-empty `message`
/// (or `error` on the routes that use it).
pub fn assert_envelope(r: &Reply, context: &str) {
    assert_eq!(r.body["success"], json!(false), "{context}: not the legacy envelope: {} {}", r.status, r.raw);
    let text = r.body["message"].as_str().or_else(|| r.body["error"].as_str()).unwrap_or_default();
    assert!(!text.trim().is_empty(), "{context}: the envelope names no problem: {}", r.raw);
}
