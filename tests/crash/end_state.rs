//! The end-state checks of issue 18, read from the database documents (`products`,
//! `orders`, `stock_reservations`, `outbox`), the dead letters (`hme dlq list --json`)
//! and the SMTP sink's folder, once the hold lease has elapsed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};

use crate::load::{Answer, Outcome};
use crate::mail;

/// How long the outbox, the worker and the sweeper get to settle after the load.
pub const SETTLE: Duration = Duration::from_secs(90);

/// A BSON number (double, int32 or int64) as an integer; absent is 0.
fn num(b: Option<&Bson>) -> i64 {
    match b {
        Some(Bson::Int32(n)) => i64::from(*n),
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Double(n)) => *n as i64,
        _ => 0,
    }
}

async fn all(db: &mongodb::Database, name: &str, filter: Document) -> Vec<Document> {
    db.collection::<Document>(name).find(filter).await.unwrap().try_collect().await.unwrap()
}

/// What the database holds, per product id (hex).
#[derive(Debug, Default)]
pub struct Snapshot {
    pub stock: BTreeMap<String, i64>,
    pub sales: BTreeMap<String, i64>,
    /// Units in stored, non-cancelled orders.
    pub ordered: BTreeMap<String, i64>,
    /// Units in `held` holds (counted lines).
    pub held: BTreeMap<String, i64>,
    /// Stored order ids.
    pub orders: Vec<String>,
    /// Hold ids by state.
    pub holds: BTreeMap<String, Vec<String>>,
    pub outbox: u64,
}

/// A document's id as hex (an ObjectId) or as stored (a string).
fn id_of(d: &Document, key: &str) -> String {
    match d.get(key) {
        Some(Bson::ObjectId(o)) => o.to_hex(),
        Some(Bson::String(s)) => s.clone(),
        other => panic!("{key}: not an id: {other:?}"),
    }
}

/// Every BSON document of redb table `name` (key: id, value: the document's bytes).
fn redb_docs(txn: &redb::ReadTransaction, name: &str) -> Vec<Document> {
    use redb::ReadableTable;
    let table = txn.open_table(redb::TableDefinition::<&str, &[u8]>::new(name)).unwrap();
    table.iter().unwrap().map(|e| Document::from_reader(e.unwrap().1.value()).unwrap()).collect()
}

/// The number of entries of redb table `name`, whatever its types; 0 when it does not exist.
fn redb_len(txn: &redb::ReadTransaction, name: &str) -> u64 {
    use redb::ReadableTableMetadata;
    txn.list_tables().unwrap().find(|h| redb::TableHandle::name(h) == name).map_or(0, |h| txn.open_untyped_table(h).unwrap().len().unwrap())
}

impl Snapshot {
    pub async fn read(db: &mongodb::Database) -> Self {
        let outbox = db.collection::<Document>("outbox").count_documents(doc! {}).await.unwrap();
        Self::of(all(db, "products", doc! {}).await, all(db, "orders", doc! {}).await, all(db, "stock_reservations", doc! {}).await, outbox)
    }

    /// The embedded store's file (`<data dir>/hme.redb`), read once the process is
    /// stopped; `outbox` counts the outbox and the bus's undelivered deliveries.
    pub fn read_redb(file: &Path) -> Self {
        let db = redb::Database::create(file).unwrap();
        let txn = db.begin_read().unwrap();
        let outbox = redb_len(&txn, "outbox") + redb_len(&txn, "bus_pending");
        Self::of(redb_docs(&txn, "products"), redb_docs(&txn, "orders"), redb_docs(&txn, hme_kernel::holds::COLLECTION), outbox)
    }

    fn of(products: Vec<Document>, orders: Vec<Document>, holds: Vec<Document>, outbox: u64) -> Self {
        let mut s = Self { outbox, ..Self::default() };
        for p in products {
            let id = id_of(&p, "_id");
            s.stock.insert(id.clone(), num(p.get("stock")));
            s.sales.insert(id, num(p.get("sales")));
        }
        for o in orders {
            s.orders.push(id_of(&o, "_id"));
            if o.get_str("status").ok() == Some("Cancelled") {
                continue;
            }
            for i in o.get_array("items").unwrap().iter().filter_map(Bson::as_document) {
                *s.ordered.entry(id_of(i, "product")).or_default() += num(i.get("quantity"));
            }
        }
        for h in holds {
            let state = h.get_str("state").unwrap_or("?").to_owned();
            s.holds.entry(state.clone()).or_default().push(h.get_str("_id").unwrap().to_owned());
            if state != "held" {
                continue;
            }
            for l in h.get_array("lines").map(|a| a.to_vec()).unwrap_or_default().iter().filter_map(Bson::as_document) {
                if l.get_bool("counted").unwrap_or(false) {
                    *s.held.entry(id_of(l, "productId")).or_default() += num(l.get("qty"));
                }
            }
        }
        s
    }

    /// Settled: no live hold, nothing in the outbox, every sales counter caught up.
    fn settled(&self) -> bool {
        self.holds.get("held").is_none_or(Vec::is_empty) && self.outbox == 0 && self.stock.keys().all(|p| self.sales.get(p).copied().unwrap_or(0) == self.ordered.get(p).copied().unwrap_or(0))
    }
}

/// The figures of the mails: orders without their owner or customer mail, and the most
/// copies one order got.
#[derive(Debug, Default)]
pub struct Mails {
    pub missing: Vec<String>,
    pub duplicated_orders: usize,
    pub most_copies: usize,
}

