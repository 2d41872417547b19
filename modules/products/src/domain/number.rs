//! JavaScript numbers, the way mongoose stores and prints them (moved to the kernel,
//! `hme_kernel::mongoose`, so the orders module shares them; re-exported here).

pub use hme_kernel::mongoose::{js_json_number, JsNumber};
