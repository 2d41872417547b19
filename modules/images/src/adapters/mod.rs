//! Adapters: image stores (local folder, S3-compatible, Cloudinary) and upload records
//! (MongoDB, embedded redb).

pub mod cloudinary;
pub mod local;
pub mod records_embedded;
pub mod records_mongo;
pub mod s3;

pub use cloudinary::CloudinaryImageStore;
pub use local::LocalImageStore;
pub use records_embedded::EmbeddedUploadStore;
pub use records_mongo::MongoUploadStore;
pub use s3::S3ImageStore;
