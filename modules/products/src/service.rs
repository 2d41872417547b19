//! The products service: validation, ownership, storage, cache and events together.
//! Handlers are thin wrappers around it; the [`Catalog`](hme_products_contract::Catalog)
//! port is implemented on it too (see `catalog.rs`).

use std::sync::Arc;
use std::time::Duration;

use hme_kernel::auth::Principal;
use hme_kernel::dates::now_millis;
use hme_kernel::events::EventEnvelope;
use hme_kernel::{ApiError, ApiResult};
use mongodb::bson::oid::ObjectId;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cache::{CachedBody, ResponseCache, Slot};
use crate::domain::validation as v;
use crate::domain::{AddProductBody, EditProductBody, ListParams, ListQuery, NewProduct, Product, ProductFilter, ProductPatch};
use crate::http::responses::{ListBody, ProductBody};
use crate::settings::ProductsSettings;
use crate::store::{ProductStore, StoreError};

/// The event published when a product is deleted.
pub const PRODUCT_DELETED: &str = hme_kernel::events::payloads::PRODUCT_DELETED;

/// The products service.
pub struct ProductsService {
    pub(crate) store: Arc<dyn ProductStore>,
    pub(crate) cache: ResponseCache,
    /// Wakes the outbox relay after a commit that appended an event.
    relay_wake: Option<Arc<tokio::sync::Notify>>,
    settings: ProductsSettings,
}

/// The status a products storage failure answers: the backend down is a 503, an
/// unreadable document a 500.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::unavailable(e),
            StoreError::Corrupt(_) => ApiError::internal(e),
        }
    }
}

fn to_body<T: Serialize>(value: &T) -> ApiResult<CachedBody> {
    serde_json::to_vec(value).map(CachedBody::new).map_err(ApiError::internal)
}

