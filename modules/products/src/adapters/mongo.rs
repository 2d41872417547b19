//! The MongoDB adapter: collection `products` (shared with the mongoose app) and
//! `stock_reservations`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use hme_kernel::backends::BackendError;
use hme_products_contract::CatalogError;
use mongodb::bson::{doc, oid::ObjectId, Document};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database, IndexModel};

use super::mongo_query::{filter_document, sort_document};
use crate::domain::{ListQuery, Product, ProductPatch};
use crate::store::{Announce, ListPage, ProductStore, StockLine, StoreError};
use hme_kernel::outbox::MongoOutbox;
use hme_kernel::transaction::{with_transaction, Txn, TxnRetry};

/// The batch size asking the server for the whole answer in one batch (it still stops
/// at 16 MiB, then the driver sends `getMore`).
const WHOLE_ANSWER: u32 = 0x7fff_ffff; // i32::MAX: the wire field is an int32

/// [`ProductStore`] on MongoDB.
pub struct MongoProductStore {
    pub(super) products: Collection<Document>,
    /// The transactional outbox `product.deleted` goes through.
    pub(super) outbox: MongoOutbox,
    pub(super) reservations: Collection<Document>,
    /// Serializes this instance's reservations per product.
    pub(super) locks: super::mongo_stock::ProductLocks,
    /// What the last reads said of each product's stock (see [`super::mongo_stock::StockHints`]).
    pub(super) hints: super::mongo_stock::StockHints,
    text_index: bool,
}

pub(super) fn unavailable(e: mongodb::error::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Reads documents, skipping (with a warning) any that is not a readable product.
pub(super) fn decode_all(docs: Vec<Document>) -> Vec<Product> {
    docs.iter()
        .filter_map(|d| match Product::from_document(d) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "skipping an unreadable product document");
                None
            }
        })
        .collect()
}

