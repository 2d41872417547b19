//! Accounts of our own: register, login, refresh (rotating), logout, me, roles.

use std::sync::Arc;

use chrono::Utc;
use hme_kernel::auth::{Principal, Role};
use hme_kernel::cache::Cache;
use hme_kernel::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{normalize_email, validate_password, Account, RefreshRecord, RefreshUse, User, UserProfile};
use crate::passwords::Passwords;
use crate::ratelimit::LoginLimiter;
use hme_kernel::ratelimit::Limit;
use crate::settings::AuthModuleSettings;
use crate::signer::Signer;
use crate::store::{AccountStore, StoreError, UserStore};

/// The tokens a login or refresh hands out.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    /// Always true.
    pub success: bool,
    /// The access token (JWT, `Authorization: Bearer`).
    pub access_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The refresh token (opaque, single use: each refresh returns a new one).
    pub refresh_token: String,
}

const INVALID_LOGIN: &str = "Invalid email or password";
const INVALID_REFRESH: &str = "Invalid or expired refresh token";

fn random_token() -> Result<String, ApiError> {
    use base64::Engine;
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut bytes).map_err(|_| ApiError::internal(std::io::Error::other("no randomness")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a refresh token.
pub fn token_hash(token: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Serves `/api/auth/...`.
pub struct AccountsService {
    accounts: Arc<dyn AccountStore>,
    users: Arc<dyn UserStore>,
    signer: Arc<Signer>,
    passwords: Passwords,
    limiter: LoginLimiter,
    settings: AuthModuleSettings,
}

impl AccountsService {
    /// A service over its stores.
    pub fn new(accounts: Arc<dyn AccountStore>, users: Arc<dyn UserStore>, signer: Arc<Signer>, cache: Arc<dyn Cache>, settings: AuthModuleSettings) -> Result<Self, String> {
        let s = &settings;
        let passwords = Passwords::new(s.argon2_memory_kib, s.argon2_iterations, s.argon2_parallelism)?;
        let limiter = LoginLimiter::new(
            cache,
            Limit::per_secs(s.login_max_per_account, s.login_window_secs),
            Limit::per_secs(s.login_max_per_ip, s.login_window_secs),
            Limit::per_secs(s.register_max_per_ip, s.register_window_secs),
        );
        Ok(Self { accounts, users, signer, passwords, limiter, settings })
    }

    /// The signer (its JWKS is published).
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Whether client addresses come from `X-Forwarded-For`.
    pub fn trust_forwarded_for(&self) -> bool {
        self.settings.trust_forwarded_for
    }

    /// Creates an account and its user document. Answers the same whether or not the
    /// email is taken (no account enumeration); a taken email changes nothing. Rate
    /// limited per `client` address (429 with `Retry-After`).
    pub async fn register(&self, email: &str, password: &str, name: &str, client: &str) -> Result<(), ApiError> {
        self.limiter.check_register(client).await?;
        let email = normalize_email(email).ok_or_else(|| ApiError::bad_request("Invalid input: email is not an email address"))?;
        validate_password(password)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::bad_request("Invalid input: name must have 1 to 100 characters"));
        }
        hme_kernel::text::check(name, "name", false).map_err(|e| ApiError::bad_request(format!("Invalid input: {e}")))?;
        let hash = self.passwords.hash(password.to_owned()).await?;
        let now = hme_kernel::dates::now_millis();
        let admin = self.settings.admin_emails.iter().any(|a| normalize_email(a).as_deref() == Some(email.as_str()));
        let account = Account { id: Account::new_id(), email: email.clone(), password_hash: hash, role: if admin { Role::Admin } else { Role::Customer }, created_at: now, updated_at: now };
        let profile = UserProfile { id: account.id.clone(), name: name.to_owned(), email, image_url: self.settings.default_image_url.clone() };
        match self.users.insert_user(&User::new(&profile)).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Ok(()),
            Err(e) => return Err(ApiError::from(e)),
        }
        match self.accounts.create_account(&account).await {
            Ok(()) => Ok(()),
            Err(e) => {
                if let Err(undo) = self.users.delete_user(&account.id).await {
                    tracing::warn!(error = %undo, "register: user document left without an account");
                }
                match e {
                    StoreError::Conflict(_) => Ok(()),
                    e => Err(ApiError::from(e)),
                }
            }
        }
    }

    /// Checks the password (rate limited per account and per `client`) and starts a
    /// token family.
    pub async fn login(&self, email: &str, password: &str, client: &str) -> Result<TokenPair, ApiError> {
        let Some(email) = normalize_email(email) else { return Err(ApiError::unauthorized(INVALID_LOGIN)) };
        self.limiter.check(&email, client).await?;
        let account = self.accounts.account_by_email(&email).await?;
        let ok = self.passwords.verify(password.to_owned(), account.as_ref().map(|a| a.password_hash.clone())).await;
        let Some(account) = account.filter(|_| ok) else { return Err(ApiError::unauthorized(INVALID_LOGIN)) };
        self.limiter.reset_account(&email).await;
        self.issue(&account, &uuid::Uuid::now_v7().simple().to_string()).await
    }

    async fn issue(&self, account: &Account, family_id: &str) -> Result<TokenPair, ApiError> {
        let refresh_token = random_token()?;
        let now = hme_kernel::dates::now_millis();
        let ttl = chrono::Duration::seconds(i64::try_from(self.settings.refresh_ttl_secs).unwrap_or(2_592_000));
        let record = RefreshRecord { hash: token_hash(&refresh_token), family_id: family_id.to_owned(), user_id: account.id.clone(), created_at: now, expires_at: now + ttl, used_at: None, revoked_at: None };
        self.accounts.insert_refresh(&record).await?;
        let access_token = self.signer.access_token(&account.id, account.role, family_id).map_err(|e| ApiError::internal(std::io::Error::other(e)))?;
        Ok(TokenPair { success: true, access_token, token_type: "Bearer", expires_in: self.signer.ttl_secs(), refresh_token })
    }

    /// Exchanges a refresh token for a new pair; presenting a rotated token again
    /// revokes its whole family.
    pub async fn refresh(&self, token: &str) -> Result<TokenPair, ApiError> {
        let unauthorized = || ApiError::unauthorized(INVALID_REFRESH);
        match self.accounts.use_refresh(&token_hash(token), Utc::now()).await? {
            RefreshUse::Fresh(r) => {
                let account = self.accounts.account(&r.user_id).await?.ok_or_else(unauthorized)?;
                self.issue(&account, &r.family_id).await
            }
            RefreshUse::Reused(r) => {
                tracing::warn!(user_id = %r.user_id, family = %r.family_id, "refresh token reused: revoking its family");
                self.accounts.revoke_family(&r.family_id, Utc::now()).await?;
                Err(unauthorized())
            }
            RefreshUse::Revoked | RefreshUse::Expired | RefreshUse::Unknown => Err(unauthorized()),
        }
    }

    /// Revokes the family of a refresh token (unknown tokens: nothing to do).
    pub async fn logout(&self, token: &str) -> Result<(), ApiError> {
        if let Some(r) = self.accounts.refresh(&token_hash(token)).await? {
            self.accounts.revoke_family(&r.family_id, Utc::now()).await?;
        }
        Ok(())
    }

    /// The caller's account, when it is one of ours.
    pub async fn account(&self, user_id: &str) -> Result<Option<Account>, ApiError> {
        self.accounts.account(user_id).await.map_err(ApiError::from)
    }

    /// An admin sets the role of one of our accounts.
    pub async fn grant(&self, by: &Principal, user_id: &str, role: Role) -> Result<(), ApiError> {
        by.require_admin()?;
        if self.accounts.set_role(user_id, role, hme_kernel::dates::now_millis()).await? {
            tracing::info!(admin = %by.user_id, user_id, ?role, "role granted");
            Ok(())
        } else {
            Err(ApiError::not_found("Account not found (roles of Clerk users are set in Clerk: public metadata `role`)"))
        }
    }
}
