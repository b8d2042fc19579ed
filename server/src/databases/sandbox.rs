//! Test runs' own databases: built empty for one run and dropped when it
//! ends, so runs never write into an environment's data. On SQLite a file
//! under `envs/.sandboxes/`; on PostgreSQL a schema `sandbox_<id>` (no
//! environment's schema starts so). `id` is the run's UUIDv7 in hex: its
//! time says how old a sandbox left by a crash is.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

use super::{Connections, DataDatabases, Source, lite::LiteDb};
use crate::db;

/// Older than this, a sandbox no run is using any more: swept.
const ABANDONED_AFTER: Duration = Duration::from_secs(3600);

fn schema(id: &str) -> String {
    format!("sandbox_{id}")
}

/// Only the hex of a UUID names a sandbox: what reaches SQL or a path is safe.
fn checked(id: &str) -> anyhow::Result<&str> {
    match id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        true => Ok(id),
        false => anyhow::bail!("`{id}` is not a sandbox id"),
    }
}

fn age(id: &str) -> Option<Duration> {
    let uuid = uuid::Uuid::parse_str(id).ok()?;
    let (seconds, nanos) = uuid.get_timestamp()?.to_unix();
    let made = std::time::UNIX_EPOCH + Duration::new(seconds, nanos);
    std::time::SystemTime::now().duration_since(made).ok()
}

impl DataDatabases {
    fn sandbox_dir(dir: &std::path::Path) -> PathBuf {
        dir.join(".sandboxes")
    }

    /// A new, empty database for the run `id`.
    pub async fn open_sandbox(&self, id: &str) -> anyhow::Result<Connections> {
        let id = checked(id)?;
        match &self.source {
            Source::SqliteDir(dir) => {
                let dir = Self::sandbox_dir(dir);
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let path = dir.join(format!("{id}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                // A run sends one request at a time: few connections.
                let (read, write) = (db::connect_pool(&url, 2).await?, db::connect_pool(&url, 1).await?);
                let lite = LiteDb::open(&path).with_context(|| format!("opening {}", path.display()))?;
                Ok(Connections { read, write, lite: Some(lite) })
            }
            Source::Postgres { url } => {
                let control = self.control(url).await?;
                control.execute_unprepared(&format!("CREATE SCHEMA \"{}\"", schema(id))).await?;
                let mut options = ConnectOptions::new(url.clone());
                // Set at connection start-up, not by a statement after it. A
                // sandbox is thrown away after its run: its commits need not
                // wait for the disk (a crash loses nothing anyone keeps).
                let search_path = schema(id);
                options
                    .sqlx_logging(false)
                    .max_connections(2)
                    .min_connections(0)
                    .acquire_timeout(Duration::from_secs(10))
                    .map_sqlx_postgres_opts(move |pg| pg.options([("search_path", search_path.as_str()), ("synchronous_commit", "off")]));
                let pool = Database::connect(options).await.context("connecting to a sandbox's schema")?;
                Ok(Connections { read: pool.clone(), write: pool, lite: None })
            }
        }
    }

    /// Drops the run `id`'s database (its connections first).
    pub async fn drop_sandbox(&self, id: &str, connections: Option<Connections>) -> anyhow::Result<()> {
        let id = checked(id)?;
        if let Some(connections) = connections {
            connections.read.close().await.ok();
            connections.write.close().await.ok();
        }
        match &self.source {
            Source::SqliteDir(dir) => remove_sqlite(&Self::sandbox_dir(dir), id),
            Source::Postgres { url } => {
                self.control(url).await?.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", schema(id))).await?;
                Ok(())
            }
        }
    }

    /// Drops the sandboxes a crash left behind (older than an hour: a
    /// replica's run going on is younger). How many were dropped.
    pub async fn sweep_sandboxes(&self) -> anyhow::Result<usize> {
        let ids: Vec<String> = match &self.source {
            Source::SqliteDir(dir) => match std::fs::read_dir(Self::sandbox_dir(dir)) {
                Ok(entries) => {
                    let names = entries.filter_map(|e| e.ok()?.file_name().into_string().ok());
                    let mut ids: Vec<String> = names.filter_map(|n| n.split('.').next().map(str::to_owned)).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(err) => return Err(err.into()),
            },
            Source::Postgres { url } => {
                let sql = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sandbox\\_%'";
                let rows = self.control(url).await?.query_all_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql)).await?;
                rows.iter().filter_map(|r| r.try_get::<String>("", "nspname").ok()?.strip_prefix("sandbox_").map(str::to_owned)).collect()
            }
        };
        let mut dropped = 0;
        for id in ids.iter().filter(|id| checked(id).is_ok() && age(id).is_none_or(|age| age > ABANDONED_AFTER)) {
            self.drop_sandbox(id, None).await?;
            dropped += 1;
        }
        Ok(dropped)
    }

    /// The connection that creates and drops sandboxes' schemas.
    async fn control(&self, url: &str) -> anyhow::Result<DatabaseConnection> {
        let control = self.sandbox_control.get_or_try_init(|| db::connect_pool(url, 2)).await?;
        Ok(control.clone())
    }
}

fn remove_sqlite(dir: &std::path::Path, id: &str) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("{id}.db{suffix}"));
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err).with_context(|| format!("cannot remove {}", path.display())),
            _ => {}
        }
    }
    Ok(())
}
