//! BSON values printed the way mongoose's `toJSON` prints them (moved to the kernel,
//! `hme_kernel::mongoose`; re-exported here).

pub use hme_kernel::mongoose::bson_to_json;
