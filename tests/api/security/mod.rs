//! Issue 11's verification of the whole binary: the malformed-input battery, the
//! authorization matrix, backend faults while orders flow, and the abuse controls
//! (rate limits, timeouts, the per-client cap, security headers, CORS).

mod abuse;
mod battery;
mod faults;
mod fixture;
mod matrix;
