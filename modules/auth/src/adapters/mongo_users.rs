//! [`UserStore`] on MongoDB: the legacy `users` and `addresses` collections, shared
//! with the mongoose app.

use async_trait::async_trait;
use futures::TryStreamExt;
use hme_kernel::backends::BackendError;
use mongodb::bson::{doc, oid::ObjectId, Document};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

use crate::domain::{Address, User, UserProfile};
use crate::store::{StoreError, UserStore};

/// [`UserStore`] on MongoDB.
pub struct MongoUserStore {
    users: Collection<Document>,
    addresses: Collection<Document>,
}

pub(super) fn unavailable(e: mongodb::error::Error) -> StoreError {
    if is_duplicate(&e) {
        return StoreError::Conflict("duplicate key".into());
    }
    StoreError::Unavailable(e.to_string())
}

/// Whether the error is a unique-index violation (code 11000).
pub(super) fn is_duplicate(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        ErrorKind::InsertMany(m) => m.write_errors.as_ref().is_some_and(|w| w.iter().any(|w| w.code == 11000)),
        _ => e.to_string().contains("E11000"),
    }
}

/// Creates an index through the kernel's [`hme_kernel::indexes::ensure_index`], which
/// logs (never fails) when the server refuses it (existing duplicate emails written
/// before the index existed, or mongoose's index of the same keys with other options).
pub(super) async fn ensure_index(c: &Collection<Document>, keys: Document, options: Option<IndexOptions>) {
    hme_kernel::indexes::ensure_index(c, IndexModel::builder().keys(keys).options(options).build()).await;
}

impl MongoUserStore {
    /// Opens the collections and creates the indexes idempotently: `users.email`
    /// unique (as mongoose's `unique: true` does), `addresses.userId`.
    pub async fn open(db: &Database) -> Result<Self, BackendError> {
        let users = db.collection::<Document>("users");
        let addresses = db.collection::<Document>("addresses");
        ensure_index(&users, doc! {"email": 1}, Some(IndexOptions::builder().unique(true).build())).await;
        ensure_index(&addresses, doc! {"userId": 1}, None).await;
        Ok(Self { users, addresses })
    }
}

#[async_trait]
impl UserStore for MongoUserStore {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        Ok(self.users.find_one(doc! {"_id": id}).await.map_err(unavailable)?.map(User))
    }

    async fn upsert_profile(&self, p: &UserProfile) -> Result<(), StoreError> {
        let update = doc! {
            "$set": {"name": &p.name, "email": &p.email, "imageUrl": &p.image_url},
            "$setOnInsert": {"cartItems": {}, "__v": 0},
        };
        self.users.update_one(doc! {"_id": &p.id}, update).upsert(true).await.map_err(unavailable)?;
        Ok(())
    }

    async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        self.users.insert_one(&user.0).await.map(|_| ()).map_err(unavailable)
    }

    async fn delete_user(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.users.delete_one(doc! {"_id": id}).await.map_err(unavailable)?.deleted_count > 0)
    }

    async fn set_cart(&self, id: &str, cart: &Document) -> Result<bool, StoreError> {
        let r = self.users.update_one(doc! {"_id": id}, doc! {"$set": {"cartItems": cart.clone()}}).await.map_err(unavailable)?;
        Ok(r.matched_count > 0)
    }

    async fn insert_address(&self, address: &Address) -> Result<(), StoreError> {
        self.addresses.insert_one(&address.0).await.map(|_| ()).map_err(unavailable)
    }

    async fn addresses_of(&self, user_id: &str) -> Result<Vec<Address>, StoreError> {
        let cursor = self.addresses.find(doc! {"userId": user_id}).hint(mongodb::options::Hint::Keys(doc! {"$natural": 1})).await.map_err(unavailable)?;
        let docs: Vec<Document> = cursor.try_collect().await.map_err(unavailable)?;
        Ok(docs.into_iter().map(Address).collect())
    }

    async fn address(&self, id: &ObjectId) -> Result<Option<Address>, StoreError> {
        Ok(self.addresses.find_one(doc! {"_id": id}).await.map_err(unavailable)?.map(Address))
    }
}
