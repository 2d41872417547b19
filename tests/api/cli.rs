//! The `hme` command line, run as a process.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hme_kernel::testing::TEST_PUBLIC_PEM;

fn hme(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all: Vec<(&str, &str)> = crate::helpers::SPLIT_URLS.to_vec();
    all.extend_from_slice(env);
    hme_with(args, &all)
}

fn hme_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hme"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HME_CONFIG_DIR", crate::helpers::config_dir())
        .env("HME__STORAGE__DATA_DIR", data.path())
        .env("HME__SERVER__PORT", "0")
        .env("HME__ADMIN__PORT", "0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn routes_lists_every_route_of_the_compiled_modules() {
    let out = hme(&["routes", "--json"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let routes: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(routes.iter().any(|r| r["path"] == "/healthz" && r["method"] == "GET" && r["module"] == "core"));
    let product_routes = routes.iter().filter(|r| r["module"] == "products").count();
    if cfg!(feature = "products") {
        assert!(product_routes >= 7, "{routes:?}");
    } else {
        assert_eq!(product_routes, 0);
    }
}

#[test]
fn openapi_prints_the_document_of_the_compiled_modules() {
    let out = hme(&["openapi"], &[]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    assert!(doc["paths"]["/readyz"]["get"].is_object());
}

#[test]
fn an_unreachable_mongodb_fails_the_start_with_one_clear_line_and_no_password() {
    let started = Instant::now();
    let out = hme(&["serve"], &[("MONGODB_URI", "mongodb://shop:s3cr3t-pw@127.0.0.1:9/shop?serverSelectionTimeoutMS=1500")]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("MongoDB at mongodb://shop:***@127.0.0.1:9/shop"), "{err}");
    assert!(!err.contains("s3cr3t-pw"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_bad_clerk_key_fails_the_start_naming_the_setting() {
    let out = hme(&["serve"], &[("CLERK_JWT_KEY", "not a pem")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("clerk_jwt_key"), "{}", text(&out.stderr));
}

#[test]
fn check_config_names_the_bad_setting_and_exits_non_zero() {
    let out = hme(&["check-config"], &[("HME__SERVER__PORT", "not-a-port")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("server.port"), "{}", text(&out.stderr));

    let out = hme(&["check-config"], &[("REDIS_URL", "redis://:redis-pw@127.0.0.1:9")]);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("FAIL redis.url (REDIS_URL)"), "{stdout}");
    assert!(!stdout.contains("redis-pw") && !text(&out.stderr).contains("redis-pw"));
}

#[test]
fn check_config_passes_on_the_embedded_default() {
    let out = hme(&["check-config"], &[("CLERK_JWT_KEY", TEST_PUBLIC_PEM)]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("configuration ok"));
}

#[cfg(all(feature = "orders", not(feature = "products")))]
#[test]
fn orders_alone_refuses_to_start_without_a_products_url() {
    let out = hme_with(&["serve"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("HME_PRODUCTS_URL"), "{}", text(&out.stderr));
}

#[cfg(all(feature = "orders", not(feature = "products")))]
#[test]
fn orders_alone_refuses_to_call_other_modules_without_the_service_token() {
    let out = hme_with(&["serve"], &[("HME_PRODUCTS_URL", "http://127.0.0.1:9"), ("HME_AUTH_URL", "http://127.0.0.1:9")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("HME_SERVICE_TOKEN"), "{}", text(&out.stderr));
}

use hme_kernel::testing::free_port;

#[test]
fn health_answers_once_the_server_is_up_and_sigterm_stops_it_gracefully() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let env = [("HME__SERVER__PORT", port.as_str()), ("HME__SERVER__HOST", "127.0.0.1")];
    assert!(!hme(&["health"], &env).status.success(), "nothing listens yet");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hme"))
        .env("HME_CONFIG_DIR", crate::helpers::config_dir())
        .env("HME__STORAGE__DATA_DIR", data.path())
        .env("HME__ADMIN__PORT", "0")
        .envs(env)
        .envs(crate::helpers::SPLIT_URLS.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !hme(&["health"], &env).status.success() {
        assert!(child.try_wait().unwrap().is_none(), "the server exited early");
        assert!(Instant::now() < deadline, "hme health never succeeded");
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit after SIGTERM: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn settings_prints_every_setting_with_its_variables_default_and_meaning() {
    let out = hme(&["settings"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let block = printed.split("\n\n").find(|b| b.starts_with("orders.hold_lease_secs\n")).unwrap_or_else(|| panic!("no orders.hold_lease_secs in:\n{printed}"));
    assert!(block.contains("variables: HME__ORDERS__HOLD_LEASE_SECS\n") && block.contains("default:   30") && block.contains("stays held"), "{block}");
    let api_url = printed.split("\n\n").find(|b| b.starts_with("auth.clerk_api_url\n")).unwrap();
    assert!(api_url.contains("variables: CLERK_API_URL, HME__AUTH__CLERK_API_URL") && api_url.contains("https://api.clerk.com"), "{api_url}");
    assert!(printed.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "the tracing variables are listed");

    let markdown = hme(&["settings", "--markdown"], &[]);
    assert!(markdown.status.success(), "{}", text(&markdown.stderr));
    assert!(text(&markdown.stdout).contains("| `orders.hold_lease_secs` | `HME__ORDERS__HOLD_LEASE_SECS` | `30` | "), "{}", text(&markdown.stdout));
}
