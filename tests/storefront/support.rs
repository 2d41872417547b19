//! The shop a storefront test talks to, and the browser's two ways of calling it.
//!
//! A [`Shop`] is the real app (tests/api/helpers.rs spawns it in process) on one
//! backend, with a TCS stub as its courier and JazzCash credentials set. The browser
//! calls it the way the storefront does (frontend.md section 1): [`Shop::axios`] with
//! `Authorization: Bearer <token>` (`Bearer null` signed out) and axios' rejection of
//! non-2xx answers; [`Shop::fetch`] with no auth header but the Clerk `__session`
//! cookie, the JSON read at any status.

use std::collections::{BTreeMap, HashMap};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backends, TestApp};
use crate::stubs::TcsStub;

/// The Svix secret of the Clerk webhook (`CLERK_WEBHOOK_SIGNING_SECRET`).
pub const WEBHOOK_SECRET: &str = "whsec_c3RvcmVmcm9udC10ZXN0LXdlYmhvb2stc2VjcmV0";
/// The JazzCash integrity salt (the HMAC key of `pp_SecureHash`).
pub const SALT: &str = "storefront-salt";
/// The JazzCash merchant.
pub const MERCHANT: &str = "MC-STOREFRONT";
/// The storefront's public URL (`BASE_URL`): where the callback redirects.
pub const BASE_URL: &str = "http://shop.test";
/// A Cloudinary image URL, as the seller form sends them.
pub const IMAGE: &str = "https://res.cloudinary.com/demo/image/upload/v1/hme/buds.png";

/// The document store a shop runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Mongo,
}

/// A signed-in Clerk user: the id and a session token.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

/// An answer as `fetch` sees it: status, the JSON body (Null when not JSON), `Location`.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
}

/// The app on one backend, its courier stub and a browser.
pub struct Shop {
    pub backend: Backend,
    pub app: TestApp,
    pub tcs: TcsStub,
    browser: reqwest::Client,
}

