//! Which products a list asks for: filters, order and page.

use hme_kernel::ApiError;
use serde::Deserialize;
use std::cmp::Ordering;

use super::product::Product;

/// Filters; every present one must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductFilter {
    /// Only this seller's products.
    pub user_id: Option<String>,
    /// Exact category.
    pub category: Option<String>,
    /// Search in name, description and tags.
    pub text: Option<String>,
    /// `price >= min_price`.
    pub min_price: Option<f64>,
    /// `price <= max_price`.
    pub max_price: Option<f64>,
    /// Exact `inStock`.
    pub in_stock: Option<bool>,
    /// Exact `promotion`.
    pub promotion: Option<bool>,
}

/// The order of a list; ties break on `_id` ascending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// No sort: the natural order the legacy `Product.find({})` answered. MongoDB: an
    /// unsorted `find` (insertion order in practice); embedded: `_id` ascending, i.e.
    /// ObjectId creation order (the table's key order).
    #[default]
    Natural,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Oldest first.
    DateAsc,
    /// Newest first.
    DateDesc,
    /// Best selling first.
    SalesDesc,
}

/// A page: skip `(page-1)*limit`, take `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Page size.
    pub limit: u64,
}

impl PageRequest {
    /// How many products come before the page.
    pub fn skip(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.limit)
    }
}

/// A list request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Filters.
    pub filter: ProductFilter,
    /// Order.
    pub sort: SortOrder,
    /// None: every matching product.
    pub page: Option<PageRequest>,
}

/// The optional query parameters of `GET /api/product/list`, as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Exact category (e.g. `Earphone`).
    pub category: Option<String>,
    /// Search text over name, description and tags.
    pub q: Option<String>,
    /// Lowest price (PKR, inclusive).
    pub min_price: Option<String>,
    /// Highest price (PKR, inclusive).
    pub max_price: Option<String>,
    /// `true` or `false`.
    pub in_stock: Option<String>,
    /// `true` or `false`.
    pub promotion: Option<String>,
    /// `price`, `-price`, `date`, `-date` or `sales` (best selling first).
    pub sort: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<String>,
}

impl ListParams {
    /// True when no extension parameter is present: the legacy "every product" list.
    pub fn is_legacy(&self) -> bool {
        [&self.category, &self.q, &self.min_price, &self.max_price, &self.in_stock, &self.promotion, &self.sort, &self.page, &self.limit]
            .iter()
            .all(|p| p.is_none())
    }

    /// The query these parameters ask for; 400 naming the first bad one.
    pub fn to_query(&self, default_limit: u64, max_limit: u64) -> Result<ListQuery, ApiError> {
        if self.is_legacy() {
            return Ok(ListQuery::default());
        }
        let filter = ProductFilter {
            user_id: None,
            category: non_blank(&self.category, 100, "category")?,
            text: non_blank(&self.q, 200, "q")?,
            min_price: price_param(&self.min_price, "minPrice")?,
            max_price: price_param(&self.max_price, "maxPrice")?,
            in_stock: bool_param(&self.in_stock, "inStock")?,
            promotion: bool_param(&self.promotion, "promotion")?,
        };
        let page = int_param(&self.page, "page", 1, u64::from(u32::MAX))?.unwrap_or(1);
        let limit = int_param(&self.limit, "limit", 1, max_limit)?.unwrap_or(default_limit.min(max_limit));
        Ok(ListQuery { filter, sort: sort_param(self.sort.as_deref())?, page: Some(PageRequest { page, limit }) })
    }
}

fn non_blank(v: &Option<String>, max: usize, name: &str) -> Result<Option<String>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > max => Err(ApiError::bad_request(format!("Invalid {name}: at most {max} characters"))),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

fn price_param(v: &Option<String>, name: &str) -> Result<Option<f64>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid {name}: expected a non-negative number"))),
    }
}

fn bool_param(v: &Option<String>, name: &str) -> Result<Option<bool>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request(format!("Invalid {name}: expected true or false"))),
    }
}

fn int_param(v: &Option<String>, name: &str, min: u64, max: u64) -> Result<Option<u64>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid {name}: expected a whole number from {min} to {max}"))),
    }
}

fn sort_param(v: Option<&str>) -> Result<SortOrder, ApiError> {
    Ok(match v.map(str::trim) {
        None | Some("") => SortOrder::Natural,
        Some("price") => SortOrder::PriceAsc,
        Some("-price") => SortOrder::PriceDesc,
        Some("date") => SortOrder::DateAsc,
        Some("-date") => SortOrder::DateDesc,
        Some("sales" | "-sales") => SortOrder::SalesDesc,
        Some(_) => return Err(ApiError::bad_request("Invalid sort: expected price, -price, date, -date or sales")),
    })
}

impl ProductFilter {
    /// Whether `p` passes every filter (the embedded adapter's matcher; text search is a
    /// case-insensitive substring match over name, description and tags).
    pub fn matches(&self, p: &Product) -> bool {
        let text_ok = |q: &String| {
            let q = q.to_lowercase();
            p.name.to_lowercase().contains(&q)
                || p.description.to_lowercase().contains(&q)
                || p.tags.iter().any(|t| t.to_lowercase().contains(&q))
        };
        self.user_id.as_ref().is_none_or(|u| &p.user_id == u)
            && self.category.as_ref().is_none_or(|c| &p.category == c)
            && self.text.as_ref().is_none_or(text_ok)
            && self.min_price.is_none_or(|m| p.price.get() >= m)
            && self.max_price.is_none_or(|m| p.price.get() <= m)
            && self.in_stock.is_none_or(|b| p.in_stock == b)
            && self.promotion.is_none_or(|b| p.promotion == b)
    }
}

impl SortOrder {
    /// Compares two products in this order (ties on `_id`).
    pub fn compare(self, a: &Product, b: &Product) -> Ordering {
        let f = |x: f64, y: f64| x.partial_cmp(&y).unwrap_or(Ordering::Equal);
        let primary = match self {
            SortOrder::Natural => Ordering::Equal,
            SortOrder::PriceAsc => f(a.price.get(), b.price.get()),
            SortOrder::PriceDesc => f(b.price.get(), a.price.get()),
            SortOrder::DateAsc => a.date.cmp(&b.date),
            SortOrder::DateDesc => b.date.cmp(&a.date),
            SortOrder::SalesDesc => f(b.sales.get(), a.sales.get()),
        };
        primary.then_with(|| a.id.cmp(&b.id))
    }
}
