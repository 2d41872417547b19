//! `product.deleted` → the images port, once per event; storage down is retried.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_images_contract::{ImageCleanup, ImageCleanupReport, ImagePortError};
use hme_kernel::testing::embedded_test_db;
use hme_worker::metrics::Outcome;
use hme_worker::{WorkerPorts, WorkerSettings};
use serde_json::json;
use support::*;

/// Fails the first call (storage down), then reports every URL as missing.
#[derive(Default)]
struct FakeImages {
    calls: AtomicU32,
    seen: Mutex<Vec<Vec<String>>>,
}

#[async_trait]
impl ImageCleanup for FakeImages {
    async fn delete_for_product(&self, urls: &[String]) -> Result<ImageCleanupReport, ImagePortError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(ImagePortError::Unavailable("cloudinary down".into()));
        }
        self.seen.lock().unwrap().push(urls.to_vec());
        Ok(ImageCleanupReport { missing: urls.to_vec(), ..ImageCleanupReport::default() })
    }
}

#[tokio::test]
async fn product_deleted_removes_its_images_retrying_when_storage_is_down_and_missing_is_fine() {
    let (db, _dir) = embedded_test_db();
    let bus = embedded_bus(db.clone());
    let platform = platform(Documents::Embedded(db), bus.clone());
    let images = Arc::new(FakeImages::default());
    let outbox = tempfile::tempdir().unwrap();
    let settings = WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..WorkerSettings::default() };
    let ports = WorkerPorts { images: Some(images.clone()), ..WorkerPorts::default() };
    let worker = start_worker(&platform, &settings, ports).await;
    let urls = vec!["https://res.cloudinary.com/demo/image/upload/v1/abc.jpg".to_owned()];

    let event = EventEnvelope::new("product.deleted", json!({"productId": "665f1c2b9a1e4b0012345678", "userId": "u", "imageUrls": urls, "publicIds": ["abc"]}));
    bus.publish(&event).await.unwrap();

    let m = worker.metrics();
    assert!(wait_until(|| m.get("images.cleanup", "product.deleted", Outcome::Processed) == 1, 15).await, "{}", m.render());
    assert_eq!(m.get("images.cleanup", "product.deleted", Outcome::Retried), 1);
    let handler = worker.handlers().into_iter().find(|h| h.consumer() == "images.cleanup").unwrap();
    handler.handle(&event).await.unwrap();
    assert_eq!(*images.seen.lock().unwrap(), vec![urls], "called once with the product's URLs");
}
