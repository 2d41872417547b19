//! The MongoDB adapter: collections `orders` (the legacy collection, documents exactly
//! as mongoose writes them), `order_idempotency` (`{_id: "<userId>:<key>", state:
//! "pending"|"done", orderId, response: <JSON text>, createdAt, until}`; records written
//! before claims existed have no `state` and count as done) and the kernel's `outbox`,
//! written together in one multi-document transaction through the kernel's
//! [`with_transaction`] (bounded retries with backoff). The key's claim is a single
//! short write outside the transaction; the transaction turns it into the record as its
//! last write, so a process killed mid-transaction leaves the key blocked only until the
//! claim ends, not for the server's transaction lifetime.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use hme_kernel::events::EventEnvelope;
use hme_kernel::indexes::ensure_index;
use hme_kernel::holds::{cancel_in_mongo, confirm_in_mongo, Confirmed};
use hme_kernel::outbox::MongoOutbox;
use hme_kernel::transaction::{is_duplicate_key, with_transaction, Txn, TxnRetry};
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use mongodb::error::{Error, ErrorKind};
use mongodb::options::IndexOptions;
use mongodb::{ClientSession, Collection, Database, IndexModel};
use tokio::sync::Notify;

use crate::store::{Claim, IdempotencyRecord, Inserted, OrderStore, StoreError};

const PENDING: &str = "pending";
const DONE: &str = "done";

/// [`OrderStore`] on MongoDB.
pub struct MongoOrderStore {
    db: Database,
    orders: Collection<Document>,
    keys: Collection<Document>,
    outbox: MongoOutbox,
    wake: Arc<Notify>,
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("MongoDB: {e}"))
}

fn bson_date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

fn done_fields(k: &IdempotencyRecord) -> Result<Document, Error> {
    let response = serde_json::to_string(&k.response).map_err(|e| Error::custom(e.to_string()))?;
    Ok(doc! {"state": DONE, "orderId": &k.order_id, "response": response, "createdAt": bson_date(k.created_at)})
}

/// A done record (or one written before claims existed).
fn key_record(d: &Document) -> Option<IdempotencyRecord> {
    if d.get_str("state").is_ok_and(|s| s != DONE) {
        return None;
    }
    let created_at = DateTime::from_timestamp_millis(d.get_datetime("createdAt").ok()?.timestamp_millis())?;
    let response = serde_json::from_str(d.get_str("response").ok()?).ok()?;
    Some(IdempotencyRecord { id: d.get_str("_id").ok()?.to_owned(), order_id: d.get_str("orderId").ok()?.to_owned(), response, created_at })
}

async fn ensure_collection(db: &Database, name: &str) -> Result<(), StoreError> {
    match db.create_collection(name).await {
        Ok(()) => Ok(()),
        Err(e) if matches!(e.kind.as_ref(), ErrorKind::Command(c) if c.code == 48) => Ok(()),
        Err(e) => Err(fail(e)),
    }
}

/// One insert's inputs, handed to each transaction attempt.
struct Insert<'x> {
    st: &'x MongoOrderStore,
    order: &'x Document,
    event: &'x EventEnvelope,
    key: Option<&'x IdempotencyRecord>,
    hold: Option<&'x str>,
    fresh_after: DateTime<Utc>,
    /// Set by the first attempt: a later one may follow a commit that succeeded with its
    /// reply lost.
    tried: AtomicBool,
}

impl Insert<'_> {
    async fn run(&self, s: &mut ClientSession) -> Result<Txn<Inserted>, Error> {
        let st = self.st;
        // A retry of a transaction whose commit succeeded with its reply lost. The first
        // attempt skips the read (one round trip less per order): the order's `_id` is
        // new (one `insert` per placement, a fresh ObjectId), so nothing can hold it yet.
        if self.tried.swap(true, Ordering::Relaxed) {
            if let Ok(id) = self.order.get_object_id("_id") {
                if st.orders.find_one(doc! {"_id": id}).projection(doc! {"_id": 1}).session(&mut *s).await?.is_some() {
                    return Ok(Txn::Abort(Inserted::Created));
                }
            }
        }
        let mut claimed = false;
        if let Some(k) = self.key {
            if let Some(d) = st.keys.find_one(doc! {"_id": &k.id}).session(&mut *s).await? {
                match key_record(&d) {
                    Some(r) if r.created_at >= self.fresh_after => return Ok(Txn::Abort(Inserted::Replayed(r))),
                    Some(_) => {}
                    None if d.get_str("orderId").ok() == Some(k.order_id.as_str()) => claimed = true,
                    None => return Ok(Txn::Abort(Inserted::ClaimLost)),
                }
            }
        }
        let mut elsewhere = false;
        if let Some(h) = self.hold {
            match confirm_in_mongo(&st.db, s, h).await? {
                Confirmed::Confirmed => {}
                Confirmed::Absent => elsewhere = true,
                Confirmed::Released => return Ok(Txn::Abort(Inserted::HoldReleased)),
            }
        }
        st.orders.insert_one(self.order.clone()).session(&mut *s).await?;
        st.outbox.append_in(s, self.event).await?;
        if let Some(k) = self.key {
            // Last write: the claim (or a stale record) becomes this order's record.
            let filter = if claimed { doc! {"_id": &k.id, "state": PENDING, "orderId": &k.order_id} } else { doc! {"_id": &k.id} };
            let mut record = done_fields(k)?;
            record.insert("_id", &k.id);
            let r = st.keys.replace_one(filter, record).upsert(!claimed).session(&mut *s).await?;
            if claimed && r.matched_count == 0 {
                return Ok(Txn::Abort(Inserted::ClaimLost));
            }
        }
        Ok(Txn::Commit(if elsewhere { Inserted::CreatedHoldElsewhere } else { Inserted::Created }))
    }
}

