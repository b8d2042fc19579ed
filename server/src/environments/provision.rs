//! Where an environment's data lives, and creating/removing it: a SQLite file
//! per environment, or a PostgreSQL schema per environment in the control
//! database; plus a prefix of the file store.

use std::path::PathBuf;

use anyhow::Context;
use object_store::path::Path;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::{
    db,
    storage::{self, Store},
};

#[derive(Clone)]
pub enum DataPlacement {
    SqliteFiles { dir: PathBuf },
    PostgresSchemas { control: DatabaseConnection },
}

impl DataPlacement {
    fn sqlite_file(dir: &std::path::Path, slug: &str) -> PathBuf {
        dir.join(format!("{slug}.db"))
    }

    /// The PostgreSQL schema of an environment. Slugs are validated to
    /// `[a-z][a-z0-9-]*`, so this is a safe identifier once `-` becomes `_`.
    pub fn schema_name(slug: &str) -> String {
        format!("env_{}", slug.replace('-', "_"))
    }

    /// A human description of where the data lives (no credentials).
    pub fn describe(&self, slug: &str) -> String {
        match self {
            Self::SqliteFiles { dir } => format!("SQLite {}", Self::sqlite_file(dir, slug).display()),
            Self::PostgresSchemas { .. } => format!("PostgreSQL schema {}", Self::schema_name(slug)),
        }
    }

    pub async fn create(&self, slug: &str) -> anyhow::Result<()> {
        match self {
            Self::SqliteFiles { dir } => {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let url = format!("sqlite://{}?mode=rwc", Self::sqlite_file(dir, slug).display());
                // Connecting creates the file and switches it to WAL once.
                db::connect(&url).await?.close().await?;
            }
            Self::PostgresSchemas { control } => {
                let sql = format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", Self::schema_name(slug));
                control.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    pub async fn remove(&self, slug: &str) -> anyhow::Result<()> {
        match self {
            Self::SqliteFiles { dir } => {
                // Its data, and its request log beside it (see `logs::store`).
                let data = Self::sqlite_file(dir, slug);
                let log = dir.join(format!("{slug}.logs.db"));
                for (file, suffix) in [&data, &log].into_iter().flat_map(|f| ["", "-wal", "-shm"].map(|s| (f, s))) {
                    let path = PathBuf::from(format!("{}{suffix}", file.display()));
                    match std::fs::remove_file(&path) {
                        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                            return Err(err).with_context(|| format!("cannot remove {}", path.display()));
                        }
                        _ => {}
                    }
                }
            }
            Self::PostgresSchemas { control } => {
                let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", Self::schema_name(slug));
                control.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }
}

/// The file-store prefix of an environment.
pub fn storage_prefix(slug: &str) -> Path {
    Path::from(format!("envs/{slug}"))
}

pub async fn remove_files(store: &Store, slug: &str) -> anyhow::Result<()> {
    storage::delete_prefix(store, &storage_prefix(slug)).await.map(|_| ())
}
