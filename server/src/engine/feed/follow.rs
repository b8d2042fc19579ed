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
