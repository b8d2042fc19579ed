//! Connections to environments' data databases, opened once and shared: a
//! SQLite file per environment (sqlx pools, and `lite`'s rusqlite
//! connections for rows), or the PostgreSQL database with the environment's
//! schema first on the search path. Below the engine and the request logs,
//! which both store into these databases.

pub mod changes;
pub mod lite;
mod sandbox;

use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use tokio::sync::Mutex;

use self::lite::LiteDb;
use crate::{db, environments::DataPlacement};

#[derive(Clone)]
enum Source {
    SqliteDir(PathBuf),
    Postgres { url: String },
}

/// An environment's connections. SQLite allows one writer at a time: writes
/// queue on a one-connection pool instead of spinning on a busy database,
/// while reads run in parallel on their own pool. On PostgreSQL both are the
/// same pool.
#[derive(Clone)]
pub struct Connections {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
    /// On SQLite, rusqlite's connections to the same file, for rows.
    pub lite: Option<Arc<LiteDb>>,
}

/// Opens and caches each environment's data connections.
#[derive(Clone)]
pub struct DataDatabases {
    source: Source,
    open: Arc<Mutex<HashMap<String, Connections>>>,
    /// On PostgreSQL, what creates and drops test runs' schemas (`sandbox`).
    sandbox_control: Arc<tokio::sync::OnceCell<DatabaseConnection>>,
}

impl DataDatabases {
    pub fn new(control_url: &str, data_dir: &std::path::Path, is_postgres: bool) -> Self {
        let source = if is_postgres { Source::Postgres { url: control_url.to_owned() } } else { Source::SqliteDir(data_dir.join("envs")) };
        Self { source, open: Arc::default(), sandbox_control: Arc::default() }
    }

    /// The connections of environment `slug` (the environment must exist).
    pub async fn get(&self, slug: &str) -> anyhow::Result<Connections> {
        let mut open = self.open.lock().await;
        if let Some(db) = open.get(slug) {
            return Ok(db.clone());
        }
        let db = match &self.source {
            Source::SqliteDir(dir) => {
                let path = dir.join(format!("{slug}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                // sqlx runs each SQLite connection on a thread of its own: more
                // readers than cores only adds context switches.
                let readers = std::thread::available_parallelism().map_or(4, |n| n.get().clamp(2, 8)) as u32 * 2;
                let (read, write) = (db::connect_pool(&url, readers).await?, db::connect_pool(&url, 1).await?);
                // Opened after sqlx, which creates the file and turns on WAL.
                let lite = LiteDb::open(&path).with_context(|| format!("opening {}", path.display()))?;
                Connections { read, write, lite: Some(lite) }
            }
            Source::Postgres { url } => {
                let mut options = ConnectOptions::new(url.clone());
                options
                    .sqlx_logging(false)
                    .max_connections(10)
                    .min_connections(0)
                    .acquire_timeout(Duration::from_secs(10))
                    .set_schema_search_path(DataPlacement::schema_name(slug));
                let pool = Database::connect(options).await.context("connecting to the environment's schema")?;
                Connections { read: pool.clone(), write: pool, lite: None }
            }
        };
        open.insert(slug.to_owned(), db.clone());
        Ok(db)
    }

    /// New connections for `slug` after a migration on PostgreSQL, whose
    /// connections keep prepared statements that a changed table makes fail
    /// ("cached plan must not change result type"). Requests still holding
    /// the old pool finish on it; it closes when the last one lets go. None
    /// where the connections in use stay right (SQLite).
    pub async fn reopen_after_migration(&self, slug: &str) -> anyhow::Result<Option<Connections>> {
        if !matches!(self.source, Source::Postgres { .. }) {
            return Ok(None);
        }
        self.open.lock().await.remove(slug);
        self.get(slug).await.map(Some)
    }

    /// Closes the connection of a deleted environment.
    pub async fn forget(&self, slug: &str) {
        if let Some(db) = self.open.lock().await.remove(slug) {
            db.read.close().await.ok();
            db.write.close().await.ok();
        }
    }

    pub fn backend(&self) -> DbBackend {
        match self.source {
            Source::SqliteDir(_) => DbBackend::Sqlite,
            Source::Postgres { .. } => DbBackend::Postgres,
        }
    }
}
