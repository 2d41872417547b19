//! Stock holds on MongoDB: every change of stock is one multi-document transaction
//! (the kernel's [`with_transaction`]) over `products` and the hold in
//! `stock_reservations` ([`hme_kernel::holds`]): a hold exists exactly when its stock
//! was taken, whatever reply is lost. All lines of a reservation are taken in the same
//! transaction, so no other shopper sees an intermediate stock; write conflicts between
//! concurrent reservations are retried inside the helper, with backoff.

use chrono::{DateTime, Utc};
use hme_kernel::holds::{CONFIRMED, HELD, LEGACY_RESERVED, RELEASED};
use hme_products_contract::CatalogError;
use hme_kernel::transaction::{is_duplicate_key, with_transaction, Txn, TxnRetry};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::Error;
use mongodb::options::ReturnDocument;
use mongodb::ClientSession;

use super::mongo::{unavailable, MongoProductStore};
use crate::domain::product::bson_date;
use crate::domain::{JsNumber, Product};
use crate::store::StockLine;

fn cat(e: Error) -> CatalogError {
    CatalogError::from(unavailable(e))
}

fn qty32(qty: u32) -> i32 {
    i32::try_from(qty).unwrap_or(i32::MAX)
}

/// One reservation's inputs, handed to each transaction attempt.
struct Reserve<'x> {
    store: &'x MongoProductStore,
    rid: &'x str,
    lines: &'x [StockLine],
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
}

/// One give-back's inputs; `only_expired`: the sweeper (only a `held` hold past its lease).
struct Release<'x> {
    store: &'x MongoProductStore,
    rid: &'x str,
    now: DateTime<Utc>,
    only_expired: bool,
}

fn state_of(d: &Document) -> &str {
    d.get_str("state").unwrap_or(LEGACY_RESERVED)
}

/// The counted lines of a hold: `(product, qty)`.
pub(super) fn counted_lines(hold: &Document) -> Vec<(ObjectId, i64)> {
    let lines = hold.get_array("lines").map(|a| a.to_vec()).unwrap_or_default();
    lines
        .iter()
        .filter_map(Bson::as_document)
        .filter(|l| l.get_bool("counted").unwrap_or(false))
        .filter_map(|l| {
            let qty = l.get("qty").and_then(JsNumber::from_bson)?.get();
            #[allow(clippy::cast_possible_truncation)]
            Some((l.get_object_id("productId").ok()?, qty as i64))
        })
        .collect()
}

/// Whether a product is unlimited (no `stock`, in stock): such a line takes nothing.
fn unlimited(p: &Product) -> bool {
    p.in_stock && p.stock().is_none()
}

/// What the last read of each product said about its stock: unlimited or not. A
/// reservation follows the pricing read of the same products (`products-by-ids`, served
/// by this store in every deploy shape), so for a product last seen unlimited it reads
/// the lines in its snapshot first (one `find` for all of them) instead of trying the
/// conditional decrement and then reading to tell unlimited from short: one command per
/// such line instead of two. Only the order of the commands depends on it, never the
/// answer: a product found stocked after all goes the decrement's way. Bounded: forgotten
/// past 10,000 products.
#[derive(Default)]
pub(crate) struct StockHints {
    unlimited: std::sync::Mutex<std::collections::HashMap<ObjectId, bool>>,
}

impl StockHints {
    /// Records what these products, just read, say.
    pub(super) fn saw<'p>(&self, products: impl Iterator<Item = &'p Product>) {
        let mut map = self.unlimited.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for p in products {
            if map.len() >= 10_000 && !map.contains_key(&p.id) {
                map.clear();
            }
            map.insert(p.id, unlimited(p));
        }
    }

    fn likely_unlimited(&self, id: &ObjectId) -> bool {
        self.unlimited.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(id).copied().unwrap_or(false)
    }
}

