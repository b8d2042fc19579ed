use chrono::{DateTime, Utc};
use entity::workspace_revision;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, SqlErr};

use super::{WorkspaceDocument, validate};
use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
};

/// One saved state of the workspace.
#[derive(Debug, Clone)]
pub struct Revision {
    /// 0 for the empty workspace nobody has saved yet.
    pub number: i64,
    pub document: WorkspaceDocument,
    pub author_email: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// The earlier revision it saved again (`Workspace::restore`).
    pub restored_from: Option<i64>,
}

/// A new revision was saved; what `workspaceChanges` streams.
#[derive(Debug, Clone)]
pub struct WorkspaceChange {
    pub revision: i64,
    pub author_email: Option<String>,
    /// Saved through another replica and relayed here (see `cluster`).
    pub from_elsewhere: bool,
}

#[derive(Clone)]
pub struct Workspace {
    pub(super) db: DatabaseConnection,
    changes: tokio::sync::broadcast::Sender<WorkspaceChange>,
    /// The engine's full check of a document (see `validate::CompileCheck`).
    compile: validate::CompileCheck,
}

pub use super::shape::{parse, parse_as};

impl Workspace {
    pub fn new(db: DatabaseConnection, compile: validate::CompileCheck) -> Self {
        Self { db, changes: tokio::sync::broadcast::channel(64).0, compile }
    }

    /// Every problem of `document` that a refresh would find (none: it
    /// refreshes), without saving it. Gives the document back.
    pub async fn check(&self, document: WorkspaceDocument) -> ServiceResult<(WorkspaceDocument, Vec<crate::error::Problem>)> {
        validate::check(self.compile, document).await
    }

    /// Tells this replica's subscribers of a revision saved through another.
    pub fn relay(&self, change: WorkspaceChange) {
        let _ = self.changes.send(WorkspaceChange { from_elsewhere: true, ..change });
    }

    /// Every revision saved from now on (through this server or, relayed, another).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<WorkspaceChange> {
        self.changes.subscribe()
    }

    pub async fn current(&self) -> ServiceResult<Revision> {
        let latest = workspace_revision::Entity::find().order_by_desc(workspace_revision::Column::Revision).one(&self.db).await?;
        match latest {
            None => Ok(Revision { number: 0, document: WorkspaceDocument::default(), author_email: None, created_at: None, restored_from: None }),
            Some(model) => to_revision(model),
        }
    }

    pub async fn revision(&self, number: i64) -> ServiceResult<Revision> {
        let model = workspace_revision::Entity::find_by_id(number)
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("no workspace revision {number}")))?;
        to_revision(model)
    }

    /// Validates `document` and saves it as the next revision. With
    /// `expected`, refuses (CONFLICT) when someone saved in between.
    pub async fn save(&self, actor: &Principal, document: WorkspaceDocument, expected: Option<i64>) -> ServiceResult<Revision> {
        self.save_revision(actor, document, expected, None).await
    }

    /// `save`, noting which earlier revision the document restores.
    pub(super) async fn save_revision(
        &self,
        actor: &Principal,
        document: WorkspaceDocument,
        expected: Option<i64>,
        restored_from: Option<i64>,
    ) -> ServiceResult<Revision> {
        actor.require(Role::Developer)?;
        let current = self.current().await?;
        // A stale editor hears that first: their content may be moot anyway.
        if let Some(expected) = expected
            && expected != current.number
        {
            return Err(stale(expected, current.number));
        }
        let (document, problems) = self.check(document).await?;
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        if current.document == document && current.number > 0 {
            return Ok(current);
        }
        let now = Utc::now();
        let model = workspace_revision::ActiveModel {
            revision: Set(current.number + 1),
            document: Set(serde_json::to_string(&document).map_err(ServiceError::internal)?),
            author_email: Set(actor.email.clone()),
            created_at: Set(now),
            restored_from: Set(restored_from),
        };
        match model.insert(&self.db).await {
            Ok(model) => {
                let revision = to_revision(model)?;
                // No subscriber is not an error.
                let _ = self.changes.send(WorkspaceChange { revision: revision.number, author_email: revision.author_email.clone(), from_elsewhere: false });
                Ok(revision)
            }
            // Someone else saved revision n+1 first.
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(stale(current.number, current.number + 1)),
            Err(err) => Err(err.into()),
        }
    }

    /// Applies `change` to the current document and saves the result.
    pub async fn edit(
        &self,
        actor: &Principal,
        expected: Option<i64>,
        change: impl FnOnce(&mut WorkspaceDocument) -> ServiceResult<()>,
    ) -> ServiceResult<Revision> {
        actor.require(Role::Developer)?;
        let mut document = self.current().await?.document;
        change(&mut document)?;
        self.save(actor, document, expected).await
    }
}

pub(super) fn stale(expected: i64, actual: i64) -> ServiceError {
    ServiceError::conflict(
        "expectedRevision",
        format!("the workspace changed meanwhile (you edited revision {expected}, it is now {actual}); reload and retry"),
    )
}

pub(super) fn to_revision(model: workspace_revision::Model) -> ServiceResult<Revision> {
    let document =
        serde_json::from_str(&model.document).map_err(|err| ServiceError::internal(anyhow::anyhow!("stored revision {} unreadable: {err}", model.revision)))?;
    Ok(Revision {
        number: model.revision,
        document,
        author_email: Some(model.author_email),
        created_at: Some(model.created_at),
        restored_from: model.restored_from,
    })
}
