//! The switchable TCP proxy (shared in hme_kernel::testing) and URL helpers.



pub use hme_kernel::testing::{host_port, FaultProxy};

/// The URL with its host and port replaced by the proxy's.
pub fn via(url: &str, port: u16) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_host(Some("127.0.0.1")).unwrap();
    u.set_port(Some(port)).unwrap();
    u.to_string()
}