/// Counts, per stored order, the messages naming it sent to `rcpt`.
fn copies(smtp_dir: &Path, rcpt: &str, orders: &[String]) -> HashMap<String, usize> {
    let messages = mail::messages_to(smtp_dir, rcpt);
    orders.iter().map(|o| (o.clone(), messages.iter().filter(|m| m.contains(o.as_str())).count())).collect()
}

/// The mails of `orders`: the owner's of each, and the customer's of each order in
/// `customer_of` (order id → the customer's address; a customer without a profile has
/// none, so only the owner's mail is due).
pub fn mails(smtp_dir: &Path, owner: &str, customer_of: &HashMap<String, String>, orders: &[String]) -> Mails {
    let owner_copies = copies(smtp_dir, owner, orders);
    let mut m = Mails::default();
    let mut per_customer: HashMap<&str, HashMap<String, usize>> = HashMap::new();
    for o in orders {
        let mut due = vec![("owner", owner_copies[o])];
        if let Some(rcpt) = customer_of.get(o) {
            let theirs = per_customer.entry(rcpt.as_str()).or_insert_with(|| copies(smtp_dir, rcpt, orders));
            due.push(("customer", theirs[o]));
        }
        for (who, n) in due {
            if n == 0 {
                m.missing.push(format!("{who} mail of {o}"));
            }
            if n > 1 {
                m.duplicated_orders += 1;
            }
            m.most_copies = m.most_copies.max(n);
        }
    }
    m
}

/// Waits until the store is settled (holds past their lease given back, outbox drained,
/// sales counted, every order's mails sent) or `SETTLE` passes; returns the last reading.
pub async fn settle(db: &mongodb::Database, smtp_dir: &Path, owner: &str, customer_of: &HashMap<String, String>) -> (Snapshot, Mails, Duration) {
    let started = Instant::now();
    loop {
        let s = Snapshot::read(db).await;
        let m = mails(smtp_dir, owner, customer_of, &s.orders);
        if (s.settled() && m.missing.is_empty()) || started.elapsed() > SETTLE {
            return (s, m, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What breaks the end state of issue 18; `dead` is the dead letters (`hme dlq list --json`).
pub fn end_state_failures(label: &str, initial: &BTreeMap<String, i64>, outcomes: &[Outcome], s: &Snapshot, m: &Mails, dead: &[serde_json::Value]) -> Vec<String> {
    let mut failures = Vec::new();
    // Conservation, exactly, per product.
    for (p, init) in initial {
        let (now, ordered, held) = (s.stock[p], s.ordered.get(p).copied().unwrap_or(0), s.held.get(p).copied().unwrap_or(0));
        if now + ordered + held != *init {
            failures.push(format!("product {p}: stock {now} + ordered {ordered} + held {held} = {} != initial {init} ({} units lost)", now + ordered + held, init - now - ordered - held));
        }
        let sales = s.sales.get(p).copied().unwrap_or(0);
        if sales != ordered {
            failures.push(format!("product {p}: sales counter {sales} != ordered quantity {ordered}"));
        }
    }
    // Every 2xx order stored once; one order per key; nothing stored that no client was told.
    let mut by_key: HashMap<&str, HashSet<&str>> = HashMap::new();
    for o in outcomes {
        if let Answer::Placed(id) = &o.answer {
            by_key.entry(o.key.as_str()).or_default().insert(id.as_str());
        }
    }
    let stored: HashMap<&str, usize> = s.orders.iter().fold(HashMap::new(), |mut m, o| {
        *m.entry(o.as_str()).or_default() += 1;
        m
    });
    for (key, ids) in &by_key {
        if ids.len() > 1 {
            failures.push(format!("key {key}: answered with {} different orders {ids:?}", ids.len()));
        }
        for id in ids {
            if stored.get(id).copied().unwrap_or(0) != 1 {
                failures.push(format!("order {id} (key {key}) answered 200 but stored {} times", stored.get(id).copied().unwrap_or(0)));
            }
        }
    }
    let answered: HashSet<&str> = by_key.values().flatten().copied().collect();
    for o in &s.orders {
        if !answered.contains(o.as_str()) {
            failures.push(format!("order {o} is stored but no client was answered with it"));
        }
    }
    // An order exists exactly when its hold is confirmed.
    let confirmed: HashSet<&str> = ["confirmed", "reserved"].iter().flat_map(|st| s.holds.get(*st).into_iter().flatten()).map(String::as_str).collect();
    let orders: HashSet<&str> = s.orders.iter().map(String::as_str).collect();
    for h in confirmed.difference(&orders) {
        failures.push(format!("hold {h} is confirmed but no order has its id"));
    }
    for o in orders.difference(&confirmed) {
        failures.push(format!("order {o} has no confirmed hold"));
    }
    if let Some(h) = s.holds.get("held").filter(|h| !h.is_empty()) {
        failures.push(format!("{} holds still held after the lease: {h:?}", h.len()));
    }
    if s.outbox != 0 {
        failures.push(format!("{} events left in the outbox", s.outbox));
    }
    for d in dead {
        failures.push(format!("dead letter: {d}"));
    }
    failures.extend(m.missing.iter().map(|x| format!("no {x}")));
    if m.most_copies > 2 {
        failures.push(format!("an order's mail was sent {} times (at most one duplicate allowed)", m.most_copies));
    }
    for o in outcomes {
        if matches!(o.answer, Answer::Unexpected(..) | Answer::Unanswered) {
            failures.push(format!("order {}: {:?} after {} attempts", o.key, o.answer, o.attempts));
        }
    }
    failures.into_iter().map(|f| format!("{label}: {f}")).collect()
}