impl ProductsService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn ProductStore>, platform_cache: Arc<dyn hme_kernel::cache::Cache>, relay_wake: Option<Arc<tokio::sync::Notify>>, settings: ProductsSettings) -> Self {
        let cache = ResponseCache::new(platform_cache, Duration::from_secs(settings.cache_ttl_secs), settings.cache_enabled);
        Self { store, cache, relay_wake, settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> &ProductsSettings {
        &self.settings
    }

    /// Serves `name` from the cache, or computes it with `compute` and caches it.
    async fn cached<F, Fut>(&self, name: &str, compute: F) -> ApiResult<Arc<CachedBody>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ApiResult<CachedBody>>,
    {
        match self.cache.lookup(name).await {
            Some(Slot::Hit(hit)) => Ok(hit),
            Some(Slot::Miss(at)) => Ok(self.cache.store(at, compute().await?).await),
            None => Ok(Arc::new(compute().await?)),
        }
    }

    /// The body of `GET /api/product/list` for these parameters.
    pub async fn list_body(&self, params: &ListParams) -> ApiResult<Arc<CachedBody>> {
        let query = params.to_query(self.settings.default_page_size, self.settings.max_page_size)?;
        let name = match query.page {
            None => "list:all".to_owned(),
            Some(_) => format!("list:{}", query_fingerprint(&query)),
        };
        self.cached(&name, || async {
            let page = self.store.list(&query).await?;
            let paged = query.page;
            to_body(&ListBody {
                success: true,
                products: page.products,
                page: paged.map(|p| p.page),
                limit: paged.map(|p| p.limit),
                total: paged.map(|_| page.total),
            })
        })
        .await
    }

    /// The body of `GET /api/product/{id}`.
    pub async fn product_body(&self, id: &str) -> ApiResult<Arc<CachedBody>> {
        let oid = hme_kernel::ids::parse_object_id(id, "product ID")?;
        let mut name = String::with_capacity(29);
        name.push_str("item:");
        hme_kernel::ids::push_hex(&mut name, &oid);
        self.cached(&name, || async {
            let product = self.store.get(&oid).await?.ok_or_else(|| ApiError::not_found("Product not found"))?;
            to_body(&ProductBody { success: true, product })
        })
        .await
    }

    /// The caller's own products (not cached: per seller and signed in).
    pub async fn seller_products(&self, seller: &Principal) -> ApiResult<Vec<Product>> {
        seller.require_seller()?;
        let filter = ProductFilter { user_id: Some(seller.user_id.clone()), ..ProductFilter::default() };
        let page = self.store.list(&ListQuery { filter, ..ListQuery::default() }).await?;
        Ok(page.products)
    }

    /// Adds a product owned by the caller.
    pub async fn add(&self, seller: &Principal, body: &AddProductBody) -> ApiResult<Product> {
        seller.require_seller()?;
        let product = NewProduct::from_body(body, self.settings.max_images)?.into_product(&seller.user_id, now_millis());
        self.store.insert(&product).await?;
        self.cache.invalidate().await;
        Ok(product)
    }

    /// Edits one of the caller's products.
    pub async fn edit(&self, seller: &Principal, body: &EditProductBody) -> ApiResult<Product> {
        seller.require_seller()?;
        let (id, patch) = ProductPatch::from_edit(body, self.settings.max_images)?;
        let current = self.owned(&id, &seller.user_id).await?;
        v::check_offer(patch.price.unwrap_or(current.price.get()), patch.offer_price.unwrap_or(0.0))?;
        self.update(&id, &seller.user_id, &patch).await
    }

    /// Sets `inStock` or `promotion` on one of the caller's products.
    pub async fn set_flag(&self, caller: &Principal, id: &ObjectId, patch: ProductPatch) -> ApiResult<Product> {
        self.update(id, &caller.user_id, &patch).await
    }

    async fn owned(&self, id: &ObjectId, owner: &str) -> ApiResult<Product> {
        match self.store.get(id).await? {
            Some(p) if p.user_id == owner => Ok(p),
            _ => Err(ApiError::not_found("Product not found or not owned by you")),
        }
    }

    async fn update(&self, id: &ObjectId, owner: &str, patch: &ProductPatch) -> ApiResult<Product> {
        let updated = self.store.update_owned(id, owner, patch, now_millis()).await?;
        let product = updated.ok_or_else(|| ApiError::not_found("Product not found or not owned by you"))?;
        self.cache.invalidate().await;
        Ok(product)
    }

    /// Deletes one of the caller's products and announces it (`product.deleted`, committed
    /// with the deletion through the outbox), so the worker removes its images.
    pub async fn delete(&self, seller: &Principal, id: &ObjectId) -> ApiResult<Product> {
        seller.require_seller()?;
        let deleted = self.store.delete_owned(id, &seller.user_id, announce_deleted).await?;
        let product = deleted.ok_or_else(|| ApiError::not_found("Product not found"))?;
        self.cache.invalidate().await;
        if let Some(wake) = &self.relay_wake {
            wake.notify_one();
        }
        Ok(product)
    }

    /// Inserts a product as is (demo seed); false when its id already exists.
    pub(crate) async fn insert_if_absent(&self, product: &Product) -> Result<bool, StoreError> {
        if self.store.get(&product.id).await?.is_some() {
            return Ok(false);
        }
        self.store.insert(product).await?;
        Ok(true)
    }
}

/// The `product.deleted` event of a product (the store commits it with the deletion).
pub fn announce_deleted(p: &Product) -> EventEnvelope {
    EventEnvelope::new(PRODUCT_DELETED, deleted_event_data(p))
}

/// The `data` of a `product.deleted` event.
pub fn deleted_event_data(p: &Product) -> serde_json::Value {
    hme_kernel::events::payloads::data(&hme_kernel::events::payloads::ProductDeleted {
        product_id: p.id.to_hex(),
        user_id: Some(p.user_id.clone()),
        image_urls: p.image.clone(),
        public_ids: p.image_public_ids(),
    })
}

/// A short stable name for a list query (the cache key part).
fn query_fingerprint(q: &ListQuery) -> String {
    let text = format!("{:?}|{:?}|{:?}", q.filter, q.sort, q.page);
    Sha256::digest(text.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}
