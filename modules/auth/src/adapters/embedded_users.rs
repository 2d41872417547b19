//! [`UserStore`] on the embedded redb file: tables `users` (`_id` → BSON document)
//! and `addresses` (ObjectId hex → BSON document), the same documents as in MongoDB.
//! redb calls block, so each runs on tokio's blocking pool. The email uniqueness check
//! and address listing scan their table: fine at the size of one shop.

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::backends::BackendError;
use mongodb::bson::{oid::ObjectId, Document};
use redb::{Database, ReadableTable, TableDefinition};

use super::codec::{from_bytes, to_bytes};
use crate::domain::{Address, User, UserProfile};
use crate::store::{StoreError, UserStore};

const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
const ADDRESSES: TableDefinition<&str, &[u8]> = TableDefinition::new("addresses");

/// [`UserStore`] on redb.
pub struct EmbeddedUserStore {
    db: Arc<Database>,
}

pub(super) fn fail(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("embedded storage: {e}"))
}

/// Runs blocking redb work on the blocking pool.
pub(super) async fn blocking<T, F>(db: &Arc<Database>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
{
    let db = Arc::clone(db);
    tokio::task::spawn_blocking(move || f(&db)).await.map_err(fail)?
}

/// Creates tables (idempotent).
pub(super) fn create_tables(db: &Database, tables: &[TableDefinition<&str, &[u8]>]) -> Result<(), BackendError> {
    let run = || -> Result<(), StoreError> {
        let txn = db.begin_write().map_err(fail)?;
        for t in tables {
            txn.open_table(*t).map_err(fail)?;
        }
        txn.commit().map_err(fail)
    };
    run().map_err(|e| BackendError(e.to_string()))
}

/// Whether another user than `id` has `email` (read inside the write transaction).
fn email_taken(table: &redb::Table<&str, &[u8]>, email: &str, id: &str) -> Result<bool, StoreError> {
    for entry in table.iter().map_err(fail)? {
        let (k, v) = entry.map_err(fail)?;
        if k.value() != id && from_bytes(v.value())?.get_str("email").ok() == Some(email) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads, changes and writes back one user in a write transaction; None when absent.
fn modify_user<F>(db: &Database, id: &str, change: F) -> Result<bool, StoreError>
where
    F: FnOnce(&mut Document),
{
    let txn = db.begin_write().map_err(fail)?;
    let found = {
        let mut table = txn.open_table(USERS).map_err(fail)?;
        let current = table.get(id).map_err(fail)?.map(|v| from_bytes(v.value())).transpose()?;
        match current {
            Some(mut d) => {
                change(&mut d);
                table.insert(id, to_bytes(&d)?.as_slice()).map_err(fail)?;
                true
            }
            None => false,
        }
    };
    txn.commit().map_err(fail)?;
    Ok(found)
}

impl EmbeddedUserStore {
    /// Opens the store, creating its tables.
    pub fn open(db: Arc<Database>) -> Result<Self, BackendError> {
        create_tables(&db, &[USERS, ADDRESSES])?;
        Ok(Self { db })
    }
}

#[async_trait]
impl UserStore for EmbeddedUserStore {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(USERS).map_err(fail)?;
            let v = table.get(id.as_str()).map_err(fail)?;
            v.map(|v| from_bytes(v.value()).map(User)).transpose()
        })
        .await
    }

    async fn upsert_profile(&self, p: &UserProfile) -> Result<(), StoreError> {
        let p = p.clone();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut table = txn.open_table(USERS).map_err(fail)?;
                if email_taken(&table, &p.email, &p.id)? {
                    return Err(StoreError::Conflict(format!("email {} is taken", p.email)));
                }
                let current = table.get(p.id.as_str()).map_err(fail)?.map(|v| from_bytes(v.value())).transpose()?;
                let d = match current {
                    Some(mut d) => {
                        d.insert("name", &p.name);
                        d.insert("email", &p.email);
                        d.insert("imageUrl", &p.image_url);
                        d
                    }
                    None => User::new(&p).0,
                };
                table.insert(p.id.as_str(), to_bytes(&d)?.as_slice()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, email, bytes) = (user.id().to_owned(), user.email().to_owned(), to_bytes(&user.0)?);
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut table = txn.open_table(USERS).map_err(fail)?;
                if table.get(id.as_str()).map_err(fail)?.is_some() || email_taken(&table, &email, &id)? {
                    return Err(StoreError::Conflict("user id or email taken".into()));
                }
                table.insert(id.as_str(), bytes.as_slice()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn delete_user(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            let existed = txn.open_table(USERS).map_err(fail)?.remove(id.as_str()).map_err(fail)?.is_some();
            txn.commit().map_err(fail)?;
            Ok(existed)
        })
        .await
    }

    async fn set_cart(&self, id: &str, cart: &Document) -> Result<bool, StoreError> {
        let (id, cart) = (id.to_owned(), cart.clone());
        blocking(&self.db, move |db| modify_user(db, &id, |d| {
            d.insert("cartItems", cart);
        }))
        .await
    }

    async fn insert_address(&self, address: &Address) -> Result<(), StoreError> {
        let key = address.id().map(|o| o.to_hex()).ok_or_else(|| StoreError::Corrupt("address without ObjectId".into()))?;
        let bytes = to_bytes(&address.0)?;
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            txn.open_table(ADDRESSES).map_err(fail)?.insert(key.as_str(), bytes.as_slice()).map_err(fail)?;
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn addresses_of(&self, user_id: &str) -> Result<Vec<Address>, StoreError> {
        let user_id = user_id.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(ADDRESSES).map_err(fail)?;
            let mut out = Vec::new();
            for entry in table.iter().map_err(fail)? {
                let (_, v) = entry.map_err(fail)?;
                let d = from_bytes(v.value())?;
                if d.get_str("userId").ok() == Some(user_id.as_str()) {
                    out.push(Address(d));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn address(&self, id: &ObjectId) -> Result<Option<Address>, StoreError> {
        let key = id.to_hex();
        blocking(&self.db, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(ADDRESSES).map_err(fail)?;
            let v = table.get(key.as_str()).map_err(fail)?;
            v.map(|v| from_bytes(v.value()).map(Address)).transpose()
        })
        .await
    }
}
