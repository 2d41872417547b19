//! The MongoDB adapter: collections `orders` (the legacy collection, documents exactly
//! as mongoose writes them), `order_idempotency` (`{_id: "<userId>:<key>", orderId,
//! response: <JSON text>, createdAt}`) and the kernel's `outbox`, written together in
//! one multi-document transaction (retried on `TransientTransactionError`).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use hme_kernel::events::EventEnvelope;
use hme_kernel::indexes::ensure_index;
use hme_kernel::outbox::MongoOutbox;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use mongodb::error::{Error, ErrorKind, WriteFailure, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::options::IndexOptions;
use mongodb::{Client, ClientSession, Collection, Database, IndexModel};
use tokio::sync::Notify;

use crate::store::{IdempotencyRecord, Inserted, OrderStore, StoreError};

const ATTEMPTS: usize = 8;

/// [`OrderStore`] on MongoDB.
pub struct MongoOrderStore {
    client: Client,
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

fn is_duplicate_key(e: &Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => false,
    }
}

fn key_document(k: &IdempotencyRecord) -> Result<Document, StoreError> {
    let response = serde_json::to_string(&k.response).map_err(fail)?;
    Ok(doc! {"_id": &k.id, "orderId": &k.order_id, "response": response, "createdAt": bson_date(k.created_at)})
}

fn key_record(d: &Document) -> Option<IdempotencyRecord> {
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

/// Commits, retrying an unknown commit result; Err(true) = retry the whole transaction.
async fn commit(session: &mut ClientSession) -> Result<(), (bool, Error)> {
    for _ in 0..3 {
        match session.commit_transaction().await {
            Ok(()) => return Ok(()),
            Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) => continue,
            Err(e) => return Err((e.contains_label(TRANSIENT_TRANSACTION_ERROR), e)),
        }
    }
    Err((true, Error::custom("commit result unknown after 3 attempts")))
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
        Ok(Self { client: db.client().clone(), orders, keys, outbox, wake })
    }

    async fn fresh_key(&self, id: &str, fresh_after: DateTime<Utc>, session: Option<&mut ClientSession>) -> Result<Option<IdempotencyRecord>, Error> {
        let found = match session {
            Some(s) => self.keys.find_one(doc! {"_id": id}).session(s).await?,
            None => self.keys.find_one(doc! {"_id": id}).await?,
        };
        Ok(found.as_ref().and_then(key_record).filter(|r| r.created_at >= fresh_after))
    }

    /// The writes of an insert inside `s`; Ok(Some) = a fresh record exists (abort).
    async fn insert_in(&self, s: &mut ClientSession, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, fresh_after: DateTime<Utc>) -> Result<Option<IdempotencyRecord>, Error> {
        if let Some(k) = key {
            if let Some(existing) = self.fresh_key(&k.id, fresh_after, Some(s)).await? {
                return Ok(Some(existing));
            }
            self.keys.delete_one(doc! {"_id": &k.id}).session(&mut *s).await?;
            let d = key_document(k).map_err(|e| Error::custom(e.to_string()))?;
            self.keys.insert_one(d).session(&mut *s).await?;
        }
        self.orders.insert_one(order.clone()).session(&mut *s).await?;
        self.outbox.append_in(s, event).await?;
        Ok(None)
    }

    async fn try_insert(&self, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, fresh_after: DateTime<Utc>) -> Result<Inserted, Error> {
        let mut last = Error::custom("transaction not attempted");
        for _ in 0..ATTEMPTS {
            let mut s = self.client.start_session().await?;
            s.start_transaction().await?;
            match self.insert_in(&mut s, order, event, key, fresh_after).await {
                Ok(Some(existing)) => {
                    let _ = s.abort_transaction().await;
                    return Ok(Inserted::Replayed(existing));
                }
                Ok(None) => match commit(&mut s).await {
                    Ok(()) => return Ok(Inserted::Created),
                    Err((true, e)) => last = e,
                    Err((false, e)) => return Err(e),
                },
                Err(e) => {
                    let _ = s.abort_transaction().await;
                    if !e.contains_label(TRANSIENT_TRANSACTION_ERROR) {
                        return Err(e);
                    }
                    last = e;
                }
            }
            let jitter = u64::try_from(uuid::Uuid::new_v4().as_u128() % 40).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(5 + jitter)).await;
        }
        Err(last)
    }

    async fn status_in(&self, s: &mut ClientSession, id: &ObjectId, from: &str, to: &str, now: DateTime<Utc>, event: &EventEnvelope) -> Result<bool, Error> {
        let filter = if from == "Order Placed" {
            doc! {"_id": id, "$or": [{"status": from}, {"status": {"$exists": false}}]}
        } else {
            doc! {"_id": id, "status": from}
        };
        let r = self.orders.update_one(filter, doc! {"$set": {"status": to, "updatedAt": bson_date(now)}}).session(&mut *s).await?;
        if r.matched_count == 0 {
            return Ok(false);
        }
        self.outbox.append_in(s, event).await?;
        Ok(true)
    }

    async fn update_in(&self, s: &mut ClientSession, id: &ObjectId, expect: &Document, set: &Document, event: Option<&EventEnvelope>) -> Result<bool, Error> {
        let mut filter = doc! {"_id": id};
        filter.extend(expect.clone());
        let r = self.orders.update_one(filter, doc! {"$set": set.clone()}).session(&mut *s).await?;
        if r.matched_count == 0 {
            return Ok(false);
        }
        if let Some(e) = event {
            self.outbox.append_in(s, e).await?;
        }
        Ok(true)
    }
}