/// The settings every storefront shop gets: the default error mode, the Clerk webhook
/// secret (Clerk's API nowhere), JazzCash and TCS, and hme's own per-client limits off (the tests place many
/// orders from one address; the limits have their own tests).
fn overrides(tcs: &TcsStub) -> HashMap<String, String> {
    let pairs = [
        // tests/api/helpers.rs runs its apps in `http` mode; the storefront sees the default.
        ("HME__SERVER__ERROR_STATUSES", "legacy"),
        ("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET),
        ("JAZZCASH_MERCHANT_ID", MERCHANT),
        ("JAZZCASH_PASSWORD", "jc-pass"),
        ("JAZZCASH_INTEGRITY_SALT", SALT),
        ("BASE_URL", BASE_URL),
        // Sellers carry the role claim; nothing may reach Clerk's real API.
        ("CLERK_API_URL", "http://127.0.0.1:9"),
        ("HME__ORDERS__CREATE_MAX_PER_USER", "0"),
        ("HME__ORDERS__CREATE_MAX_PER_IP", "0"),
        ("HME__WORKER__NOTIFICATIONS__RATE_LIMIT_MAX", "0"),
        ("HME__SERVER__MAX_CONCURRENT_PER_CLIENT", "0"),
        ("HME__IMAGES__BACKEND", "local"),
        ("HME__IMAGES__CLEANUP_INTERVAL_SECS", "0"),
    ];
    let mut env: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    env.insert("TCS_API_URL".into(), tcs.url.clone());
    env
}

impl Shop {
    /// A shop on `backend` in the default (legacy) error mode; None when the backend's
    /// service is not available (outside scripts/test.sh).
    pub async fn start(backend: Backend) -> Option<Shop> {
        Self::start_with(backend, &[]).await
    }

    /// A shop with extra settings.
    pub async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> Option<Shop> {
        let tcs = TcsStub::start().await;
        let mut env = overrides(&tcs);
        for (k, v) in extra {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let backends = Backends { mongo: backend == Backend::Mongo, overrides: env, ..Default::default() };
        let app = spawn_app(backends).await?;
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Some(Shop { backend, app, tcs, browser })
    }

    /// The page's origin (the API answers on it: same-origin calls).
    pub fn origin(&self) -> String {
        self.app.address.clone()
    }

    async fn send(&self, r: reqwest::RequestBuilder, what: &str) -> Answer {
        let resp = r.send().await.unwrap_or_else(|e| panic!("[{:?}] {what}: no answer: {e}", self.backend));
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = resp.text().await.unwrap_or_default();
        Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), location }
    }

    /// An axios call: `Authorization: Bearer <token>` (`Bearer null` signed out), JSON
    /// body (a DELETE's `data` too). Non-2xx rejects with axios' own message, the body
    /// ignored; 2xx resolves to the body.
    pub async fn axios(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Result<Value, String> {
        rejected_unless_2xx(self.axios_answer(method, path, Some(token.unwrap_or("null")), body).await)
    }

    /// An axios call without an Authorization header (the catalogue's).
    pub async fn axios_public(&self, method: Method, path: &str) -> Result<Value, String> {
        rejected_unless_2xx(self.axios_answer(method, path, None, None).await)
    }

    /// The whole answer of an axios call (pages that read `error.response.data`);
    /// `bearer` None sends no Authorization header.
    pub async fn axios_answer(&self, method: Method, path: &str, bearer: Option<&str>, body: Option<Value>) -> Answer {
        let what = format!("{method} {path}");
        let mut r = self.browser.request(method, self.app.url(path));
        if let Some(t) = bearer {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.send(r, &what).await
    }

    /// A `fetch` call: no auth header, the Clerk session in the `__session` cookie (none
    /// signed out), the page's `Origin` on a non-GET (same-origin), a JSON body.
    pub async fn fetch(&self, method: Method, path: &str, session: Option<&str>, body: Option<Value>) -> Answer {
        let what = format!("{method} {path}");
        let mut r = self.browser.request(method.clone(), self.app.url(path));
        if let Some(t) = session {
            r = r.header("cookie", format!("__session={t}"));
        }
        if method != Method::GET {
            r = r.header("origin", self.origin());
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.send(r, &what).await
    }

    /// JazzCash's browser POST to the callback: a urlencoded form.
    pub async fn post_callback(&self, form: &BTreeMap<String, String>) -> Answer {
        self.send(self.browser.post(self.app.url("/api/checkout/callback")).form(form), "POST /api/checkout/callback").await
    }

    /// A new Clerk user, created through the Svix-signed `user.created` webhook (as
    /// Clerk delivers it), with a default session token (no role claim).
    pub async fn customer(&self, first: &str) -> User {
        let id = format!("user_{}", uuid::Uuid::new_v4().simple());
        let event = json!({"object": "event", "type": "user.created", "data": {
            "id": id, "object": "user", "first_name": first, "last_name": "Shopper", "image_url": "https://img.clerk.com/a.png",
            "email_addresses": [{"id": "idn_1", "email_address": format!("{id}@shop.test")}], "public_metadata": {}}});
        let body = event.to_string();
        let (msg, ts) = (format!("msg_{}", uuid::Uuid::new_v4().simple()), chrono::Utc::now().timestamp());
        let signature = hme_auth::svix::sign(WEBHOOK_SECRET, &msg, ts, body.as_bytes()).unwrap();
        let r = self
            .browser
            .post(self.app.url("/api/webhooks/clerk"))
            .header("content-type", "application/json")
            .header("svix-id", msg)
            .header("svix-timestamp", ts.to_string())
            .header("svix-signature", signature)
            .body(body);
        let a = self.send(r, "clerk webhook").await;
        assert_eq!(a.status, 200, "[{:?}] user.created webhook: {}", self.backend, a.body);
        User { token: hme_kernel::testing::clerk_token(&id, None), id }
    }

    /// A seller: a Clerk user whose session token carries the role claim.
    pub async fn seller(&self) -> User {
        let user = self.customer("Seller").await;
        User { token: hme_kernel::testing::clerk_token(&user.id, Some("seller")), id: user.id }
    }

    /// The seller form's submit (`POST /api/product/add`): prices as the raw input
    /// strings, "" when blank; the new product's `_id`.
    pub async fn add_product(&self, seller: &User, name: &str, price: &str, offer: &str) -> String {
        let body = json!({"name": name, "description": format!("{name}, for the storefront tests"), "category": "Earphone",
            "price": price, "offerPrice": offer, "image": [IMAGE]});
        let r = self.axios(Method::POST, "/api/product/add", Some(&seller.token), Some(body)).await;
        let b = r.unwrap_or_else(|e| panic!("[{:?}] add product {name}: {e}", self.backend));
        assert_eq!(b["success"], json!(true), "[{:?}] add product: {b}", self.backend);
        b["newProduct"]["_id"].as_str().unwrap_or_else(|| panic!("no product id: {b}")).to_owned()
    }

    /// The address form's submit (`POST /api/user/add-address`); the new address' `_id`.
    pub async fn add_address(&self, user: &User, full_name: &str) -> String {
        let body = json!({"address": {"fullName": full_name, "phoneNumber": "03001234567", "pinCode": "54000", "area": "Gulberg III", "city": "Lahore", "state": "Punjab"}});
        let b = self.axios(Method::POST, "/api/user/add-address", Some(&user.token), Some(body)).await;
        let b = b.unwrap_or_else(|e| panic!("[{:?}] add address: {e}", self.backend));
        assert_eq!(b["success"], json!(true), "[{:?}] add address: {b}", self.backend);
        b["newAddress"]["_id"].as_str().unwrap_or_else(|| panic!("no address id: {b}")).to_owned()
    }

    /// The cart page's "Place order" (`POST /api/order/create`) with the courier picked.
    pub async fn place_order(&self, user: &User, address: &str, items: &[(&str, u32)], courier: &str) -> Result<Value, String> {
        let items: Vec<Value> = items.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect();
        let body = json!({"address": address, "items": items, "courierName": courier});
        self.axios(Method::POST, "/api/order/create", Some(&user.token), Some(body)).await
    }

    /// The catalogue every page loads (`GET /api/product/list`, no auth).
    pub async fn catalogue(&self) -> Vec<Value> {
        let b = self.axios_public(Method::GET, "/api/product/list").await.unwrap_or_else(|e| panic!("[{:?}] product list: {e}", self.backend));
        assert_eq!(b["success"], json!(true), "[{:?}] {b}", self.backend);
        b["products"].as_array().unwrap_or_else(|| panic!("no products array: {b}")).clone()
    }

    /// my-orders' call (`GET /api/order/list`): the orders, or the reason the page
    /// would spin forever.
    pub async fn my_orders(&self, user: &User) -> Result<Vec<Value>, String> {
        let b = self.axios(Method::GET, "/api/order/list", Some(&user.token), None).await?;
        if b["success"] != json!(true) {
            return Err(format!("spinner forever: {b}"));
        }
        Ok(b["orders"].as_array().cloned().unwrap_or_default())
    }

    /// The checkout page's "Pay with JazzCash" (fetch `POST /api/checkout/initiate`):
    /// the lines, the cart total without shipping, the address as the page builds it.
    pub async fn initiate(&self, user: Option<&User>, items: &[(&str, u32)], amount: f64, address: &str) -> Answer {
        let items: Vec<Value> = items.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect();
        let body = json!({"items": items, "amount": amount, "address": address, "paymentMethod": "jazzcash"});
        self.fetch(Method::POST, "/api/checkout/initiate", user.map(|u| u.token.as_str()), Some(body)).await
    }

    /// What JazzCash posts back for an initiated checkout (`fields` of the initiate
    /// answer) with `code`/`message`, signed with the salt (or not, `signed` false).
    pub fn jazzcash_return(fields: &Value, code: &str, message: &str, signed: bool) -> BTreeMap<String, String> {
        let mut form = BTreeMap::new();
        for k in ["pp_Version", "pp_TxnType", "pp_Language", "pp_MerchantID", "pp_TxnRefNo", "pp_Amount", "pp_TxnCurrency", "pp_TxnDateTime", "pp_BillReference"] {
            if let Some(v) = fields[k].as_str() {
                form.insert(k.to_owned(), v.to_owned());
            }
        }
        form.insert("pp_ResponseCode".into(), code.into());
        form.insert("pp_ResponseMessage".into(), message.into());
        form.insert("pp_RetreivalReferenceNo".into(), String::new());
        let hash = if signed { hme_orders::payments::hash::secure_hash(SALT, &form) } else { "0".repeat(64) };
        form.insert("pp_SecureHash".into(), hash);
        form
    }

    /// One order of `user` by id, as their order list gives it.
    pub async fn order(&self, user: &User, id: &str) -> Value {
        let orders = self.my_orders(user).await.unwrap_or_else(|e| panic!("[{:?}] {e}", self.backend));
        orders.into_iter().find(|o| o["_id"] == json!(id)).unwrap_or_else(|| panic!("[{:?}] order {id} not listed", self.backend))
    }
}

/// axios' promise: the body of a 2xx answer, else "Request failed with status code N".
pub fn rejected_unless_2xx(a: Answer) -> Result<Value, String> {
    if (200..300).contains(&a.status) {
        Ok(a.body)
    } else {
        Err(format!("Request failed with status code {}", a.status))
    }
}
