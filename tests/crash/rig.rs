//! One all-in-one `hme` process on its own database, Redis prefix, exchange and queues,
//! the shop it sells from (customers with a profile and an address, products with
//! limited stock), and the end-state checks run against it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use hme_kernel::testing::{clerk_token, unique_name, uri_with_database};
use mongodb::bson::{doc, Document};
use serde_json::{json, Value};

use crate::end_state::{self, Snapshot};
use crate::isolation::{Backends, Isolation};
use crate::load::{Answer, Customer, Load, Outcome};
use crate::procs::{free_port, Service};

/// Customers, one client each.
pub const CUSTOMERS: usize = 6;
/// Products on sale.
pub const PRODUCTS: usize = 5;
/// Initial stock of each product.
pub const STOCK: i64 = 60;
/// `orders.hold_lease_secs` of the run: a dead attempt's hold is given back after it.
pub const LEASE_SECS: u64 = 2;

/// The backends as the process sees them, when it goes through fault proxies.
pub struct Proxied {
    pub mongodb: String,
    pub rabbitmq: String,
}

/// The process under test and what it runs on.
pub struct Rig {
    pub b: Backends,
    pub iso: Isolation,
    env: Vec<(String, String)>,
    pub hme: Service,
    pub db: mongodb::Database,
    pub client: reqwest::Client,
}

impl Rig {
    /// Starts `hme serve` (through `proxied` backends when given) and waits for it.
    pub async fn start(kind: &str, proxied: Option<Proxied>) -> Option<Self> {
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
        if let Some(p) = proxied {
            extra.push(("MONGODB_URI".into(), uri_with_database(&p.mongodb, &iso.database)));
            extra.push(("RABBITMQ_URL".into(), p.rabbitmq));
        }
        let env = iso.env(&b, "all", port, &extra);
        let mut hme = Service::new("hme", &PathBuf::from(env!("CARGO_BIN_EXE_hme")), &["serve"], env.clone(), port, &iso.dir);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        hme.start();
        hme.wait_ready(&client).await;
        let db = iso.database(&b).await;
        Some(Self { b, iso, env, hme, db, client })
    }

    pub fn owner(&self) -> String {
        format!("owner-{}@shop.test", self.iso.tag)
    }

    pub fn customer_email(&self, i: usize) -> String {
        format!("customer-{i}-{}@shop.test", self.iso.tag)
    }

    async fn call(&self, path: &str, token: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.hme.base());
        let resp = self.client.post(&url).bearer_auth(token).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// The customers (profile documents as the Clerk webhook writes them, an address
    /// each) and the products; the load over them and each product's initial stock.
    pub async fn shop(&self, seed: u64) -> (Load, BTreeMap<String, i64>) {
        let mut customers = Vec::new();
        for i in 0..CUSTOMERS {
            let id = format!("user_crash_{i}");
            let user = doc! {"_id": &id, "name": format!("Shopper {i}"), "email": self.customer_email(i), "imageUrl": "https://img.clerk.com/x.png", "cartItems": {}, "__v": 0};
            self.db.collection::<Document>("users").insert_one(user).await.unwrap();
            let token = clerk_token(&id, None);
            let address = json!({"address": {"fullName": format!("Shopper {i}"), "phoneNumber": "03001234567", "pinCode": "54000", "area": "Gulberg III", "city": "Lahore", "state": "Punjab"}});
            let added = self.call("/api/user/add-address", &token, address).await;
            customers.push(Customer { token, address: added["newAddress"]["_id"].as_str().unwrap().to_owned() });
        }
        let seller = clerk_token("user_crash_seller", Some("seller"));
        let mut initial = BTreeMap::new();
        for i in 0..PRODUCTS {
            let body = json!({"name": format!("Crash item {i}"), "description": "crash test", "category": "Accessories", "price": 500 + i, "offerPrice": 0, "image": ["https://example.com/item.png"], "stock": STOCK});
            let added = self.call("/api/product/add", &seller, body).await;
            initial.insert(added["newProduct"]["_id"].as_str().unwrap().to_owned(), STOCK);
        }
        let load = Load { base: self.hme.base(), client: self.client.clone(), customers, products: initial.keys().cloned().collect(), seed };
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

    /// Waits for the lease, the outbox and the worker, prints the figures and returns
    /// what breaks issue 18's end state.
    pub async fn end_state(&self, label: &str, initial: &BTreeMap<String, i64>, outcomes: &[Outcome]) -> Vec<String> {
        tokio::time::sleep(Duration::from_secs(LEASE_SECS + 1)).await;
        let customer_of: HashMap<String, String> = outcomes
            .iter()
            .filter_map(|o| match &o.answer {
                Answer::Placed(id) => Some((id.clone(), self.customer_email(o.customer))),
                _ => None,
            })
            .collect();
        let (s, m, took): (Snapshot, _, _) = end_state::settle(&self.db, &self.b.smtp_dir, &self.owner(), &customer_of).await;
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
        end_state::end_state_failures(label, initial, outcomes, &s, &m, &dead)
    }
}
