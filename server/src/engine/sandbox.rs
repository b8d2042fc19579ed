//! A test run's sandbox: what an environment serves (the same compiled
//! revision, settings, variables, secrets and limits) over a database of
//! its own, created empty for the run and dropped after it. Runs write
//! rows and fixture users there, never into the environment's data.

use std::{collections::HashMap, sync::Arc};

use sea_orm::TransactionTrait;

use super::{
    Engine,
    runtime::{Active, Served},
    schema,
    store::EnvDb,
    users::{self, Users},
};
use crate::{
    databases::Connections,
    environments::Environment,
    error::{ServiceError, ServiceResult},
};

/// A sandbox being served; `Engine::drop_sandbox` ends it.
pub struct Sandbox {
    pub id: String,
    pub active: Arc<Active>,
    connections: Connections,
}

impl Sandbox {
    /// The name its files are stored under (see `Active::files_at`): no
    /// environment's slug has `_`, so it cannot be one.
    pub fn files_at(id: &str) -> String {
        format!("sandbox_{id}")
    }
}

impl Engine {
    /// A sandbox of what `env` serves now, its tables created, named `id`
    /// (a UUID in hex; the run's).
    pub async fn sandbox(&self, env: &Environment, id: &str) -> ServiceResult<Sandbox> {
        let served = self.active(&env.slug).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
        let connections = self.databases.open_sandbox(id).await.map_err(ServiceError::internal)?;
        match self.fill_sandbox(env, &served, id, &connections).await {
            Ok(active) => Ok(Sandbox { id: id.to_owned(), active: Arc::new(active), connections }),
            Err(err) => {
                if let Err(cleanup) = self.databases.drop_sandbox(id, Some(connections)).await {
                    tracing::warn!(sandbox = id, error = %cleanup, "a sandbox that failed to build could not be dropped");
                }
                Err(err)
            }
        }
    }

    async fn fill_sandbox(&self, env: &Environment, serving: &Active, id: &str, connections: &Connections) -> ServiceResult<Active> {
        let db = EnvDb::from(connections.clone());
        let tables = &serving.revision.document.tables;
        // One transaction for every table: on PostgreSQL one commit, not one per CREATE.
        let txn = db.write.begin().await?;
        users::ensure_tables(&txn).await?;
        // Where the feed keeps how far retention trimmed (a resumed stream reads it).
        super::state::ensure_table(&txn).await?;
        super::feed::ddl::ensure(&txn).await?;
        super::feed::ddl::migrate(&txn, &[], tables, &schema::plan(&[], tables)).await.map_err(ServiceError::internal)?;
        txn.commit().await?;
        // Nobody else caches these users: their changes go nowhere.
        let users = Users::new(&env.slug, &db, tokio::sync::broadcast::channel(1).0);
        let served = Served { revision: serving.revision.clone(), release: serving.release, applied_at: serving.applied_at, files_at: Sandbox::files_at(id) };
        // No router guards before: the run's requests do not eat real traffic's allowance.
        Ok(self.assemble(env, served, db, users, &HashMap::new()).await)
    }

    /// Drops a sandbox's database.
    pub async fn drop_sandbox(&self, sandbox: Sandbox) {
        let Sandbox { id, active, connections } = sandbox;
        drop(active);
        if let Err(err) = self.databases.drop_sandbox(&id, Some(connections)).await {
            tracing::warn!(sandbox = %id, error = %err, "a sandbox's database could not be dropped; it is swept at the next start");
        }
    }

    /// Drops the sandboxes' databases a crash left behind.
    pub async fn sweep_sandboxes(&self) {
        match self.databases.sweep_sandboxes().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "dropped the databases of test runs a stop cut short"),
            Err(err) => tracing::warn!(error = %err, "sweeping test runs' databases"),
        }
    }
}
