//! The products module answering the images module's [`ProductImages`] port: which image
//! URLs some product still uses (the list is cached, and the cache is invalidated on
//! every product write).

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use hme_products_contract::{ProductImages, ProductImagesError};

use crate::domain::ListParams;
use crate::ProductsService;

/// The catalog's [`ProductImages`].
pub struct CatalogImages(pub Arc<ProductsService>);

#[async_trait]
impl ProductImages for CatalogImages {
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ProductImagesError> {
        let body = self.0.list_body(&ListParams::default()).await.map_err(|e| ProductImagesError::Unavailable(e.to_string()))?;
        let list: serde_json::Value = serde_json::from_slice(&body.body).map_err(|e| ProductImagesError::Unavailable(e.to_string()))?;
        let wanted: HashSet<&str> = urls.iter().map(String::as_str).collect();
        Ok(list["products"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["image"].as_array())
            .flatten()
            .filter_map(|u| u.as_str())
            .filter(|u| wanted.contains(u))
            .map(str::to_owned)
            .collect())
    }
}
