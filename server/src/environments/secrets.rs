//! Secrets of an environment: write-only values routers read as
//! `env.<name>`, sealed at rest with XChaCha20-Poly1305 under a key that
//! never enters a database (from `secret_key` in the configuration, or
//! generated at the first start into `<data_dir>/secret.key`, readable by
//! the server's user only). The API lists names and who set them, never a
//! value; the audit log names them, never their values.

use std::path::Path;

use anyhow::Context;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use chrono::{DateTime, Utc};
use entity::secret;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::OnConflict};
use serde_json::{Map, Value};

use super::{EnvironmentEventKind, EnvironmentKind, Environments};
use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
};

const KEY_FILE: &str = "secret.key";
const MAX_VALUE_BYTES: usize = 64 * 1024;

/// The key secrets are sealed with.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// From `configured` (64 hex digits or base64 of 32 bytes), or else the
    /// key file under `data_dir`, created on the first start.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let key = match configured {
            Some(text) => parse_key(text).context("secret_key must be 32 bytes as 64 hex digits or base64")?,
            None => key_file(&data_dir.join(KEY_FILE))?,
        };
        Ok(Self { cipher: XChaCha20Poly1305::new(&key.into()) })
    }

    /// The environment and the name are bound to the value: a sealed value
    /// copied to another name does not open.
    fn seal(&self, environment: &str, name: &str, value: &str) -> ServiceResult<String> {
        let nonce: [u8; 24] = rand::random();
        let aad = format!("{environment}/{name}");
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: value.as_bytes(), aad: aad.as_bytes() })
            .map_err(|_| ServiceError::internal(anyhow::anyhow!("sealing a secret failed")))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(STANDARD.encode(bytes))
    }

    fn open(&self, environment: &str, name: &str, sealed: &str) -> anyhow::Result<String> {
        let bytes = STANDARD.decode(sealed)?;
        anyhow::ensure!(bytes.len() > 24, "sealed value too short");
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into()?;
        let aad = format!("{environment}/{name}");
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() })
            .map_err(|_| anyhow::anyhow!("the key does not open it (was secret_key changed?)"))?;
        Ok(String::from_utf8(plain)?)
    }
}

fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) { hex::decode(text)? } else { STANDARD.decode(text)? };
    bytes.try_into().map_err(|_| anyhow::anyhow!("not 32 bytes"))
}

fn key_file(path: &Path) -> anyhow::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_key(&text).with_context(|| format!("{} does not hold a key", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            write_private(path, &hex::encode(key)).with_context(|| format!("cannot create {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated the key that seals secrets");
            Ok(key)
        }
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Creates `path` readable and writable by this user only (never replacing one).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// A secret as the API shows it: no value.
#[derive(Debug, Clone)]
pub struct SecretInfo {
    pub name: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

fn validate_name(name: &str) -> ServiceResult<()> {
    if name.len() > 64 || !crate::workspace::validate::is_identifier(&name.to_lowercase()) {
        return Err(ServiceError::bad_input("name", "a secret's name has up to 64 letters, digits and `_`, starting with a letter"));
    }
    Ok(())
}

impl Environments {
    /// Developers set the secrets of environments of kind test, owners those of production.
    pub(super) async fn may_change_settings(&self, actor: &Principal, slug: &str) -> ServiceResult<super::Environment> {
        actor.require(Role::Developer)?;
        let env = self.get(slug).await?;
        if env.kind == EnvironmentKind::Production {
            actor.require(Role::Owner)?;
        }
        Ok(env)
    }

    pub async fn set_secret(&self, actor: &Principal, slug: &str, name: &str, value: &str) -> ServiceResult<SecretInfo> {
        self.may_change_settings(actor, slug).await?;
        validate_name(name)?;
        if value.len() > MAX_VALUE_BYTES || value.contains('\0') {
            return Err(ServiceError::bad_input("value", "a secret is at most 64 KiB of text, without NUL"));
        }
        let now = Utc::now();
        let model = secret::ActiveModel {
            environment: Set(slug.to_owned()),
            name: Set(name.to_owned()),
            sealed: Set(self.sealer.seal(slug, name, value)?),
            updated_at: Set(now),
            updated_by: Set(actor.email.clone()),
        };
        secret::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([secret::Column::Environment, secret::Column::Name])
                    .update_columns([secret::Column::Sealed, secret::Column::UpdatedAt, secret::Column::UpdatedBy])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        self.settings_changed(slug).await?;
        Ok(SecretInfo { name: name.to_owned(), updated_at: now, updated_by: actor.email.clone() })
    }

    /// NOT_FOUND when there is no such secret.
    pub async fn delete_secret(&self, actor: &Principal, slug: &str, name: &str) -> ServiceResult<()> {
        self.may_change_settings(actor, slug).await?;
        let deleted = secret::Entity::delete_many()
            .filter(secret::Column::Environment.eq(slug))
            .filter(secret::Column::Name.eq(name))
            .exec(&self.db)
            .await?
            .rows_affected;
        if deleted == 0 {
            return Err(ServiceError::not_found(format!("no secret `{name}` in `{slug}`")));
        }
        self.settings_changed(slug).await
    }

    /// Names and who set them, by name.
    pub async fn secrets(&self, slug: &str) -> ServiceResult<Vec<SecretInfo>> {
        let rows = secret::Entity::find().filter(secret::Column::Environment.eq(slug)).order_by_asc(secret::Column::Name).all(&self.db).await?;
        Ok(rows.into_iter().map(|m| SecretInfo { name: m.name, updated_at: m.updated_at, updated_by: m.updated_by }).collect())
    }

    /// The values, for what the environment serves only. A value the key
    /// cannot open is left out (and logged), rather than stopping the environment.
    pub async fn secret_values(&self, slug: &str) -> ServiceResult<Map<String, Value>> {
        let rows = secret::Entity::find().filter(secret::Column::Environment.eq(slug)).all(&self.db).await?;
        let mut values = Map::new();
        for row in rows {
            match self.sealer.open(slug, &row.name, &row.sealed) {
                Ok(value) => {
                    values.insert(row.name, Value::String(value));
                }
                Err(err) => tracing::error!(environment = slug, secret = %row.name, error = %err, "a secret cannot be opened; it is not served"),
            }
        }
        Ok(values)
    }

    /// Secrets and router settings are the environment's settings: its
    /// `updated_at` moves and every replica is told, as for any edit.
    pub(super) async fn settings_changed(&self, slug: &str) -> ServiceResult<()> {
        let env = self.touch(slug).await?;
        self.publish(EnvironmentEventKind::Updated, slug, Some(env));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_their_own_name_and_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sealer = Sealer::load(None, dir.path()).expect("a generated key");
        let sealed = sealer.seal("production", "STRIPE_KEY", "sk_live_123").expect("seals");
        assert!(!sealed.contains("sk_live_123"));
        assert_eq!(sealer.open("production", "STRIPE_KEY", &sealed).expect("opens"), "sk_live_123");
        assert!(sealer.open("production", "OTHER", &sealed).is_err(), "bound to its name");
        assert!(sealer.open("test", "STRIPE_KEY", &sealed).is_err(), "bound to its environment");
        // The same file gives the same key on the next start.
        let again = Sealer::load(None, dir.path()).expect("the key file");
        assert_eq!(again.open("production", "STRIPE_KEY", &sealed).expect("opens"), "sk_live_123");
        let other = Sealer::load(Some(&"ab".repeat(32)), dir.path()).expect("a configured key");
        assert!(other.open("production", "STRIPE_KEY", &sealed).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).expect("key file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by the server's user only");
        }
    }
}
