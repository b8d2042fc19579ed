use async_graphql::{Context, Object, Result, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    engine::{RefreshEvent, RefreshReport, schema::Plan},
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

pub fn changes(plan: &Plan) -> Vec<ChangeObject> {
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
    /// The test run started once the revision was served (unless `runTests: false`).
    test_run: Option<super::testing::TestRunObject>,
}

impl RefreshObject {
    fn new(environment: String, report: RefreshReport, test_run: Option<super::testing::TestRunObject>) -> Self {
        Self { environment, revision: report.revision, changes: changes(&report.plan), routers_served: report.routers as i32, test_run }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "RefreshEvent")]
pub struct RefreshEventObject {
    environment: String,
    /// Who ran the refresh.
    author_email: String,
    ok: bool,
    revision: Option<i64>,
    /// Why the refresh failed.
    error: Option<String>,
    /// The definitions at fault, when that is why it failed.
    problems: Vec<super::workspace::ProblemObject>,
    changes: Vec<ChangeObject>,
    routers_served: i32,
}

impl From<RefreshEvent> for RefreshEventObject {
    fn from(event: RefreshEvent) -> Self {
        match event.result {
            Ok(report) => Self {
                environment: event.environment,
                author_email: event.author_email,
                ok: true,
                revision: Some(report.revision),
                error: None,
                problems: Vec::new(),
                changes: changes(&report.plan),
                routers_served: report.routers as i32,
            },
            Err((error, problems)) => Self {
                environment: event.environment,
                author_email: event.author_email,
                ok: false,
                revision: None,
                error: Some(error),
                problems: problems.into_iter().map(super::workspace::ProblemObject::from).collect(),
                changes: Vec::new(),
                routers_served: 0,
            },
        }
    }
}

#[derive(Default)]
pub struct RefreshSubscription;

#[Subscription]
impl RefreshSubscription {
    /// Every refresh attempt, by anyone; of one environment or all.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn refresh_events(&self, ctx: &Context<'_>, environment: Option<String>) -> impl Stream<Item = RefreshEventObject> {
        BroadcastStream::new(state(ctx).engine.subscribe()).filter_map(move |event| {
            let wanted = event.ok().filter(|e| environment.as_ref().is_none_or(|env| env == &e.environment));
            async move { wanted.map(RefreshEventObject::from) }
        })
    }
}

#[derive(Default)]
pub struct RefreshQuery;

#[Object]
impl RefreshQuery {
    /// What a refresh of `environment` would change in its tables now.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn migration_plan(&self, ctx: &Context<'_>, environment: String) -> Result<Vec<ChangeObject>> {
        Ok(changes(&state(ctx).refreshes.plan(principal(ctx)?, &environment).await?))
    }
}

#[derive(Default)]
pub struct RefreshMutation;

#[Object]
impl RefreshMutation {
    /// Compiles and validates the workspace's current revision, migrates the
    /// environment's tables in one transaction and serves that revision, with
    /// no restart. Every problem is reported with the definition at fault;
    /// on any failure the environment keeps serving what it served. Then,
    /// unless `runTests` is false, every test case runs (a run going on is
    /// cancelled: it tested what is no longer served).
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn refresh(&self, ctx: &Context<'_>, environment: String, allow_destructive: Option<bool>, run_tests: Option<bool>) -> Result<RefreshObject> {
        let refreshed = state(ctx).refreshes.refresh(principal(ctx)?, &environment, allow_destructive.unwrap_or(false), run_tests.unwrap_or(true)).await?;
        Ok(RefreshObject::new(refreshed.environment, refreshed.report, refreshed.test_run.map(super::testing::TestRunObject)))
    }
}
