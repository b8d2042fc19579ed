use async_graphql::{Context, Object, Result, SimpleObject};

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    engine::{RefreshReport, schema::Plan},
    environments::EnvironmentKind,
    error::ServiceError,
};

#[derive(SimpleObject)]
#[graphql(name = "MigrationChange")]
pub struct ChangeObject {
    /// createTable, addColumn, addIndex, dropIndex, dropColumn, changeColumnType, dropTable.
    kind: String,
    description: String,
    /// Loses data; runs only with `allowDestructive`.
    destructive: bool,
}

fn changes(plan: &Plan) -> Vec<ChangeObject> {
    plan.changes
        .iter()
        .map(|change| ChangeObject {
            kind: serde_json::to_value(change).ok().and_then(|v| v["kind"].as_str().map(str::to_owned)).unwrap_or_default(),
            description: change.describe(),
            destructive: change.is_destructive(),
        })
        .collect()
}

#[derive(SimpleObject)]
#[graphql(name = "RefreshResult")]
pub struct RefreshObject {
    environment: String,
    /// The workspace revision the environment serves now.
    revision: i64,
    /// What the migration did, in order.
    changes: Vec<ChangeObject>,
    routers_served: i32,
}

impl RefreshObject {
    fn new(environment: String, report: RefreshReport) -> Self {
        Self { environment, revision: report.revision, changes: changes(&report.plan), routers_served: report.routers as i32 }
    }
}

#[derive(Default)]
pub struct RefreshQuery;

#[Object]
impl RefreshQuery {
    /// What a refresh of `environment` would change in its tables now.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn migration_plan(&self, ctx: &Context<'_>, environment: String) -> Result<Vec<ChangeObject>> {
        let app = state(ctx);
        let env = app.environments.get(&environment).await?;
        let revision = app.workspace.current().await?;
        Ok(changes(&app.engine.plan(&env, &revision).await?))
    }
}

#[derive(SimpleObject)]
#[graphql(name = "EndUser")]
pub struct EndUserObject {
    id: i64,
    email: String,
    groups: Vec<String>,
}

#[derive(Default)]
pub struct RefreshMutation;

#[Object]
impl RefreshMutation {
    /// Compiles and validates the workspace's current revision, migrates the
    /// environment's tables in one transaction and serves that revision, with
    /// no restart. Every problem is reported with the definition at fault;
    /// on any failure the environment keeps serving what it served.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn refresh(&self, ctx: &Context<'_>, environment: String, allow_destructive: Option<bool>) -> Result<RefreshObject> {
        let app = state(ctx);
        principal(ctx)?;
        let env = app.environments.get(&environment).await?;
        if env.kind != EnvironmentKind::Test {
            return Err(ServiceError::bad_input("environment", "production is updated by a deploy, not a refresh").into());
        }
        let revision = app.workspace.current().await?;
        if revision.number == 0 {
            return Err(ServiceError::bad_input("environment", "the workspace is empty: define tables and routers first").into());
        }
        let report = app.engine.refresh(&env, &revision, allow_destructive.unwrap_or(false)).await?;
        Ok(RefreshObject::new(env.slug, report))
    }

    /// Replaces an end user's groups (needs the environment's user management).
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn set_user_groups(&self, ctx: &Context<'_>, environment: String, user_id: async_graphql::ID, groups: Vec<String>) -> Result<EndUserObject> {
        let app = state(ctx);
        let env = app.environments.get(&environment).await?;
        if !env.capabilities.user_management {
            return Err(ServiceError::forbidden(format!("user management is off in `{environment}`")).into());
        }
        let active = app.engine.active(&environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
        for group in &groups {
            if !active.revision.document.groups.iter().any(|g| &g.name == group) {
                return Err(ServiceError::bad_input("groups", format!("no group `{group}` in the served revision")).into());
            }
        }
        let user_id: i64 = user_id.parse().map_err(|_| ServiceError::not_found("no such user"))?;
        let user = active.users.set_groups(user_id, &groups).await?;
        Ok(EndUserObject { id: user.id, email: user.email, groups: user.groups })
    }
}
