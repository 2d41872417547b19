//! Stock holds on redb: one write transaction per call over `products` and the hold
//! ([`hme_kernel::holds`]), so a reservation (all its lines), a give-back and an expiry
//! are atomic and serialized with every other write.

use chrono::{DateTime, Utc};
use hme_products_contract::CatalogError;
use mongodb::bson::{doc, Bson, Document};
use redb::{Database, ReadableTable, Table};

use super::embedded::{decode, encode, fail, PRODUCTS, RESERVATIONS};
use hme_kernel::holds::{CONFIRMED, HELD, LEGACY_RESERVED};
use crate::domain::product::bson_date;
use crate::domain::{JsNumber, Product};
use crate::store::{StockLine, StoreError};

use hme_kernel::holds::RELEASED;

fn read_hold(table: &Table<&str, &[u8]>, rid: &str) -> Result<Option<Document>, StoreError> {
    let Some(v) = table.get(rid).map_err(fail)? else { return Ok(None) };
    Document::from_reader(v.value()).map(Some).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn state_of(table: &Table<&str, &[u8]>, rid: &str) -> Result<Option<String>, StoreError> {
    Ok(read_hold(table, rid)?.map(|d| d.get_str("state").unwrap_or(LEGACY_RESERVED).to_owned()))
}

/// Checks one line against a product; Some(new stock) when counted, None when unlimited.
fn take(p: &Product, line: &StockLine) -> Result<Option<i64>, CatalogError> {
    let available = if p.in_stock { p.stock() } else { Some(0) };
    match available {
        None => Ok(None),
        Some(a) if a < i64::from(line.qty) => Err(CatalogError::OutOfStock { product_id: p.id.to_hex(), available: a.max(0) }),
        Some(a) => Ok(Some(a - i64::from(line.qty))),
    }
}

fn write_product(table: &mut Table<&str, &[u8]>, p: &Product) -> Result<(), StoreError> {
    table.insert(p.id.to_hex().as_str(), encode(&p.to_document())?.as_slice()).map_err(fail)?;
    Ok(())
}

/// Takes every line or none, records the reservation; idempotent by `rid`.
pub(super) fn reserve(db: &Database, rid: &str, lines: &[StockLine], now: DateTime<Utc>, lease: chrono::Duration) -> Result<(), CatalogError> {
    let txn = db.begin_write().map_err(fail)?;
    {
        let mut reservations = txn.open_table(RESERVATIONS).map_err(fail)?;
        match state_of(&reservations, rid)?.as_deref() {
            Some(RELEASED) => return Err(CatalogError::Released(rid.to_owned())),
            Some(_) => return Ok(()),
            None => {}
        }
        let mut products = txn.open_table(PRODUCTS).map_err(fail)?;
        let mut recorded = Vec::with_capacity(lines.len());
        for line in lines {
            let key = line.product_id.to_hex();
            let current = products.get(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
            let mut p = current.ok_or_else(|| CatalogError::NotFound(key.clone()))?;
            let counted = match take(&p, line)? {
                Some(left) => {
                    p.set_stock(left);
                    p.updated_at = Some(now);
                    write_product(&mut products, &p)?;
                    true
                }
                None => false,
            };
            recorded.push(doc! {"productId": line.product_id, "qty": i64::from(line.qty), "counted": counted});
        }
        let record = doc! {"_id": rid, "state": HELD, "lines": recorded, "createdAt": bson_date(now), "expiresAt": bson_date(now + lease)};
        reservations.insert(rid, encode(&record)?.as_slice()).map_err(fail)?;
    }
    txn.commit().map_err(fail)?;
    Ok(())
}

/// `held` → `confirmed`; again is Ok; a released hold is `Released`.
pub(super) fn confirm(db: &Database, rid: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
    let txn = db.begin_write().map_err(fail)?;
    {
        let mut reservations = txn.open_table(RESERVATIONS).map_err(fail)?;
        let Some(mut hold) = read_hold(&reservations, rid)? else { return Ok(()) };
        match hold.get_str("state").unwrap_or(LEGACY_RESERVED) {
            RELEASED => return Err(CatalogError::Released(rid.to_owned())),
            HELD => {
                hold.insert("state", CONFIRMED);
                hold.insert("confirmedAt", bson_date(now));
                reservations.insert(rid, encode(&hold)?.as_slice()).map_err(fail)?;
            }
            _ => return Ok(()),
        }
    }
    txn.commit().map_err(fail)?;
    Ok(())
}

/// Gives back every `held` hold whose lease ended by `now`, in one transaction.
pub(super) fn expire(db: &Database, now: DateTime<Utc>) -> Result<u64, CatalogError> {
    let due: Vec<String> = {
        let txn = db.begin_read().map_err(fail)?;
        let table = txn.open_table(RESERVATIONS).map_err(fail)?;
        let mut due = Vec::new();
        for row in table.iter().map_err(fail)? {
            let (k, v) = row.map_err(fail)?;
            let Ok(d) = Document::from_reader(v.value()) else { continue };
            let expired = d.get_datetime("expiresAt").is_ok_and(|e| e.timestamp_millis() <= now.timestamp_millis());
            if d.get_str("state").ok() == Some(HELD) && expired {
                due.push(k.value().to_owned());
            }
        }
        due
    };
    let mut released = 0;
    for rid in due {
        if give_back_hold(db, &rid, now, true)? {
            tracing::info!(reservation = %rid, "hold expired: stock given back");
            released += 1;
        }
    }
    Ok(released)
}

/// Gives back what `rid` took, once; records a released tombstone for unknown ids.
pub(super) fn release(db: &Database, rid: &str, now: DateTime<Utc>) -> Result<(), CatalogError> {
    give_back_hold(db, rid, now, false).map(|_| ())
}

/// One transaction: the hold's counted lines back to stock, the hold `released`.
/// `only_expired`: only a `held` hold past its lease (the sweeper). Ok(true) = changed.
fn give_back_hold(db: &Database, rid: &str, now: DateTime<Utc>, only_expired: bool) -> Result<bool, CatalogError> {
    let txn = db.begin_write().map_err(fail)?;
    {
        let mut reservations = txn.open_table(RESERVATIONS).map_err(fail)?;
        let record = read_hold(&reservations, rid)?;
        let state = record.as_ref().map(|r| r.get_str("state").unwrap_or(LEGACY_RESERVED));
        let expired = record.as_ref().and_then(|r| r.get_datetime("expiresAt").ok()).is_some_and(|e| e.timestamp_millis() <= now.timestamp_millis());
        if state == Some(RELEASED) || (only_expired && !(state == Some(HELD) && expired)) {
            return Ok(false);
        }
        let cancelled = record.as_ref().is_some_and(|r| r.get("cancelledAt").is_some());
        let why = if cancelled || !(state == Some(HELD) || state.is_none()) { "cancelled" } else if only_expired { "expired" } else { "failed" };
        let mut products = txn.open_table(PRODUCTS).map_err(fail)?;
        let lines = record.as_ref().and_then(|r| r.get_array("lines").ok()).cloned().unwrap_or_default();
        for l in lines.iter().filter_map(Bson::as_document) {
            give_back(&mut products, l, now)?;
        }
        let mut updated = record.unwrap_or_else(|| doc! {"_id": rid, "lines": [], "createdAt": bson_date(now)});
        updated.insert("state", RELEASED);
        updated.insert("releasedAt", bson_date(now));
        updated.insert("releaseReason", why);
        reservations.insert(rid, encode(&updated)?.as_slice()).map_err(fail)?;
    }
    txn.commit().map_err(fail)?;
    Ok(true)
}

fn give_back(products: &mut Table<&str, &[u8]>, line: &Document, now: DateTime<Utc>) -> Result<(), StoreError> {
    let (Ok(id), Some(qty), true) = (line.get_object_id("productId"), line.get("qty").and_then(JsNumber::from_bson), line.get_bool("counted").unwrap_or(false)) else {
        return Ok(());
    };
    let key = id.to_hex();
    let current = products.get(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
    if let Some(mut p) = current {
        if let Some(stock) = p.stock() {
            #[allow(clippy::cast_possible_truncation)]
            p.set_stock(stock + qty.get() as i64);
            p.updated_at = Some(now);
            write_product(products, &p)?;
        }
    }
    Ok(())
}
