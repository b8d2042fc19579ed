//! The first owner: from `SERVERKIT_ADMIN_EMAIL`/`_PASSWORD` at start, or via a
//! one-time setup link whose token lives only in this process's memory.

use std::sync::{Arc, Mutex};

use rand::RngCore;
use sea_orm::DatabaseConnection;
use subtle::ConstantTimeEq;

use super::{Role, admins};
use crate::error::{ServiceError, ServiceResult};

#[derive(Clone, Default)]
pub struct SetupToken(Arc<Mutex<Option<String>>>);

impl SetupToken {
    /// Makes a fresh token (used when the server starts with no admin at all).
    pub fn issue(&self) -> String {
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        *self.lock() = Some(token.clone());
        token
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A poisoned lock only means another thread panicked mid-assignment of an Option.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates the first owner if `token` is the issued one and no admin exists yet.
    pub async fn complete(&self, db: &DatabaseConnection, token: &str, email: &str, password: &str) -> ServiceResult<admins::Admin> {
        let valid = self.lock().as_deref().is_some_and(|issued| bool::from(issued.as_bytes().ct_eq(token.as_bytes())));
        if !valid || admins::count(db).await? > 0 {
            return Err(ServiceError::forbidden("this setup link is not valid (any more)"));
        }
        let admin = admins::create(db, email, password, Role::Owner).await?;
        *self.lock() = None;
        Ok(admin)
    }
}