fn decode_one(d: Option<Document>) -> Result<Option<Product>, StoreError> {
    d.map(|d| Product::from_document(&d).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
}

/// The contract's indexes (collections.md): mongoose's `index: true` paths, the
/// compound ones and the text index. Same keys, so the same default names as mongoose.
fn product_indexes() -> Vec<Document> {
    let mut keys: Vec<Document> = ["userId", "name", "price", "category", "date", "inStock", "promotion", "tags"]
        .iter()
        .map(|f| doc! {*f: 1})
        .collect();
    keys.push(doc! {"category": 1, "price": 1});
    keys.push(doc! {"category": 1, "inStock": 1});
    keys.push(doc! {"promotion": 1, "date": -1});
    keys.push(doc! {"userId": 1, "date": -1});
    keys.push(doc! {"name": "text", "description": "text", "tags": "text"});
    keys
}

impl MongoProductStore {
    /// Opens the collections and creates the indexes idempotently. An index the server
    /// refuses (SecantusDB has no text index: error 67) is logged and skipped; search
    /// then uses a case-insensitive regex instead of `$text`.
    pub async fn open(db: &Database) -> Result<Self, BackendError> {
        let products = db.collection::<Document>("products");
        hme_kernel::indexes::ensure_indexes(&products, product_indexes().into_iter().map(|keys| IndexModel::builder().keys(keys).build())).await;
        let text_index = Self::has_text_index(&products).await.map_err(|e| BackendError(format!("MongoDB: listing product indexes: {e}")))?;
        tracing::info!(text_index, "products store: MongoDB");
        let outbox = MongoOutbox::open(db).await.map_err(|e| BackendError(format!("MongoDB: outbox: {e}")))?;
        let reservations = db.collection::<Document>(hme_kernel::holds::COLLECTION);
        let sweep = IndexModel::builder().keys(doc! {"state": 1, "expiresAt": 1}).build();
        if let Err(e) = reservations.create_index(sweep).await {
            tracing::warn!(error = %e, "stock holds: index {{state, expiresAt}} not created; the sweeper scans");
        }
        Ok(Self { products, outbox, reservations, locks: Default::default(), hints: Default::default(), text_index })
    }

    /// One transaction: delete the owner's product and append its announcement.
    async fn delete_with_event(&self, id: &ObjectId, owner: &str, announce: Announce) -> Result<Option<Product>, mongodb::error::Error> {
        let ctx = (self, id, owner, announce);
        with_transaction(self.products.client(), TxnRetry::default(), &ctx, |s, (st, id, owner, announce)| {
            Box::pin(async move {
                let found = st.products.find_one_and_delete(doc! {"_id": *id, "userId": *owner}).session(&mut *s).await?;
                let Some(product) = decode_all(found.into_iter().collect()).pop() else { return Ok(Txn::Abort(None)) };
                st.outbox.append_in(s, &announce(&product)).await?;
                Ok(Txn::Commit(Some(product)))
            })
        })
        .await
    }

    async fn has_text_index(products: &Collection<Document>) -> Result<bool, mongodb::error::Error> {
        let indexes: Vec<IndexModel> = products.list_indexes().await?.try_collect().await?;
        Ok(indexes.iter().any(|i| i.keys.values().any(|v| v.as_str() == Some("text"))))
    }

    /// Whether search uses the text index.
    pub fn uses_text_index(&self) -> bool {
        self.text_index
    }
}

#[async_trait]
impl ProductStore for MongoProductStore {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn insert(&self, product: &Product) -> Result<(), StoreError> {
        self.products.insert_one(product.to_document()).await.map(|_| ()).map_err(unavailable)
    }

    async fn get(&self, id: &ObjectId) -> Result<Option<Product>, StoreError> {
        let found = decode_one(self.products.find_one(doc! {"_id": id}).await.map_err(unavailable)?)?;
        self.hints.saw(found.iter());
        Ok(found)
    }

    async fn get_many(&self, ids: &[ObjectId]) -> Result<Vec<Product>, StoreError> {
        // At most one document per id: with that limit (and a batch as large), the first
        // batch holds the whole answer and the server closes the cursor (no `getMore`).
        let n = ids.len().max(1);
        let cursor = self
            .products
            .find(doc! {"_id": {"$in": ids.to_vec()}})
            .limit(i64::try_from(n).unwrap_or(i64::MAX))
            .batch_size(u32::try_from(n).unwrap_or(WHOLE_ANSWER))
            .await
            .map_err(unavailable)?;
        let found = decode_all(cursor.try_collect().await.map_err(unavailable)?);
        // the products an order prices: its reservation follows (see StockHints)
        self.hints.saw(found.iter());
        Ok(found)
    }

    async fn list(&self, query: &ListQuery) -> Result<ListPage, StoreError> {
        let filter = filter_document(&query.filter, self.text_index);
        // One round trip when the answer fits a batch: the first batch is asked to hold
        // the whole page (or, unpaged, everything up to the server's 16 MiB batch), so
        // the server answers it all in the `find` and closes the cursor. The driver's
        // default first batch (101 documents) made the 500-product list `find` + `getMore`.
        let mut find = self.products.find(filter.clone()).batch_size(WHOLE_ANSWER);
        if let Some(sort) = sort_document(query.sort) {
            find = find.sort(sort);
        }
        if let Some(p) = query.page {
            let limit = i64::try_from(p.limit).unwrap_or(i64::MAX);
            find = find.skip(p.skip()).limit(limit).batch_size(u32::try_from(p.limit).unwrap_or(WHOLE_ANSWER).max(1));
        }
        let docs: Vec<Document> = find.await.map_err(unavailable)?.try_collect().await.map_err(unavailable)?;
        let read = docs.len() as u64;
        let products = decode_all(docs);
        let total = match query.page {
            // A page that is not full and not past the end is the last one: the total
            // is known without counting.
            Some(p) if read < p.limit && (read > 0 || p.skip() == 0) => p.skip() + read,
            Some(_) => self.products.count_documents(filter).await.map_err(unavailable)?,
            None => products.len() as u64,
        };
        Ok(ListPage { products, total })
    }

    async fn update_owned(&self, id: &ObjectId, owner: &str, patch: &ProductPatch, now: DateTime<Utc>) -> Result<Option<Product>, StoreError> {
        let update = doc! {"$set": patch.to_set_document(now)};
        let found = self
            .products
            .find_one_and_update(doc! {"_id": id, "userId": owner}, update)
            .return_document(ReturnDocument::After)
            .await
            .map_err(unavailable)?;
        decode_one(found)
    }

    async fn delete_owned(&self, id: &ObjectId, owner: &str, announce: Announce) -> Result<Option<Product>, StoreError> {
        self.delete_with_event(id, owner, announce).await.map_err(unavailable)
    }

    async fn count(&self) -> Result<u64, StoreError> {
        self.products.count_documents(doc! {}).await.map_err(unavailable)
    }

    async fn reserve_stock(&self, reservation_id: &str, lines: &[StockLine], now: DateTime<Utc>, lease: chrono::Duration) -> Result<(), CatalogError> {
        self.reserve(reservation_id, lines, now, lease).await
    }

    async fn confirm_stock(&self, reservation_id: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        self.confirm(reservation_id, now).await
    }

    async fn release_stock(&self, reservation_id: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        self.release(reservation_id, now).await
    }

    async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64, CatalogError> {
        self.expire(now).await
    }
}