impl Reserve<'_> {
    /// The lines' products last seen unlimited that are so in the transaction's snapshot
    /// (one `find`; none when no line is hinted).
    async fn still_unlimited(&self, s: &mut ClientSession) -> Result<Vec<ObjectId>, Error> {
        let st = self.store;
        let hinted: Vec<ObjectId> = self.lines.iter().map(|l| l.product_id).filter(|id| st.hints.likely_unlimited(id)).collect();
        if hinted.is_empty() {
            return Ok(hinted);
        }
        let n = hinted.len();
        // one batch (limit = batch size = the ids), closed by the server: no `getMore`
        let mut cursor = st
            .products
            .find(doc! {"_id": {"$in": hinted}})
            .limit(i64::try_from(n).unwrap_or(i64::MAX))
            .batch_size(u32::try_from(n).unwrap_or(u32::MAX))
            .session(&mut *s)
            .await?;
        let mut found = Vec::with_capacity(n);
        while let Some(d) = cursor.next(&mut *s).await {
            if let Ok(p) = Product::from_document(&d?) {
                found.push(p);
            }
        }
        st.hints.saw(found.iter());
        Ok(found.iter().filter(|p| unlimited(p)).map(|p| p.id).collect())
    }

    async fn run(&self, s: &mut ClientSession) -> Result<Txn<Result<(), CatalogError>>, Error> {
        let st = self.store;
        if let Some(hold) = st.reservations.find_one(doc! {"_id": self.rid}).session(&mut *s).await? {
            let answer = if state_of(&hold) == RELEASED { Err(CatalogError::Released(self.rid.to_owned())) } else { Ok(()) };
            return Ok(Txn::Abort(answer));
        }
        let unlimited_now = self.still_unlimited(s).await?;
        let mut recorded = Vec::with_capacity(self.lines.len());
        for line in self.lines {
            let qty = qty32(line.qty);
            if unlimited_now.contains(&line.product_id) {
                recorded.push(doc! {"productId": line.product_id, "qty": qty, "counted": false});
                continue;
            }
            // One round trip in the common case: the conditional decrement itself.
            let filter = doc! {"_id": line.product_id, "inStock": {"$ne": false}, "stock": {"$gte": qty}};
            let update = doc! {"$inc": {"stock": -qty}, "$set": {"updatedAt": bson_date(self.now)}};
            let after = st.products.find_one_and_update(filter, update).return_document(ReturnDocument::After).session(&mut *s).await?;
            let counted = if let Some(after) = after {
                let left = after.get("stock").and_then(JsNumber::from_bson).map_or(0.0, JsNumber::get);
                if left <= 0.0 {
                    st.products.update_one(doc! {"_id": line.product_id}, doc! {"$set": {"inStock": false}}).session(&mut *s).await?;
                }
                true
            } else {
                // Not taken: unknown, unlimited, or short. Read it (in the snapshot) to say which.
                let Some(found) = st.products.find_one(doc! {"_id": line.product_id}).session(&mut *s).await? else {
                    return Ok(Txn::Abort(Err(CatalogError::NotFound(line.product_id.to_hex()))));
                };
                let p = match Product::from_document(&found) {
                    Ok(p) => p,
                    Err(e) => return Ok(Txn::Abort(Err(CatalogError::Unavailable(format!("unreadable product {}: {e}", line.product_id))))),
                };
                st.hints.saw(std::iter::once(&p));
                if !unlimited(&p) {
                    let available = if p.in_stock { p.stock().unwrap_or(0) } else { 0 };
                    return Ok(Txn::Abort(Err(CatalogError::OutOfStock { product_id: p.id.to_hex(), available: available.max(0) })));
                }
                false
            };
            recorded.push(doc! {"productId": line.product_id, "qty": qty, "counted": counted});
        }
        let hold = doc! {"_id": self.rid, "state": HELD, "lines": recorded, "createdAt": bson_date(self.now), "expiresAt": bson_date(self.expires)};
        st.reservations.insert_one(hold).session(&mut *s).await?;
        Ok(Txn::Commit(Ok(())))
    }
}

impl Release<'_> {
    /// Ok(true) when stock was given back (or a tombstone written).
    async fn run(&self, s: &mut ClientSession) -> Result<Txn<bool>, Error> {
        let st = self.store;
        let now = bson_date(self.now);
        let Some(hold) = st.reservations.find_one(doc! {"_id": self.rid}).session(&mut *s).await? else {
            if self.only_expired {
                return Ok(Txn::Abort(false));
            }
            // Never reserved: a tombstone, so a late reserve with this id takes nothing.
            let tombstone = doc! {"_id": self.rid, "state": RELEASED, "lines": [], "createdAt": now.clone(), "releasedAt": now};
            st.reservations.insert_one(tombstone).session(&mut *s).await?;
            return Ok(Txn::Commit(true));
        };
        let state = state_of(&hold);
        let expired = hold.get_datetime("expiresAt").is_ok_and(|e| e.timestamp_millis() <= self.now.timestamp_millis());
        if state == RELEASED || (self.only_expired && !(state == HELD && expired)) {
            return Ok(Txn::Abort(false));
        }
        for (product_id, qty) in counted_lines(&hold) {
            let update = doc! {"$inc": {"stock": qty}, "$set": {"inStock": true, "updatedAt": now.clone()}};
            st.products.update_one(doc! {"_id": product_id, "stock": {"$exists": true}}, update).session(&mut *s).await?;
        }
        let why = if hold.get("cancelledAt").is_some() || state != HELD { "cancelled" } else if self.only_expired { "expired" } else { "failed" };
        let set = doc! {"$set": {"state": RELEASED, "releasedAt": now, "releaseReason": why}};
        st.reservations.update_one(doc! {"_id": self.rid, "state": state}, set).session(&mut *s).await?;
        Ok(Txn::Commit(true))
    }
}

