//! Test cases and runs: the cases of the revision an environment serves
//! (generated and written), runs with their results, and live progress.

use async_graphql::{
    Context, Enum, ID, Json, Object, Result, SimpleObject, Subscription, Union,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream};
use serde_json::Value;

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    error::ServiceError,
    pagination::page_size,
    testing::{CaseResult, CaseStatus, Progress, RunStatus, Selection, TestRun, coverage, generate},
    workspace::{service::parse_as, test_case::TestCase},
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TestRunStatus")]
pub enum RunStatusValue {
    Running,
    Passed,
    Failed,
    Error,
    Cancelled,
}

impl From<RunStatus> for RunStatusValue {
    fn from(status: RunStatus) -> Self {
        match status {
            RunStatus::Running => Self::Running,
            RunStatus::Passed => Self::Passed,
            RunStatus::Failed => Self::Failed,
            RunStatus::Error => Self::Error,
            RunStatus::Cancelled => Self::Cancelled,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TestCaseStatus")]
pub enum CaseStatusValue {
    Passed,
    Failed,
    Error,
}

/// One thing a step's answer did not do as expected.
#[derive(SimpleObject)]
#[graphql(name = "TestFailure")]
pub struct FailureObject {
    step: String,
    /// What differed: `status`; `body` or `body/<pointer>` for the body's
    /// subset; a pointer of `expect.paths`; `schema/<pointer>` for the
    /// answer's shape; `request` when the request could not be made.
    what: String,
    expected: Json<Value>,
    actual: Json<Value>,
}

#[derive(SimpleObject)]
#[graphql(name = "TestCaseResult")]
pub struct CaseResultObject {
    name: String,
    router: String,
    status: CaseStatusValue,
    duration_ms: f64,
    failures: Vec<FailureObject>,
    /// Ids of the request-log records of the case's requests (`requestLog`).
    log_ids: Vec<ID>,
    /// Sends the case's last request again; `$TOKEN` stands for the caller's token.
    curl: String,
}

impl From<CaseResult> for CaseResultObject {
    fn from(r: CaseResult) -> Self {
        Self {
            name: r.name,
            router: r.router,
            status: match r.status {
                CaseStatus::Passed => CaseStatusValue::Passed,
                CaseStatus::Failed => CaseStatusValue::Failed,
                CaseStatus::Error => CaseStatusValue::Error,
            },
            duration_ms: r.duration_ms,
            failures: r
                .failures
                .into_iter()
                .map(|f| FailureObject { step: f.step, what: f.what, expected: Json(f.expected), actual: Json(f.actual) })
                .collect(),
            log_ids: r.log_ids.into_iter().map(ID).collect(),
            curl: r.curl,
        }
    }
}

pub struct TestRunObject(pub TestRun);

#[Object(name = "TestRun")]
impl TestRunObject {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn environment(&self) -> &str {
        &self.0.environment
    }
    /// The workspace revision the environment served.
    async fn revision(&self) -> i64 {
        self.0.revision
    }
    /// The admin who started it (a refresh's author for runs a refresh started).
    async fn started_by(&self) -> &str {
        &self.0.started_by
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    async fn status(&self) -> RunStatusValue {
        self.0.status.into()
    }
    async fn total(&self) -> i32 {
        self.0.total
    }
    async fn passed(&self) -> i32 {
        self.0.passed
    }
    async fn failed(&self) -> i32 {
        self.0.failed
    }
    /// Why the run could not go on (status ERROR): e.g. a fixture that
    /// could not be loaded, with its place; null otherwise.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Every case's result, in the order they ran (complete once the run ends).
    async fn results(&self) -> Vec<CaseResultObject> {
        self.0.results.iter().cloned().map(CaseResultObject::from).collect()
    }
    /// Per router of the revision it tested: the kinds of case that ran and
    /// the kinds it could not get, with the reason. A router is `tested`
    /// when a happy path, a chain through it or a written case ran.
    async fn coverage(&self, ctx: &Context<'_>) -> Result<Vec<RouterCoverageObject>> {
        let document = state(ctx).workspace.revision(self.0.revision).await?.document;
        Ok(coverage::of(&document, &self.0.results).into_iter().map(RouterCoverageObject::from).collect())
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "TestCaseKind")]
pub enum CaseKindValue {
    HappyPath,
    InvalidInput,
    RefusedCaller,
    NotFound,
    CrudChain,
    PartialUpdate,
    /// A watch stream opened again after its first event receives exactly the rest.
    Resume,
    Written,
}

impl From<coverage::CaseKind> for CaseKindValue {
    fn from(kind: coverage::CaseKind) -> Self {
        match kind {
            coverage::CaseKind::HappyPath => Self::HappyPath,
            coverage::CaseKind::InvalidInput => Self::InvalidInput,
            coverage::CaseKind::RefusedCaller => Self::RefusedCaller,
            coverage::CaseKind::NotFound => Self::NotFound,
            coverage::CaseKind::CrudChain => Self::CrudChain,
            coverage::CaseKind::PartialUpdate => Self::PartialUpdate,
            coverage::CaseKind::Resume => Self::Resume,
            coverage::CaseKind::Written => Self::Written,
        }
    }
}

/// Cases of one kind that ran for a router.
#[derive(SimpleObject)]
#[graphql(name = "TestKindRan")]
pub struct KindRanObject {
    kind: CaseKindValue,
    cases: u32,
    passed: u32,
}

/// A kind of case a router did not get, and why.
#[derive(SimpleObject)]
#[graphql(name = "TestKindSkipped")]
pub struct KindSkippedObject {
    kind: CaseKindValue,
    reason: String,
}

#[derive(SimpleObject)]
#[graphql(name = "RouterCoverage")]
pub struct RouterCoverageObject {
    router: String,
    /// A case that shows it working ran (passed or not).
    tested: bool,
    /// Its happy path, or a chain through it, ran and passed.
    happy_path_passed: bool,
    ran: Vec<KindRanObject>,
    skipped: Vec<KindSkippedObject>,
}

impl From<coverage::RouterCoverage> for RouterCoverageObject {
    fn from(c: coverage::RouterCoverage) -> Self {
        Self {
            tested: c.tested(),
            happy_path_passed: c.happy_path_passed(),
            ran: c.ran.into_iter().map(|r| KindRanObject { kind: r.kind.into(), cases: r.cases, passed: r.passed }).collect(),
            skipped: c.skipped.into_iter().map(|s| KindSkippedObject { kind: s.kind.into(), reason: s.reason }).collect(),
            router: c.router,
        }
    }
}

/// A case of the served revision.
pub struct TestCaseObject(TestCase);

#[Object(name = "TestCase")]
impl TestCaseObject {
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn router(&self) -> &str {
        &self.0.router
    }
    /// Made by the generator; false once someone wrote or edited it.
    async fn generated(&self) -> bool {
        self.0.generated
    }
    /// The case as the workspace document holds it (what `putTestCase` takes).
    async fn definition(&self) -> Json<Value> {
        Json(serde_json::to_value(&self.0).unwrap_or(Value::Null))
    }
}

/// A case ended (`TestCaseProgress`) or the run did (`TestRunFinished`).
#[derive(Union)]
#[graphql(name = "TestRunProgress")]
pub enum ProgressObject {
    Case(CaseProgress),
    Finished(TestRunFinished),
}

#[derive(SimpleObject)]
#[graphql(name = "TestCaseProgress")]
pub struct CaseProgress {
    run_id: ID,
    /// Cases ended so far, of `total`.
    done: i32,
    total: i32,
    result: CaseResultObject,
}

#[derive(SimpleObject)]
pub struct TestRunFinished {
    run: TestRunObject,
}

#[derive(Default)]
pub struct TestingQuery;

#[Object]
impl TestingQuery {
    /// The cases a run of `environment` runs: generated from its served
    /// revision's routers, and those written or edited in the workspace.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn test_cases(&self, ctx: &Context<'_>, environment: String) -> Result<Vec<TestCaseObject>> {
        let active = state(ctx).engine.active(&environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
        Ok(generate::cases(&active.revision.document).into_iter().map(TestCaseObject).collect())
    }

    /// Runs of `environment`, newest first.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn test_runs(&self, ctx: &Context<'_>, environment: String, first: Option<i32>, after: Option<String>) -> Result<Connection<String, TestRunObject>> {
        let (runs, more) = state(ctx).tests.list(&environment, page_size(first)?, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), more);
        connection.edges.extend(runs.into_iter().map(|run| Edge::new(run.id.clone(), TestRunObject(run))));
        Ok(connection)
    }

    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn test_run(&self, ctx: &Context<'_>, id: ID) -> Result<Option<TestRunObject>> {
        Ok(state(ctx).tests.get(&id).await?.map(TestRunObject))
    }

    /// The served API as a Postman Collection v2.1 (newman runs it green).
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn postman_collection(&self, ctx: &Context<'_>, environment: String) -> Result<Json<Value>> {
        Ok(Json(crate::testing::export::postman(&state(ctx).data_plane, &environment).await?))
    }

    /// The served API as an OpenAPI 3.1.0 document.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn open_api(&self, ctx: &Context<'_>, environment: String) -> Result<Json<Value>> {
        Ok(Json(crate::testing::export::openapi(&state(ctx).data_plane, &environment).await?))
    }

    /// The newest run of `environment`, of `revision` when given: what a deploy is gated on.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn latest_test_run(&self, ctx: &Context<'_>, environment: String, revision: Option<i64>) -> Result<Option<TestRunObject>> {
        Ok(state(ctx).tests.latest(&environment, revision).await?.map(TestRunObject))
    }
}