#[async_trait]
impl OrderStore for MongoOrderStore {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn insert(&self, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, fresh_after: DateTime<Utc>) -> Result<Inserted, StoreError> {
        match self.try_insert(order, event, key, fresh_after).await {
            Ok(Inserted::Created) => {
                self.wake.notify_one();
                Ok(Inserted::Created)
            }
            Ok(replayed) => Ok(replayed),
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
        let mut last = Error::custom("transaction not attempted");
        for _ in 0..ATTEMPTS {
            let mut s = self.client.start_session().await.map_err(fail)?;
            s.start_transaction().await.map_err(fail)?;
            match self.status_in(&mut s, id, from, to, now, event).await {
                Ok(false) => {
                    let _ = s.abort_transaction().await;
                    return Ok(false);
                }
                Ok(true) => match commit(&mut s).await {
                    Ok(()) => {
                        self.wake.notify_one();
                        return Ok(true);
                    }
                    Err((true, e)) => last = e,
                    Err((false, e)) => return Err(fail(e)),
                },
                Err(e) if e.contains_label(TRANSIENT_TRANSACTION_ERROR) => {
                    let _ = s.abort_transaction().await;
                    last = e;
                }
                Err(e) => {
                    let _ = s.abort_transaction().await;
                    return Err(fail(e));
                }
            }
        }
        Err(fail(last))
    }

    async fn find_by(&self, field: &str, value: &str) -> Result<Option<Document>, StoreError> {
        self.orders.find_one(doc! {field: value}).await.map_err(fail)
    }

    async fn update_where(&self, id: &ObjectId, expect: &Document, set: &Document, event: Option<&EventEnvelope>) -> Result<bool, StoreError> {
        let mut last = Error::custom("transaction not attempted");
        for _ in 0..ATTEMPTS {
            let mut s = self.client.start_session().await.map_err(fail)?;
            s.start_transaction().await.map_err(fail)?;
            match self.update_in(&mut s, id, expect, set, event).await {
                Ok(false) => {
                    let _ = s.abort_transaction().await;
                    return Ok(false);
                }
                Ok(true) => match commit(&mut s).await {
                    Ok(()) => {
                        if event.is_some() {
                            self.wake.notify_one();
                        }
                        return Ok(true);
                    }
                    Err((true, e)) => last = e,
                    Err((false, e)) => return Err(fail(e)),
                },
                Err(e) if e.contains_label(TRANSIENT_TRANSACTION_ERROR) => {
                    let _ = s.abort_transaction().await;
                    last = e;
                }
                Err(e) => {
                    let _ = s.abort_transaction().await;
                    return Err(fail(e));
                }
            }
        }
        Err(fail(last))
    }
}
