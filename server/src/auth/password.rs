//! argon2id hashing, off the async threads and a bounded number at a time:
//! a hash costs tens of milliseconds and ~19 MiB (see `crate::heavy`).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::{
    error::{ServiceError, ServiceResult},
    heavy::{self, Pool},
};

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;

pub fn validate(field: &str, password: &str) -> ServiceResult<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(ServiceError::bad_input(field, format!("a password needs at least {MIN_PASSWORD_LEN} characters")));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(ServiceError::bad_input(field, format!("a password has at most {MAX_PASSWORD_LEN} characters")));
    }
    Ok(())
}

pub async fn hash(password: &str) -> ServiceResult<String> {
    let password = password.to_owned();
    heavy::run(Pool::Hash, move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| ServiceError::internal(anyhow::anyhow!("hashing a password: {err}")))
    })
    .await?
}

/// Checks `password` against a stored PHC hash. With no hash (unknown account) it
/// still spends the time of a check, so timing does not reveal which emails exist.
pub async fn verify(password: &str, stored: Option<String>) -> ServiceResult<bool> {
    let password = password.to_owned();
    heavy::run(Pool::Hash, move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&stored).map_err(|err| ServiceError::internal(anyhow::anyhow!("stored hash unreadable: {err}")))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?
}

/// A hash of a random secret made once per process, that no password
/// matches: for accounts nobody signs in to by password (test fixtures).
pub async fn sealed_hash() -> ServiceResult<String> {
    static SEALED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let hash = SEALED
        .get_or_try_init(|| async {
            let mut secret = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
            hash(&hex::encode(secret)).await
        })
        .await?;
    Ok(hash.clone())
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| Argon2::default().hash_password(b"not-a-real-password").map(|hash| hash.to_string()).unwrap_or_default())
}
