//! One deploy or rollback at a time per target, across the process and,
//! on PostgreSQL, across replicas: an in-process mutex, plus a transaction
//! of the control database holding `pg_try_advisory_xact_lock` for as long
//! as the deploy runs (a crashed replica's lock ends with its connection).

use std::{collections::HashMap, sync::Arc};

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement, TransactionTrait};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{ServiceError, ServiceResult};

#[derive(Clone, Default)]
pub struct Locks {
    held: Arc<std::sync::Mutex<HashMap<String, Arc<Mutex<()>>>>>,
}

/// Held while a target is being deployed; dropping it lets the next one in.
pub struct Held {
    _local: OwnedMutexGuard<()>,
    shared: Option<DatabaseTransaction>,
}

impl Held {
    pub async fn release(self) {
        if let Some(txn) = self.shared {
            let _ = txn.rollback().await;
        }
    }
}

/// A stable 64-bit key for the advisory lock of `target`.
fn key(target: &str) -> i64 {
    let hash = target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    // A prefix of its own, so no other advisory lock of this database collides.
    i64::from_ne_bytes((hash ^ 0x5345_5256_4b49_5400).to_ne_bytes())
}

impl Locks {
    /// The lock of `target`, or None when someone holds it.
    pub async fn try_lock(&self, db: &DatabaseConnection, target: &str) -> ServiceResult<Option<Held>> {
        let mutex =
            self.held.lock().map_err(|_| ServiceError::internal(anyhow::anyhow!("deploy locks poisoned")))?.entry(target.to_owned()).or_default().clone();
        let Ok(local) = mutex.try_lock_owned() else { return Ok(None) };
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Some(Held { _local: local, shared: None }));
        }
        let txn = db.begin().await?;
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_try_advisory_xact_lock($1) AS locked", [key(target).into()]);
        let locked: bool = match txn.query_one_raw(statement).await? {
            Some(row) => row.try_get("", "locked")?,
            None => false,
        };
        if !locked {
            let _ = txn.rollback().await;
            return Ok(None);
        }
        Ok(Some(Held { _local: local, shared: Some(txn) }))
    }

    /// The lock of `target`, or CONFLICT.
    pub async fn lock(&self, db: &DatabaseConnection, target: &str) -> ServiceResult<Held> {
        self.try_lock(db, target)
            .await?
            .ok_or_else(|| ServiceError::conflict("to", format!("another deploy or rollback of `{target}` is in progress; wait for it to end")))
    }
}
