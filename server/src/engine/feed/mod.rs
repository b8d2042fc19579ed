//! An environment's change feed: every committed insert, update and delete
//! of a table's rows and of its end users, recorded by triggers in the same
//! transaction as the change (`ddl`), read back in commit order from a
//! cursor (`read`), and delivered live to any number of subscribers by one
//! reader per environment (`live`). Resumable: a subscriber that comes back
//! with the cursor of the last event it saw gets exactly what it missed, or
//! `Resync` when retention dropped some of it.

pub mod ddl;
pub mod follow;
pub mod live;
pub mod matches;
pub mod read;

use std::{
    fmt,
    str::FromStr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde_json::Value;

use crate::error::{ServiceError, ServiceResult};

pub use live::{Feed, Feeds, Full, Item, Seat, Subscription};

/// Where an event sits in the feed. On SQLite the single writer commits in
/// `seq` order; on PostgreSQL transactions commit out of `seq` order, so the
/// feed is ordered by the writing transaction's id, then `seq`, and read
/// only below the oldest transaction still running (see `read`): an event
/// never becomes visible with a smaller cursor than one already delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    /// The writing transaction (PostgreSQL); 0 on SQLite.
    pub tx: u64,
    pub seq: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tx {
            0 => write!(f, "{}", self.seq),
            tx => write!(f, "{tx}-{}", self.seq),
        }
    }
}

impl Cursor {
    /// A follower's `after`, as a client sent it back: BAD_USER_INPUT when
    /// it is not a cursor this feed gives.
    pub fn after(text: Option<&str>) -> ServiceResult<Option<Cursor>> {
        text.map(|text| text.parse().map_err(|()| ServiceError::bad_input("after", "a cursor this feed gave"))).transpose()
    }
}

impl FromStr for Cursor {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let cursor = match text.split_once('-') {
            Some((tx, seq)) => Cursor { tx: tx.parse().map_err(|_| ())?, seq: seq.parse().map_err(|_| ())? },
            None => Cursor { tx: 0, seq: text.parse().map_err(|_| ())? },
        };
        match cursor.seq >= 0 {
            true => Ok(cursor),
            false => Err(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Insert,
    Update,
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "insert" => Some(Op::Insert),
            "update" => Some(Op::Update),
            "delete" => Some(Op::Delete),
            _ => None,
        }
    }
}

/// What changed: a row of a table, an end user, or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Row(String),
    User,
    File,
}

impl Subject {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Subject::User),
            "file" => Some(Subject::File),
            other => other.strip_prefix("row:").map(|table| Subject::Row(table.to_owned())),
        }
    }
}

/// One committed change, its values as stored (`decode` gives the API's shape).
#[derive(Debug, Clone)]
pub struct Change {
    pub cursor: Cursor,
    pub subject: Subject,
    pub op: Op,
    /// The row's (or the user's) id; 0 for a file.
    pub item: i64,
    /// After the change (inserts, updates); none for a user's groups.
    pub new: Option<Value>,
    /// Before it (updates, deletes).
    pub old: Option<Value>,
    pub at: DateTime<Utc>,
    /// The rows in the API's shape, decoded once for all subscribers (see
    /// `decoded`), with the table definition they were decoded by.
    pub(crate) decoded: OnceLock<(usize, Decoded)>,
}

pub type Shared = Arc<Change>;

/// A change's rows in the API's shape.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    pub new: Option<Arc<Row>>,
    pub old: Option<Arc<Row>>,
}

/// A row in the API's shape, and its JSON text, written once when first asked.
#[derive(Debug)]
pub struct Row {
    pub value: Value,
    text: OnceLock<String>,
    /// The event carrying this row as a Server-Sent Events frame: one per
    /// row, since a row is sent under one name (a change's new row as its
    /// insert or update, its old row as a delete), written once for every stream.
    frame: OnceLock<Arc<[u8]>>,
}

impl Row {
    fn new(value: Value) -> Self {
        Self { value, text: OnceLock::new(), frame: OnceLock::new() }
    }

    pub fn text(&self) -> &str {
        self.text.get_or_init(|| self.value.to_string())
    }

    /// `id: <cursor>`, `event: <op>`, `data: <row>` and the blank line that
    /// ends an event (JSON text has no raw line breaks: one `data` line).
    pub fn frame(&self, cursor: Cursor, op: Op) -> Arc<[u8]> {
        self.frame.get_or_init(|| format!("id: {cursor}\nevent: {}\ndata: {}\n\n", op.as_str(), self.text()).into_bytes().into()).clone()
    }
}

impl Change {
    /// The rows as `table` gives them. Every subscriber of an event decodes
    /// it with the same table definition (the revision served): the first
    /// decodes, the others share it, text included. One with another
    /// definition (connected before a refresh) decodes its own.
    pub fn decoded(&self, table: &Arc<crate::workspace::document::Table>) -> Decoded {
        let key = Arc::as_ptr(table) as usize;
        let decode = || {
            let row = |stored: &Option<Value>| stored.as_ref().map(|s| Arc::new(Row::new(crate::engine::values::stored_to_json(table, s))));
            Decoded { new: row(&self.new), old: row(&self.old) }
        };
        match self.decoded.get_or_init(|| (key, decode())) {
            (by, decoded) if *by == key => decoded.clone(),
            _ => decode(),
        }
    }
}

impl super::Engine {
    /// `slug`'s change feed.
    pub fn feed(&self, slug: &str) -> Arc<Feed> {
        self.feeds.of(slug)
    }

    /// A transaction that wrote to the feed of PostgreSQL schema `schema` committed.
    pub fn feed_committed(&self, schema: &str, tx: u64) {
        self.feeds.committed(schema, tx);
    }

    /// Keeps each served environment's change feed within its retention
    /// (`feedRetentionEvents`, `feedRetentionHours`).
    pub async fn trim_feeds(&self) {
        let slugs: Vec<String> = self.active.read().await.keys().cloned().collect();
        for slug in slugs {
            let Some(active) = self.active(&slug).await else { continue };
            let limits = active.guards.limits;
            let keep = u64::try_from(limits.feed_retention_events).unwrap_or(u64::MAX);
            let max_age = Duration::from_secs(u64::try_from(limits.feed_retention_hours).unwrap_or(24) * 3600);
            let trimmed = async {
                let txn = active.db.write.begin().await?;
                let dropped = read::trim(&txn, keep, max_age).await?;
                txn.commit().await?;
                Ok::<_, sea_orm::DbErr>(dropped)
            };
            match trimmed.await {
                Ok(0) => {}
                Ok(dropped) => tracing::debug!(environment = %slug, dropped, "change feed trimmed"),
                Err(err) => tracing::warn!(environment = %slug, error = %err, "trimming the change feed"),
            }
        }
    }
}
