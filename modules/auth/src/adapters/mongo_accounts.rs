//! [`AccountStore`] on MongoDB: our own collections `accounts` (unique `email`) and
//! `refresh_tokens` (by SHA-256; `familyId` index; expired records removed by a TTL
//! index a week after expiry).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_kernel::auth::Role;
use hme_kernel::backends::BackendError;
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{Collection, Database};

use super::codec::{account_doc, account_from, classify, refresh_doc, refresh_from, role_name};
use super::mongo_users::{ensure_index, unavailable};
use crate::domain::{Account, RefreshRecord, RefreshUse};
use crate::store::{AccountStore, StoreError};

/// [`AccountStore`] on MongoDB.
pub struct MongoAccountStore {
    accounts: Collection<Document>,
    tokens: Collection<Document>,
}

fn date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

impl MongoAccountStore {
    /// Opens the collections and creates their indexes idempotently.
    pub async fn open(db: &Database) -> Result<Self, BackendError> {
        let accounts = db.collection::<Document>("accounts");
        let tokens = db.collection::<Document>("refresh_tokens");
        ensure_index(&accounts, doc! {"email": 1}, Some(IndexOptions::builder().unique(true).build())).await;
        ensure_index(&tokens, doc! {"familyId": 1}, None).await;
        let ttl = IndexOptions::builder().expire_after(std::time::Duration::from_secs(7 * 24 * 3600)).build();
        ensure_index(&tokens, doc! {"expiresAt": 1}, Some(ttl)).await;
        Ok(Self { accounts, tokens })
    }
}

#[async_trait]
impl AccountStore for MongoAccountStore {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn create_account(&self, account: &Account) -> Result<(), StoreError> {
        // The unique index is the guard; check too, for servers where it could not be made.
        if self.accounts.find_one(doc! {"email": &account.email}).await.map_err(unavailable)?.is_some() {
            return Err(StoreError::Conflict("email taken".into()));
        }
        self.accounts.insert_one(account_doc(account)).await.map(|_| ()).map_err(unavailable)
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        self.accounts.find_one(doc! {"email": email}).await.map_err(unavailable)?.as_ref().map(account_from).transpose()
    }

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.accounts.find_one(doc! {"_id": id}).await.map_err(unavailable)?.as_ref().map(account_from).transpose()
    }

    async fn set_role(&self, id: &str, role: Role, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let r = self.accounts.update_one(doc! {"_id": id}, doc! {"$set": {"role": role_name(role), "updatedAt": date(now)}}).await.map_err(unavailable)?;
        Ok(r.matched_count > 0)
    }

    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), StoreError> {
        self.tokens.insert_one(refresh_doc(record)).await.map(|_| ()).map_err(unavailable)
    }

    async fn use_refresh(&self, hash: &str, now: DateTime<Utc>) -> Result<RefreshUse, StoreError> {
        let filter = doc! {"_id": hash, "usedAt": Bson::Null, "revokedAt": Bson::Null, "expiresAt": {"$gt": date(now)}};
        let taken = self.tokens.find_one_and_update(filter, doc! {"$set": {"usedAt": date(now)}}).return_document(ReturnDocument::Before).await.map_err(unavailable)?;
        if let Some(d) = taken {
            return Ok(RefreshUse::Fresh(refresh_from(&d)?));
        }
        match self.tokens.find_one(doc! {"_id": hash}).await.map_err(unavailable)? {
            Some(d) => Ok(classify(refresh_from(&d)?, now)),
            None => Ok(RefreshUse::Unknown),
        }
    }

    async fn revoke_family(&self, family_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let filter = doc! {"familyId": family_id, "revokedAt": Bson::Null};
        self.tokens.update_many(filter, doc! {"$set": {"revokedAt": date(now)}}).await.map(|_| ()).map_err(unavailable)
    }

    async fn refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.tokens.find_one(doc! {"_id": hash}).await.map_err(unavailable)?.as_ref().map(refresh_from).transpose()
    }
}
