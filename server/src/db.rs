//! Connections to the control database and to environments' data databases,
//! with the same settings on every path: SQLite in WAL with a busy timeout and
//! foreign keys on; PostgreSQL as given.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`).
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let size = if url.starts_with("sqlite:") { 4 } else { 10 };
    connect_pool(url, size).await
}

/// Opens a pool of at most `size` connections.
pub async fn connect_pool(url: &str, size: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(10)).map_sqlx_sqlite_opts(|opts| {
        opts.create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
    });
    options.max_connections(size).min_connections(1);
    Database::connect(options).await.with_context(|| "cannot connect to the database")
}

/// Connects to the control database and brings its schema up to date.
pub async fn connect_control(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(url)
        && let Some(parent) = std::path::Path::new(path).parent()
    {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let db = connect(url).await?;
    Migrator::up(&db, None).await.context("migrating the control database")?;
    Ok(db)
}

/// Whether the database answers; what `/readyz` reports.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// The file path of a `sqlite://path?params` URL.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest))
}
