//! The kernel's static consumer list (declared by every publisher) matches the consumers
//! the worker actually runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hme_kernel::backends::Documents;
use hme_kernel::events::consumers::KNOWN_CONSUMERS;
use hme_kernel::testing::embedded_test_db;
use hme_worker::{WorkerModule, WorkerPorts, WorkerSettings};
use support::*;

#[tokio::test]
async fn every_worker_consumer_is_in_the_kernel_list_with_its_patterns() {
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db));
    let outbox = tempfile::tempdir().unwrap();
    let settings = WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..WorkerSettings::default() };
    let worker = WorkerModule::build(&platform, &settings, WorkerPorts::default()).unwrap();
    for h in worker.handlers() {
        let known = KNOWN_CONSUMERS.iter().find(|c| c.name == h.consumer());
        let known = known.unwrap_or_else(|| panic!("{} missing from KNOWN_CONSUMERS", h.consumer()));
        let patterns: Vec<String> = known.patterns.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(patterns, h.event_types(), "{}", h.consumer());
    }
    for name in ["email.order_created", "inventory.sales", "email.status_changed", "images.cleanup"] {
        assert!(WorkerModule::consumers().iter().any(|(c, _)| c == name), "{name}");
    }
}
