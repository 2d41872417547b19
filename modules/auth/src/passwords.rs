//! Password hashing: argon2id (PHC strings), on the blocking pool.

use ring::rand::SecureRandom;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hme_kernel::ApiError;

/// Hashes and checks passwords with fixed argon2id parameters.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// A hash of a random password, checked when the account does not exist, so a
    /// login takes as long whether or not the account exists.
    dummy: String,
}

fn hasher(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

impl Passwords {
    /// argon2id with `memory_kib`, `iterations`, `parallelism`.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, String> {
        let params = Params::new(memory_kib, iterations, parallelism, None).map_err(|e| format!("argon2 parameters: {e}"))?;
        let dummy = Self::hash_sync(&params, uuid::Uuid::new_v4().to_string().as_bytes())?;
        Ok(Self { params, dummy })
    }

    fn hash_sync(params: &Params, password: &[u8]) -> Result<String, String> {
        let mut bytes = [0u8; 16];
        ring::rand::SystemRandom::new().fill(&mut bytes).map_err(|_| "no randomness".to_owned())?;
        let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
        hasher(params).hash_password(password, &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
    }

    /// The PHC string of `password`.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        tokio::task::spawn_blocking(move || Self::hash_sync(&params, password.as_bytes()))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::internal(std::io::Error::other(e)))
    }

    /// Whether `password` matches `hash`; with no hash, checks a dummy and says no.
    pub async fn verify(&self, password: String, hash: Option<String>) -> bool {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy.clone());
        let params = self.params.clone();
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).map(|h| hasher(&params).verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        known && ok
    }
}
