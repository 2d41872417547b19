//! The clean-up logic: a deleted product's images, and the orphan sweep, with an
//! in-memory catalog standing in for the products module.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, Utc};
use hme_images::service::ReceivedFile;
use hme_images::ImagesSettings;
use hme_products_contract::{ProductImages, ProductImagesError};
use support::*;

/// The catalog's image URLs, in memory.
#[derive(Default)]
struct FakeCatalog {
    urls: Mutex<HashSet<String>>,
    down: AtomicBool,
}

#[async_trait]
impl ProductImages for FakeCatalog {
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ProductImagesError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ProductImagesError::Unavailable("catalog down".into()));
        }
        let known = self.urls.lock().unwrap();
        Ok(urls.iter().filter(|u| known.contains(*u)).cloned().collect())
    }
}

fn app_with(catalog: &Arc<FakeCatalog>, settings: ImagesSettings) -> LocalApp {
    LocalApp::build(settings, None, Some(Arc::clone(catalog) as Arc<dyn ProductImages>))
}

fn settings() -> ImagesSettings {
    ImagesSettings { public_base_url: BASE.to_owned(), orphan_after_secs: 3600, cleanup_interval_secs: 0, ..ImagesSettings::default() }
}

async fn upload(app: &LocalApp, n: usize) -> Vec<String> {
    let files = (0..n).map(|i| ReceivedFile { name: format!("{i}.png"), bytes: tiny_png().into() }).collect();
    app.module.service().upload(SELLER, files).await.unwrap().into_iter().map(|i| i.url).collect()
}

#[tokio::test]
async fn the_sweep_removes_old_unreferenced_uploads_and_keeps_referenced_ones_for_good() {
    let catalog = Arc::new(FakeCatalog::default());
    let app = app_with(&catalog, settings());
    let urls = upload(&app, 3).await;
    catalog.urls.lock().unwrap().insert(urls[0].clone());
    let later = Utc::now() + Duration::seconds(3601);
    let report = app.module.service().sweep_orphans(later).await.unwrap();
    assert_eq!((report.examined, report.kept, report.deleted, report.failed), (3, 1, 2, 0));
    assert_eq!(app.files().len(), 1);
    assert!(app.records.by_url(&urls[0]).await.unwrap().unwrap().referenced);
    assert!(app.records.by_url(&urls[1]).await.unwrap().is_none());
    catalog.urls.lock().unwrap().clear();
    let again = app.module.service().sweep_orphans(later + Duration::days(30)).await.unwrap();
    assert_eq!(again.examined, 0, "a referenced upload is never swept");
    assert_eq!(app.files().len(), 1);
}

#[tokio::test]
async fn the_sweep_leaves_uploads_younger_than_the_configured_age_alone() {
    let catalog = Arc::new(FakeCatalog::default());
    let app = app_with(&catalog, settings());
    upload(&app, 2).await;
    let report = app.module.service().sweep_orphans(Utc::now() + Duration::seconds(3500)).await.unwrap();
    assert_eq!(report.examined, 0);
    assert_eq!(app.files().len(), 2);
}

#[tokio::test]
async fn the_sweep_deletes_nothing_when_the_catalog_cannot_be_read() {
    let catalog = Arc::new(FakeCatalog::default());
    catalog.down.store(true, Ordering::SeqCst);
    let app = app_with(&catalog, settings());
    upload(&app, 2).await;
    assert!(app.module.service().sweep_orphans(Utc::now() + Duration::days(2)).await.is_err());
    assert_eq!(app.files().len(), 2);
}

#[tokio::test]
async fn without_a_catalog_port_the_sweep_does_nothing() {
    let app = LocalApp::new();
    upload(&app, 1).await;
    let report = app.module.service().sweep_orphans(Utc::now() + Duration::days(365)).await.unwrap();
    assert_eq!(report, Default::default());
    assert_eq!(app.files().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_periodic_sweeper_removes_orphans_on_its_interval() {
    let catalog = Arc::new(FakeCatalog::default());
    let app = app_with(&catalog, ImagesSettings { orphan_after_secs: 0, cleanup_interval_secs: 1, ..settings() });
    upload(&app, 1).await;
    for _ in 0..40 {
        if app.files().is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the sweeper did not remove the orphan: {:?}", app.files());
}

#[tokio::test]
async fn deleting_a_products_images_removes_them_and_a_missing_image_is_not_a_failure() {
    let catalog = Arc::new(FakeCatalog::default());
    let app = app_with(&catalog, settings());
    let urls = upload(&app, 3).await;
    let gone = urls[1].strip_prefix(&format!("{BASE}/media/")).unwrap();
    std::fs::remove_file(app.media_dir.join(gone)).unwrap();
    catalog.urls.lock().unwrap().insert(urls[2].clone());
    let foreign = "https://elsewhere.example/x.png".to_owned();
    let asked = vec![urls[0].clone(), urls[1].clone(), urls[2].clone(), foreign.clone()];
    let report = app.module.image_cleanup().delete_for_product(&asked).await.unwrap();
    assert_eq!(report.deleted, vec![urls[0].clone()]);
    assert_eq!(report.missing, vec![urls[1].clone()]);
    assert_eq!(report.skipped, vec![urls[2].clone(), foreign], "an image another product still uses is kept");
    assert_eq!(app.files().len(), 1);
    assert!(app.records.by_url(&urls[0]).await.unwrap().is_none());
    assert!(app.records.by_url(&urls[1]).await.unwrap().is_none());
    let again = app.module.image_cleanup().delete_for_product(&asked[..2]).await.unwrap();
    assert_eq!(again.missing.len() + again.skipped.len(), 2, "idempotent: {again:?}");
}
