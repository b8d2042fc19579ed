use async_graphql::{Context, Json, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use serde_json::Value;
use tokio_stream::wrappers::BroadcastStream;

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    error::{ServiceError, ServiceResult},
    workspace::{
        Revision, WorkspaceDocument,
        document::{Group, Router, Table},
        service::{parse, parse_as},
    },
};

fn to_json<T: serde::Serialize>(value: &T) -> Json<Value> {
    Json(serde_json::to_value(value).unwrap_or(Value::Null))
}

pub struct WorkspaceObject(pub Revision);

#[Object(name = "Workspace")]
impl WorkspaceObject {
    /// Bumped by every saved change; 0 before the first.
    async fn revision(&self) -> i64 {
        self.0.number
    }
    async fn author_email(&self) -> Option<&str> {
        self.0.author_email.as_deref()
    }
    async fn saved_at(&self) -> Option<DateTime<Utc>> {
        self.0.created_at
    }
    async fn tables(&self) -> Vec<TableObject> {
        self.0.document.tables.iter().cloned().map(TableObject).collect()
    }
    async fn groups(&self) -> Vec<GroupObject> {
        self.0.document.groups.iter().map(|g| GroupObject { name: g.name.clone(), description: g.description.clone() }).collect()
    }
    async fn routers(&self) -> Vec<RouterObject> {
        self.0.document.routers.iter().cloned().map(RouterObject).collect()
    }
    /// The whole document, as `exportWorkspace` gives it.
    async fn document(&self) -> Json<Value> {
        to_json(&self.0.document)
    }
}

pub struct TableObject(Table);

#[Object(name = "WorkspaceTable")]
impl TableObject {
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn owned(&self) -> bool {
        self.0.owned
    }
    async fn columns(&self) -> Json<Value> {
        to_json(&self.0.columns)
    }
    /// The table as it appears in the document (what `putTable` takes).
    async fn definition(&self) -> Json<Value> {
        to_json(&self.0)
    }
}

#[derive(SimpleObject)]
#[graphql(name = "WorkspaceGroup")]
pub struct GroupObject {
    name: String,
    description: String,
}

pub struct RouterObject(Router);

#[Object(name = "WorkspaceRouter")]
impl RouterObject {
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn method(&self) -> &str {
        self.0.method.as_str()
    }
    async fn path(&self) -> &str {
        &self.0.path
    }
    /// The router as it appears in the document (what `putRouter` takes).
    async fn definition(&self) -> Json<Value> {
        to_json(&self.0)
    }
}

#[derive(SimpleObject)]
#[graphql(name = "WorkspaceProblem")]
pub struct ProblemObject {
    /// Where: `tables.posts.columns.title.max`, `routers.getPost.steps[0].get.table`…
    path: String,
    message: String,
}

impl From<crate::error::Problem> for ProblemObject {
    fn from(p: crate::error::Problem) -> Self {
        Self { path: p.path, message: p.message }
    }
}

#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// The current revision of the workspace.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn workspace(&self, ctx: &Context<'_>) -> Result<WorkspaceObject> {
        Ok(WorkspaceObject(state(ctx).workspace.current().await?))
    }

    /// The current workspace as one JSON document (see docs/workspace.md).
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn export_workspace(&self, ctx: &Context<'_>) -> Result<Json<Value>> {
        Ok(to_json(&state(ctx).workspace.current().await?.document))
    }

    /// Every problem of a document, without saving it (empty when it is valid).
    /// The same full check as `refresh` runs: a document without problems refreshes.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)", complexity = "document_cost(&document)")]
    async fn validate_workspace(&self, ctx: &Context<'_>, document: Json<Value>) -> Result<Vec<ProblemObject>> {
        let problems = match parse_off_thread(document.0).await {
            Ok(document) => state(ctx).workspace.check(document).await?.1,
            Err(ServiceError::Invalid(problems)) => problems,
            Err(other) => return Err(other.into()),
        };
        Ok(problems.into_iter().map(ProblemObject::from).collect())
    }
}

/// What validating or importing a document costs against the operation's
/// complexity budget: its size, 1 per 4 KiB, so one request cannot ask for
/// many validations of a large document (see `graphql::MAX_COMPLEXITY`).
fn document_cost(document: &Json<Value>) -> usize {
    fn bytes(value: &Value) -> usize {
        match value {
            Value::String(text) => text.len() + 2,
            Value::Array(items) => items.iter().map(bytes).sum::<usize>() + 2,
            Value::Object(map) => map.iter().map(|(key, item)| key.len() + 3 + bytes(item)).sum::<usize>() + 2,
            _ => 8,
        }
    }
    10 + bytes(&document.0) / 4096
}

/// Reads a document from JSON on the compile pool: a large one takes a while.
async fn parse_off_thread(json: Value) -> ServiceResult<WorkspaceDocument> {
    crate::heavy::run(crate::heavy::Pool::Compile, move || parse(json)).await?
}

