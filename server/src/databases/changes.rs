//! The table every environment's change feed lives in (`_sk_changes`): kept
//! here, below the engine and the files, because both record into it. Rows
//! and end users are recorded by the engine's triggers (`engine::feed`);
//! files, which live in the object store, by `files` after each change.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde_json::Value;

pub const CHANGES: &str = "_sk_changes";

/// Creates the table if it is missing.
pub async fn ensure_table(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let sql = match db.get_database_backend() {
        // `tx`: the writing transaction, which orders the feed (see `engine::feed::read`).
        DbBackend::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {CHANGES} (
               seq BIGSERIAL PRIMARY KEY,
               tx XID8 NOT NULL DEFAULT pg_current_xact_id(),
               subject TEXT NOT NULL, op TEXT NOT NULL, item BIGINT,
               new TEXT, old TEXT,
               at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
             CREATE INDEX IF NOT EXISTS {CHANGES}_order ON {CHANGES} (tx, seq);
             CREATE INDEX IF NOT EXISTS {CHANGES}_at ON {CHANGES} (at);"
        ),
        _ => format!(
            "CREATE TABLE IF NOT EXISTS {CHANGES} (
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               subject TEXT NOT NULL, op TEXT NOT NULL, item INTEGER,
               new TEXT, old TEXT,
               at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
             CREATE INDEX IF NOT EXISTS {CHANGES}_at ON {CHANGES} (at);"
        ),
    };
    db.execute_unprepared(&sql).await?;
    Ok(())
}

/// Records a change of a file: `op` is `insert` (uploaded, or replaced:
/// `update`), `update` (moved: `previous` names where from) or `delete`.
pub async fn record_file(db: &impl ConnectionTrait, op: &str, now: Option<&Value>, previous: Option<&Value>) -> Result<(), DbErr> {
    ensure_table(db).await?;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!("INSERT INTO {CHANGES} (subject, op, new, old) VALUES ('file', $1, $2, $3)"),
        _ => format!("INSERT INTO {CHANGES} (subject, op, new, old) VALUES ('file', ?, ?, ?)"),
    };
    let text = |v: Option<&Value>| v.map(Value::to_string);
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [op.into(), text(now).into(), text(previous).into()])).await?;
    Ok(())
}
