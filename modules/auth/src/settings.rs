//! The auth module's settings (section `[accounts]` of the configuration).

use secrecy::SecretString;
use serde::Deserialize;

/// Settings of the auth module; every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthModuleSettings {
    /// Svix signing secret of the Clerk webhook endpoint (`CLERK_WEBHOOK_SIGNING_SECRET`,
    /// `whsec_...`). Unset: `POST /api/webhooks/clerk` answers 503.
    pub clerk_webhook_signing_secret: Option<SecretString>,
    /// Webhook timestamps further than this from now are refused, seconds.
    pub webhook_tolerance_secs: u64,
    /// The `iss` of our own tokens.
    pub issuer: String,
    /// Private key signing our tokens, PEM (PKCS#8 Ed25519 → EdDSA, or RSA → RS256).
    /// Unset: a key is generated at start (tokens die with the process; one instance only).
    pub signing_key_pem: Option<SecretString>,
    /// Access-token lifetime, seconds.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime, seconds.
    pub refresh_ttl_secs: u64,
    /// Login attempts per account (email) per window.
    pub login_max_per_account: u64,
    /// Login attempts per client address per window.
    pub login_max_per_ip: u64,
    /// The login rate-limit window, seconds.
    pub login_window_secs: u64,
    /// Registrations per client address per window (0: unlimited).
    pub register_max_per_ip: u64,
    /// The registration rate-limit window, seconds.
    pub register_window_secs: u64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Accounts registered with these emails get the admin role.
    pub admin_emails: Vec<String>,
    /// `imageUrl` of users registered here (the users schema requires one).
    pub default_image_url: String,
    /// Most products in one cart.
    pub max_cart_lines: usize,
    /// argon2id memory, KiB.
    pub argon2_memory_kib: u32,
    /// argon2id iterations.
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
}

impl Default for AuthModuleSettings {
    fn default() -> Self {
        Self {
            clerk_webhook_signing_secret: None,
            webhook_tolerance_secs: 300,
            issuer: "hme".to_owned(),
            signing_key_pem: None,
            access_ttl_secs: 900,
            refresh_ttl_secs: 30 * 24 * 3600,
            login_max_per_account: 5,
            login_max_per_ip: 30,
            login_window_secs: 900,
            register_max_per_ip: 10,
            register_window_secs: 3600,
            trust_forwarded_for: false,
            admin_emails: Vec::new(),
            default_image_url: "https://www.gravatar.com/avatar/?d=mp".to_owned(),
            max_cart_lines: 100,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
        }
    }
}
