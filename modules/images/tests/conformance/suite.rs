//! The cases, run against each adapter.

use chrono::{DateTime, Duration, Utc};
use hme_images::uploads::{UploadRecord, UploadStore};

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_750_000_000_123).unwrap()
}

fn record(key: &str, created_at: DateTime<Utc>) -> UploadRecord {
    UploadRecord {
        key: format!("hme/user_a/{key}.png"),
        url: format!("http://shop.test/media/hme/user_a/{key}.png"),
        owner: "user_a".into(),
        backend: "local".into(),
        content_type: "image/png".into(),
        bytes: 1234,
        width: 640,
        height: 480,
        created_at,
        referenced: false,
    }
}

pub async fn a_record_reads_back_equal_by_url_and_by_key(store: &dyn UploadStore) {
    let r = record("a", t0());
    store.insert(&r).await.unwrap();
    assert_eq!(store.by_url(&r.url).await.unwrap(), Some(r.clone()));
    assert_eq!(store.by_key(&r.key).await.unwrap(), Some(r.clone()));
    assert_eq!(store.by_url("http://shop.test/media/none.png").await.unwrap(), None);
    assert_eq!(store.by_key("none").await.unwrap(), None);
}

pub async fn key_and_url_are_each_unique(store: &dyn UploadStore) {
    let r = record("a", t0());
    store.insert(&r).await.unwrap();
    assert!(store.insert(&r).await.is_err());
    let same_url = UploadRecord { key: "other".into(), ..r.clone() };
    assert!(store.insert(&same_url).await.is_err());
    assert_eq!(store.by_key("other").await.unwrap(), None);
}

pub async fn delete_is_idempotent(store: &dyn UploadStore) {
    let r = record("a", t0());
    store.insert(&r).await.unwrap();
    assert!(store.delete(&r.key).await.unwrap());
    assert!(!store.delete(&r.key).await.unwrap());
    assert_eq!(store.by_url(&r.url).await.unwrap(), None);
    store.insert(&r).await.unwrap();
}

pub async fn unreferenced_before_returns_old_unreferenced_records_oldest_first_up_to_the_limit(store: &dyn UploadStore) {
    for (key, minutes) in [("c", 3), ("a", 1), ("b", 2), ("new", 100)] {
        store.insert(&record(key, t0() + Duration::minutes(minutes))).await.unwrap();
    }
    let cutoff = t0() + Duration::minutes(50);
    let keys = |rs: Vec<UploadRecord>| rs.into_iter().map(|r| r.key).collect::<Vec<_>>();
    assert_eq!(keys(store.unreferenced_before(cutoff, 10).await.unwrap()), ["hme/user_a/a.png", "hme/user_a/b.png", "hme/user_a/c.png"]);
    assert_eq!(keys(store.unreferenced_before(cutoff, 2).await.unwrap()), ["hme/user_a/a.png", "hme/user_a/b.png"]);
    assert_eq!(store.unreferenced_before(t0() + Duration::minutes(1), 10).await.unwrap().len(), 0, "strictly before");
}

pub async fn mark_referenced_takes_records_out_of_the_sweep_and_ignores_unknown_keys(store: &dyn UploadStore) {
    store.insert(&record("a", t0())).await.unwrap();
    store.insert(&record("b", t0())).await.unwrap();
    store.mark_referenced(&["hme/user_a/a.png".to_owned(), "unknown".to_owned()]).await.unwrap();
    store.mark_referenced(&[]).await.unwrap();
    let left = store.unreferenced_before(t0() + Duration::days(1), 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].key, "hme/user_a/b.png");
    assert!(store.by_key("hme/user_a/a.png").await.unwrap().unwrap().referenced);
    assert_eq!(store.by_key("unknown").await.unwrap(), None);
}
