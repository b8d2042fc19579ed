//! Following one table's or the end users' changes, decoded to the shapes
//! the API and the admin show: what the admin's subscriptions and the
//! watch routers read from a `Subscription`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Cursor, Item, Op, Subject, Subscription, matches};
use crate::{engine::values::stored_to_json, workspace::document::Table};

/// A change of a row, its values as a list step gives them.
#[derive(Debug, Clone)]
pub struct RowChange {
    pub cursor: Cursor,
    pub op: Op,
    pub id: i64,
    /// After the change (inserts, updates).
    pub row: Option<Value>,
    /// Before it (updates, deletes).
    pub previous: Option<Value>,
    pub at: DateTime<Utc>,
}

/// What a follower gets next.
#[derive(Debug, Clone)]
pub enum Followed<T> {
    Change(T),
    /// The cursor asked for is older than the feed keeps: read the state
    /// again, then follow from `now`.
    Resync {
        now: Cursor,
    },
}

/// One table's changes, filtered.
pub struct TableChanges {
    subscription: Subscription,
    table: Table,
    filter: Value,
    case_sensitive: bool,
}

impl TableChanges {
    /// `filter` passed `matches::check` for `table`.
    pub fn new(subscription: Subscription, table: Table, filter: Value, case_sensitive: bool) -> Self {
        Self { subscription, table, filter, case_sensitive }
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Whether a row passes the filter.
    pub fn admits(&self, row: &Value) -> bool {
        matches::matches(&self.table, &self.filter, row, self.case_sensitive)
    }

    /// The next change of the table where the row passes the filter before
    /// or after it (a row leaving the filter is a change its followers must
    /// hear of). None when the feed ended.
    pub async fn next(&mut self) -> anyhow::Result<Option<Followed<RowChange>>> {
        loop {
            let change = match self.subscription.next().await? {
                None => return Ok(None),
                Some(Item::Resync { now }) => return Ok(Some(Followed::Resync { now })),
                Some(Item::Change(change)) => change,
            };
            if !matches!(&change.subject, Subject::Row(table) if *table == self.table.name) {
                continue;
            }
            let row = change.new.as_ref().map(|stored| stored_to_json(&self.table, stored));
            let previous = change.old.as_ref().map(|stored| stored_to_json(&self.table, stored));
            let admitted = [&row, &previous].into_iter().flatten().any(|values| self.admits(values));
            if admitted {
                return Ok(Some(Followed::Change(RowChange { cursor: change.cursor, op: change.op, id: change.item, row, previous, at: change.at })));
            }
        }
    }
}

/// A change of an end user: its id and, for a delete, what it was.
#[derive(Debug, Clone)]
pub struct UserChange {
    pub cursor: Cursor,
    pub op: Op,
    pub id: i64,
    /// The user after the change (`id`, `email`, `disabled`, `created_at`);
    /// none for a change of their groups.
    pub values: Option<Value>,
    /// The user before an update or a delete.
    pub previous: Option<Value>,
    pub at: DateTime<Utc>,
}

impl UserChange {
    /// The user as the change left them (as they were, for a delete), with
    /// `groups`; None for a change of groups, which records no values.
    pub fn as_recorded(&self, groups: Vec<String>) -> Option<crate::engine::users::EndUser> {
        let stored = match self.op {
            Op::Delete => self.previous.as_ref(),
            _ => self.values.as_ref(),
        }?;
        // SQLite keeps booleans as 0/1; PostgreSQL's rows come as JSON booleans.
        let disabled = stored.get("disabled").is_some_and(|d| d.as_bool().unwrap_or_else(|| d.as_i64().is_some_and(|n| n != 0)));
        Some(crate::engine::users::EndUser {
            id: self.id,
            email: stored.get("email")?.as_str()?.to_owned(),
            groups,
            disabled,
            created_at: stored.get("created_at").and_then(Value::as_str).and_then(crate::engine::values::parse_time).unwrap_or_default(),
        })
    }
}

/// The end users' changes.
pub struct UserChanges {
    subscription: Subscription,
}

impl UserChanges {
    pub fn new(subscription: Subscription) -> Self {
        Self { subscription }
    }

    pub async fn next(&mut self) -> anyhow::Result<Option<Followed<UserChange>>> {
        loop {
            let change = match self.subscription.next().await? {
                None => return Ok(None),
                Some(Item::Resync { now }) => return Ok(Some(Followed::Resync { now })),
                Some(Item::Change(change)) => change,
            };
            if change.subject != Subject::User {
                continue;
            }
            return Ok(Some(Followed::Change(UserChange {
                cursor: change.cursor,
                op: change.op,
                id: change.item,
                values: change.new.clone(),
                previous: change.old.clone(),
                at: change.at,
            })));
        }
    }
}

/// A change of a file: uploaded or replaced, moved, deleted.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub cursor: Cursor,
    pub op: Op,
    /// Where it is now; for a delete, where it was.
    pub path: String,
    /// Where a move took it from.
    pub previous_path: Option<String>,
    pub size: Option<u64>,
    pub content_type: Option<String>,
    pub at: DateTime<Utc>,
}

/// The files' changes, in a folder (and below it) or everywhere.
pub struct FileChanges {
    subscription: Subscription,
    folder: Option<String>,
}

impl FileChanges {
    /// `folder`: `docs` follows `docs/…` (either side of a move).
    pub fn new(subscription: Subscription, folder: Option<String>) -> Self {
        let folder = folder.map(|f| f.trim_matches('/').to_owned()).filter(|f| !f.is_empty());
        Self { subscription, folder }
    }

    fn inside(&self, path: &str) -> bool {
        self.folder.as_deref().is_none_or(|folder| path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/')))
    }

    pub async fn next(&mut self) -> anyhow::Result<Option<Followed<FileChange>>> {
        loop {
            let change = match self.subscription.next().await? {
                None => return Ok(None),
                Some(Item::Resync { now }) => return Ok(Some(Followed::Resync { now })),
                Some(Item::Change(change)) => change,
            };
            if change.subject != Subject::File {
                continue;
            }
            let text = |value: Option<&Value>, key: &str| value.and_then(|v| v.get(key)).and_then(Value::as_str).map(str::to_owned);
            let (now, before) = (change.new.as_ref(), change.old.as_ref());
            let previous_path = text(before, "path");
            let Some(path) = text(now, "path").or_else(|| previous_path.clone()) else { continue };
            let moved_from = previous_path.filter(|_| now.is_some());
            if !self.inside(&path) && !moved_from.as_deref().is_some_and(|from| self.inside(from)) {
                continue;
            }
            return Ok(Some(Followed::Change(FileChange {
                cursor: change.cursor,
                op: change.op,
                path,
                previous_path: moved_from,
                size: now.and_then(|v| v.get("size")).and_then(Value::as_u64),
                content_type: text(now, "contentType"),
                at: change.at,
            })));
        }
    }
}
