//! The [`SalesLedger`] port over the products store: `sales` counters grow once per
//! `order.created` event.
//!
//! - MongoDB: one transaction inserts `{_id: <event id>, at}` into `sales_events` (the
//!   unique `_id` is the guard) and `$inc`s each product's `sales`. A server without
//!   transactions (standalone) gets the same writes without one: the marker is written
//!   after the increments, so a crash in between may count an event twice (at least once).
//! - embedded: one redb write transaction reads the marker table `sales_events`, updates
//!   the products and writes the marker.
//!
//! Cached reads are invalidated after a change (the `sales` sort and product bodies).

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::backends::Documents;
use hme_products_contract::{SalesError, SalesLedger};
use mongodb::bson::{doc, oid::ObjectId, Document};
use mongodb::error::{ErrorKind, WriteFailure};
use redb::{ReadableTable, TableDefinition};
use uuid::Uuid;

use crate::adapters::embedded::{decode, encode, PRODUCTS};
use crate::domain::number::JsNumber;
use crate::ProductsService;

const SALES_EVENTS: TableDefinition<&str, i64> = TableDefinition::new("sales_events");

/// The products module's [`SalesLedger`].
pub struct ProductSales {
    documents: Documents,
    service: Arc<ProductsService>,
}

impl ProductSales {
    /// The ledger over `documents` (the same storage the products store uses).
    pub fn new(documents: Documents, service: Arc<ProductsService>) -> Self {
        Self { documents, service }
    }
}

fn unavailable(e: impl std::fmt::Display) -> SalesError {
    SalesError::Unavailable(e.to_string())
}

fn parsed(lines: &[(String, i64)]) -> Vec<(ObjectId, i64)> {
    lines.iter().filter_map(|(id, q)| ObjectId::parse_str(id).ok().map(|o| (o, *q))).filter(|(_, q)| *q != 0).collect()
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    matches!(&*e.kind, ErrorKind::Write(WriteFailure::WriteError(w)) if w.code == 11000)
        || matches!(&*e.kind, ErrorKind::Command(c) if c.code == 11000)
}

fn no_transactions(e: &mongodb::error::Error) -> bool {
    matches!(&*e.kind, ErrorKind::Command(c) if c.code == 20 || c.code == 263)
        || e.to_string().contains("Transaction numbers are only allowed")
}

async fn mongo_in_txn(db: &mongodb::Database, marker: &Document, lines: &[(ObjectId, i64)]) -> Result<bool, mongodb::error::Error> {
    use hme_kernel::transaction::{with_transaction, Txn, TxnRetry};
    let ctx = (db, marker, lines);
    with_transaction(db.client(), TxnRetry::default(), &ctx, |s, (db, marker, lines)| {
        Box::pin(async move {
            let events = db.collection::<Document>("sales_events");
            let products = db.collection::<Document>("products");
            match events.insert_one((*marker).clone()).session(&mut *s).await {
                Err(e) if is_duplicate(&e) => return Ok(Txn::Abort(false)),
                other => other.map(|_| ())?,
            }
            for (id, q) in lines.iter() {
                products.update_one(doc! {"_id": id}, doc! {"$inc": {"sales": q}}).session(&mut *s).await?;
            }
            Ok(Txn::Commit(true))
        })
    })
    .await
}

async fn mongo_without_txn(db: &mongodb::Database, marker: &Document, lines: &[(ObjectId, i64)]) -> Result<bool, mongodb::error::Error> {
    let events = db.collection::<Document>("sales_events");
    if events.find_one(doc! {"_id": marker.get("_id")}).await?.is_some() {
        return Ok(false);
    }
    let products = db.collection::<Document>("products");
    for (id, q) in lines {
        products.update_one(doc! {"_id": id}, doc! {"$inc": {"sales": q}}).await?;
    }
    match events.insert_one(marker.clone()).await {
        Err(e) if is_duplicate(&e) => Ok(false),
        other => other.map(|_| true),
    }
}

fn embedded(db: &redb::Database, key: &str, lines: &[(ObjectId, i64)]) -> Result<bool, SalesError> {
    let txn = db.begin_write().map_err(unavailable)?;
    {
        let mut markers = txn.open_table(SALES_EVENTS).map_err(unavailable)?;
        if markers.get(key).map_err(unavailable)?.is_some() {
            return Ok(false);
        }
        let mut table = txn.open_table(PRODUCTS).map_err(unavailable)?;
        for (id, q) in lines {
            let hex = id.to_hex();
            let current = table.get(hex.as_str()).map_err(unavailable)?.map(|v| decode(v.value())).transpose().map_err(unavailable)?;
            if let Some(mut p) = current {
                p.sales = JsNumber(p.sales.get() + *q as f64);
                table.insert(hex.as_str(), encode(&p.to_document()).map_err(unavailable)?.as_slice()).map_err(unavailable)?;
            }
        }
        markers.insert(key, hme_kernel::dates::now_millis().timestamp_millis()).map_err(unavailable)?;
    }
    txn.commit().map_err(unavailable)?;
    Ok(true)
}

#[async_trait]
impl SalesLedger for ProductSales {
    async fn record_sales(&self, event_id: Uuid, lines: &[(String, i64)]) -> Result<bool, SalesError> {
        let lines = parsed(lines);
        let key = event_id.to_string();
        let changed = match &self.documents {
            Documents::Mongo(db) => {
                let marker = doc! {"_id": &key, "at": mongodb::bson::DateTime::now()};
                match mongo_in_txn(db, &marker, &lines).await {
                    Err(e) if no_transactions(&e) => mongo_without_txn(db, &marker, &lines).await.map_err(unavailable)?,
                    other => other.map_err(unavailable)?,
                }
            }
            Documents::Embedded(db) => {
                let db = Arc::clone(db);
                tokio::task::spawn_blocking(move || embedded(&db, &key, &lines)).await.map_err(unavailable)??
            }
        };
        if changed {
            self.service.cache.invalidate().await;
        }
        Ok(changed)
    }
}
