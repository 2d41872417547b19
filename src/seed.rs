//! The demo catalog, where products and images are both compiled in: its generated
//! images (one PNG per category, `hme_products::seed::demo_image_png`) are stored in the
//! configured image backend (the local media store by default), never fetched from an
//! internet host; without the images module each category gets an inline SVG `data:`
//! URL. `hme seed --demo` and the first `hme serve` on an empty embedded store
//! (`products.seed_demo_on_empty_embedded`) both come here.

#[cfg(feature = "products")]
use std::collections::HashMap;

#[cfg(feature = "products")]
use hme_products::seed::{DEMO_CATEGORIES, DEMO_SELLER};

use crate::modules::Modules;

/// Stores one demo image per category; category → URL. Nothing when the images module
/// is not compiled in.
#[cfg(feature = "products")]
async fn demo_images(modules: &Modules) -> anyhow::Result<HashMap<String, String>> {
    #[allow(unused_mut)]
    let mut urls = HashMap::new();
    #[cfg(feature = "images")]
    for (category, _) in DEMO_CATEGORIES {
        let file = hme_images::service::ReceivedFile { name: format!("demo-{}.png", category.to_lowercase()), bytes: hme_products::seed::demo_image_png(category).into() };
        let stored = modules.images.service().upload(DEMO_SELLER, vec![file]).await.map_err(|e| anyhow::anyhow!("demo image for {category}: {e}"))?;
        if let Some(image) = stored.into_iter().next() {
            urls.insert((*category).to_owned(), image.url);
        }
    }
    let _ = (modules, DEMO_CATEGORIES, DEMO_SELLER);
    Ok(urls)
}

/// Inserts the demo catalog (idempotent; images stored only when a demo product is
/// missing); how many products were inserted.
#[cfg(feature = "products")]
pub async fn seed_demo(modules: &Modules) -> anyhow::Result<usize> {
    if modules.products.demo_missing().await.map_err(|e| anyhow::anyhow!("seed: {e}"))? == 0 {
        return Ok(0);
    }
    let images = demo_images(modules).await?;
    modules.products.seed_demo(&images).await.map_err(|e| anyhow::anyhow!("seed: {e}"))
}

/// The first start on an empty embedded store: seeds the demo catalog when
/// `products.seed_demo_on_empty_embedded` is on (never on MongoDB), and says so.
pub async fn seed_if_empty_embedded(settings: &crate::configuration::Settings, embedded: bool, modules: &Modules) -> anyhow::Result<()> {
    #[cfg(feature = "products")]
    if embedded && settings.products.seed_demo_on_empty_embedded && modules.products.product_count().await.map_err(|e| anyhow::anyhow!("seed: {e}"))? == 0 {
        let inserted = seed_demo(modules).await?;
        tracing::info!(inserted, "empty embedded store: seeded the demo catalog (products.seed_demo_on_empty_embedded = false turns this off)");
    }
    let _ = (settings, embedded, modules);
    Ok(())
}
