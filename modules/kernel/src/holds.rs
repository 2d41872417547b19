//! Stock holds: the record of stock taken for one order attempt (collection / table
//! `stock_reservations`, `_id` = the reservation id = the order's `_id`).
//!
//! The products module writes a hold in the same transaction as the stock it takes
//! (state `held`, with a lease `expiresAt`), gives it back (`released`) and sweeps the
//! expired ones; the orders module confirms it (`held` → `confirmed`) inside the
//! transaction that stores the order, when both live in the same database (the
//! all-in-one process, or split services on one database), so an order exists exactly
//! when its hold is confirmed. Records written before holds existed have state
//! `reserved` and count as confirmed.
//!
//! Cancelling an order turns its confirmed hold back to `held` with a lease already over
//! (`expiresAt` = now, `cancelledAt`) in the same transaction as the status change, when
//! the hold is in the same database: the immediate give-back or, after a crash, any
//! instance's sweeper gives the stock back, and until then the units count as held.
//!
//! Document: `{_id, state, lines: [{productId, qty, counted}], createdAt, expiresAt,
//! confirmedAt?, cancelledAt?, releasedAt?}`.

use mongodb::bson::{doc, Bson, Document};
use mongodb::{ClientSession, Database};
use redb::{ReadableTable, TableDefinition, WriteTransaction};

/// The collection (MongoDB) and table (redb) name.
pub const COLLECTION: &str = "stock_reservations";
/// The redb table: reservation id → BSON record.
pub const TABLE: TableDefinition<&str, &[u8]> = TableDefinition::new(COLLECTION);

/// Stock taken for an attempt whose order is not stored yet; given back at `expiresAt`.
pub const HELD: &str = "held";
/// Part of a stored order.
pub const CONFIRMED: &str = "confirmed";
/// Given back (attempt failed, lease expired, or order cancelled). Final.
pub const RELEASED: &str = "released";
/// Written before holds had leases: part of an order.
pub const LEGACY_RESERVED: &str = "reserved";

/// What confirming a hold found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// The hold is now (or was already) confirmed.
    Confirmed,
    /// No hold with this id here (the products module uses another database).
    Absent,
    /// The hold was released (its lease expired): the order must not be stored.
    Released,
}

fn now_bson() -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::now())
}

fn state_of(d: &Document) -> &str {
    d.get_str("state").unwrap_or(LEGACY_RESERVED)
}

/// Confirms hold `id` inside the caller's MongoDB transaction `s` on `db`.
pub async fn confirm_in_mongo(db: &Database, s: &mut ClientSession, id: &str) -> Result<Confirmed, mongodb::error::Error> {
    let holds = db.collection::<Document>(COLLECTION);
    let r = holds
        .update_one(doc! {"_id": id, "state": HELD}, doc! {"$set": {"state": CONFIRMED, "confirmedAt": now_bson()}})
        .session(&mut *s)
        .await?;
    if r.matched_count == 1 {
        return Ok(Confirmed::Confirmed);
    }
    let found = holds.find_one(doc! {"_id": id}).session(&mut *s).await?;
    Ok(match found.as_ref().map(state_of) {
        None => Confirmed::Absent,
        Some(RELEASED) => Confirmed::Released,
        Some(_) => Confirmed::Confirmed,
    })
}

/// Confirms hold `id` inside the caller's redb write transaction.
pub fn confirm_in_redb(txn: &WriteTransaction, id: &str) -> Result<Confirmed, String> {
    let mut table = txn.open_table(TABLE).map_err(|e| e.to_string())?;
    let found = match table.get(id).map_err(|e| e.to_string())? {
        Some(v) => Some(Document::from_reader(v.value()).map_err(|e| e.to_string())?),
        None => None,
    };
    let Some(mut hold) = found else { return Ok(Confirmed::Absent) };
    match state_of(&hold) {
        RELEASED => Ok(Confirmed::Released),
        HELD => {
            hold.insert("state", CONFIRMED);
            hold.insert("confirmedAt", now_bson());
            let mut bytes = Vec::new();
            hold.to_writer(&mut bytes).map_err(|e| e.to_string())?;
            table.insert(id, bytes.as_slice()).map_err(|e| e.to_string())?;
            Ok(Confirmed::Confirmed)
        }
        _ => Ok(Confirmed::Confirmed),
    }
}

/// The update that marks a confirmed hold of a cancelled order to be given back now.
fn cancelled(now: Bson) -> Document {
    doc! {"$set": {"state": HELD, "expiresAt": now.clone(), "cancelledAt": now}}
}

/// Inside the caller's MongoDB transaction `s` on `db` (the order's cancel): turns hold
/// `id`, when confirmed, back to `held` with its lease over, so it is given back even if
/// the process dies before it gives it back itself. Ok(false): no confirmed hold here.
pub async fn cancel_in_mongo(db: &Database, s: &mut ClientSession, id: &str) -> Result<bool, mongodb::error::Error> {
    let holds = db.collection::<Document>(COLLECTION);
    let filter = doc! {"_id": id, "$or": [{"state": CONFIRMED}, {"state": LEGACY_RESERVED}, {"state": {"$exists": false}}]};
    let r = holds.update_one(filter, cancelled(now_bson())).session(&mut *s).await?;
    Ok(r.matched_count == 1)
}

/// [`cancel_in_mongo`] inside the caller's redb write transaction.
pub fn cancel_in_redb(txn: &WriteTransaction, id: &str) -> Result<bool, String> {
    let mut table = txn.open_table(TABLE).map_err(|e| e.to_string())?;
    let found = match table.get(id).map_err(|e| e.to_string())? {
        Some(v) => Some(Document::from_reader(v.value()).map_err(|e| e.to_string())?),
        None => None,
    };
    let Some(mut hold) = found else { return Ok(false) };
    if !matches!(state_of(&hold), CONFIRMED | LEGACY_RESERVED) {
        return Ok(false);
    }
    let now = now_bson();
    hold.insert("state", HELD);
    hold.insert("expiresAt", now.clone());
    hold.insert("cancelledAt", now);
    let mut bytes = Vec::new();
    hold.to_writer(&mut bytes).map_err(|e| e.to_string())?;
    table.insert(id, bytes.as_slice()).map_err(|e| e.to_string())?;
    Ok(true)
}
