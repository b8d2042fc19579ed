//! The workspace's history: saved revisions with what each changed, and a
//! revision restored as a new one.

use async_graphql::{Context, Json, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    connection::{CountedConnection, from_page},
    context::{principal, state},
    deploy::DefinitionChangeObject,
    guard::RoleGuard,
    workspace::WorkspaceObject,
};
use crate::{auth::Role, pagination::PageRequest, workspace::HistoryEntry};

pub struct WorkspaceRevisionObject(HistoryEntry);

#[Object(name = "WorkspaceRevision")]
impl WorkspaceRevisionObject {
    /// 1 for the first save, then one more for each.
    async fn revision(&self) -> i64 {
        self.0.number
    }
    /// Who saved it.
    async fn author_email(&self) -> Option<&str> {
        self.0.author_email.as_deref()
    }
    async fn saved_at(&self) -> DateTime<Utc> {
        self.0.saved_at
    }
    /// The earlier revision it saved again (`restoreWorkspaceRevision`);
    /// null for an ordinary save.
    async fn restored_from(&self) -> Option<i64> {
        self.0.restored_from
    }
    /// What it changed, in one line: `Added table tags; changed router
    /// createPost` (`Restored revision 3: …` for a restore).
    async fn summary(&self) -> String {
        self.0.summary()
    }
    /// The whole document as it was saved, as `exportWorkspace` gives it.
    async fn document(&self) -> Json<Value> {
        Json(serde_json::to_value(&self.0.document).unwrap_or(Value::Null))
    }
    /// What it changed against the revision before it (the first: against
    /// the empty workspace): routers, tables, groups, end-user auth, test
    /// cases and fixtures, down to the fields that changed.
    async fn changes(&self) -> Vec<DefinitionChangeObject> {
        self.0.changes.iter().cloned().map(DefinitionChangeObject::from).collect()
    }
}

#[derive(Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// Every saved revision of the workspace, newest first.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn workspace_revisions(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<CountedConnection<WorkspaceRevisionObject>> {
        let page = state(ctx).workspace.history(&PageRequest::new(first, after)?).await?;
        Ok(from_page(page, |entry| entry.number.to_string(), WorkspaceRevisionObject))
    }

    /// One saved revision; null when there is none.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn workspace_revision(&self, ctx: &Context<'_>, revision: i64) -> Result<Option<WorkspaceRevisionObject>> {
        Ok(state(ctx).workspace.history_entry(revision).await?.map(WorkspaceRevisionObject))
    }
}

#[derive(Default)]
pub struct HistoryMutation;

#[Object]
impl HistoryMutation {
    /// Saves revision `revision`'s document again, as a new revision,
    /// validated like any save; when it is the current content, nothing is
    /// saved. NOT_FOUND for a revision there is none of; `expectedRevision`
    /// guards against overwriting someone's edit (CONFLICT).
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn restore_workspace_revision(&self, ctx: &Context<'_>, revision: i64, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        Ok(WorkspaceObject(state(ctx).workspace.restore(principal(ctx)?, revision, expected_revision).await?))
    }
}
