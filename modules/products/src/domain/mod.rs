//! The products domain: the document, its numbers, inputs and validation, list queries.
//! No framework types beyond serde and the kernel's error.

pub mod bson_json;
pub mod input;
pub mod number;
pub mod product;
pub mod query;
pub mod validation;

pub use input::{AddProductBody, DeleteBody, EditProductBody, InStockBody, NewProduct, ProductPatch, PromotionBody};
pub use number::JsNumber;
pub use product::Product;
pub use query::{ListParams, ListQuery, PageRequest, ProductFilter, SortOrder};