#[derive(Default)]
pub struct TestingMutation;

#[Object]
impl TestingMutation {
    /// Starts a run of `environment`'s cases (those named, or of the routers
    /// named; all when both are empty) and returns it at once. CONFLICT while
    /// another run goes on there.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn run_tests(&self, ctx: &Context<'_>, environment: String, cases: Option<Vec<String>>, routers: Option<Vec<String>>) -> Result<TestRunObject> {
        let app = state(ctx);
        let selection = Selection { cases: cases.unwrap_or_default(), routers: routers.unwrap_or_default() };
        Ok(TestRunObject(app.tests.start(&app.data_plane, principal(ctx)?, &environment, selection).await?))
    }

    /// Stops the run going on in `environment`; returns its id (null if none ran).
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn cancel_test_run(&self, ctx: &Context<'_>, environment: String) -> Result<Option<ID>> {
        Ok(state(ctx).tests.cancel(principal(ctx)?, &environment).await?.map(ID))
    }

    /// Creates or replaces (by name) a test case in the workspace; it is
    /// kept as written (`generated` becomes false).
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn put_test_case(&self, ctx: &Context<'_>, definition: Json<Value>, expected_revision: Option<i64>) -> Result<super::workspace::WorkspaceObject> {
        let mut case: TestCase = parse_as(definition.0, "test")?;
        case.generated = false;
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| {
            match doc.tests.iter().position(|t| t.name == case.name) {
                Some(i) => doc.tests[i] = case,
                None => doc.tests.push(case),
            }
            Ok(())
        });
        Ok(super::workspace::WorkspaceObject(saved.await?))
    }

    /// Removes a written case (a generated one with that name is generated again).
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_test_case(&self, ctx: &Context<'_>, name: String, expected_revision: Option<i64>) -> Result<super::workspace::WorkspaceObject> {
        let saved = state(ctx).workspace.edit(principal(ctx)?, expected_revision, |doc| {
            let before = doc.tests.len();
            doc.tests.retain(|t| t.name != name);
            if doc.tests.len() == before {
                return Err(ServiceError::not_found(format!("no written test case `{name}`")));
            }
            Ok(())
        });
        Ok(super::workspace::WorkspaceObject(saved.await?))
    }
}