/// In-process locks per product: the reservations of one instance touching a product
/// run one after the other (acquired in id order, so never deadlocked), instead of
/// colliding in the database and retrying; other instances still meet as write
/// conflicts, retried by the transaction helper.
#[derive(Default)]
pub(crate) struct ProductLocks {
    locks: std::sync::Mutex<std::collections::HashMap<mongodb::bson::oid::ObjectId, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

impl ProductLocks {
    async fn lock(&self, lines: &[StockLine]) -> Vec<tokio::sync::OwnedMutexGuard<()>> {
        let mut ids: Vec<_> = lines.iter().map(|l| l.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mutexes: Vec<_> = {
            let mut map = self.locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if map.len() > 10_000 {
                map.retain(|_, m| std::sync::Arc::strong_count(m) > 1);
            }
            ids.iter().map(|id| std::sync::Arc::clone(map.entry(*id).or_default())).collect()
        };
        let mut guards = Vec::with_capacity(mutexes.len());
        for m in mutexes {
            guards.push(m.lock_owned().await);
        }
        guards
    }
}

impl MongoProductStore {
    pub(super) async fn reserve(&self, rid: &str, lines: &[StockLine], now: DateTime<Utc>, lease: chrono::Duration) -> Result<(), CatalogError> {
        let _turn = self.locks.lock(lines).await;
        let ctx = Reserve { store: self, rid, lines, now, expires: now + lease };
        match with_transaction(self.products.client(), TxnRetry::contended(), &ctx, |s, c| Box::pin(c.run(s))).await {
            Ok(answer) => answer,
            // A concurrent reserve with the same id committed first: answer as it did.
            Err(e) if is_duplicate_key(&e) => {
                let found = self.reservations.find_one(doc! {"_id": rid}).await.map_err(cat)?;
                match found.as_ref().map(state_of) {
                    Some(RELEASED) => Err(CatalogError::Released(rid.to_owned())),
                    Some(_) => Ok(()),
                    None => Err(cat(e)),
                }
            }
            Err(e) => Err(cat(e)),
        }
    }

    pub(super) async fn release(&self, rid: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        let ctx = Release { store: self, rid, now, only_expired: false };
        match with_transaction(self.products.client(), TxnRetry::default(), &ctx, |s, c| Box::pin(c.run(s))).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Ok(()), // a concurrent release wrote the tombstone
            Err(e) => Err(cat(e)),
        }
    }

    pub(super) async fn confirm(&self, rid: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        let flip = doc! {"$set": {"state": CONFIRMED, "confirmedAt": bson_date(now)}};
        let r = self.reservations.update_one(doc! {"_id": rid, "state": HELD}, flip).await.map_err(cat)?;
        if r.matched_count == 1 {
            return Ok(());
        }
        let found = self.reservations.find_one(doc! {"_id": rid}).await.map_err(cat)?;
        match found.as_ref().map(state_of) {
            Some(RELEASED) => Err(CatalogError::Released(rid.to_owned())),
            _ => Ok(()),
        }
    }

    /// Gives back every `held` hold whose lease ended; returns how many.
    pub(super) async fn expire(&self, now: DateTime<Utc>) -> Result<u64, CatalogError> {
        use futures::TryStreamExt;
        let filter = doc! {"state": HELD, "expiresAt": {"$lte": bson_date(now)}};
        let due: Vec<Document> = self.reservations.find(filter).limit(500).await.map_err(cat)?.try_collect().await.map_err(cat)?;
        let mut released = 0;
        for hold in due {
            let Ok(rid) = hold.get_str("_id") else { continue };
            let ctx = Release { store: self, rid, now, only_expired: true };
            match with_transaction(self.products.client(), TxnRetry::default(), &ctx, |s, c| Box::pin(c.run(s))).await {
                Ok(true) => {
                    tracing::info!(reservation = rid, "hold expired: stock given back");
                    released += 1;
                }
                Ok(false) => {}
                Err(e) => return Err(cat(e)),
            }
        }
        Ok(released)
    }
}
