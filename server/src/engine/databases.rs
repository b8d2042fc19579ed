//! Connections to environments' data databases, opened once and shared: a
//! SQLite file per environment, or the PostgreSQL database with the
//! environment's schema first on the search path.

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use tokio::sync::Mutex;

use crate::{db, environments::DataPlacement};

#[derive(Clone)]
enum Source {
    SqliteDir(PathBuf),
    Postgres { url: String },
}

/// Opens and caches each environment's data connection.
#[derive(Clone)]
pub struct DataDatabases {
    source: Source,
    open: Arc<Mutex<HashMap<String, DatabaseConnection>>>,
}

impl DataDatabases {
    pub fn new(control_url: &str, data_dir: &std::path::Path, is_postgres: bool) -> Self {
        let source = if is_postgres {
            Source::Postgres { url: control_url.to_owned() }
        } else {
            Source::SqliteDir(data_dir.join("envs"))
        };
        Self { source, open: Arc::default() }
    }

    /// The connection of environment `slug` (the environment must exist).
    pub async fn get(&self, slug: &str) -> anyhow::Result<DatabaseConnection> {
        let mut open = self.open.lock().await;
        if let Some(db) = open.get(slug) {
            return Ok(db.clone());
        }
        let db = match &self.source {
            Source::SqliteDir(dir) => {
                let url = format!("sqlite://{}?mode=rwc", dir.join(format!("{slug}.db")).display());
                db::connect(&url).await?
            }
            Source::Postgres { url } => {
                let mut options = ConnectOptions::new(url.clone());
                options
                    .sqlx_logging(false)
                    .max_connections(10)
                    .min_connections(0)
                    .acquire_timeout(Duration::from_secs(10))
                    .set_schema_search_path(DataPlacement::schema_name(slug));
                Database::connect(options).await.context("connecting to the environment's schema")?
            }
        };
        open.insert(slug.to_owned(), db.clone());
        Ok(db)
    }

    /// Closes the connection of a deleted environment.
    pub async fn forget(&self, slug: &str) {
        if let Some(db) = self.open.lock().await.remove(slug) {
            db.close().await.ok();
        }
    }

    pub fn backend(&self) -> DbBackend {
        match self.source {
            Source::SqliteDir(_) => DbBackend::Sqlite,
            Source::Postgres { .. } => DbBackend::Postgres,
        }
    }
}
