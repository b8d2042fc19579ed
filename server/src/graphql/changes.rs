//! Live changes of an environment's rows, end users and files, for the
//! admin's Database, Users and Files pages: each a stream of the change
//! feed, behind the same capability as the page it feeds (database, user or
//! file management).
//! `after` resumes from the `cursor` of the last change seen; a cursor older
//! than the feed keeps gets a `LAGGED` error with `extensions.cursor` (read
//! the page again, then go on: the stream continues from there).

use async_graphql::{Context, Enum, ErrorExtensions, ID, Json, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream};
use serde_json::Value;

use super::{
    context::{principal, state},
    end_users::EndUserObject,
};
use crate::{
    auth::Role,
    engine::{
        feed::{
            Cursor, Op,
            follow::{FileChanges, Followed, RowChange, UserChange},
        },
        users::EndUser,
    },
    error::{AdminCode, ServiceError},
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Insert,
    Update,
    Delete,
}

impl From<Op> for ChangeOp {
    fn from(op: Op) -> Self {
        match op {
            Op::Insert => Self::Insert,
            Op::Update => Self::Update,
            Op::Delete => Self::Delete,
        }
    }
}

/// A committed change of a row.
#[derive(SimpleObject)]
#[graphql(name = "RowChange")]
pub struct RowChangeObject {
    /// Where it sits in the feed: `after` resumes after it.
    cursor: String,
    op: ChangeOp,
    table: String,
    id: ID,
    /// The row after the change, as `rows` gives it (null for a delete).
    row: Option<Json<Value>>,
    /// The row before it (updates, deletes).
    previous: Option<Json<Value>>,
    at: DateTime<Utc>,
}

impl RowChangeObject {
    fn new(table: &str, change: RowChange) -> Self {
        Self {
            cursor: change.cursor.to_string(),
            op: change.op.into(),
            table: table.to_owned(),
            id: ID(change.id.to_string()),
            row: change.row.map(Json),
            previous: change.previous.map(Json),
            at: change.at,
        }
    }
}

/// A committed change of an end user (sign-up, change, groups, disable, delete).
#[derive(SimpleObject)]
#[graphql(name = "UserChange")]
pub struct UserChangeObject {
    cursor: String,
    op: ChangeOp,
    /// The user now; for a delete, as they were.
    user: EndUserObject,
    at: DateTime<Utc>,
}

/// A committed change of a file: uploaded (`INSERT`, `UPDATE` when it
/// replaced one), moved (`UPDATE` with `previousPath`), deleted.
#[derive(SimpleObject)]
#[graphql(name = "FileChange")]
pub struct FileChangeObject {
    cursor: String,
    op: ChangeOp,
    /// Where it is now; for a delete, where it was.
    path: String,
    /// Where a move took it from.
    previous_path: Option<String>,
    size: Option<i64>,
    content_type: Option<String>,
    at: DateTime<Utc>,
}

/// What a stream says when the cursor it was asked for is older than the feed keeps.
fn resync(now: Cursor) -> async_graphql::Error {
    async_graphql::Error::new("the feed no longer holds changes that old: read the state again; changes follow from extensions.cursor").extend_with(
        move |_, ext| {
            ext.set("code", AdminCode::Lagged.as_str());
            ext.set("cursor", now.to_string());
        },
    )
}

fn feed_error(err: anyhow::Error) -> async_graphql::Error {
    async_graphql::Error::from(ServiceError::internal(err))
}

#[derive(Default)]
pub struct ChangesSubscription;

#[Subscription]
impl ChangesSubscription {
    /// Each committed insert, update and delete of `table`'s rows in
    /// `environment` (through its API, the admin, scripts or cascades), in
    /// commit order, whose row passes `filter` (as in `rows`) before or
    /// after the change. Needs the environment's database management.
    async fn row_changes(
        &self,
        ctx: &Context<'_>,
        environment: String,
        table: String,
        filter: Option<Json<Value>>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<RowChangeObject>> + use<>> {
        let served = state(ctx).tables.open(principal(ctx)?, &environment, &table, Role::Viewer).await?;
        let changes = served.changes(filter.map_or(Value::Null, |f| f.0), after.as_deref()).await?;
        Ok(stream::unfold(Some(changes), |changes| async move {
            let mut changes = changes?;
            let item = match changes.next().await {
                Ok(None) => return None,
                Ok(Some(Followed::Change(change))) => Ok(RowChangeObject::new(&changes.table().name, change)),
                Ok(Some(Followed::Resync { now })) => Err(resync(now)),
                // The feed could not be read: the stream ends with why.
                Err(err) => return Some((Err(feed_error(err)), None)),
            };
            Some((item, Some(changes)))
        })
        .boxed())
    }

    /// Each committed change of `environment`'s files (in `folder` and below
    /// it, when given: either side of a move), in commit order. Needs the
    /// environment's file management.
    async fn file_changes(
        &self,
        ctx: &Context<'_>,
        environment: String,
        folder: Option<String>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<FileChangeObject>> + use<>> {
        let app = state(ctx);
        app.files.may_follow(principal(ctx)?, &environment).await?;
        let subscription = app.engine.feed(&environment).subscribe(Cursor::after(after.as_deref())?).await.map_err(ServiceError::internal)?;
        let changes = FileChanges::new(subscription, folder);
        Ok(stream::unfold(Some(changes), |changes| async move {
            let mut changes = changes?;
            let item = match changes.next().await {
                Ok(None) => return None,
                Ok(Some(Followed::Change(change))) => Ok(FileChangeObject {
                    cursor: change.cursor.to_string(),
                    op: change.op.into(),
                    path: change.path,
                    previous_path: change.previous_path,
                    size: change.size.and_then(|s| i64::try_from(s).ok()),
                    content_type: change.content_type,
                    at: change.at,
                }),
                Ok(Some(Followed::Resync { now })) => Err(resync(now)),
                Err(err) => return Some((Err(feed_error(err)), None)),
            };
            Some((item, Some(changes)))
        })
        .boxed())
    }

    /// Each committed change of `environment`'s end users, in commit order:
    /// sign-ups, changes, group changes, disabling, deletes (never password
    /// hashes or tokens). Needs the environment's user management.
    async fn user_changes(
        &self,
        ctx: &Context<'_>,
        environment: String,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<UserChangeObject>> + use<>> {
        let (directory, changes) = state(ctx).end_users.changes(principal(ctx)?, &environment, after.as_deref()).await?;
        Ok(stream::unfold(Some((directory, changes)), |followed| async move {
            let (directory, mut changes) = followed?;
            loop {
                let change = match changes.next().await {
                    Ok(None) => return None,
                    Ok(Some(Followed::Change(change))) => change,
                    Ok(Some(Followed::Resync { now })) => return Some((Err(resync(now)), Some((directory, changes)))),
                    Err(err) => return Some((Err(feed_error(err)), None)),
                };
                let user = user_then(&directory, &change).await;
                if let Some(user) = user {
                    let object = UserChangeObject { cursor: change.cursor.to_string(), op: change.op.into(), user: user.into(), at: change.at };
                    return Some((Ok(object), Some((directory, changes))));
                }
            }
        })
        .boxed())
    }
}

/// The user a change is about, as the change left them, with the groups
/// they have now; None for a change of groups of a user deleted since
/// (their delete tells it).
async fn user_then(directory: &crate::end_users::Directory, change: &UserChange) -> Option<EndUser> {
    let now = directory.users.get(change.id).await.ok();
    let groups = now.as_ref().map(|user| user.groups.clone()).unwrap_or_default();
    change.as_recorded(groups).or(now)
}
