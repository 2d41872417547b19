//! The steady order load: several clients, each placing orders of 1-3 lines one after
//! another, every order with its own `Idempotency-Key` and retried with that key until
//! it gets a definite answer (200, or the out-of-stock refusal).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A small seeded generator (SplitMix64): the run's choices follow from the printed seed.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// A shopper: session token and saved address.
#[derive(Clone)]
pub struct Customer {
    pub token: String,
    pub address: String,
}

/// How an order ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 200 with this `orderId`.
    Placed(String),
    /// 409 "out of stock".
    Refused,
    /// Anything else that is not worth retrying (a failure of the test).
    Unexpected(u16, String),
    /// Still no definite answer when the load was told to finish.
    Unanswered,
}

/// One order of the load, from its first attempt to its definite answer.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Index of the customer (client) that placed it.
    pub customer: usize,
    pub key: String,
    pub lines: Vec<(String, u32)>,
    pub answer: Answer,
    pub started: Instant,
    pub answered: Instant,
    pub attempts: u32,
    /// Attempts answered 5xx.
    pub unavailable: u32,
    /// Attempts with no answer (connection refused or cut).
    pub unreachable: u32,
    /// Attempts still unanswered after the client's timeout (30 s).
    pub timed_out: u32,
    /// When each attempt that got no definite answer (5xx or none) ended.
    pub failed_at: Vec<Instant>,
    /// Answers of a retry that replayed the first outcome (`Idempotent-Replayed`).
    pub replayed: bool,
}

/// Where the load goes and what it orders.
#[derive(Clone)]
pub struct Load {
    pub base: String,
    pub client: reqwest::Client,
    pub customers: Vec<Customer>,
    pub products: Vec<String>,
    pub seed: u64,
    /// Pause between two orders of one client (a steady load, not a flood).
    pub think: Duration,
}

/// Pause between retries of one order.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// Pause between two orders of one client on MongoDB.
pub const THINK: Duration = Duration::from_millis(50);
/// The same embedded, which answers an order in a few ms: about the same order count as
/// MongoDB would flood the mail sink (1,759 orders in 27 s at 50 ms, whose mails and
/// sales events were still queued 90 s later).
pub const EMBEDDED_THINK: Duration = Duration::from_millis(400);
/// An order still unanswered this long after `stop` is given up (reported as unanswered).
const DRAIN: Duration = Duration::from_secs(120);

impl Load {
    /// Runs one client per customer until `stop`; each finishes the order in hand.
    pub fn spawn(&self, stop: Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<Vec<Outcome>>> {
        (0..self.customers.len())
            .map(|i| {
                let load = self.clone();
                let stop = Arc::clone(&stop);
                tokio::spawn(async move { load.client_loop(i, stop).await })
            })
            .collect()
    }

    async fn client_loop(self, i: usize, stop: Arc<AtomicBool>) -> Vec<Outcome> {
        let mut rng = Rng::new(self.seed ^ ((i as u64 + 1) << 32));
        let mut outcomes = Vec::new();
        let mut stopped_at: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            let n = rng.between(1, 3) as usize;
            let mut picked: Vec<String> = Vec::new();
            while picked.len() < n.min(self.products.len()) {
                let p = &self.products[rng.between(0, self.products.len() as u64 - 1) as usize];
                if !picked.contains(p) {
                    picked.push(p.clone());
                }
            }
            let lines: Vec<(String, u32)> = picked.into_iter().map(|p| (p, rng.between(1, 2) as u32)).collect();
            let key = format!("load-{i}-{}-{}", outcomes.len(), self.seed);
            let mut o = Outcome { customer: i, key, lines, answer: Answer::Unanswered, started: Instant::now(), answered: Instant::now(), attempts: 0, unavailable: 0, unreachable: 0, timed_out: 0, failed_at: Vec::new(), replayed: false };
            loop {
                if stop.load(Ordering::SeqCst) && stopped_at.get_or_insert_with(Instant::now).elapsed() > DRAIN {
                    break;
                }
                o.attempts += 1;
                match self.attempt(&self.customers[i], &o).await {
                    Ok((200, replayed, body)) => {
                        let id = body["orderId"].as_str().map(str::to_owned);
                        o.answer = id.map_or_else(|| Answer::Unexpected(200, body.to_string()), Answer::Placed);
                        o.replayed = replayed;
                        break;
                    }
                    Ok((409, _, body)) if body["message"].as_str().is_some_and(|m| m.contains("out of stock")) => {
                        o.answer = Answer::Refused;
                        break;
                    }
                    Ok((s, _, _)) if s >= 500 => {
                        o.unavailable += 1;
                        o.failed_at.push(Instant::now());
                    }
                    Ok((s, _, body)) => {
                        o.answer = Answer::Unexpected(s, body.to_string());
                        break;
                    }
                    Err(e) => {
                        if e.is_timeout() {
                            o.timed_out += 1;
                        } else {
                            o.unreachable += 1;
                        }
                        o.failed_at.push(Instant::now());
                    }
                }
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            o.answered = Instant::now();
            outcomes.push(o);
            tokio::time::sleep(self.think).await;
        }
        outcomes
    }

    /// One `POST /api/order/create` with the order's key: status, replayed, body.
    async fn attempt(&self, c: &Customer, o: &Outcome) -> Result<(u16, bool, Value), reqwest::Error> {
        let items: Vec<Value> = o.lines.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect();
        let resp = self
            .client
            .post(format!("{}/api/order/create", self.base))
            .bearer_auth(&c.token)
            .header("Idempotency-Key", &o.key)
            .json(&json!({"address": c.address, "items": items}))
            .send()
            .await?;
        let status = resp.status().as_u16();
        let replayed = resp.headers().get("Idempotent-Replayed").is_some();
        let text = resp.text().await?;
        Ok((status, replayed, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }
}

/// Waits for every client and returns all their orders.
pub async fn finish(handles: Vec<tokio::task::JoinHandle<Vec<Outcome>>>) -> Vec<Outcome> {
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all
}
