//! hme: the HMElectronics backend. One binary, five feature-gated modules.
//!
//! `main` is thin; [`startup`] is the composition root; [`cli`] the commands.

pub mod check;
pub mod cli;
pub mod configuration;
pub mod http;
pub mod infrastructure;
pub mod modules;
pub mod openapi;
pub mod ports;
pub mod route_table;
pub mod seed;
pub mod settings_reference;
pub mod startup;
pub mod telemetry;
