//! BSON encodings of our own records, shared by both adapters (MongoDB stores these
//! documents, redb stores their bytes).

use chrono::{DateTime, Utc};
use hme_kernel::auth::Role;
use mongodb::bson::{doc, Bson, Document};

use crate::domain::{Account, RefreshRecord};
use crate::store::StoreError;

fn date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

fn get_date(d: &Document, k: &str) -> Option<DateTime<Utc>> {
    d.get_datetime(k).ok().and_then(|x| DateTime::from_timestamp_millis(x.timestamp_millis()))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

/// The name a role is stored under.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Seller => "seller",
        Role::Admin => "admin",
    }
}

/// An account as stored in `accounts`.
pub fn account_doc(a: &Account) -> Document {
    doc! {"_id": &a.id, "email": &a.email, "passwordHash": &a.password_hash, "role": role_name(a.role),
        "createdAt": date(a.created_at), "updatedAt": date(a.updated_at)}
}

/// Reads an `accounts` document.
pub fn account_from(d: &Document) -> Result<Account, StoreError> {
    let s = |k: &str| d.get_str(k).map(str::to_owned).map_err(|_| corrupt(k));
    Ok(Account {
        id: s("_id")?,
        email: s("email")?,
        password_hash: s("passwordHash")?,
        role: Role::from_claim(d.get_str("role").ok()),
        created_at: get_date(d, "createdAt").ok_or_else(|| corrupt("createdAt"))?,
        updated_at: get_date(d, "updatedAt").ok_or_else(|| corrupt("updatedAt"))?,
    })
}

/// A refresh record as stored in `refresh_tokens`.
pub fn refresh_doc(r: &RefreshRecord) -> Document {
    let opt = |d: Option<DateTime<Utc>>| d.map_or(Bson::Null, date);
    doc! {"_id": &r.hash, "familyId": &r.family_id, "userId": &r.user_id, "createdAt": date(r.created_at),
        "expiresAt": date(r.expires_at), "usedAt": opt(r.used_at), "revokedAt": opt(r.revoked_at)}
}

/// Reads a `refresh_tokens` document.
pub fn refresh_from(d: &Document) -> Result<RefreshRecord, StoreError> {
    let s = |k: &str| d.get_str(k).map(str::to_owned).map_err(|_| corrupt(k));
    Ok(RefreshRecord {
        hash: s("_id")?,
        family_id: s("familyId")?,
        user_id: s("userId")?,
        created_at: get_date(d, "createdAt").ok_or_else(|| corrupt("createdAt"))?,
        expires_at: get_date(d, "expiresAt").ok_or_else(|| corrupt("expiresAt"))?,
        used_at: get_date(d, "usedAt"),
        revoked_at: get_date(d, "revokedAt"),
    })
}

/// What presenting `r` at `now` means, before marking it used.
pub fn classify(r: RefreshRecord, now: DateTime<Utc>) -> crate::domain::RefreshUse {
    use crate::domain::RefreshUse;
    if r.revoked_at.is_some() {
        RefreshUse::Revoked
    } else if r.used_at.is_some() {
        RefreshUse::Reused(r)
    } else if r.expires_at <= now {
        RefreshUse::Expired
    } else {
        RefreshUse::Fresh(r)
    }
}

/// Encodes a document to bytes (embedded store).
pub fn to_bytes(d: &Document) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    d.to_writer(&mut out).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(out)
}

/// Decodes bytes to a document (embedded store).
pub fn from_bytes(b: &[u8]) -> Result<Document, StoreError> {
    Document::from_reader(b).map_err(|e| StoreError::Corrupt(e.to_string()))
}
