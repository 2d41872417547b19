//! The `hme` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match hme::cli::run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hme: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
