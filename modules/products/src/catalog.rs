//! The in-process [`Catalog`]: the products service answering the orders module.

use async_trait::async_trait;
use hme_kernel::dates::now_millis;
use hme_products_contract::{Catalog, CatalogError, CatalogProduct};
use mongodb::bson::oid::ObjectId;

use crate::domain::Product;
use crate::service::ProductsService;
use crate::store::StockLine;

fn to_catalog(p: &Product) -> CatalogProduct {
    CatalogProduct {
        id: p.id.to_hex(),
        name: p.name.clone(),
        price: p.price.get(),
        offer_price: p.offer_price.get(),
        unit_price: p.effective_price(),
        in_stock: p.in_stock,
        stock: p.stock(),
        image: p.image.first().cloned(),
    }
}

/// Parses the ids and merges repeated products; zero quantities are dropped.
fn stock_lines(lines: &[(String, u32)]) -> Result<Vec<StockLine>, CatalogError> {
    let mut out: Vec<StockLine> = Vec::with_capacity(lines.len());
    for (id, qty) in lines {
        let product_id = ObjectId::parse_str(id.trim()).map_err(|_| CatalogError::NotFound(id.clone()))?;
        if *qty == 0 {
            continue;
        }
        match out.iter_mut().find(|l| l.product_id == product_id) {
            Some(l) => l.qty = l.qty.saturating_add(*qty),
            None => out.push(StockLine { product_id, qty: *qty }),
        }
    }
    Ok(out)
}

fn check_reservation_id(id: &str) -> Result<(), CatalogError> {
    if id.trim().is_empty() || id.len() > 200 {
        return Err(CatalogError::Unavailable("reservation id must be 1 to 200 characters".into()));
    }
    Ok(())
}

/// The distinct well-formed ids, in request order.
fn parse_ids(ids: &[String]) -> Vec<ObjectId> {
    let mut wanted: Vec<ObjectId> = Vec::with_capacity(ids.len());
    for id in ids {
        if let Ok(oid) = ObjectId::parse_str(id.trim()) {
            if !wanted.contains(&oid) {
                wanted.push(oid);
            }
        }
    }
    wanted
}

#[async_trait]
impl Catalog for ProductsService {
    async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<CatalogProduct>, CatalogError> {
        let wanted = parse_ids(ids);
        let found = self.store.get_many(&wanted).await?;
        Ok(wanted.iter().filter_map(|id| found.iter().find(|p| &p.id == id)).map(to_catalog).collect())
    }

    async fn reserve_for(&self, reservation_id: &str, lines: &[(String, u32)], lease: std::time::Duration) -> Result<(), CatalogError> {
        check_reservation_id(reservation_id)?;
        let lines = stock_lines(lines)?;
        let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(1)).max(chrono::Duration::seconds(1));
        self.store.reserve_stock(reservation_id, &lines, now_millis(), lease).await?;
        self.cache.invalidate().await;
        Ok(())
    }

    async fn confirm(&self, reservation_id: &str) -> Result<(), CatalogError> {
        check_reservation_id(reservation_id)?;
        self.store.confirm_stock(reservation_id, now_millis()).await
    }

    async fn release(&self, reservation_id: &str, _lines: &[(String, u32)]) -> Result<(), CatalogError> {
        check_reservation_id(reservation_id)?;
        self.store.release_stock(reservation_id, now_millis()).await?;
        self.cache.invalidate().await;
        Ok(())
    }

    async fn product_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, CatalogError> {
        let found = self.store.get_many(&parse_ids(ids)).await?;
        found.iter().map(|p| serde_json::to_value(p).map_err(|e| CatalogError::Unavailable(e.to_string()))).collect()
    }
}

impl ProductsService {
    /// Gives back every hold whose lease ended (see [`crate::store::ProductStore::expire_holds`]);
    /// returns how many.
    pub async fn expire_holds(&self) -> Result<u64, CatalogError> {
        let released = self.store.expire_holds(now_millis()).await?;
        if released > 0 {
            self.cache.invalidate().await;
        }
        Ok(released)
    }
}

/// The hold sweeper: every `every`, gives back the holds past their lease. Runs in every
/// instance that holds the products store; concurrent sweepers never give twice (each
/// give-back is a conditional transaction). Stops when the handle drops.
pub struct HoldSweeper {
    task: tokio::task::JoinHandle<()>,
}

impl HoldSweeper {
    /// Starts sweeping `service`'s holds.
    pub fn spawn(service: std::sync::Arc<ProductsService>, every: std::time::Duration) -> Self {
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(std::time::Duration::from_millis(100)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = service.expire_holds().await {
                    tracing::warn!(error = %e, "hold sweep failed; retrying at the next tick");
                }
            }
        });
        Self { task }
    }
}

impl Drop for HoldSweeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}