#[derive(Default)]
pub struct TestingSubscription;

#[Subscription]
impl TestingSubscription {
    /// Each case of the run as it ends, then the run itself when it ends. A
    /// subscriber who arrives late first hears what already happened, so
    /// every case is told once whatever the timing.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn test_run_progress(&self, ctx: &Context<'_>, run_id: ID) -> Result<impl Stream<Item = ProgressObject> + use<>> {
        let runs = state(ctx).tests.clone();
        let receiver = runs.subscribe();
        let told = runs.replay(&run_id).await?;
        if told.is_empty() && runs.get(&run_id).await?.is_none() {
            return Err(ServiceError::not_found(format!("no test run {}", run_id.0)).into());
        }
        let already = told.iter().filter(|p| matches!(p, Progress::Case { .. })).count() as i32;
        let finished = told.iter().any(|p| matches!(p, Progress::Finished(_)));
        let live = stream::unfold((receiver, run_id.0, finished), move |(mut receiver, run_id, ended)| async move {
            if ended {
                return None;
            }
            loop {
                match receiver.recv().await {
                    Ok(Progress::Case { done, .. }) if done <= already => continue,
                    Ok(progress) if progress.run_id() == run_id => {
                        let ended = matches!(progress, Progress::Finished(_));
                        return Some((progress, (receiver, run_id, ended)));
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(stream::iter(told).chain(live).map(progress_object).boxed())
    }
}

fn progress_object(progress: Progress) -> ProgressObject {
    match progress {
        Progress::Case { run_id, done, total, result } => ProgressObject::Case(CaseProgress { run_id: ID(run_id), done, total, result: result.into() }),
        Progress::Finished(run) => ProgressObject::Finished(TestRunFinished { run: TestRunObject(*run) }),
    }
}
