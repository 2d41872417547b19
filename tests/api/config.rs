//! Settings: files, legacy variable names, HME__ variables, in that order.

use std::collections::HashMap;

use hme::configuration::{Settings, LEGACY_ENV};
use secrecy::ExposeSecret;

use crate::helpers::config_dir;

#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod keys;


fn load(env: &[(&str, &str)]) -> Result<Settings, config::ConfigError> {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Settings::load_from(&config_dir(), &env)
}

#[test]
fn with_nothing_set_the_embedded_default_is_chosen_on_port_8080() {
    let s = load(&[]).unwrap();
    assert_eq!(s.server.port, 8080);
    assert!(s.mongodb.uri.is_none() && s.redis.url.is_none() && s.rabbitmq.url.is_none());
    assert_eq!(s.storage.data_dir, std::path::PathBuf::from("./data"));
    assert_eq!(s.rabbitmq.exchange, "events");
}

#[test]
fn an_environment_file_overrides_the_defaults_and_the_variables_override_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(config_dir().join("default.toml"), dir.path().join("default.toml")).unwrap();
    std::fs::write(dir.path().join("staging.toml"), "[server]\nport = 9000\nbody_limit_bytes = 1000\n").unwrap();
    let env = |pairs: &[(&str, &str)]| -> HashMap<String, String> { pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect() };

    let s = Settings::load_from(dir.path(), &env(&[("HME_ENV", "staging")])).unwrap();
    assert_eq!((s.server.port, s.server.body_limit_bytes), (9000, 1000));

    let s = Settings::load_from(dir.path(), &env(&[("HME_ENV", "staging"), ("PORT", "9100")])).unwrap();
    assert_eq!(s.server.port, 9100, "the legacy PORT beats the file");

    let s = Settings::load_from(dir.path(), &env(&[("HME_ENV", "staging"), ("PORT", "9100"), ("HME__SERVER__PORT", "9200")])).unwrap();
    assert_eq!(s.server.port, 9200, "HME__SERVER__PORT beats the legacy name");
    assert_eq!(s.server.body_limit_bytes, 1000, "untouched keys keep the file's value");
}

#[test]
fn every_legacy_variable_name_of_the_shop_env_file_is_honoured() {
    let s = load(&[
        ("PORT", "3001"),
        ("MONGODB_URI", "mongodb://u:p@db:27017/shop"),
        ("MONGODB_POOLSIZE", "25"),
        ("REDIS_URL", "redis://cache:6379"),
        ("RABBITMQ_URL", "amqp://g:g@mq:5672/%2f"),
        ("CLERK_JWT_KEY", "-----BEGIN PUBLIC KEY-----"),
        ("CLERK_SECRET_KEY", "sk_test_x"),
        ("CLOUDINARY_CLOUD_NAME", "hme-cloud"),
        ("CLOUDINARY_API_KEY", "12345"),
        ("CLOUDINARY_API_SECRET", "cloudsecret"),
        ("EMAIL_USER", "shop@example.com"),
        ("EMAIL_PASS", "app-password"),
        ("EMAIL_TO", "owner@example.com"),
        ("HME_PRODUCTS_URL", "http://products:8080"),
        ("HME_LOG_FORMAT", "json"),
    ])
    .unwrap();
    assert_eq!(s.server.port, 3001);
    assert_eq!(s.mongodb.uri.as_ref().map(|u| u.expose_secret().to_owned()).as_deref(), Some("mongodb://u:p@db:27017/shop"));
    assert_eq!(s.mongodb.pool_size, Some(25));
    assert_eq!(s.redis.url.as_ref().map(|u| u.expose_secret().to_owned()).as_deref(), Some("redis://cache:6379"));
    assert!(s.rabbitmq.url.is_some() && s.auth.clerk_jwt_key.is_some() && s.auth.clerk_secret_key.is_some());
    assert_eq!(s.cloudinary.cloud_name.as_deref(), Some("hme-cloud"));
    assert_eq!(s.cloudinary.api_key.as_deref(), Some("12345"));
    assert!(s.cloudinary.api_secret.is_some() && s.email.pass.is_some());
    assert_eq!(s.email.user.as_deref(), Some("shop@example.com"));
    assert_eq!(s.email.to.as_deref(), Some("owner@example.com"));
    assert_eq!(s.services.products_url.as_deref(), Some("http://products:8080"));
    assert_eq!(s.log.format, "json");
    assert!(LEGACY_ENV.len() >= 13);
}

