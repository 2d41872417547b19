//! The embedded adapter: redb tables `orders` (ObjectId hex → the BSON document, the
//! same shape as in MongoDB) and `order_idempotency` (`<userId>:<key>` → JSON record),
//! with the kernel's embedded outbox appended in the same write transaction.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_kernel::events::EventEnvelope;
use hme_kernel::outbox::EmbeddedOutbox;
use mongodb::bson::{oid::ObjectId, Bson, Document};
use redb::{Database, ReadableTable, TableDefinition, WriteTransaction};
use tokio::sync::Notify;

use crate::store::{Claim, IdempotencyRecord, Inserted, OrderStore, StoreError};
use hme_kernel::holds::{cancel_in_redb, confirm_in_redb, Confirmed};

/// A claim of a key by one attempt (kept in the idempotency table until the order is
/// stored; a crash ends every write transaction, so claims only guard live twins).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    id: String,
    pending_order_id: String,
    until: DateTime<Utc>,
}

const ORDERS: TableDefinition<&str, &[u8]> = TableDefinition::new("orders");
const IDEMPOTENCY: TableDefinition<&str, &[u8]> = TableDefinition::new("order_idempotency");

/// [`OrderStore`] on the embedded redb file.
pub struct EmbeddedOrderStore {
    db: Arc<Database>,
    wake: Arc<Notify>,
}

fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("embedded storage: {e}"))
}

fn encode(doc: &Document) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    doc.to_writer(&mut out).map_err(fail)?;
    Ok(out)
}

fn decode(bytes: &[u8]) -> Result<Document, StoreError> {
    Document::from_reader(bytes).map_err(fail)
}

/// What the idempotency table holds for a key: a record, a claim, or nothing readable.
enum KeyEntry {
    Done(IdempotencyRecord),
    Pending(Pending),
    None,
}

fn read_entry(txn: &WriteTransaction, id: &str) -> Result<KeyEntry, StoreError> {
    let table = txn.open_table(IDEMPOTENCY).map_err(fail)?;
    let Some(v) = table.get(id).map_err(fail)? else { return Ok(KeyEntry::None) };
    if let Ok(r) = serde_json::from_slice::<IdempotencyRecord>(v.value()) {
        return Ok(KeyEntry::Done(r));
    }
    Ok(serde_json::from_slice::<Pending>(v.value()).map_or(KeyEntry::None, KeyEntry::Pending))
}

