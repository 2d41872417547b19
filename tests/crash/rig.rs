//! One all-in-one `hme` process, on its own database, Redis prefix, exchange and queues
//! or on the embedded default (its own redb data dir, in-process bus), the shop it sells
//! from (customers with an address, with a profile or, embedded, some without; products
//! with limited stock), and the end-state checks run against it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use hme_kernel::testing::{clerk_token, unique_name, uri_with_database};
use mongodb::bson::{doc, Document};
use serde_json::{json, Value};

use crate::end_state::{self, Mails, Snapshot};
use crate::isolation::{Backends, Isolation, WEBHOOK_SECRET};
use crate::load::{self, Answer, Customer, Load, Outcome};
use crate::procs::{free_port, Service};

/// Customers, one client each.
pub const CUSTOMERS: usize = 6;
/// Products on sale.
pub const PRODUCTS: usize = 5;
/// Initial stock of each product on MongoDB (the load does not sell out mid-run).
pub const STOCK: i64 = 60;
/// Initial stock of each product embedded: it places orders many times faster (it sold
/// 300 units before the first kill), even with `load::EMBEDDED_THINK`.
pub const EMBEDDED_STOCK: i64 = 500;
/// `orders.hold_lease_secs` of the run: a dead attempt's hold is given back after it.
pub const LEASE_SECS: u64 = 2;

/// Customers with a profile on the embedded backend (Clerk webhook); the others order
/// without one (issue 18: the embedded default always, until the webhook arrives).
pub const EMBEDDED_PROFILES: usize = 4;

/// The backends as the process sees them, when it goes through fault proxies.
pub struct Proxied {
    pub mongodb: String,
    pub rabbitmq: String,
}

/// What the process stores in and sends events over.
pub enum Backend {
    /// The test MongoDB, Redis and RabbitMQ.
    Services,
    /// The same, through fault proxies.
    Proxied(Proxied),
    /// The embedded default: no MongoDB, Redis or RabbitMQ settings; redb under the
    /// run's data dir (kept across restarts), in-process bus. Mail still goes to the sink.
    Embedded,
}

/// The process under test and what it runs on.
pub struct Rig {
    pub b: Backends,
    pub iso: Isolation,
    env: Vec<(String, String)>,
    pub hme: Service,
    /// The run's MongoDB database; `None` embedded.
    pub db: Option<mongodb::Database>,
    pub client: reqwest::Client,
}

