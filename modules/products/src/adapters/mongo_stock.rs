//! Stock reservations on MongoDB, without a transaction: each line is taken with a
//! conditional `$inc` (`stock >= qty`), lines already taken are given back when a later
//! one fails, and the reservation is recorded in `stock_reservations` (its `_id` is the
//! reservation id, so a retried reserve finds it and takes nothing twice).
//!
//! Limit: a process dying between taking stock and recording the reservation leaves
//! that stock taken (never oversold, possibly undersold until corrected).

use chrono::{DateTime, Utc};
use hme_kernel::ports::CatalogError;
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::ReturnDocument;

use super::mongo::{unavailable, MongoProductStore};
use crate::domain::product::bson_date;
use crate::domain::JsNumber;
use crate::store::{StockLine, StoreError};

const RESERVED: &str = "reserved";
const RELEASED: &str = "released";

fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => false,
    }
}

fn cat(e: mongodb::error::Error) -> CatalogError {
    CatalogError::from(unavailable(e))
}

#[allow(clippy::cast_possible_wrap)]
fn qty32(qty: u32) -> i32 {
    i32::try_from(qty).unwrap_or(i32::MAX)
}

impl MongoProductStore {
    async fn reservation_state(&self, rid: &str) -> Result<Option<String>, CatalogError> {
        let found = self.reservations.find_one(doc! {"_id": rid}).await.map_err(cat)?;
        Ok(found.map(|d| d.get_str("state").unwrap_or(RESERVED).to_owned()))
    }

    fn answer_existing(rid: &str, state: &str) -> Result<(), CatalogError> {
        if state == RELEASED {
            return Err(CatalogError::Released(rid.to_owned()));
        }
        Ok(())
    }

    pub(super) async fn reserve(&self, rid: &str, lines: &[StockLine], now: DateTime<Utc>) -> Result<(), CatalogError> {
        if let Some(state) = self.reservation_state(rid).await? {
            return Self::answer_existing(rid, &state);
        }
        let mut taken: Vec<(StockLine, bool)> = Vec::with_capacity(lines.len());
        for line in lines {
            match self.take_line(line, now).await {
                Ok(counted) => taken.push((line.clone(), counted)),
                Err(e) => {
                    self.give_back_all(&taken, now).await;
                    return Err(e);
                }
            }
        }
        let recorded: Vec<Document> = taken
            .iter()
            .map(|(l, counted)| doc! {"productId": l.product_id, "qty": qty32(l.qty), "counted": *counted})
            .collect();
        let record = doc! {"_id": rid, "state": RESERVED, "lines": recorded, "createdAt": bson_date(now)};
        match self.reservations.insert_one(record).await {
            Ok(_) => Ok(()),
            Err(e) => {
                self.give_back_all(&taken, now).await;
                if !is_duplicate_key(&e) {
                    return Err(cat(e));
                }
                // A concurrent reserve with the same id won; answer as it did.
                let state = self.reservation_state(rid).await?.unwrap_or_else(|| RESERVED.to_owned());
                Self::answer_existing(rid, &state)
            }
        }
    }

    /// Takes one line; Ok(true) when stock was counted down, Ok(false) for a product
    /// without a stock count (unlimited, in stock).
    async fn take_line(&self, line: &StockLine, now: DateTime<Utc>) -> Result<bool, CatalogError> {
        let qty = qty32(line.qty);
        for _ in 0..5 {
            let filter = doc! {"_id": line.product_id, "inStock": {"$ne": false}, "stock": {"$gte": qty}};
            let update = doc! {"$inc": {"stock": -qty}, "$set": {"updatedAt": bson_date(now)}};
            let after = self
                .products
                .find_one_and_update(filter, update)
                .return_document(ReturnDocument::After)
                .await
                .map_err(cat)?;
            if let Some(after) = after {
                let left = after.get("stock").and_then(JsNumber::from_bson).map_or(0.0, JsNumber::get);
                if left <= 0.0 {
                    let sold_out = doc! {"$set": {"inStock": false}};
                    self.products.update_one(doc! {"_id": line.product_id, "stock": {"$lte": 0}}, sold_out).await.map_err(cat)?;
                }
                return Ok(true);
            }
            let product = crate::store::ProductStore::get(self, &line.product_id).await?;
            let Some(p) = product else { return Err(CatalogError::NotFound(line.product_id.to_hex())) };
            let available = if p.in_stock { p.stock() } else { Some(0) };
            match available {
                None => return Ok(false),
                Some(a) if a < i64::from(line.qty) => {
                    return Err(CatalogError::OutOfStock { product_id: p.id.to_hex(), available: a.max(0) })
                }
                Some(_) => continue, // the stock changed under us: try again
            }
        }
        Err(CatalogError::Unavailable("stock kept changing; try again".into()))
    }

    async fn give_back(&self, line: &StockLine, now: DateTime<Utc>) -> Result<(), StoreError> {
        let update = doc! {"$inc": {"stock": qty32(line.qty)}, "$set": {"inStock": true, "updatedAt": bson_date(now)}};
        self.products.update_one(doc! {"_id": line.product_id, "stock": {"$exists": true}}, update).await.map_err(unavailable)?;
        Ok(())
    }

    async fn give_back_all(&self, taken: &[(StockLine, bool)], now: DateTime<Utc>) {
        for (line, counted) in taken {
            if *counted {
                if let Err(e) = self.give_back(line, now).await {
                    tracing::error!(product = %line.product_id, qty = line.qty, error = %e, "could not give stock back");
                }
            }
        }
    }

    pub(super) async fn release(&self, rid: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
        let flip = doc! {"$set": {"state": RELEASED, "releasedAt": bson_date(now)}};
        let found = self.reservations.find_one_and_update(doc! {"_id": rid, "state": RESERVED}, flip).await.map_err(cat)?;
        let Some(record) = found else {
            // Never reserved (or already released): leave a tombstone so a late reserve
            // with this id takes nothing.
            let tombstone = doc! {"_id": rid, "state": RELEASED, "lines": [], "createdAt": bson_date(now), "releasedAt": bson_date(now)};
            return match self.reservations.insert_one(tombstone).await {
                Ok(_) => Ok(()),
                Err(e) if is_duplicate_key(&e) => Ok(()),
                Err(e) => Err(cat(e)),
            };
        };
        let lines = record.get_array("lines").map(|a| a.to_vec()).unwrap_or_default();
        for l in lines.iter().filter_map(Bson::as_document) {
            let (Ok(product_id), Some(qty), true) = (l.get_object_id("productId"), l.get("qty").and_then(JsNumber::from_bson), l.get_bool("counted").unwrap_or(false)) else {
                continue;
            };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let line = StockLine { product_id, qty: qty.get() as u32 };
            self.give_back(&line, now).await?;
        }
        Ok(())
    }
}
