//! The embedded adapter: redb tables `products` (ObjectId hex → the BSON document, the
//! same shape as in MongoDB) and `stock_reservations` (reservation id → BSON record).
//! redb calls block, so every call runs on tokio's blocking pool. Lists scan the table
//! and filter in memory: fine for a shop-sized catalog on one machine.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_products_contract::CatalogError;
use mongodb::bson::{oid::ObjectId, Document};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::domain::{ListQuery, Product, ProductPatch};
use crate::store::{Announce, ListPage, ProductStore, StockLine, StoreError};
use hme_kernel::outbox::EmbeddedOutbox;

pub(crate) const PRODUCTS: TableDefinition<&str, &[u8]> = TableDefinition::new("products");
pub(crate) const RESERVATIONS: TableDefinition<&str, &[u8]> = hme_kernel::holds::TABLE;

/// [`ProductStore`] on the embedded redb file.
pub struct EmbeddedProductStore {
    db: Arc<Database>,
}

pub(crate) fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("embedded storage: {e}"))
}

pub(crate) fn encode(doc: &Document) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    doc.to_writer(&mut out).map_err(fail)?;
    Ok(out)
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Product, StoreError> {
    let doc = Document::from_reader(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Product::from_document(&doc).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Runs blocking redb work on the blocking pool, inside the caller's span: an event
/// envelope built there (`product.deleted`, made in the delete's write transaction)
/// carries the request's trace context, and log lines its request id. The blocking
/// pool's thread has no current span of its own.
pub(crate) async fn blocking<T, E, F>(db: &Arc<Database>, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&Database) -> Result<T, E> + Send + 'static,
{
    let db = Arc::clone(db);
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| f(&db))).await.map_err(|e| E::from(fail(e)))?
}

fn read_one(db: &Database, key: &str) -> Result<Option<Product>, StoreError> {
    let txn = db.begin_read().map_err(fail)?;
    let table = txn.open_table(PRODUCTS).map_err(fail)?;
    let value = table.get(key).map_err(fail)?;
    value.map(|v| decode(v.value())).transpose()
}

fn read_all(db: &Database) -> Result<Vec<Product>, StoreError> {
    let txn = db.begin_read().map_err(fail)?;
    let table = txn.open_table(PRODUCTS).map_err(fail)?;
    let mut out = Vec::new();
    for entry in table.iter().map_err(fail)? {
        let (k, v) = entry.map_err(fail)?;
        match decode(v.value()) {
            Ok(p) => out.push(p),
            Err(e) => tracing::warn!(key = k.value(), error = %e, "skipping an unreadable product"),
        }
    }
    Ok(out)
}