/// Replaces the item named like `item` or appends it.
fn put<T>(items: &mut Vec<T>, item: T, name: impl Fn(&T) -> &str) {
    match items.iter().position(|existing| name(existing) == name(&item)) {
        Some(i) => items[i] = item,
        None => items.push(item),
    }
}

fn remove<T>(items: &mut Vec<T>, wanted: &str, kind: &str, name: impl Fn(&T) -> &str) -> ServiceResult<()> {
    let before = items.len();
    items.retain(|item| name(item) != wanted);
    if items.len() == before {
        return Err(ServiceError::not_found(format!("no {kind} `{wanted}`")));
    }
    Ok(())
}

#[derive(Default)]
pub struct WorkspaceMutation;

#[Object]
impl WorkspaceMutation {
    /// Replaces the whole workspace with `document`, validated first: all or
    /// nothing. `expectedRevision` guards against overwriting someone's edit.
    #[graphql(guard = "RoleGuard::new(Role::Developer)", complexity = "document_cost(&document)")]
    async fn import_workspace(&self, ctx: &Context<'_>, document: Json<Value>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let document: WorkspaceDocument = parse_off_thread(document.0).await?;
        Ok(WorkspaceObject(state(ctx).workspace.save(principal(ctx)?, document, expected_revision).await?))
    }

    /// Creates or replaces (by name) a table definition.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn put_table(&self, ctx: &Context<'_>, definition: Json<Value>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let table: Table = parse_as(definition.0, "table")?;
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| {
            put(&mut doc.tables, table, |t| &t.name);
            Ok(())
        });
        Ok(WorkspaceObject(saved.await?))
    }

    /// Adds a table definition; a name in use is refused (CONFLICT at
    /// `table.name`), where `putTable` would replace that table.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn create_table(&self, ctx: &Context<'_>, definition: Json<Value>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let table: Table = parse_as(definition.0, "table")?;
        Ok(WorkspaceObject(state(ctx).workspace.create(principal(ctx)?, table, expected_revision).await?))
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_table(&self, ctx: &Context<'_>, name: String, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| remove(&mut doc.tables, &name, "table", |t| &t.name));
        Ok(WorkspaceObject(saved.await?))
    }

    /// Creates or replaces (by name) a router definition.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn put_router(&self, ctx: &Context<'_>, definition: Json<Value>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let router: Router = parse_as(definition.0, "router")?;
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| {
            put(&mut doc.routers, router, |r| &r.name);
            Ok(())
        });
        Ok(WorkspaceObject(saved.await?))
    }

    /// Adds a router definition; a name in use is refused (CONFLICT at
    /// `router.name`), where `putRouter` would replace that router.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn create_router(&self, ctx: &Context<'_>, definition: Json<Value>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let router: Router = parse_as(definition.0, "router")?;
        Ok(WorkspaceObject(state(ctx).workspace.create(principal(ctx)?, router, expected_revision).await?))
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_router(&self, ctx: &Context<'_>, name: String, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| {
            remove(&mut doc.routers, &name, "router", |r| &r.name)?;
            // Its written test cases go with it.
            doc.tests.retain(|t| t.router != name);
            Ok(())
        });
        Ok(WorkspaceObject(saved.await?))
    }

    /// Creates or renames the description of an end-user group.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn put_group(&self, ctx: &Context<'_>, name: String, description: Option<String>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let group = Group { name, description: description.unwrap_or_default() };
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| {
            put(&mut doc.groups, group, |g| &g.name);
            Ok(())
        });
        Ok(WorkspaceObject(saved.await?))
    }

    /// Adds an end-user group; a name in use is refused (CONFLICT at
    /// `name`), where `putGroup` would change that group's description.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn create_group(&self, ctx: &Context<'_>, name: String, description: Option<String>, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let group = Group { name, description: description.unwrap_or_default() };
        Ok(WorkspaceObject(state(ctx).workspace.create(principal(ctx)?, group, expected_revision).await?))
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_group(&self, ctx: &Context<'_>, name: String, expected_revision: Option<i64>) -> Result<WorkspaceObject> {
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| remove(&mut doc.groups, &name, "group", |g| &g.name));
        Ok(WorkspaceObject(saved.await?))
    }
}

/// A revision someone saved.
#[derive(SimpleObject)]
#[graphql(name = "WorkspaceChange")]
pub struct WorkspaceChangeObject {
    revision: i64,
    /// Who saved it (null when the author's account is gone).
    author_email: Option<String>,
}

#[derive(Default)]
pub struct WorkspaceSubscription;

#[Subscription]
impl WorkspaceSubscription {
    /// Every revision saved from now on, by anyone: editors reload what changed.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn workspace_changes(&self, ctx: &Context<'_>) -> impl Stream<Item = WorkspaceChangeObject> {
        BroadcastStream::new(state(ctx).workspace.subscribe())
            .filter_map(|change| async move { change.ok().map(|c| WorkspaceChangeObject { revision: c.revision, author_email: c.author_email }) })
    }
}
