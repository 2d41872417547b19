//! The Customers and AddressBook ports over the real `addresses` and `users` documents
//! (MongoDB collections, or redb tables holding the same JSON), as the auth module will
//! answer them. Test support, not a mock of the orders store.

use std::sync::Arc;

use async_trait::async_trait;
use futures::TryStreamExt;
use hme_kernel::mongoose::bson_to_json;
use hme_auth_contract::{AddressBook, AddressBookError, CustomerAddress, CustomerProfile, Customers, CustomersError};
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use redb::TableDefinition;
use serde_json::{json, Value};

const ADDRESSES: TableDefinition<&str, &[u8]> = TableDefinition::new("test_addresses");
const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("test_users");

#[derive(Clone)]
pub enum People {
    Mongo(mongodb::Database),
    Embedded(Arc<redb::Database>),
}

fn to_address(v: &Value) -> CustomerAddress {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    CustomerAddress {
        id: s("_id"), user_id: s("userId"), full_name: s("fullName"), phone_number: s("phoneNumber"),
        pin_code: v["pinCode"].as_i64(), area: s("area"), city: s("city"), state: s("state"),
    }
}

impl People {
    /// Stores an address of `user` (mongoose shape); returns its JSON.
    pub async fn add_address(&self, user: &str) -> Value {
        let id = ObjectId::new();
        let d = doc! {"_id": id, "userId": user, "fullName": "Ali Khan", "phoneNumber": "03001234567", "pinCode": 54000, "area": "Gulberg III", "city": "Lahore", "state": "Punjab", "__v": 0};
        match self {
            People::Mongo(db) => {
                db.collection::<Document>("addresses").insert_one(d.clone()).await.unwrap();
            }
            People::Embedded(db) => self.put(db, ADDRESSES, &id.to_hex(), &bson_to_json(&Bson::Document(d.clone()))),
        }
        bson_to_json(&Bson::Document(d))
    }

    /// Stores a user with a non-empty cart.
    pub async fn add_user(&self, user: &str, email: &str) {
        let v = json!({"_id": user, "name": "Ali Khan", "email": email, "imageUrl": "https://x.test/a.png", "cartItems": {"665f1c2b9a1e4b0012345678": 2}, "__v": 0});
        match self {
            People::Mongo(db) => {
                let d = mongodb::bson::to_document(&v).unwrap();
                db.collection::<Document>("users").insert_one(d).await.unwrap();
            }
            People::Embedded(db) => self.put(db, USERS, user, &v),
        }
    }

    pub async fn delete_address(&self, id: &str) {
        match self {
            People::Mongo(db) => {
                db.collection::<Document>("addresses").delete_one(doc! {"_id": ObjectId::parse_str(id).unwrap()}).await.unwrap();
            }
            People::Embedded(db) => {
                let txn = db.begin_write().unwrap();
                txn.open_table(ADDRESSES).unwrap().remove(id).unwrap();
                txn.commit().unwrap();
            }
        }
    }

    pub async fn cart(&self, user: &str) -> Value {
        self.user(user).await.map(|u| u["cartItems"].clone()).unwrap_or(Value::Null)
    }

    fn put(&self, db: &redb::Database, table: TableDefinition<&str, &[u8]>, key: &str, v: &Value) {
        let txn = db.begin_write().unwrap();
        txn.open_table(table).unwrap().insert(key, serde_json::to_vec(v).unwrap().as_slice()).unwrap();
        txn.commit().unwrap();
    }

    fn get(db: &redb::Database, table: TableDefinition<&str, &[u8]>, key: &str) -> Option<Value> {
        let txn = db.begin_read().unwrap();
        let Ok(t) = txn.open_table(table) else { return None };
        t.get(key).unwrap().map(|v| serde_json::from_slice(v.value()).unwrap())
    }

    async fn user(&self, user: &str) -> Option<Value> {
        match self {
            People::Mongo(db) => db.collection::<Document>("users").find_one(doc! {"_id": user}).await.unwrap().map(|d| bson_to_json(&Bson::Document(d))),
            People::Embedded(db) => Self::get(db, USERS, user),
        }
    }

    async fn address_json(&self, id: &str) -> Option<Value> {
        match self {
            People::Mongo(db) => {
                let oid = ObjectId::parse_str(id).ok()?;
                db.collection::<Document>("addresses").find_one(doc! {"_id": oid}).await.unwrap().map(|d| bson_to_json(&Bson::Document(d)))
            }
            People::Embedded(db) => Self::get(db, ADDRESSES, id),
        }
    }
}

#[async_trait]
impl Customers for People {
    async fn address(&self, user_id: &str, address_id: &str) -> Result<Option<CustomerAddress>, CustomersError> {
        Ok(self.address_json(address_id).await.filter(|a| a["userId"] == user_id).map(|a| to_address(&a)))
    }
    async fn profile(&self, user_id: &str) -> Result<Option<CustomerProfile>, CustomersError> {
        Ok(self.user(user_id).await.map(|u| CustomerProfile {
            user_id: user_id.to_owned(),
            name: u["name"].as_str().unwrap_or_default().to_owned(),
            email: u["email"].as_str().unwrap_or_default().to_owned(),
        }))
    }
    async fn clear_cart(&self, user_id: &str) -> Result<(), CustomersError> {
        match self {
            People::Mongo(db) => {
                db.collection::<Document>("users").update_one(doc! {"_id": user_id}, doc! {"$set": {"cartItems": {}}}).await.unwrap();
            }
            People::Embedded(db) => {
                if let Some(mut u) = Self::get(db, USERS, user_id) {
                    u["cartItems"] = json!({});
                    self.put(db, USERS, user_id, &u);
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl AddressBook for People {
    async fn address_documents(&self, ids: &[String]) -> Result<Vec<Value>, AddressBookError> {
        match self {
            People::Mongo(db) => {
                let oids: Vec<ObjectId> = ids.iter().filter_map(|i| ObjectId::parse_str(i).ok()).collect();
                let cursor = db.collection::<Document>("addresses").find(doc! {"_id": {"$in": oids}}).await.unwrap();
                let docs: Vec<Document> = cursor.try_collect().await.unwrap();
                Ok(docs.into_iter().map(|d| bson_to_json(&Bson::Document(d))).collect())
            }
            People::Embedded(db) => Ok(ids.iter().filter_map(|i| Self::get(db, ADDRESSES, i)).collect()),
        }
    }
}
