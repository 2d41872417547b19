//! The settings reference printed by `hme settings`: one row per setting key `Settings`
//! reads. The variables come from the loader itself ([`LEGACY_ENV`] and the
//! `HME__SECTION__KEY` rule), the defaults from `config/default.toml` where it sets the
//! key (the row's text only where it does not), the meaning from the row.
//! `tests/api/config` proves the rows are exactly the keys of `Settings` and that
//! `migrations-docs/configuration.md` holds the Markdown output.

use std::fmt::Write as _;
use std::path::Path;

use config::{Config, ConfigError, File, Value, ValueKind};

use crate::configuration::{LEGACY_ENV, LIST_KEYS};

/// How a setting is set by an `HME__` variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmeVar {
    /// `HME__` and the key, upper case, `.` as `__` (`HME__ORDERS__HOLD_LEASE_SECS`).
    Key,
    /// One variable per map entry, as written (`HME__MIGRATION__MODULES__<MODULE>`).
    PerEntry(&'static str),
    /// No variable: TOML only (a key holding a space or a slash cannot be a variable name).
    None,
}

/// One setting of the reference.
#[derive(Debug, Clone, Copy)]
pub struct SettingRow {
    /// The dotted key (`orders.hold_lease_secs`).
    pub key: &'static str,
    /// How an `HME__` variable sets it.
    pub hme_var: HmeVar,
    /// Variables read besides the legacy names and the `HME__` one (`RUST_LOG`).
    pub also: &'static [&'static str],
    /// The default where `config/default.toml` does not set the key (it wins otherwise).
    pub default: Option<&'static str>,
    /// What it does.
    pub meaning: &'static str,
}

/// A variable read by name that is no setting key.
#[derive(Debug, Clone, Copy)]
pub struct VariableRow {
    /// The variable(s).
    pub names: &'static str,
    /// When unset.
    pub default: &'static str,
    /// What it does.
    pub meaning: &'static str,
}

const fn row(key: &'static str, default: Option<&'static str>, meaning: &'static str) -> SettingRow {
    SettingRow { key, hme_var: HmeVar::Key, also: &[], default, meaning }
}

