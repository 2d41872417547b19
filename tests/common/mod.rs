//! Test helpers shared by the `api` and `split` test binaries (each includes this folder
//! with `#[path = "../common/mod.rs"] mod common;`): the OTLP test receiver and its spans,
//! and a real Prometheus scraping hme's admin listeners.
#![allow(dead_code)]

pub mod otlp;
pub mod prometheus;

/// A child process killed on drop.
pub struct Proc(pub std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free TCP port on 127.0.0.1 for a child to take (see the kernel's testing helper).
pub use hme_kernel::testing::free_port;
