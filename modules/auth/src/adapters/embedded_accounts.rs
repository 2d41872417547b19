//! [`AccountStore`] on the embedded redb file: tables `accounts` (id → BSON),
//! `accounts_by_email` (email → id, the uniqueness guard) and `refresh_tokens`
//! (SHA-256 hex → BSON). Each call is one transaction, so `use_refresh` is atomic.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_kernel::auth::Role;
use hme_kernel::backends::BackendError;
use mongodb::bson::Bson;
use redb::{Database, ReadableTable, TableDefinition};

use super::codec::{account_doc, account_from, classify, from_bytes, refresh_doc, refresh_from, role_name, to_bytes};
use super::embedded_users::{blocking, create_tables, fail};
use crate::domain::{Account, RefreshRecord, RefreshUse};
use crate::store::{AccountStore, StoreError};

const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
const BY_EMAIL: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts_by_email");
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("refresh_tokens");

/// [`AccountStore`] on redb.
pub struct EmbeddedAccountStore {
    db: Arc<Database>,
}

fn date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

impl EmbeddedAccountStore {
    /// Opens the store, creating its tables.
    pub fn open(db: Arc<Database>) -> Result<Self, BackendError> {
        create_tables(&db, &[ACCOUNTS, BY_EMAIL, TOKENS])?;
        Ok(Self { db })
    }

    async fn read_account(&self, id: String) -> Result<Option<Account>, StoreError> {
        blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(ACCOUNTS).map_err(fail)?;
            let v = table.get(id.as_str()).map_err(fail)?;
            v.map(|v| from_bytes(v.value()).and_then(|d| account_from(&d))).transpose()
        })
        .await
    }
}

#[async_trait]
impl AccountStore for EmbeddedAccountStore {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn create_account(&self, account: &Account) -> Result<(), StoreError> {
        let (id, email, bytes) = (account.id.clone(), account.email.clone(), to_bytes(&account_doc(account))?);
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut by_email = txn.open_table(BY_EMAIL).map_err(fail)?;
                let mut accounts = txn.open_table(ACCOUNTS).map_err(fail)?;
                if by_email.get(email.as_str()).map_err(fail)?.is_some() || accounts.get(id.as_str()).map_err(fail)?.is_some() {
                    return Err(StoreError::Conflict("email taken".into()));
                }
                by_email.insert(email.as_str(), id.as_bytes()).map_err(fail)?;
                accounts.insert(id.as_str(), bytes.as_slice()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let email = email.to_owned();
        let id = blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(BY_EMAIL).map_err(fail)?;
            let v = table.get(email.as_str()).map_err(fail)?;
            Ok(v.map(|v| String::from_utf8_lossy(v.value()).into_owned()))
        })
        .await?;
        match id {
            Some(id) => self.read_account(id).await,
            None => Ok(None),
        }
    }

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.read_account(id.to_owned()).await
    }

    async fn set_role(&self, id: &str, role: Role, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            let found = {
                let mut table = txn.open_table(ACCOUNTS).map_err(fail)?;
                let current = table.get(id.as_str()).map_err(fail)?.map(|v| from_bytes(v.value())).transpose()?;
                match current {
                    Some(mut d) => {
                        d.insert("role", role_name(role));
                        d.insert("updatedAt", date(now));
                        table.insert(id.as_str(), to_bytes(&d)?.as_slice()).map_err(fail)?;
                        true
                    }
                    None => false,
                }
            };
            txn.commit().map_err(fail)?;
            Ok(found)
        })
        .await
    }

    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), StoreError> {
        let (key, bytes) = (record.hash.clone(), to_bytes(&refresh_doc(record))?);
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            txn.open_table(TOKENS).map_err(fail)?.insert(key.as_str(), bytes.as_slice()).map_err(fail)?;
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn use_refresh(&self, hash: &str, now: DateTime<Utc>) -> Result<RefreshUse, StoreError> {
        let hash = hash.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            let outcome = {
                let mut table = txn.open_table(TOKENS).map_err(fail)?;
                let current = table.get(hash.as_str()).map_err(fail)?.map(|v| from_bytes(v.value())).transpose()?;
                match current {
                    None => RefreshUse::Unknown,
                    Some(d) => {
                        let outcome = classify(refresh_from(&d)?, now);
                        if let RefreshUse::Fresh(r) = &outcome {
                            let used = RefreshRecord { used_at: Some(now), ..r.clone() };
                            table.insert(hash.as_str(), to_bytes(&refresh_doc(&used))?.as_slice()).map_err(fail)?;
                        }
                        outcome
                    }
                }
            };
            txn.commit().map_err(fail)?;
            Ok(outcome)
        })
        .await
    }

    async fn revoke_family(&self, family_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let family_id = family_id.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut table = txn.open_table(TOKENS).map_err(fail)?;
                let mut revoked = Vec::new();
                for entry in table.iter().map_err(fail)? {
                    let (k, v) = entry.map_err(fail)?;
                    let r = refresh_from(&from_bytes(v.value())?)?;
                    if r.family_id == family_id && r.revoked_at.is_none() {
                        revoked.push((k.value().to_owned(), RefreshRecord { revoked_at: Some(now), ..r }));
                    }
                }
                for (k, r) in revoked {
                    table.insert(k.as_str(), to_bytes(&refresh_doc(&r))?.as_slice()).map_err(fail)?;
                }
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let hash = hash.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(TOKENS).map_err(fail)?;
            let v = table.get(hash.as_str()).map_err(fail)?;
            v.map(|v| from_bytes(v.value()).and_then(|d| refresh_from(&d))).transpose()
        })
        .await
    }
}