/// Every setting key, in the order of the reference.
pub const SETTINGS: &[SettingRow] = &[
    row("server.host", None, "interface to bind"),
    row("server.port", None, "port to bind; 0 picks a free one"),
    row("server.body_limit_bytes", None, "largest JSON body (413 above)"),
    row("server.cors_origins", None, "origins allowed by CORS (exact, e.g. `https://shop.example`); empty sends no CORS headers"),
    row("server.shutdown_timeout_secs", None, "time in-flight requests get to finish on SIGTERM"),
    row("server.workers", None, "HTTP worker threads; 0 = one per core"),
    row("server.request_timeout_secs", None, "a request still running after this answers 503 (`Retry-After: 1`); 0 = no limit"),
    row("server.max_concurrent_per_client", None, "requests in flight per client address (429 `Retry-After: 1` above); 0 = no cap"),
    row("server.trust_forwarded_for", None, "client address (rate limits, the cap) from the last `X-Forwarded-For` entry (the one the proxy appended; earlier entries are the client's and ignored); set it behind the Next.js rewrites or a gateway that sets the header, never when clients reach hme directly"),
    row("server.error_statuses", None, "failures of the legacy routes: `legacy` = the legacy handler's status (mostly 200 `{success:false, message}`, which the storefront needs), `http` = the real status, same body (below)"),
    row("storage.data_dir", None, "folder of the embedded database and local files"),
    row("mongodb.uri", Some("unset: embedded storage"), "MongoDB connection string (secret); the database is the URI's path (`test` when none, as mongoose)"),
    row("mongodb.pool_size", Some("driver default"), "connection pool size"),
    row("mongodb.database", Some("from the URI"), "overrides the database named in the URI"),
    row("mongodb.instance_heartbeat_ms", None, "how often this process refreshes its instance document (`hme_instances`) and looks for dead instances"),
    row("mongodb.instance_dead_after_ms", None, "an instance whose heartbeat is older than this (server clock) is dead: whichever live instance notices first kills its sessions (`killSessions`), which aborts its open transactions and frees the documents they wrote"),
    row("redis.url", Some("unset: in-process"), "Redis for cache and rate limits (secret)"),
    row("redis.key_prefix", None, "prefix of every key"),
    row("redis.pool_size", None, "connections"),
    row("rabbitmq.url", Some("unset: in-process over the embedded outbox"), "RabbitMQ for events (secret)"),
    row("rabbitmq.exchange", None, "the topic exchange"),
    row("rabbitmq.queue_prefix", None, "prefix of every queue name"),
    row("rabbitmq.prefetch", None, "unacknowledged messages per consumer"),
    row("rabbitmq.max_attempts", None, "delivery attempts before the dead-letter queue"),
    row("rabbitmq.retry_base_delay_ms", None, "first retry delay, doubling per attempt"),
    row("cache.memory_max_bytes", None, "bytes the in-process cache may hold"),
    row("auth.clerk_jwt_key", Some("unset: Clerk tokens are refused"), "Clerk's PEM public key (one-line form with `\\n` accepted)"),
    row("auth.clerk_secret_key", Some("unset"), "Clerk's backend API key (secret): asks Clerk for the role of a user whose token has no role claim; unset, such a user is a customer unless a user webhook told the role"),
    row("auth.clerk_api_url", None, "Clerk's backend API origin (`/v1/users/{id}` is appended); not an http(s) URL: the start fails"),
    row("auth.role_cache_ttl_secs", None, "how long a role looked up from Clerk (or told by a user webhook) is remembered (in Redis when configured)"),
    row("auth.trusted_origins", None, "origins whose pages may send POST/PUT/PATCH/DELETE signed in by the `__session` cookie alone, besides hme's own (`Host`; `X-Forwarded-Host` with `server.trust_forwarded_for`), `server.cors_origins` and `orders.payments.base_url`; others are refused 403"),
    row("auth.leeway_secs", None, "clock skew allowed on `exp`/`nbf`"),
    row("auth.authorized_parties", None, "accepted `azp` values; empty: not checked"),
    row("auth.issuer", Some("unset: not checked"), "the required `iss` of Clerk tokens"),
    row("auth.clerk_jwks_url", Some("unset"), "Clerk's JWKS; keys cached, refetched on an unknown `kid` (rate limited)"),
    row("auth.own_issuer", None, "the `iss` of our own tokens"),
    row("auth.own_jwks_url", Some("`<services.auth_url>/api/auth/jwks.json` when auth is not compiled in"), "where our public keys are fetched when the auth module runs elsewhere"),
    row("auth.jwks_cache_ttl_secs", None, "how long a fetched JWKS is used (0 = 3600)"),
    row("auth.jwks_min_refresh_secs", None, "fewest seconds between JWKS fetches (0 = 30)"),
    row("accounts.clerk_webhook_signing_secret", Some("unset: the webhook answers 503"), "Svix secret `whsec_...` of the Clerk webhook"),
    row("accounts.webhook_tolerance_secs", None, "accepted webhook timestamp skew; replays remembered twice as long"),
    row("accounts.issuer", Some("`auth.own_issuer`"), "the `iss` of the tokens the auth module signs; always replaced by `auth.own_issuer`"),
    row("accounts.signing_key_pem", Some("generated at start (one instance only)"), "Ed25519 (EdDSA) or RSA (RS256) private key of our tokens (secret)"),
    row("accounts.access_ttl_secs", None, "access token lifetime"),
    row("accounts.refresh_ttl_secs", None, "refresh token lifetime"),
    row("accounts.login_max_per_account", None, "login attempts per account per window (429 above)"),
    row("accounts.login_max_per_ip", None, "login attempts per client address per window"),
    row("accounts.login_window_secs", None, "the login window (counted in Redis when configured)"),
    row("accounts.register_max_per_ip", None, "registrations per client address per window (429 above); 0 = unlimited"),
    row("accounts.register_window_secs", None, "the registration window"),
    row("accounts.trust_forwarded_for", None, "client address of the login and registration limits from `X-Forwarded-For` (behind a trusted proxy only), as `server.trust_forwarded_for`"),
    row("accounts.admin_emails", None, "accounts registered with these emails are admins"),
    row("accounts.default_image_url", None, "`imageUrl` of users registered with us"),
    row("accounts.max_cart_lines", None, "products in one cart"),
    row("accounts.argon2_memory_kib", None, "password hashing memory (argon2id)"),
    row("accounts.argon2_iterations", None, "password hashing passes (argon2id)"),
    row("accounts.argon2_parallelism", None, "password hashing lanes (argon2id)"),
    row("cloudinary.cloud_name", Some("unset"), "Cloudinary cloud name"),
    row("cloudinary.api_key", Some("unset"), "Cloudinary API key"),
    row("cloudinary.api_secret", Some("unset"), "Cloudinary API secret (never leaves the server)"),
    row("email.smtp_url", Some("unset"), "`smtp://user:pass@host:587` (secret); wins over user/pass"),
    row("email.user", Some("unset"), "Gmail account (legacy nodemailer setup)"),
    row("email.pass", Some("unset"), "Gmail app password (secret)"),
    row("email.to", Some("unset"), "the shop owner's address"),
    row("services.products_url", Some("unset"), "where the products module runs when not compiled in"),
    row("services.auth_url", Some("unset"), "where the auth module runs when not compiled in"),
    row("services.orders_url", Some("unset"), "where the orders module runs when not compiled in"),
    row("services.images_url", Some("unset"), "where the images module runs when not compiled in"),
    row("services.service_token", Some("unset: internal endpoints not mounted"), "shared secret of the internal endpoints `/internal/v1/...` (`Authorization: Bearer`); required by a build that calls another module over HTTP; the same on every service"),
    row("services.timeout_ms", None, "one call to another module (connect included)"),
    row("services.retries", None, "extra attempts of a call to another module after a connection failure, a timeout or a 5xx (every port call is idempotent), backoff 50 ms doubling"),
    row("log.format", None, "`pretty` (human) or `json` (`config/production.toml` sets `json`)"),
    SettingRow { key: "log.level", hme_var: HmeVar::Key, also: &["RUST_LOG"], default: None, meaning: "log filter; `RUST_LOG` wins when set" },
    row("admin.host", None, "interface of the admin listener (`/metrics`); `0.0.0.0` in containers"),
    row("admin.port", None, "port of the admin listener; 0 picks a free one"),
    SettingRow { key: "migration.upstream_url", hme_var: HmeVar::Key, also: &[], default: Some("unset: layer off"), meaning: "the Next.js app: legacy and unknown `/api/...` routes are proxied there" },
    row("migration.second_upstream_url", Some("unset"), "a second Next.js instance; shadow compares the two to learn noisy fields"),
    row("migration.default_state", None, "state of a legacy route no other setting names: `legacy`, `shadow`, `hme`"),
    SettingRow { key: "migration.routes", hme_var: HmeVar::None, also: &[], default: None, meaning: "per-route states in TOML, `\"GET /api/product/list\" = \"shadow\"`" },
    SettingRow { key: "migration.modules", hme_var: HmeVar::PerEntry("HME__MIGRATION__MODULES__<MODULE>"), also: &[], default: None, meaning: "per-module (route group) states, `orders = \"legacy\"`" },
    row("migration.route_states", Some("empty"), "per-route states as `METHOD /path=state,...` (one variable); wins over the others"),
    row("migration.volatile_fields", None, "ignored when comparing bodies: a key at any depth, or a dotted path (`products.views`)"),
    row("migration.timeout_secs", None, "one upstream exchange (504 above)"),
    row("migration.connect_timeout_secs", None, "connecting to the upstream (502 when refused)"),
    row("products.cache_enabled", Some("`true`"), "cache list and product reads"),
    row("products.cache_ttl_secs", Some("`30`"), "upper bound on a cached read's age"),
    row("products.max_images", Some("`8`"), "images per product"),
    row("products.default_page_size", Some("`20`"), "`limit` when paging without one"),
    row("products.max_page_size", Some("`100`"), "largest `limit`"),
    row("products.relay_enabled", Some("`true`"), "run an outbox relay in the products module (any relay publishes every module's outbox events)"),
    row("products.seed_demo_on_empty_embedded", None, "`hme serve` on an empty embedded store seeds the demo catalog first (images generated and stored in the image backend); never on MongoDB"),
    row("products.hold_sweep_ms", None, "how often this instance gives back stock holds past their lease (0: never here; another instance must then sweep)"),
    row("orders.shipping_fee", None, "flat shipping fee added to every order (PKR)"),
    row("orders.idempotency_ttl_secs", None, "how long an `Idempotency-Key` replays its first result"),
    row("orders.idempotency_claim_secs", None, "how long one attempt holds its `Idempotency-Key` before a retry may take over (the longest a retry after a crash waits)"),
    row("orders.hold_lease_secs", None, "how long stock taken for an order attempt stays held unless the order is stored; past it any instance's sweeper gives it back (orders.md, \"Stock\")"),
    row("orders.max_lines", None, "lines in one order"),
    row("orders.max_quantity", None, "units of one product in one order"),
    row("orders.create_max_per_user", None, "orders (create and JazzCash checkout) one user may place per window (429 above); 0 = unlimited"),
    row("orders.create_max_per_ip", None, "orders placed from one client address per window; 0 = unlimited"),
    row("orders.create_window_secs", None, "the order window"),
    row("orders.relay_enabled", None, "run the outbox relay in this process"),
    row("orders.relay_poll_ms", None, "outbox poll interval (it also wakes on every commit)"),
    row("orders.relay_base_delay_ms", None, "first backoff while the broker refuses events"),
    row("orders.relay_max_delay_ms", None, "longest backoff while the broker refuses events"),
    row("orders.payments.jazzcash_merchant_id", Some("unset"), "JazzCash merchant id; checkout answers 503 unless all three JazzCash values are set"),
    row("orders.payments.jazzcash_password", Some("unset"), "`pp_Password` (secret)"),
    row("orders.payments.jazzcash_integrity_salt", Some("unset"), "HMAC key of `pp_SecureHash` (secret)"),
    row("orders.payments.jazzcash_gateway_url", None, "where the browser posts the payment form"),
    row("orders.payments.base_url", None, "the storefront's origin: base of `/payment-success` and `/payment-failed` (`BASE_URL` wins over `NEXT_PUBLIC_BASE_URL`)"),
    row("orders.payments.callback_url", Some("`<base_url>/api/checkout/callback`"), "`pp_ReturnURL`"),
    row("orders.payments.txn_expiry_hours", None, "JazzCash transaction expiry"),
    row("orders.payments.tcs_api_url", Some("unset"), "TCS courier API; unset: paid orders wait with a provisional tracking number"),
    row("orders.payments.tcs_api_key", Some("unset"), "TCS bearer key (secret)"),
    row("orders.payments.courier_timeout_secs", None, "one courier call"),
    row("orders.payments.courier_lease_secs", None, "booking lease per order"),
    row("images.backend", Some("`cloudinary` when its three settings are set, else `local`"), "`local`, `s3` or `cloudinary`"),
    row("images.max_file_bytes", None, "largest uploaded file (413 above)"),
    row("images.max_files", None, "files per upload"),
    row("images.max_dimension", None, "largest width or height in pixels (422 above)"),
    row("images.signature_algorithm", None, "Cloudinary signature: `sha1` or `sha256`"),
    row("images.folder_prefix", None, "first folder of every stored key (then the seller id)"),
    row("images.local_dir", Some("`<storage.data_dir>/media`"), "folder of the local backend, served at `/media/...`"),
    row("images.public_base_url", None, "origin of local media URLs (set it in production)"),
    row("images.s3.bucket", Some("unset"), "S3 bucket"),
    row("images.s3.region", None, "S3 region"),
    row("images.s3.endpoint", Some("AWS"), "S3-compatible endpoint (MinIO, moto, ...)"),
    row("images.s3.access_key_id", Some("`AWS_ACCESS_KEY_ID`"), "S3 access key"),
    row("images.s3.secret_access_key", Some("`AWS_SECRET_ACCESS_KEY`"), "S3 secret key (secret)"),
    row("images.s3.public_base_url", Some("the bucket's URL"), "origin of S3 media URLs (a CDN)"),
    row("images.cloudinary_api_base_url", None, "Cloudinary API origin"),
    row("images.cloudinary_delivery_base_url", None, "Cloudinary delivery origin"),
    row("images.orphan_after_secs", None, "an upload no product references after this is removed"),
    row("images.cleanup_interval_secs", None, "orphan sweep period; 0 turns it off"),
    row("images.request_timeout_secs", None, "one Cloudinary or S3 call"),
    row("worker.shop_name", None, "name in emails"),
    row("worker.currency", None, "currency label in emails"),
    row("worker.from", Some("`EMAIL_USER`"), "sender of emails"),
    row("worker.outbox_dir", Some("`<storage.data_dir>/outbox`"), "where `.eml` files go when no SMTP is configured"),
    row("worker.smtp_url", Some("`email.smtp_url`"), "the worker's own SMTP URL (secret)"),
    row("worker.email_user", Some("`email.user`"), "the worker's own Gmail account"),
    row("worker.email_pass", Some("`email.pass`"), "the worker's own Gmail app password (secret)"),
    row("worker.owner_email", Some("`email.to`"), "the worker's own owner address"),
    row("worker.notifications.rate_limit_max", None, "subscribe/contact requests per client address per window (429 above); 0 = unlimited"),
    row("worker.notifications.rate_limit_window_secs", None, "the subscribe/contact window"),
    row("worker.notifications.name_max_chars", None, "contact form: longest name"),
    row("worker.notifications.message_max_chars", None, "contact form: longest message"),
];

