//! The clean-ups: a deleted product's images ([`ImageCleanup`], called by the worker on
//! `product.deleted`) and the periodic sweep of uploads no product references.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_images_contract::{ImageCleanup, ImageCleanupReport, ImagePortError};

use crate::service::ImagesService;

/// Uploads examined per batch of a sweep.
const BATCH: usize = 200;
/// Batches per sweep at most (the next sweep goes on).
const MAX_BATCHES: usize = 25;

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Old unreferenced uploads looked at.
    pub examined: usize,
    /// Found in use by a product: flagged as referenced, kept for good.
    pub kept: usize,
    /// Removed (file and record).
    pub deleted: usize,
    /// Could not be removed (retried next sweep).
    pub failed: usize,
}

fn unavailable(e: impl std::fmt::Display) -> ImagePortError {
    ImagePortError::Unavailable(e.to_string())
}

impl ImagesService {
    /// Removes uploads older than `orphan_after_secs` that no product references. Does
    /// nothing without a [`hme_products_contract::ProductImages`] port; stops without
    /// deleting anything when the catalog cannot be read (never deletes on doubt).
    pub async fn sweep_orphans(&self, now: DateTime<Utc>) -> Result<SweepReport, ImagePortError> {
        let mut report = SweepReport::default();
        let Some(products) = &self.product_images else { return Ok(report) };
        let age = i64::try_from(self.settings.orphan_after_secs).unwrap_or(i64::MAX);
        let cutoff = now - chrono::Duration::seconds(age);
        for _ in 0..MAX_BATCHES {
            let candidates = self.records.unreferenced_before(cutoff, BATCH).await.map_err(unavailable)?;
            let urls: Vec<String> = candidates.iter().map(|r| r.url.clone()).collect();
            let used = products.referenced(&urls).await.map_err(unavailable)?;
            let (keep, drop): (Vec<_>, Vec<_>) = candidates.iter().partition(|r| used.contains(&r.url));
            let keep_keys: Vec<String> = keep.iter().map(|r| r.key.clone()).collect();
            self.records.mark_referenced(&keep_keys).await.map_err(unavailable)?;
            report.examined += candidates.len();
            report.kept += keep.len();
            let failed_before = report.failed;
            for record in drop {
                match self.remove(&record.key).await {
                    Ok(_) => report.deleted += 1,
                    Err(e) => {
                        tracing::warn!(key = record.key, error = %e, "orphan upload not removed");
                        report.failed += 1;
                    }
                }
            }
            if candidates.len() < BATCH || report.failed > failed_before {
                break;
            }
        }
        Ok(report)
    }
}

#[async_trait]
impl ImageCleanup for ImagesService {
    async fn delete_for_product(&self, urls: &[String]) -> Result<ImageCleanupReport, ImagePortError> {
        let mut report = ImageCleanupReport::default();
        let still_used = match &self.product_images {
            Some(products) => products.referenced(urls).await.map_err(unavailable)?,
            None => Default::default(),
        };
        for url in urls {
            let key = match self.records.by_url(url).await.map_err(unavailable)? {
                Some(record) => Some(record.key),
                None => self.store.key_of_url(url),
            };
            let Some(key) = key.filter(|_| !still_used.contains(url)) else {
                report.skipped.push(url.clone());
                continue;
            };
            let existed = self.store.delete(&key).await.map_err(unavailable)?;
            self.records.delete(&key).await.map_err(unavailable)?;
            match existed {
                true => report.deleted.push(url.clone()),
                false => report.missing.push(url.clone()),
            }
        }
        Ok(report)
    }
}

/// Runs [`ImagesService::sweep_orphans`] every `interval` (first run one interval after
/// start) until the handle is aborted.
pub fn spawn_orphan_sweeper(service: Arc<ImagesService>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            match service.sweep_orphans(Utc::now()).await {
                Ok(r) if r.examined > 0 => tracing::info!(examined = r.examined, kept = r.kept, deleted = r.deleted, failed = r.failed, "orphan uploads swept"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "orphan sweep skipped"),
            }
        }
    })
}