impl EmbeddedOrderStore {
    /// The store on `db` (tables created when missing); `wake` is notified after each
    /// commit that appended an event.
    pub fn open(db: Arc<Database>, wake: Arc<Notify>) -> Result<Self, StoreError> {
        let txn = db.begin_write().map_err(fail)?;
        txn.open_table(ORDERS).map_err(fail)?;
        txn.open_table(IDEMPOTENCY).map_err(fail)?;
        txn.commit().map_err(fail)?;
        EmbeddedOutbox::open(Arc::clone(&db)).map_err(fail)?;
        Ok(Self { db, wake })
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static) -> Result<T, StoreError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(fail)?
    }

    fn claim_sync(db: &Database, id: &str, order_id: &str, until: DateTime<Utc>, fresh_after: DateTime<Utc>) -> Result<Claim, StoreError> {
        let txn = db.begin_write().map_err(fail)?;
        match read_entry(&txn, id)? {
            KeyEntry::Done(r) if r.created_at >= fresh_after => return Ok(Claim::Done(r)),
            KeyEntry::Pending(p) if p.pending_order_id == order_id => return Ok(Claim::Mine),
            KeyEntry::Pending(p) if p.until > Utc::now() => return Ok(Claim::Busy(p.until)),
            _ => {}
        }
        let claim = Pending { id: id.to_owned(), pending_order_id: order_id.to_owned(), until };
        let json = serde_json::to_vec(&claim).map_err(fail)?;
        txn.open_table(IDEMPOTENCY).map_err(fail)?.insert(id, json.as_slice()).map_err(fail)?;
        txn.commit().map_err(fail)?;
        Ok(Claim::Mine)
    }

    fn insert_sync(db: &Database, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, hold: Option<&str>, fresh_after: DateTime<Utc>) -> Result<Inserted, StoreError> {
        let txn = db.begin_write().map_err(fail)?;
        if let Some(k) = key {
            match read_entry(&txn, &k.id)? {
                KeyEntry::Done(r) if r.created_at >= fresh_after => return Ok(Inserted::Replayed(r)),
                KeyEntry::Pending(p) if p.pending_order_id != k.order_id && p.until > Utc::now() => return Ok(Inserted::ClaimLost),
                _ => {}
            }
            let json = serde_json::to_vec(k).map_err(fail)?;
            txn.open_table(IDEMPOTENCY).map_err(fail)?.insert(k.id.as_str(), json.as_slice()).map_err(fail)?;
        }
        let mut out = Inserted::Created;
        if let Some(h) = hold {
            match confirm_in_redb(&txn, h).map_err(fail)? {
                Confirmed::Confirmed => {}
                Confirmed::Absent => out = Inserted::CreatedHoldElsewhere,
                Confirmed::Released => return Ok(Inserted::HoldReleased),
            }
        }
        let id = order.get_object_id("_id").map_err(fail)?.to_hex();
        txn.open_table(ORDERS).map_err(fail)?.insert(id.as_str(), encode(order)?.as_slice()).map_err(fail)?;
        EmbeddedOutbox::append_in(&txn, event).map_err(fail)?;
        txn.commit().map_err(fail)?;
        Ok(out)
    }

    fn set_status_sync(db: &Database, id: &ObjectId, from: &str, to: &str, now: DateTime<Utc>, event: &EventEnvelope) -> Result<bool, StoreError> {
        let txn = db.begin_write().map_err(fail)?;
        {
            let mut orders = txn.open_table(ORDERS).map_err(fail)?;
            let key = id.to_hex();
            let current = orders.get(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
            let Some(mut order) = current else { return Ok(false) };
            if order.get_str("status").unwrap_or("Order Placed") != from {
                return Ok(false);
            }
            order.insert("status", to);
            order.insert("updatedAt", Bson::DateTime(mongodb::bson::DateTime::from_millis(now.timestamp_millis())));
            orders.insert(key.as_str(), encode(&order)?.as_slice()).map_err(fail)?;
        }
        if to == "Cancelled" {
            // The stock goes back even if this process dies before giving it back.
            cancel_in_redb(&txn, &id.to_hex()).map_err(fail)?;
        }
        EmbeddedOutbox::append_in(&txn, event).map_err(fail)?;
        txn.commit().map_err(fail)?;
        Ok(true)
    }

    fn update_sync(db: &Database, id: &ObjectId, expect: &Document, set: &Document, event: Option<&EventEnvelope>) -> Result<bool, StoreError> {
        let txn = db.begin_write().map_err(fail)?;
        {
            let mut orders = txn.open_table(ORDERS).map_err(fail)?;
            let key = id.to_hex();
            let current = orders.get(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
            let Some(mut order) = current else { return Ok(false) };
            if expect.iter().any(|(k, v)| order.get(k).unwrap_or(&Bson::Null) != v) {
                return Ok(false);
            }
            for (k, v) in set {
                order.insert(k.clone(), v.clone());
            }
            orders.insert(key.as_str(), encode(&order)?.as_slice()).map_err(fail)?;
        }
        if let Some(e) = event {
            EmbeddedOutbox::append_in(&txn, e).map_err(fail)?;
        }
        txn.commit().map_err(fail)?;
        Ok(true)
    }
}

#[async_trait]
impl OrderStore for EmbeddedOrderStore {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn claim(&self, id: &str, order_id: &str, until: DateTime<Utc>, fresh_after: DateTime<Utc>) -> Result<Claim, StoreError> {
        let (id, order_id) = (id.to_owned(), order_id.to_owned());
        self.blocking(move |db| Self::claim_sync(db, &id, &order_id, until, fresh_after)).await
    }

    async fn insert(&self, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, hold: Option<&str>, fresh_after: DateTime<Utc>) -> Result<Inserted, StoreError> {
        let (order, event, key, hold) = (order.clone(), event.clone(), key.cloned(), hold.map(str::to_owned));
        let out = self.blocking(move |db| Self::insert_sync(db, &order, &event, key.as_ref(), hold.as_deref(), fresh_after)).await?;
        if out.created() {
            self.wake.notify_one();
        }
        Ok(out)
    }

    async fn idempotency(&self, id: &str, fresh_after: DateTime<Utc>) -> Result<Option<IdempotencyRecord>, StoreError> {
        let id = id.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(IDEMPOTENCY).map_err(fail)?;
            // A claim (not a record yet) reads as absent.
            let found = table.get(id.as_str()).map_err(fail)?.and_then(|v| serde_json::from_slice::<IdempotencyRecord>(v.value()).ok());
            Ok(found.filter(|r| r.created_at >= fresh_after))
        })
        .await
    }

    async fn list(&self, user_id: Option<&str>) -> Result<Vec<Document>, StoreError> {
        let user = user_id.map(str::to_owned);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(ORDERS).map_err(fail)?;
            let mut out = Vec::new();
            for row in table.iter().map_err(fail)? {
                let (key, value) = row.map_err(fail)?;
                let d = match decode(value.value()) {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(order = key.value(), error = %e, "skipping an unreadable order in the list");
                        continue;
                    }
                };
                if user.as_deref().is_none_or(|u| d.get_str("userId").ok() == Some(u)) {
                    out.push(d);
                }
            }
            // Key order = ObjectId hex order = creation order (seconds, then this
            // process's counter): the natural order MongoDB answers.
            Ok(out)
        })
        .await
    }

    async fn get(&self, id: &ObjectId) -> Result<Option<Document>, StoreError> {
        let key = id.to_hex();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(ORDERS).map_err(fail)?;
            let value = table.get(key.as_str()).map_err(fail)?;
            value.map(|v| decode(v.value())).transpose()
        })
        .await
    }

    async fn set_status(&self, id: &ObjectId, from: &str, to: &str, now: DateTime<Utc>, event: &EventEnvelope) -> Result<bool, StoreError> {
        let (id, from, to, event) = (*id, from.to_owned(), to.to_owned(), event.clone());
        let changed = self.blocking(move |db| Self::set_status_sync(db, &id, &from, &to, now, &event)).await?;
        if changed {
            self.wake.notify_one();
        }
        Ok(changed)
    }

    async fn find_by(&self, field: &str, value: &str) -> Result<Option<Document>, StoreError> {
        let (field, value) = (field.to_owned(), value.to_owned());
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(ORDERS).map_err(fail)?;
            for row in table.iter().map_err(fail)? {
                let d = decode(row.map_err(fail)?.1.value())?;
                if d.get_str(&field).ok() == Some(value.as_str()) {
                    return Ok(Some(d));
                }
            }
            Ok(None)
        })
        .await
    }

    async fn update_where(&self, id: &ObjectId, expect: &Document, set: &Document, event: Option<&EventEnvelope>) -> Result<bool, StoreError> {
        let (id, expect, set, event) = (*id, expect.clone(), set.clone(), event.cloned());
        let has_event = event.is_some();
        let changed = self.blocking(move |db| Self::update_sync(db, &id, &expect, &set, event.as_ref())).await?;
        if changed && has_event {
            self.wake.notify_one();
        }
        Ok(changed)
    }
}
