//! The products ports over HTTP (the wire platform is [`hme_kernel::remote`]): each file
//! holds both halves of one port, the internal endpoints the products module mounts
//! (`serve*`) and the `Remote*` client of them.

pub mod catalog;
pub mod product_images;
pub mod sales;

pub use catalog::RemoteCatalog;
pub use product_images::RemoteProductImages;
pub use sales::RemoteSalesLedger;
