//! The store conformance suite: each case runs against every adapter.

use chrono::{Duration, Utc};
use futures::future::join_all;
use hme_auth::domain::{Account, AddressInput, RefreshRecord, RefreshUse, User, UserProfile};
use hme_auth::store::StoreError;
use hme_kernel::auth::Role;
use mongodb::bson::{doc, Document};

use crate::Stores;

fn profile(id: &str, email: &str) -> UserProfile {
    UserProfile { id: id.into(), name: "Ada Lovelace".into(), email: email.into(), image_url: "https://img.test/a.png".into() }
}

pub async fn upsert_creates_then_updates_keeping_the_cart_and_unknown_fields(s: &Stores) {
    s.users.upsert_profile(&profile("u1", "a@x.test")).await.unwrap();
    assert_eq!(s.users.user("u1").await.unwrap().unwrap(), User::new(&profile("u1", "a@x.test")));
    s.users.set_cart("u1", &doc! {"665f1c2b9a1e4b0012345678": 2}).await.unwrap();
    let changed = UserProfile { name: "Ada B".into(), email: "b@x.test".into(), ..profile("u1", "") };
    s.users.upsert_profile(&changed).await.unwrap();
    s.users.upsert_profile(&changed).await.unwrap();
    let u = s.users.user("u1").await.unwrap().unwrap();
    assert_eq!((u.name(), u.email(), u.cart_items()), ("Ada B", "b@x.test", doc! {"665f1c2b9a1e4b0012345678": 2}));
    assert_eq!(u.0.get_i32("__v").ok(), Some(0));
    let mut with_extra = User::new(&profile("u2", "c@x.test"));
    with_extra.0.insert("legacyFlag", true);
    s.users.insert_user(&with_extra).await.unwrap();
    s.users.upsert_profile(&profile("u2", "c@x.test")).await.unwrap();
    s.users.set_cart("u2", &Document::new()).await.unwrap();
    assert_eq!(s.users.user("u2").await.unwrap().unwrap().0.get_bool("legacyFlag").ok(), Some(true));
}

pub async fn insert_user_never_overwrites_and_emails_are_unique(s: &Stores) {
    s.users.insert_user(&User::new(&profile("u1", "a@x.test"))).await.unwrap();
    assert!(matches!(s.users.insert_user(&User::new(&profile("u1", "z@x.test"))).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.users.insert_user(&User::new(&profile("u2", "a@x.test"))).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.users.upsert_profile(&profile("u3", "a@x.test")).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.users.user("u1").await.unwrap().unwrap().email(), "a@x.test");
}

pub async fn set_cart_and_delete_report_whether_the_user_exists(s: &Stores) {
    assert!(!s.users.set_cart("ghost", &Document::new()).await.unwrap());
    assert!(s.users.user("ghost").await.unwrap().is_none(), "set_cart must not create users");
    s.users.upsert_profile(&profile("u1", "a@x.test")).await.unwrap();
    assert!(s.users.set_cart("u1", &Document::new()).await.unwrap());
    assert!(s.users.delete_user("u1").await.unwrap());
    assert!(!s.users.delete_user("u1").await.unwrap());
}

pub async fn addresses_are_listed_per_user_in_insertion_order(s: &Stores) {
    let input = |name: &str| serde_json::from_value::<AddressInput>(serde_json::json!({"fullName": name, "phoneNumber": "1", "pinCode": 54000, "area": "a", "city": "c", "state": "s"})).unwrap();
    let mut mine = Vec::new();
    for i in 0..4 {
        let a = input(&format!("A{i}")).into_address(if i == 2 { "other" } else { "me" }).unwrap();
        s.users.insert_address(&a).await.unwrap();
        if i != 2 {
            mine.push(a);
        }
    }
    assert_eq!(s.users.addresses_of("me").await.unwrap(), mine);
    assert_eq!(s.users.address(&mine[0].id().unwrap()).await.unwrap(), Some(mine[0].clone()));
    assert_eq!(s.users.address(&mongodb::bson::oid::ObjectId::new()).await.unwrap(), None);
}

fn account(email: &str) -> Account {
    let now = hme_kernel::dates::now_millis();
    Account { id: Account::new_id(), email: email.into(), password_hash: "$argon2id$x".into(), role: Role::Customer, created_at: now, updated_at: now }
}

pub async fn accounts_are_unique_by_email_and_roles_change(s: &Stores) {
    let a = account("a@x.test");
    s.accounts.create_account(&a).await.unwrap();
    assert!(matches!(s.accounts.create_account(&account("a@x.test")).await, Err(StoreError::Conflict(_))));
    assert_eq!(s.accounts.account_by_email("a@x.test").await.unwrap(), Some(a.clone()));
    assert_eq!(s.accounts.account(&a.id).await.unwrap(), Some(a.clone()));
    assert!(s.accounts.set_role(&a.id, Role::Seller, hme_kernel::dates::now_millis()).await.unwrap());
    assert_eq!(s.accounts.account(&a.id).await.unwrap().unwrap().role, Role::Seller);
    assert!(!s.accounts.set_role("usr_none", Role::Admin, Utc::now()).await.unwrap());
    assert_eq!(s.accounts.account_by_email("none@x.test").await.unwrap(), None);
}

fn record(hash: &str, family: &str, expires_in: i64) -> RefreshRecord {
    let now = hme_kernel::dates::now_millis();
    RefreshRecord { hash: hash.into(), family_id: family.into(), user_id: "usr_1".into(), created_at: now, expires_at: now + Duration::seconds(expires_in), used_at: None, revoked_at: None }
}

pub async fn a_refresh_token_is_used_once_and_revoking_the_family_revokes_all(s: &Stores) {
    for r in [record("h1", "f1", 600), record("h2", "f1", 600), record("h3", "f2", 600), record("h4", "f3", -1)] {
        s.accounts.insert_refresh(&r).await.unwrap();
    }
    let now = Utc::now();
    assert!(matches!(s.accounts.use_refresh("h1", now).await.unwrap(), RefreshUse::Fresh(r) if r.family_id == "f1"));
    assert!(matches!(s.accounts.use_refresh("h1", now).await.unwrap(), RefreshUse::Reused(_)));
    assert_eq!(s.accounts.use_refresh("h4", now).await.unwrap(), RefreshUse::Expired);
    assert_eq!(s.accounts.use_refresh("nope", now).await.unwrap(), RefreshUse::Unknown);
    s.accounts.revoke_family("f1", now).await.unwrap();
    assert_eq!(s.accounts.use_refresh("h2", now).await.unwrap(), RefreshUse::Revoked);
    assert!(matches!(s.accounts.use_refresh("h3", now).await.unwrap(), RefreshUse::Fresh(_)));
    assert!(s.accounts.refresh("h2").await.unwrap().unwrap().revoked_at.is_some());
}

pub async fn concurrent_uses_of_one_refresh_token_give_exactly_one_fresh(s: &Stores) {
    s.accounts.insert_refresh(&record("hc", "fc", 600)).await.unwrap();
    let now = Utc::now();
    let outcomes = join_all((0..8).map(|_| s.accounts.use_refresh("hc", now))).await;
    let fresh = outcomes.iter().filter(|o| matches!(o, Ok(RefreshUse::Fresh(_)))).count();
    let reused = outcomes.iter().filter(|o| matches!(o, Ok(RefreshUse::Reused(_)))).count();
    assert_eq!((fresh, reused), (1, 7));
}