/// Variables the binary reads by name besides the settings.
pub const VARIABLES: &[VariableRow] = &[
    VariableRow { names: "`HME_ENV`", default: "`local`", meaning: "selects `config/<HME_ENV>.toml`" },
    VariableRow { names: "`HME_CONFIG_DIR`", default: "`./config`, else the checkout's", meaning: "folder of the TOML files (also `--config-dir`)" },
    VariableRow { names: "`RUST_LOG`", default: "`log.level`", meaning: "log filter" },
    VariableRow {
        names: "`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`",
        default: "unset: tracing off",
        meaning: "OpenTelemetry traces over OTLP/HTTP (observability.md)",
    },
    VariableRow {
        names: "`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`",
        default: "`hme`, or `hme-<module>` for a one-module build",
        meaning: "the traces' service name and resource attributes",
    },
    VariableRow { names: "`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_BSP_*`", default: "the SDK's", meaning: "sampling and span batching (standard OpenTelemetry variables)" },
];

impl SettingRow {
    /// The variables that set it: the legacy names (in [`LEGACY_ENV`] order) and the
    /// `HME__` one, then [`SettingRow::also`].
    pub fn variables(&self) -> Vec<String> {
        let mut vars: Vec<String> = LEGACY_ENV.iter().filter(|(_, key)| *key == self.key).map(|(var, _)| (*var).to_owned()).collect();
        match self.hme_var {
            HmeVar::Key if LIST_KEYS.contains(&self.key) => vars.push(format!("HME__{} (comma-separated)", self.key.to_ascii_uppercase().replace('.', "__"))),
            HmeVar::Key => vars.push(format!("HME__{}", self.key.to_ascii_uppercase().replace('.', "__"))),
            HmeVar::PerEntry(var) => vars.push(var.to_owned()),
            HmeVar::None => vars.push("none (TOML only)".to_owned()),
        }
        vars.extend(self.also.iter().map(|v| (*v).to_owned()));
        vars
    }
}