#[test]
fn secrets_never_appear_when_settings_are_printed() {
    let s = load(&[
        ("MONGODB_URI", "mongodb://u:mongo-pw-123@db/shop"),
        ("CLOUDINARY_API_SECRET", "cloud-secret-456"),
        ("EMAIL_PASS", "mail-pass-789"),
        ("CLERK_SECRET_KEY", "sk_live_abc"),
    ])
    .unwrap();
    let printed = format!("{s:?}");
    for secret in ["mongo-pw-123", "cloud-secret-456", "mail-pass-789", "sk_live_abc"] {
        assert!(!printed.contains(secret), "{secret} leaked");
    }
}

#[test]
fn a_bad_value_is_refused_with_the_setting_named() {
    let err = load(&[("PORT", "eighty")]).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("server.port"), "{err}");
}

#[test]
fn list_settings_accept_comma_separated_values() {
    let s = load(&[("HME__SERVER__CORS_ORIGINS", "https://shop.example,https://admin.example")]).unwrap();
    assert_eq!(s.server.cors_origins, vec!["https://shop.example", "https://admin.example"]);
}

/// The leaf keys `config/default.toml` sets (empty tables are sections, not keys).
fn default_toml_keys() -> std::collections::BTreeSet<String> {
    fn walk(prefix: &str, table: HashMap<String, config::Value>, out: &mut std::collections::BTreeSet<String>) {
        for (name, value) in table {
            let key = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
            match value.kind {
                config::ValueKind::Table(t) if t.is_empty() => {}
                config::ValueKind::Table(t) => walk(&key, t.into_iter().collect(), out),
                _ => {
                    out.insert(key);
                }
            }
        }
    }
    let defaults = hme::settings_reference::defaults(&config_dir()).unwrap();
    let mut out = std::collections::BTreeSet::new();
    walk("", defaults.try_deserialize().unwrap(), &mut out);
    out
}

#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
#[test]
fn the_settings_reference_has_one_row_per_setting_of_the_code_and_no_other() {
    use hme::settings_reference::SETTINGS;
    let rows: std::collections::BTreeSet<String> = SETTINGS.iter().map(|r| r.key.to_owned()).collect();
    assert_eq!(rows.len(), SETTINGS.len(), "a key has two rows");
    let code = keys::leaf_keys::<Settings>();
    let missing: Vec<&String> = code.difference(&rows).collect();
    let stale: Vec<&String> = rows.difference(&code).collect();
    assert!(missing.is_empty(), "settings with no row in src/settings_reference.rs: {missing:?}");
    assert!(stale.is_empty(), "rows of src/settings_reference.rs no settings struct reads: {stale:?}");
    let toml = default_toml_keys();
    let unknown: Vec<&String> = toml.difference(&code).collect();
    assert!(unknown.is_empty(), "config/default.toml sets keys no settings struct reads: {unknown:?}");
    for (var, key) in LEGACY_ENV {
        assert!(code.contains(*key), "{var} fills {key}, which is no setting");
    }
}

#[test]
fn a_row_states_its_default_only_where_the_defaults_file_gives_none() {
    let toml = default_toml_keys();
    let shadowed: Vec<&str> = hme::settings_reference::SETTINGS.iter().filter(|r| r.default.is_some() && toml.contains(r.key)).map(|r| r.key).collect();
    assert!(shadowed.is_empty(), "rows whose default text config/default.toml overrides (drop the text): {shadowed:?}");
}

#[test]
fn the_configuration_reference_is_the_output_of_hme_settings() {
    const BEGIN: &str = "<!-- generated by `hme settings --markdown`: begin -->\n";
    const END: &str = "<!-- generated by `hme settings --markdown`: end -->";
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations-docs/configuration.md")).unwrap();
    let generated = doc.split(BEGIN).nth(1).and_then(|rest| rest.split(END).next()).unwrap_or_else(|| panic!("configuration.md has no generated block ({BEGIN:?} ... {END:?})"));
    let expected = hme::settings_reference::markdown(&hme::settings_reference::defaults(&config_dir()).unwrap());
    assert!(generated == expected, "migrations-docs/configuration.md differs from `hme settings --markdown`; paste its output between the markers");
}
