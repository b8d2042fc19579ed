//! Deploys, releases and rollbacks of deploy targets.

use async_graphql::{
    Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject, Subscription,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    context::{principal, state},
    guard::RoleGuard,
    refresh::{ChangeObject, changes as migration_changes},
    testing::TestRunObject,
};
use crate::{
    auth::Role,
    deploy::{ChangeKind, DefinitionChange, DeployEvent, DeployEventKind, DeployPlan, DeployRequest, Gate, Release, ReleaseStatus},
    error::ServiceError,
    pagination::page_size,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ReleaseStatus")]
pub enum ReleaseStatusValue {
    Applying,
    Active,
    Failed,
    Superseded,
    RolledBack,
}

impl From<ReleaseStatus> for ReleaseStatusValue {
    fn from(status: ReleaseStatus) -> Self {
        match status {
            ReleaseStatus::Applying => Self::Applying,
            ReleaseStatus::Active => Self::Active,
            ReleaseStatus::Failed => Self::Failed,
            ReleaseStatus::Superseded => Self::Superseded,
            ReleaseStatus::RolledBack => Self::RolledBack,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "ReleaseLogLine")]
pub struct LogLineObject {
    at: DateTime<Utc>,
    message: String,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DefinitionChangeKind")]
pub enum ChangeKindValue {
    Added,
    Changed,
    Removed,
}

#[derive(SimpleObject)]
#[graphql(name = "DefinitionChange")]
pub struct DefinitionChangeObject {
    /// `router`, `table`, `group` or `auth`; in the workspace's history also `test` and `fixtures`.
    what: String,
    name: String,
    change: ChangeKindValue,
    /// A router's method and path; a table's column count; a test case's router.
    summary: String,
    /// What changed inside it, one line each.
    details: Vec<String>,
}

impl From<DefinitionChange> for DefinitionChangeObject {
    fn from(c: DefinitionChange) -> Self {
        let change = match c.change {
            ChangeKind::Added => ChangeKindValue::Added,
            ChangeKind::Changed => ChangeKindValue::Changed,
            ChangeKind::Removed => ChangeKindValue::Removed,
        };
        Self { what: c.what, name: c.name, change, summary: c.summary, details: c.details }
    }
}

pub struct TestGateObject(Gate);

#[Object(name = "TestGate")]
impl TestGateObject {
    /// The test environment whose run gates the deploy.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The revision that must have passed (the one deployed).
    async fn revision(&self) -> i64 {
        self.0.revision
    }
    /// PASSED, FAILED, RUNNING, ERROR, CANCELLED, or NONE when the revision has no run.
    async fn status(&self) -> &str {
        self.0.status()
    }
    /// Whether a deploy goes through without `force`.
    async fn passed(&self) -> bool {
        self.0.passed()
    }
    /// Why a deploy is refused, in words; null when the gate is open.
    async fn message(&self) -> Option<String> {
        (!self.0.passed()).then(|| self.0.refusal())
    }
    /// The cases of the run that did not pass.
    async fn failed_cases(&self) -> Vec<String> {
        self.0.failed_cases()
    }
    /// Routers of the revision that no case showing them working (a happy
    /// path, a chain through them, a written case) ran for: they keep the
    /// gate closed.
    async fn untested(&self) -> &[String] {
        &self.0.untested
    }
    /// The latest run of that revision.
    async fn run(&self) -> Option<TestRunObject> {
        self.0.run.clone().map(TestRunObject)
    }
}

pub struct DeployPlanObject(DeployPlan);

#[Object(name = "DeployPlan")]
impl DeployPlanObject {
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn target(&self) -> &str {
        &self.0.target
    }
    /// The source's workspace revision that would be served.
    async fn from_revision(&self) -> i64 {
        self.0.from_revision
    }
    /// For a deploy, the number the new release takes; for a rollback, the
    /// earlier release whose definition is served again.
    async fn to_release(&self) -> i64 {
        self.0.to_release
    }
    /// The release the target serves now; null before its first deploy.
    async fn current_release(&self) -> Option<i64> {
        self.0.current_release
    }
    /// Routers, tables, groups added, changed and removed against what the target serves.
    async fn changes(&self) -> Vec<DefinitionChangeObject> {
        self.0.changes.iter().cloned().map(DefinitionChangeObject::from).collect()
    }
    /// The migration of the target's database, in order.
    async fn migration(&self) -> Vec<ChangeObject> {
        migration_changes(&self.0.migration)
    }
    /// Some step loses data: it runs only with `allowDestructive`.
    async fn destructive(&self) -> bool {
        self.0.destructive()
    }
    async fn gate(&self) -> TestGateObject {
        TestGateObject(self.0.gate.clone())
    }
}

pub struct ReleaseObject(pub Release);

#[Object(name = "Release")]
impl ReleaseObject {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn environment(&self) -> &str {
        &self.0.environment
    }
    /// 1, 2, 3 … per environment.
    async fn number(&self) -> i64 {
        self.0.number
    }
    async fn status(&self) -> ReleaseStatusValue {
        self.0.status.into()
    }
    async fn source_environment(&self) -> &str {
        &self.0.source_environment
    }
    /// The source's workspace revision it serves.
    async fn revision(&self) -> i64 {
        self.0.source_revision
    }
    /// SHA-256 of the definition.
    async fn content_hash(&self) -> &str {
        &self.0.content_hash
    }
    /// For a rollback: the earlier release it serves again.
    async fn rollback_of(&self) -> Option<i64> {
        self.0.rollback_of
    }
    /// The gate's test run, and its status when the release was made
    /// (PASSED, FAILED, RUNNING, ERROR, CANCELLED or NONE).
    async fn gate_run_id(&self) -> Option<ID> {
        self.0.gate.run_id.clone().map(ID)
    }
    async fn gate_status(&self) -> &str {
        &self.0.gate.status
    }
    /// Deployed by an owner although its tests had not passed.
    async fn forced(&self) -> bool {
        self.0.forced
    }
    async fn force_reason(&self) -> Option<&str> {
        self.0.force_reason.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The admin who deployed or rolled back.
    async fn author(&self) -> &str {
        &self.0.author
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// How long it took to apply, in milliseconds.
    async fn duration_ms(&self) -> Option<f64> {
        self.0.duration_ms()
    }
    /// The step that failed (compile, plan, migrate, switch); null unless FAILED.
    async fn failed_step(&self) -> Option<&str> {
        self.0.failed_step.as_deref()
    }
    /// Why it failed, with the database's own words.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The migration applied.
    async fn migration(&self) -> Vec<ChangeObject> {
        migration_changes(&self.0.plan)
    }
    /// What it changed against the release before it.
    async fn changes(&self) -> Vec<DefinitionChangeObject> {
        self.0.changes.iter().cloned().map(DefinitionChangeObject::from).collect()
    }
    /// The routers it serves, by name.
    async fn routers(&self) -> Vec<&str> {
        self.0.document.routers.iter().map(|r| r.name.as_str()).collect()
    }
    /// The whole definition (the workspace document: tables, routers, groups, tests).
    async fn document(&self) -> Json<serde_json::Value> {
        Json(serde_json::to_value(&self.0.document).unwrap_or_default())
    }
    /// Timestamped lines, as it went.
    async fn log(&self) -> Vec<LogLineObject> {
        self.0.log.iter().map(|l| LogLineObject { at: l.at, message: l.message.clone() }).collect()
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DeployEventKind")]
pub enum DeployEventKindValue {
    Started,
    StepStarted,
    StepFinished,
    StepFailed,
    Finished,
}

#[derive(SimpleObject)]
#[graphql(name = "DeployEvent")]
pub struct DeployEventObject {
    environment: String,
    /// The release being applied.
    release: i64,
    kind: DeployEventKindValue,
    /// compile, plan, migrate or switch.
    step: Option<String>,
    /// How long the step (or, when FINISHED, the whole release) took.
    duration_ms: Option<f64>,
    message: String,
    at: DateTime<Utc>,
    /// With FINISHED: the release as it ended (ACTIVE or FAILED).
    outcome: Option<ReleaseObject>,
}

impl From<DeployEvent> for DeployEventObject {
    fn from(e: DeployEvent) -> Self {
        let kind = match e.kind {
            DeployEventKind::Started => DeployEventKindValue::Started,
            DeployEventKind::StepStarted => DeployEventKindValue::StepStarted,
            DeployEventKind::StepFinished => DeployEventKindValue::StepFinished,
            DeployEventKind::StepFailed => DeployEventKindValue::StepFailed,
            DeployEventKind::Finished => DeployEventKindValue::Finished,
        };
        Self {
            environment: e.environment,
            release: e.release,
            kind,
            step: e.step,
            duration_ms: e.duration_ms,
            message: e.message,
            at: e.at,
            outcome: e.outcome.map(|r| ReleaseObject(*r)),
        }
    }
}

#[derive(InputObject)]
pub struct DeployInput {
    /// The test environment whose served revision is deployed.
    from: String,
    /// The deploy target (an environment of kind production).
    to: String,
    note: Option<String>,
    /// Run steps that lose data (drops, type changes).
    allow_destructive: Option<bool>,
    /// Deploy although the gate is closed (owners only, with `forceReason`).
    force: Option<bool>,
    force_reason: Option<String>,
}

#[derive(Default)]
pub struct DeployQuery;

#[Object]
impl DeployQuery {
    /// What deploying `from`'s served revision to `to` would do: the
    /// definitions' diff, the migration, and the gate.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn deploy_plan(&self, ctx: &Context<'_>, from: String, to: String) -> Result<DeployPlanObject> {
        Ok(DeployPlanObject(state(ctx).deploys.plan(&from, &to).await?))
    }

    /// Releases of `environment`, newest first.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn releases(&self, ctx: &Context<'_>, environment: String, first: Option<i32>, after: Option<String>) -> Result<Connection<String, ReleaseObject>> {
        let before = after.as_deref().map(|a| a.parse::<i64>().map_err(|_| ServiceError::bad_input("after", "a cursor from this connection"))).transpose()?;
        let (releases, more) = state(ctx).deploys.releases(&environment, page_size(first)?, before).await?;
        let mut connection = Connection::new(after.is_some(), more);
        connection.edges.extend(releases.into_iter().map(|r| Edge::new(r.number.to_string(), ReleaseObject(r))));
        Ok(connection)
    }

    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn release(&self, ctx: &Context<'_>, environment: String, number: i64) -> Result<Option<ReleaseObject>> {
        Ok(state(ctx).deploys.release(&environment, number).await?.map(ReleaseObject))
    }

    /// What going back to release `toRelease` would do. Without
    /// `allowDestructive`, tables and columns added since stay in place.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn rollback_plan(&self, ctx: &Context<'_>, environment: String, to_release: i64, allow_destructive: Option<bool>) -> Result<DeployPlanObject> {
        Ok(DeployPlanObject(state(ctx).deploys.rollback_plan(&environment, to_release, allow_destructive.unwrap_or(false)).await?))
    }
}

#[derive(Default)]
pub struct DeployMutation;

#[Object]
impl DeployMutation {
    /// Deploys `from`'s served, tested revision to `to` as its next release:
    /// migrated and switched atomically. Refused (TESTS_NOT_PASSED) unless
    /// the latest test run of that revision passed; owners may force it with
    /// a reason. A release that fails is returned FAILED, with the step and
    /// the error; the target keeps serving what it served.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn deploy(&self, ctx: &Context<'_>, input: DeployInput) -> Result<ReleaseObject> {
        let request = DeployRequest {
            from: input.from,
            to: input.to,
            note: input.note,
            allow_destructive: input.allow_destructive.unwrap_or(false),
            force: input.force.unwrap_or(false),
            force_reason: input.force_reason,
        };
        let release = state(ctx).deploys.deploy(principal(ctx)?, request).await?;
        let action = if release.forced { "deploy.forced" } else { "deploy" };
        let detail = serde_json::json!({
            "release": release.number, "status": release.status.as_str(), "from": release.source_environment,
            "revision": release.source_revision, "gate": release.gate.status, "forceReason": release.force_reason,
        });
        super::audit::record(ctx, action, &release.environment, detail).await;
        Ok(ReleaseObject(release))
    }

    /// Serves release `toRelease`'s definition again, as a new release.
    /// Data stays: tables and columns added since are kept (unserved)
    /// unless `allowDestructive`.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn rollback(&self, ctx: &Context<'_>, environment: String, to_release: i64, allow_destructive: Option<bool>) -> Result<ReleaseObject> {
        let release = state(ctx).deploys.rollback(principal(ctx)?, &environment, to_release, allow_destructive.unwrap_or(false)).await?;
        let detail = serde_json::json!({ "release": release.number, "toRelease": to_release, "status": release.status.as_str() });
        super::audit::record(ctx, "rollback", &environment, detail).await;
        Ok(ReleaseObject(release))
    }
}

#[derive(Default)]
pub struct DeploySubscription;

#[Subscription]
impl DeploySubscription {
    /// The deploys and rollbacks of `environment` through this server: each
    /// step as it starts and ends, then the release as it ended.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn deploy_events(&self, ctx: &Context<'_>, environment: String) -> impl Stream<Item = DeployEventObject> {
        BroadcastStream::new(state(ctx).deploys.subscribe()).filter_map(move |event| {
            let wanted = event.ok().filter(|e| e.environment == environment);
            async move { wanted.map(DeployEventObject::from) }
        })
    }
}