/// The defaults file of `config_dir`, to read each key's default from.
pub fn defaults(config_dir: &Path) -> Result<Config, ConfigError> {
    Config::builder().add_source(File::from(config_dir.join("default.toml"))).build()
}

/// A row's default: the value `default.toml` gives the key, else the row's text.
pub fn default_of(defaults: &Config, row: &SettingRow) -> String {
    match defaults.get::<Value>(row.key) {
        Ok(value) => shown(&value),
        Err(_) => row.default.unwrap_or("unset").to_owned(),
    }
}

fn shown(value: &Value) -> String {
    match &value.kind {
        ValueKind::Nil => "unset".to_owned(),
        ValueKind::Array(items) if items.is_empty() => "empty".to_owned(),
        ValueKind::Table(entries) if entries.is_empty() => "empty".to_owned(),
        ValueKind::Array(items) => format!("`{}`", items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")),
        _ => format!("`{value}`"),
    }
}

/// The reference as Markdown: the settings table, then the other variables.
pub fn markdown(defaults: &Config) -> String {
    let mut out = String::from("| setting | variables | default | meaning |\n|---|---|---|---|\n");
    for row in SETTINGS {
        let vars = row.variables().iter().map(|v| code(v)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(out, "| `{}` | {vars} | {} | {} |", row.key, default_of(defaults, row), row.meaning);
    }
    out.push_str("\n| variable | default | meaning |\n|---|---|---|\n");
    for var in VARIABLES {
        let _ = writeln!(out, "| {} | {} | {} |", var.names, var.default, var.meaning);
    }
    out
}

/// A variable as Markdown code; the words after it (`(comma-separated)`) and a row
/// with none (`none (TOML only)`) stay plain.
fn code(var: &str) -> String {
    match var.split_once(' ') {
        _ if var.starts_with("none") => var.to_owned(),
        Some((name, rest)) => format!("`{name}` {rest}"),
        None => format!("`{var}`"),
    }
}

/// The reference as plain text: one block per setting.
pub fn text(defaults: &Config) -> String {
    let mut out = String::new();
    for row in SETTINGS {
        let _ = writeln!(out, "{}\n  variables: {}\n  default:   {}\n  {}\n", row.key, row.variables().join(", "), default_of(defaults, row).replace('`', ""), row.meaning);
    }
    for var in VARIABLES {
        let _ = writeln!(out, "{}\n  default:   {}\n  {}\n", var.names.replace('`', ""), var.default.replace('`', ""), var.meaning);
    }
    out
}