impl Rig {
    /// Starts `hme serve` on `backend` and waits for it.
    pub async fn start(kind: &str, backend: Backend) -> Option<Self> {
        let b = Backends::from_env()?;
        let run_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(unique_name(kind));
        let iso = Isolation::new(&run_dir, kind);
        let port = free_port();
        let mut extra: Vec<(String, String)> = [
            ("HME__IMAGES__PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}")),
            ("HME__ORDERS__HOLD_LEASE_SECS", LEASE_SECS.to_string()),
            ("HME__PRODUCTS__HOLD_SWEEP_MS", "500".into()),
            ("HME__ORDERS__IDEMPOTENCY_CLAIM_SECS", "2".into()),
            // The load is the point, not the per-user limit.
            ("HME__ORDERS__CREATE_MAX_PER_USER", "1000000".into()),
            ("HME__ORDERS__CREATE_MAX_PER_IP", "1000000".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Backend::Proxied(p) = &backend {
            extra.push(("MONGODB_URI".into(), uri_with_database(&p.mongodb, &iso.database)));
            extra.push(("RABBITMQ_URL".into(), p.rabbitmq.clone()));
        }
        let mut env = iso.env(&b, "all", port, &extra);
        let embedded = matches!(backend, Backend::Embedded);
        if embedded {
            env.retain(|(k, _)| !["MONGODB_URI", "REDIS_URL", "RABBITMQ_URL"].contains(&k.as_str()));
        }
        let mut hme = Service::new("hme", &PathBuf::from(env!("CARGO_BIN_EXE_hme")), &["serve"], env.clone(), port, &iso.dir);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        hme.start();
        hme.wait_ready(&client).await;
        let db = if embedded { None } else { Some(iso.database(&b).await) };
        Some(Self { b, iso, env, hme, db, client })
    }

    pub fn owner(&self) -> String {
        format!("owner-{}@shop.test", self.iso.tag)
    }

    pub fn customer_email(&self, i: usize) -> String {
        format!("customer-{i}-{}@shop.test", self.iso.tag)
    }

    /// The embedded store's file (`HME__STORAGE__DATA_DIR/hme.redb`).
    pub fn redb_file(&self) -> PathBuf {
        PathBuf::from(self.hme.env_value("HME__STORAGE__DATA_DIR").unwrap()).join("hme.redb")
    }

    /// Whether customer `i` has a profile (name and email), so gets the customer mail.
    pub fn has_profile(&self, i: usize) -> bool {
        self.db.is_some() || i < EMBEDDED_PROFILES
    }

    /// Creates customer `id`'s profile through a Svix-signed Clerk `user.created` webhook.
    async fn clerk_user_created(&self, id: &str, i: usize) {
        let event = json!({"object": "event", "type": "user.created", "data": {
            "id": id, "first_name": "Shopper", "last_name": i.to_string(), "image_url": "https://img.clerk.com/x.png",
            "email_addresses": [{"id": "idn_1", "email_address": self.customer_email(i)}],
            "public_metadata": {}, "object": "user"}});
        let body = event.to_string();
        let (msg, ts) = (format!("msg_{}", uuid::Uuid::new_v4().simple()), chrono::Utc::now().timestamp());
        let signature = hme_auth::svix::sign(WEBHOOK_SECRET, &msg, ts, body.as_bytes()).unwrap();
        let resp = self
            .client
            .post(format!("{}/api/webhooks/clerk", self.hme.base()))
            .header("content-type", "application/json")
            .header("svix-id", msg)
            .header("svix-timestamp", ts.to_string())
            .header("svix-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "clerk webhook: {}", resp.text().await.unwrap_or_default());
    }

    async fn call(&self, path: &str, token: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.hme.base());
        let resp = self.client.post(&url).bearer_auth(token).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// The customers (an address each; a profile: the document as the Clerk webhook
    /// writes it on MongoDB, the webhook itself embedded, where the last customers have
    /// none) and the products; the load over them and each product's initial stock.
    pub async fn shop(&self, seed: u64) -> (Load, BTreeMap<String, i64>) {
        let mut customers = Vec::new();
        for i in 0..CUSTOMERS {
            let id = format!("user_crash_{i}");
            if let Some(db) = &self.db {
                let user = doc! {"_id": &id, "name": format!("Shopper {i}"), "email": self.customer_email(i), "imageUrl": "https://img.clerk.com/x.png", "cartItems": {}, "__v": 0};
                db.collection::<Document>("users").insert_one(user).await.unwrap();
            } else if self.has_profile(i) {
                self.clerk_user_created(&id, i).await;
            }
            let token = clerk_token(&id, None);
            let address = json!({"address": {"fullName": format!("Shopper {i}"), "phoneNumber": "03001234567", "pinCode": "54000", "area": "Gulberg III", "city": "Lahore", "state": "Punjab"}});
            let added = self.call("/api/user/add-address", &token, address).await;
            customers.push(Customer { token, address: added["newAddress"]["_id"].as_str().unwrap().to_owned() });
        }
        let seller = clerk_token("user_crash_seller", Some("seller"));
        let mut initial = BTreeMap::new();
        let stock = if self.db.is_some() { STOCK } else { EMBEDDED_STOCK };
        for i in 0..PRODUCTS {
            let body = json!({"name": format!("Crash item {i}"), "description": "crash test", "category": "Accessories", "price": 500 + i, "offerPrice": 0, "image": ["https://example.com/item.png"], "stock": stock});
            let added = self.call("/api/product/add", &seller, body).await;
            initial.insert(added["newProduct"]["_id"].as_str().unwrap().to_owned(), stock);
        }
        let load = Load { base: self.hme.base(), client: self.client.clone(), customers, products: initial.keys().cloned().collect(), seed, think: if self.db.is_some() { load::THINK } else { load::EMBEDDED_THINK } };
        (load, initial)
    }

    /// Every dead letter of every consumer (`hme dlq list --json` on this run's broker).
    pub fn dead_letters(&self) -> Vec<Value> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hme"))
            .args(["dlq", "list", "--json"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        assert!(out.status.success(), "hme dlq list: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("hme dlq list --json: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// A 200 `GET` of `path` (with `token` when given).
    async fn get(&self, path: &str, token: Option<&str>) -> Value {
        let mut req = self.client.get(format!("{}{path}", self.hme.base()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// `hme_outbox_pending` on the admin listener's `/metrics` (None: unreadable).
    async fn outbox_pending(&self) -> Option<u64> {
        let url = format!("http://127.0.0.1:{}/metrics", self.hme.admin_port());
        let text = self.client.get(url).send().await.ok()?.text().await.ok()?;
        text.lines().find_map(|l| l.strip_prefix("hme_outbox_pending ")).and_then(|v| v.trim().parse::<f64>().ok()).map(|v| v as u64)
    }

    /// Embedded, while the process runs: waits (through the product routes, the mail
    /// sink and the outbox gauge) until every product's stock plus the units of the 200
    /// orders equals its initial stock, its sales counter equals those units, every order
    /// has its mails and the outbox is empty, or `SETTLE` passes. Returns the mails, the time taken and the order ids
    /// the seller's route lists.
    async fn settle_through_routes(&self, initial: &BTreeMap<String, i64>, outcomes: &[Outcome], customer_of: &HashMap<String, String>) -> (Mails, Duration, Vec<String>) {
        let started = std::time::Instant::now();
        let placed: Vec<String> = outcomes.iter().filter_map(|o| if let Answer::Placed(id) = &o.answer { Some(id.clone()) } else { None }).collect();
        let mut units: BTreeMap<&str, i64> = BTreeMap::new();
        for o in outcomes.iter().filter(|o| matches!(o.answer, Answer::Placed(_))) {
            for (p, q) in &o.lines {
                *units.entry(p.as_str()).or_default() += i64::from(*q);
            }
        }
        loop {
            let mut settled = true;
            for (p, init) in initial {
                let product = &self.get(&format!("/api/product/{p}"), None).await["product"];
                let (stock, sales) = (product["stock"].as_f64().unwrap_or(-1.0) as i64, product["sales"].as_f64().unwrap_or(-1.0) as i64);
                let ordered = units.get(p.as_str()).copied().unwrap_or(0);
                settled &= stock + ordered == *init && sales == ordered;
            }
            // An entry published just before a kill, its removal not yet committed, stays
            // claimed until its lease ends and is then published again (at least once):
            // wait for the outbox to drain too, as the relay reports it (every 5 s).
            settled &= self.outbox_pending().await == Some(0);
            let m = end_state::mails(&self.b.smtp_dir, &self.owner(), customer_of, &placed);
            if (settled && m.missing.is_empty()) || started.elapsed() > end_state::SETTLE {
                let seller = clerk_token("user_crash_seller", Some("seller"));
                let listed = self.get("/api/order/seller-orders", Some(&seller)).await["orders"].as_array().unwrap().iter().map(|o| o["_id"].as_str().unwrap().to_owned()).collect();
                return (m, started.elapsed(), listed);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Waits for the lease, the outbox and the worker, prints the figures and returns
    /// what breaks issue 18's end state. Embedded, the process is stopped (SIGKILL) once
    /// settled and its store file read directly.
    pub async fn end_state(&mut self, label: &str, initial: &BTreeMap<String, i64>, outcomes: &[Outcome]) -> Vec<String> {
        tokio::time::sleep(Duration::from_secs(LEASE_SECS + 1)).await;
        let customer_of: HashMap<String, String> = outcomes
            .iter()
            .filter(|o| self.has_profile(o.customer))
            .filter_map(|o| match &o.answer {
                Answer::Placed(id) => Some((id.clone(), self.customer_email(o.customer))),
                _ => None,
            })
            .collect();
        let mut failures = Vec::new();
        let (s, m, took) = match &self.db {
            Some(db) => end_state::settle(db, &self.b.smtp_dir, &self.owner(), &customer_of).await,
            None => {
                let (m, took, listed) = self.settle_through_routes(initial, outcomes, &customer_of).await;
                self.hme.kill();
                let s = Snapshot::read_redb(&self.redb_file());
                let (mut a, mut b) = (listed.clone(), s.orders.clone());
                a.sort();
                b.sort();
                if a != b {
                    failures.push(format!("{label}: /api/order/seller-orders lists {} orders, the store holds {}", listed.len(), s.orders.len()));
                }
                eprintln!("{label}: /api/order/seller-orders listed {} orders; store read after the process was stopped", listed.len());
                (s, m, took)
            }
        };
        let dead = self.dead_letters();
        let holds: Vec<String> = s.holds.iter().map(|(state, ids)| format!("{} {state}", ids.len())).collect();
        eprintln!(
            "{label}: settled in {took:.1?}: {} orders stored, holds {}, outbox {}, {} dead letters, {} orders with a duplicate mail (most copies of one mail: {}), {} mails missing",
            s.orders.len(),
            holds.join(", "),
            s.outbox,
            dead.len(),
            m.duplicated_orders,
            m.most_copies,
            m.missing.len()
        );
        for (p, init) in initial {
            eprintln!("{label}: product {p}: initial {init} = stock {} + ordered {} + held {}; sales {}", s.stock[p], s.ordered.get(p).copied().unwrap_or(0), s.held.get(p).copied().unwrap_or(0), s.sales.get(p).copied().unwrap_or(0));
        }
        failures.extend(end_state::end_state_failures(label, initial, outcomes, &s, &m, &dead));
        failures
    }
}