/// A status compare-and-set's inputs.
struct Status<'x> {
    st: &'x MongoOrderStore,
    id: &'x ObjectId,
    from: &'x str,
    to: &'x str,
    now: DateTime<Utc>,
    event: &'x EventEnvelope,
}

/// A fields compare-and-set's inputs.
struct Update<'x> {
    st: &'x MongoOrderStore,
    id: &'x ObjectId,
    expect: &'x Document,
    set: &'x Document,
    event: Option<&'x EventEnvelope>,
}

impl Status<'_> {
    async fn run(&self, s: &mut ClientSession) -> Result<Txn<bool>, Error> {
        let filter = if self.from == "Order Placed" {
            doc! {"_id": self.id, "$or": [{"status": self.from}, {"status": {"$exists": false}}]}
        } else {
            doc! {"_id": self.id, "status": self.from}
        };
        let r = self.st.orders.update_one(filter, doc! {"$set": {"status": self.to, "updatedAt": bson_date(self.now)}}).session(&mut *s).await?;
        if r.matched_count == 0 {
            return Ok(Txn::Abort(false));
        }
        if self.to == "Cancelled" {
            // The stock goes back even if this process dies before giving it back.
            cancel_in_mongo(&self.st.db, s, &self.id.to_hex()).await?;
        }
        self.st.outbox.append_in(s, self.event).await?;
        Ok(Txn::Commit(true))
    }
}

impl Update<'_> {
    async fn run(&self, s: &mut ClientSession) -> Result<Txn<bool>, Error> {
        let mut filter = doc! {"_id": self.id};
        filter.extend(self.expect.clone());
        let r = self.st.orders.update_one(filter, doc! {"$set": self.set.clone()}).session(&mut *s).await?;
        if r.matched_count == 0 {
            return Ok(Txn::Abort(false));
        }
        if let Some(e) = self.event {
            self.st.outbox.append_in(s, e).await?;
        }
        Ok(Txn::Commit(true))
    }
}

impl MongoOrderStore {
    /// The store on `db`: collections created when missing, indexes `{userId:1,
    /// date:-1}`, `{status:1, date:-1}` and a TTL-free `createdAt` index on the keys (a
    /// refused index is logged and skipped).
    pub async fn open(db: &Database, wake: Arc<Notify>) -> Result<Self, StoreError> {
        for name in ["orders", "order_idempotency"] {
            ensure_collection(db, name).await?;
        }
        let outbox = MongoOutbox::open(db).await.map_err(fail)?;
        let orders = db.collection::<Document>("orders");
        let keys = db.collection::<Document>("order_idempotency");
        let indexes = [
            (&orders, doc! {"userId": 1, "date": -1}, false),
            (&orders, doc! {"status": 1, "date": -1}, false),
            (&orders, doc! {"courierTrackingNumber": 1}, true),
            (&orders, doc! {"paymentTxnRef": 1}, false),
            (&keys, doc! {"createdAt": 1}, false),
        ];
        for (coll, keys_doc, sparse) in indexes {
            let options = sparse.then(|| IndexOptions::builder().sparse(true).build());
            ensure_index(coll, IndexModel::builder().keys(keys_doc).options(options).build()).await;
        }
        Ok(Self { db: db.clone(), orders, keys, outbox, wake })
    }

    async fn fresh_key(&self, id: &str, fresh_after: DateTime<Utc>, session: Option<&mut ClientSession>) -> Result<Option<IdempotencyRecord>, Error> {
        let found = match session {
            Some(s) => self.keys.find_one(doc! {"_id": id}).session(s).await?,
            None => self.keys.find_one(doc! {"_id": id}).await?,
        };
        Ok(found.as_ref().and_then(key_record).filter(|r| r.created_at >= fresh_after))
    }
}

