//! Reading the feed in commit order from a cursor, and trimming it.
//!
//! PostgreSQL: `seq` comes from a sequence, so a transaction that took
//! `seq` 9 may commit after one that took 10. Each event also carries its
//! transaction's id (`tx`, `pg_current_xact_id()`), and the feed is read in
//! `(tx, seq)` order, only where `tx` is below the oldest transaction still
//! running (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction
//! below that horizon has ended, so nothing can appear later below a cursor
//! already delivered, and any event that appears later has a `tx` at or
//! above the horizon, above every cursor delivered. The price: a long
//! transaction anywhere in the cluster holds back delivery until it ends.
//! SQLite: one writer at a time, so `seq` is commit order.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement};

use super::{Change, Cursor, Op, Subject, ddl::CHANGES};
use crate::engine::state;

/// The key under which `_sk_state` keeps the last cursor retention dropped.
const TRIMMED: &str = "feed_trimmed";

/// Up to `limit` events after `after`, in order.
pub async fn after(db: &impl ConnectionTrait, after: Cursor, limit: u64) -> Result<Vec<Change>, DbErr> {
    let backend = db.get_database_backend();
    let statement = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT seq, tx::text AS tx, subject, op, item, new, old, at FROM {CHANGES}
                 WHERE (tx, seq) > ($1::text::xid8, $2) AND tx < pg_snapshot_xmin(pg_current_snapshot())
                 ORDER BY tx, seq LIMIT $3"
            ),
            [after.tx.to_string().into(), after.seq.into(), (limit as i64).into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            format!("SELECT seq, '0' AS tx, subject, op, item, new, old, at FROM {CHANGES} WHERE seq > ? ORDER BY seq LIMIT ?"),
            [after.seq.into(), (limit as i64).into()],
        ),
    };
    let rows = db.query_all_raw(statement).await?;
    rows.iter().filter_map(|row| change(row, backend).transpose()).collect()
}

fn change(row: &QueryResult, backend: DbBackend) -> Result<Option<Change>, DbErr> {
    let tx: String = row.try_get("", "tx")?;
    let cursor = Cursor { tx: tx.parse().map_err(|_| DbErr::Custom(format!("feed: transaction id `{tx}`")))?, seq: row.try_get("", "seq")? };
    let subject: String = row.try_get("", "subject")?;
    let op: String = row.try_get("", "op")?;
    // A kind this server does not know (a newer replica's): skipped.
    let (Some(subject), Some(op)) = (Subject::parse(&subject), Op::parse(&op)) else { return Ok(None) };
    let json = |name: &str| -> Result<Option<serde_json::Value>, DbErr> {
        let text: Option<String> = row.try_get("", name)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    let at: DateTime<Utc> = match backend {
        DbBackend::Postgres => row.try_get("", "at")?,
        _ => {
            let text: String = row.try_get("", "at")?;
            DateTime::parse_from_rfc3339(&text).map(|at| at.with_timezone(&Utc)).map_err(|_| DbErr::Custom(format!("feed: time `{text}`")))?
        }
    };
    Ok(Some(Change {
        cursor,
        subject,
        op,
        item: row.try_get::<Option<i64>>("", "item")?.unwrap_or_default(),
        new: json("new")?,
        old: json("old")?,
        at,
        decoded: Default::default(),
    }))
}

/// The cursor of the last event a reader can see now (where a subscriber
/// with no cursor starts).
pub async fn head(db: &impl ConnectionTrait) -> Result<Cursor, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            format!("SELECT tx::text AS tx, seq FROM {CHANGES} WHERE tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx DESC, seq DESC LIMIT 1")
        }
        _ => format!("SELECT '0' AS tx, seq FROM {CHANGES} ORDER BY seq DESC LIMIT 1"),
    };
    let row = db.query_one_raw(Statement::from_string(backend, sql)).await?;
    let Some(row) = row else { return Ok(Cursor::default()) };
    let tx: String = row.try_get("", "tx")?;
    Ok(Cursor { tx: tx.parse().unwrap_or_default(), seq: row.try_get("", "seq")? })
}

/// Events after `head` already committed (PostgreSQL: above the horizon,
/// so `head` is before them, though a subscriber starting "now" must not
/// get them as new), up to `limit`. None on SQLite: its head is the last.
pub async fn committed_after(db: &impl ConnectionTrait, head: Cursor, limit: u64) -> Result<Vec<Cursor>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT tx::text AS tx, seq FROM {CHANGES} WHERE (tx, seq) > ($1::text::xid8, $2) ORDER BY tx, seq LIMIT $3");
    let statement = Statement::from_sql_and_values(backend, sql, [head.tx.to_string().into(), head.seq.into(), (limit as i64).into()]);
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| {
            let tx: String = row.try_get("", "tx")?;
            Ok(Cursor { tx: tx.parse().unwrap_or_default(), seq: row.try_get("", "seq")? })
        })
        .collect()
}

/// The last cursor retention dropped (default: none dropped).
pub async fn trimmed(db: &impl ConnectionTrait) -> Result<Cursor, DbErr> {
    Ok(state::read_value(db, TRIMMED).await?.and_then(|text| text.parse().ok()).unwrap_or_default())
}

/// Drops the events beyond the newest `keep` or older than `max_age`, and
/// remembers the last cursor dropped (a subscriber behind it must resync).
pub async fn trim(db: &impl ConnectionTrait, keep: u64, max_age: std::time::Duration) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let cutoff = Utc::now() - chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::days(1));
    // The newest event to drop, in cursor order: everything up to it goes.
    let (last, cutoff) = match backend {
        DbBackend::Postgres => (
            format!(
                "SELECT tx::text AS tx, seq FROM {CHANGES}
                 WHERE tx < pg_snapshot_xmin(pg_current_snapshot())
                   AND (at < $1 OR seq <= (SELECT max(seq) FROM {CHANGES}) - $2)
                 ORDER BY tx DESC, seq DESC LIMIT 1"
            ),
            sea_orm::Value::from(cutoff),
        ),
        _ => (
            format!("SELECT '0' AS tx, seq FROM {CHANGES} WHERE at < ? OR seq <= (SELECT max(seq) FROM {CHANGES}) - ? ORDER BY seq DESC LIMIT 1"),
            sea_orm::Value::from(cutoff.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        ),
    };
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, last, [cutoff, (keep as i64).into()])).await?;
    let Some(row) = row else { return Ok(0) };
    let tx: String = row.try_get("", "tx")?;
    let through = Cursor { tx: tx.parse().unwrap_or_default(), seq: row.try_get("", "seq")? };
    let delete = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM {CHANGES} WHERE (tx, seq) <= ($1::text::xid8, $2)"),
            [through.tx.to_string().into(), through.seq.into()],
        ),
        _ => Statement::from_sql_and_values(backend, format!("DELETE FROM {CHANGES} WHERE seq <= ?"), [through.seq.into()]),
    };
    let dropped = db.execute_raw(delete).await?.rows_affected();
    state::write_value(db, TRIMMED, through.to_string()).await?;
    Ok(dropped)
}