/// Reads, changes and writes back one owned product in a single write transaction.
fn modify_owned<F>(db: &Database, id: &ObjectId, owner: &str, delete: Option<Announce>, change: F) -> Result<Option<Product>, StoreError>
where
    F: FnOnce(&mut Product),
{
    let key = id.to_hex();
    let txn = db.begin_write().map_err(fail)?;
    let result = {
        let mut table = txn.open_table(PRODUCTS).map_err(fail)?;
        let current = table.get(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
        match current {
            Some(mut p) if p.user_id == owner => {
                if let Some(announce) = delete {
                    table.remove(key.as_str()).map_err(fail)?;
                    EmbeddedOutbox::append_in(&txn, &announce(&p)).map_err(|e| StoreError::Unavailable(e.to_string()))?;
                } else {
                    change(&mut p);
                    table.insert(key.as_str(), encode(&p.to_document())?.as_slice()).map_err(fail)?;
                }
                Some(p)
            }
            _ => None,
        }
    };
    txn.commit().map_err(fail)?;
    Ok(result)
}

impl EmbeddedProductStore {
    /// Opens the store, creating its tables.
    pub fn open(db: Arc<Database>) -> Result<Self, hme_kernel::backends::BackendError> {
        let create = || -> Result<(), StoreError> {
            let txn = db.begin_write().map_err(fail)?;
            txn.open_table(PRODUCTS).map_err(fail)?;
            txn.open_table(RESERVATIONS).map_err(fail)?;
            txn.commit().map_err(fail)
        };
        create().map_err(|e| hme_kernel::backends::BackendError(e.to_string()))?;
        Ok(Self { db })
    }
}

#[async_trait]
impl ProductStore for EmbeddedProductStore {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn insert(&self, product: &Product) -> Result<(), StoreError> {
        let key = product.id.to_hex();
        let bytes = encode(&product.to_document())?;
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut table = txn.open_table(PRODUCTS).map_err(fail)?;
                if table.get(key.as_str()).map_err(fail)?.is_some() {
                    return Err(StoreError::Unavailable(format!("duplicate product id {key}")));
                }
                table.insert(key.as_str(), bytes.as_slice()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn get(&self, id: &ObjectId) -> Result<Option<Product>, StoreError> {
        let key = id.to_hex();
        blocking(&self.db, move |db| read_one(db, &key)).await
    }

    async fn get_many(&self, ids: &[ObjectId]) -> Result<Vec<Product>, StoreError> {
        let keys: Vec<String> = ids.iter().map(|id| id.to_hex()).collect();
        blocking(&self.db, move |db| {
            let mut out = Vec::new();
            for k in keys {
                out.extend(read_one(db, &k)?);
            }
            Ok(out)
        })
        .await
    }

    async fn list(&self, query: &ListQuery) -> Result<ListPage, StoreError> {
        let query = query.clone();
        blocking(&self.db, move |db| {
            let mut products: Vec<Product> = read_all(db)?.into_iter().filter(|p| query.filter.matches(p)).collect();
            products.sort_by(|a, b| query.sort.compare(a, b));
            let total = products.len() as u64;
            if let Some(page) = query.page {
                let skip = usize::try_from(page.skip()).unwrap_or(usize::MAX);
                let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
                products = products.into_iter().skip(skip).take(limit).collect();
            }
            Ok(ListPage { products, total })
        })
        .await
    }

    async fn update_owned(&self, id: &ObjectId, owner: &str, patch: &ProductPatch, now: DateTime<Utc>) -> Result<Option<Product>, StoreError> {
        let (id, owner, patch) = (*id, owner.to_owned(), patch.clone());
        blocking(&self.db, move |db| modify_owned(db, &id, &owner, None, |p| patch.apply(p, now))).await
    }

    async fn delete_owned(&self, id: &ObjectId, owner: &str, announce: Announce) -> Result<Option<Product>, StoreError> {
        let (id, owner) = (*id, owner.to_owned());
        blocking(&self.db, move |db| modify_owned(db, &id, &owner, Some(announce), |_| ())).await
    }

    async fn count(&self) -> Result<u64, StoreError> {
        blocking(&self.db, |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(PRODUCTS).map_err(fail)?;
            table.len().map_err(fail)
        })
        .await
    }

    async fn reserve_stock(&self, reservation_id: &str, lines: &[StockLine], now: DateTime<Utc>, lease: chrono::Duration) -> Result<(), CatalogError> {
        let (rid, lines) = (reservation_id.to_owned(), lines.to_vec());
        blocking(&self.db, move |db| super::embedded_stock::reserve(db, &rid, &lines, now, lease)).await
    }

    async fn confirm_stock(&self, reservation_id: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        let rid = reservation_id.to_owned();
        blocking(&self.db, move |db| super::embedded_stock::confirm(db, &rid, now)).await
    }

    async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64, CatalogError> {
        blocking(&self.db, move |db| super::embedded_stock::expire(db, now)).await
    }

    async fn release_stock(&self, reservation_id: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        let rid = reservation_id.to_owned();
        blocking(&self.db, move |db| super::embedded_stock::release(db, &rid, now)).await
    }
}