#[async_trait]
impl OrderStore for MongoOrderStore {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn claim(&self, id: &str, order_id: &str, until: DateTime<Utc>, fresh_after: DateTime<Utc>) -> Result<Claim, StoreError> {
        let now = Utc::now();
        let pending = doc! {"_id": id, "state": PENDING, "orderId": order_id, "until": bson_date(until), "createdAt": bson_date(now)};
        for _ in 0..5 {
            let Some(found) = self.keys.find_one(doc! {"_id": id}).await.map_err(fail)? else {
                match self.keys.insert_one(pending.clone()).await {
                    Ok(_) => return Ok(Claim::Mine),
                    Err(e) if is_duplicate_key(&e) => continue,
                    Err(e) => return Err(fail(e)),
                }
            };
            if let Some(r) = key_record(&found) {
                if r.created_at >= fresh_after {
                    return Ok(Claim::Done(r));
                }
            } else if found.get_str("orderId").ok() == Some(order_id) {
                return Ok(Claim::Mine);
            } else {
                let ends = found.get_datetime("until").map(|d| d.timestamp_millis()).unwrap_or(0);
                if ends > now.timestamp_millis() {
                    return Ok(Claim::Busy(DateTime::from_timestamp_millis(ends).unwrap_or(now)));
                }
            }
            // An ended claim or a stale record: take it over, if nobody changed it meanwhile.
            let mut same = doc! {"_id": id};
            for k in ["state", "orderId", "until", "createdAt"] {
                same.insert(k, found.get(k).cloned().unwrap_or(Bson::Null));
            }
            let r = self.keys.replace_one(same, pending.clone()).await.map_err(fail)?;
            if r.matched_count == 1 {
                return Ok(Claim::Mine);
            }
        }
        Err(fail("the Idempotency-Key kept changing"))
    }

    async fn insert(&self, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, hold: Option<&str>, fresh_after: DateTime<Utc>) -> Result<Inserted, StoreError> {
        let ctx = Insert { st: self, order, event, key, hold, fresh_after, tried: AtomicBool::new(false) };
        match with_transaction(self.db.client(), TxnRetry::default(), &ctx, |s, c| Box::pin(c.run(s))).await {
            Ok(out) => {
                if out.created() {
                    self.wake.notify_one();
                }
                Ok(out)
            }
            Err(e) if is_duplicate_key(&e) && key.is_some() => {
                // A concurrent twin committed the same key first: answer as it did.
                let id = key.map(|k| k.id.as_str()).unwrap_or_default();
                let existing = self.fresh_key(id, fresh_after, None).await.map_err(fail)?;
                existing.map(Inserted::Replayed).ok_or_else(|| fail(e))
            }
            Err(e) => Err(fail(e)),
        }
    }

    async fn idempotency(&self, id: &str, fresh_after: DateTime<Utc>) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.fresh_key(id, fresh_after, None).await.map_err(fail)
    }

    /// Natural order, forced with the hint `$natural: 1`: an unsorted `find({userId})` would
    /// follow whichever index the planner picks (`{userId:1, date:-1}` answers newest
    /// first), not insertion order.
    async fn list(&self, user_id: Option<&str>) -> Result<Vec<Document>, StoreError> {
        let filter = user_id.map_or_else(Document::new, |u| doc! {"userId": u});
        let cursor = self.orders.find(filter).hint(mongodb::options::Hint::Keys(doc! {"$natural": 1})).await.map_err(fail)?;
        cursor.try_collect().await.map_err(fail)
    }

    async fn get(&self, id: &ObjectId) -> Result<Option<Document>, StoreError> {
        self.orders.find_one(doc! {"_id": id}).await.map_err(fail)
    }

    async fn set_status(&self, id: &ObjectId, from: &str, to: &str, now: DateTime<Utc>, event: &EventEnvelope) -> Result<bool, StoreError> {
        let ctx = Status { st: self, id, from, to, now, event };
        let changed = with_transaction(self.db.client(), TxnRetry::default(), &ctx, |s, c| Box::pin(c.run(s))).await.map_err(fail)?;
        if changed {
            self.wake.notify_one();
        }
        Ok(changed)
    }

    async fn find_by(&self, field: &str, value: &str) -> Result<Option<Document>, StoreError> {
        self.orders.find_one(doc! {field: value}).await.map_err(fail)
    }

    async fn update_where(&self, id: &ObjectId, expect: &Document, set: &Document, event: Option<&EventEnvelope>) -> Result<bool, StoreError> {
        let ctx = Update { st: self, id, expect, set, event };
        let changed = with_transaction(self.db.client(), TxnRetry::default(), &ctx, |s, c| Box::pin(c.run(s))).await.map_err(fail)?;
        if changed && event.is_some() {
            self.wake.notify_one();
        }
        Ok(changed)
    }
}
