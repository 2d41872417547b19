//! The Cache port: one conformance suite for the in-process and Redis adapters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bytes::Bytes;
use hme_kernel::cache::{Cache, MemoryCache, RedisCache};
use hme_kernel::testing::{service_env, unique_name};

async fn conformance(cache: &dyn Cache) {
    assert_eq!(cache.get("missing").await.unwrap(), None);
    cache.set("a", Bytes::from_static(b"one"), Duration::from_secs(30)).await.unwrap();
    assert_eq!(cache.get("a").await.unwrap(), Some(Bytes::from_static(b"one")));
    cache.set("a", Bytes::from_static(b"two"), Duration::from_secs(30)).await.unwrap();
    assert_eq!(cache.get("a").await.unwrap(), Some(Bytes::from_static(b"two")), "set replaces");
    cache.delete(&["a", "never-set"]).await.unwrap();
    assert_eq!(cache.get("a").await.unwrap(), None, "delete removes");

    cache.set("short", Bytes::from_static(b"x"), Duration::from_millis(150)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(cache.get("short").await.unwrap(), None, "expires after its ttl");

    let window = Duration::from_millis(600);
    assert_eq!(cache.hit("rl", window).await.unwrap().0, 1);
    assert_eq!(cache.hit("rl", window).await.unwrap().0, 2);
    let (n, left) = cache.hit("rl", window).await.unwrap();
    assert_eq!(n, 3);
    assert!(left <= window && left > Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(cache.hit("rl", window).await.unwrap().0, 1, "a new window starts at one");
}

#[tokio::test]
async fn the_in_process_cache_conforms() {
    conformance(&MemoryCache::new(1 << 20)).await;
}

#[tokio::test]
async fn the_redis_cache_conforms() {
    let Some(url) = service_env("HME_TEST_REDIS_URL") else { return };
    let cache = RedisCache::connect(&url, &format!("{}:", unique_name("t")), 4).await.unwrap();
    conformance(&cache).await;
}

#[tokio::test]
async fn two_redis_clients_with_one_prefix_see_each_others_writes_and_deletes() {
    let Some(url) = service_env("HME_TEST_REDIS_URL") else { return };
    let prefix = format!("{}:", unique_name("t"));
    let a = RedisCache::connect(&url, &prefix, 2).await.unwrap();
    let b = RedisCache::connect(&url, &prefix, 2).await.unwrap();
    a.set("k", Bytes::from_static(b"v"), Duration::from_secs(30)).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), Some(Bytes::from_static(b"v")));
    b.delete(&["k"]).await.unwrap();
    assert_eq!(a.get("k").await.unwrap(), None);
}

#[tokio::test]
async fn counters_are_atomic_under_concurrency() {
    let Some(url) = service_env("HME_TEST_REDIS_URL") else { return };
    let cache = std::sync::Arc::new(RedisCache::connect(&url, &format!("{}:", unique_name("t")), 8).await.unwrap());
    let tasks: Vec<_> = (0..50).map(|_| { let c = cache.clone(); tokio::spawn(async move { c.hit("n", Duration::from_secs(30)).await.unwrap().0 }) }).collect();
    let mut seen: Vec<u64> = Vec::new();
    for t in tasks { seen.push(t.await.unwrap()); }
    seen.sort_unstable();
    assert_eq!(seen, (1..=50).collect::<Vec<u64>>(), "every hit counted once");
}
