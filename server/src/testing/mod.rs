//! Test runs: an environment's cases (generated from its served revision's
//! routers, plus those written by hand) run one after another through the
//! in-process data plane, as fixture end users, one run per environment at a
//! time. Runs are stored with every case's result and stream their progress.

mod compare;
pub mod console;
pub mod coverage;
mod events;
pub mod example;
pub mod export;
pub mod fixtures;
pub mod generate;
pub mod records;
pub mod request;
pub mod run;
pub mod sandbox;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use entity::test_run;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tokio::sync::broadcast;

use crate::{
    auth::{Principal, Role},
    dataplane::DataPlane,
    error::{ServiceError, ServiceResult},
    workspace::test_case::{ActAs, TestCase},
};
pub use run::{CaseResult, CaseStatus, Mismatch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Passed,
    Failed,
    /// The run could not go on (its environment stopped serving, a fixture could not be made).
    Error,
    /// A refresh, or an admin, stopped it.
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Passed => "PASSED",
            Self::Failed => "FAILED",
            Self::Error => "ERROR",
            Self::Cancelled => "CANCELLED",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "RUNNING" => Self::Running,
            "PASSED" => Self::Passed,
            "FAILED" => Self::Failed,
            "CANCELLED" => Self::Cancelled,
            _ => Self::Error,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TestRun {
    pub id: String,
    pub environment: String,
    pub revision: i64,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub total: i32,
    pub passed: i32,
    pub failed: i32,
    pub results: Vec<CaseResult>,
    /// Why it could not go on (status ERROR), as an admin can act on it.
    pub error: Option<String>,
}

impl TryFrom<test_run::Model> for TestRun {
    type Error = ServiceError;

    fn try_from(m: test_run::Model) -> ServiceResult<Self> {
        Ok(Self {
            results: serde_json::from_str(&m.results).map_err(|err| ServiceError::internal(anyhow::anyhow!("test run {} unreadable: {err}", m.id)))?,
            id: m.id,
            environment: m.environment,
            revision: m.revision,
            started_by: m.started_by,
            started_at: m.started_at,
            finished_at: m.finished_at,
            status: RunStatus::parse(&m.status),
            total: m.total,
            passed: m.passed,
            failed: m.failed,
            error: m.error,
        })
    }
}

/// What `testRunProgress` streams: each case as it ends, then the run.
#[derive(Debug, Clone)]
pub enum Progress {
    Case { run_id: String, done: i32, total: i32, result: CaseResult },
    Finished(Box<TestRun>),
}

impl Progress {
    pub fn run_id(&self) -> &str {
        match self {
            Self::Case { run_id, .. } => run_id,
            Self::Finished(run) => &run.id,
        }
    }
}

/// Which cases a run runs: all of them when both lists are empty.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub cases: Vec<String>,
    pub routers: Vec<String>,
}

impl Selection {
    fn admits(&self, case: &TestCase) -> bool {
        (self.cases.is_empty() && self.routers.is_empty()) || self.cases.contains(&case.name) || self.routers.contains(&case.router)
    }
}

#[derive(Clone)]
pub struct TestRuns(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    /// The run going on per environment: its id and how to stop it.
    running: Mutex<HashMap<String, (String, tokio::task::AbortHandle)>>,
    /// The results so far of runs going on, so a late subscriber hears them too.
    so_far: Mutex<HashMap<String, Vec<CaseResult>>>,
    progress: broadcast::Sender<Progress>,
}

impl TestRuns {
    pub fn new(db: DatabaseConnection) -> Self {
        Self(Arc::new(Inner { db, running: Mutex::default(), so_far: Mutex::default(), progress: broadcast::channel(1024).0 }))
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Progress> {
        self.0.progress.subscribe()
    }

    /// Starts a run of `environment`'s cases (those `selection` names) and
    /// returns it at once; CONFLICT while another runs there.
    pub async fn start(&self, plane: &DataPlane, actor: &Principal, environment: &str, selection: Selection) -> ServiceResult<TestRun> {
        actor.require(Role::Developer)?;
        let started_by = actor.email.as_str();
        // Runs write rows and make fixture users: never among real users' data.
        if plane.environments.get(environment).await?.kind != crate::environments::EnvironmentKind::Test {
            return Err(ServiceError::bad_input("environment", "test runs write rows and fixture users: they run in test environments only"));
        }
        let active = plane.engine.active(environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
        let cases: Vec<TestCase> = generate::cases(&active.revision.document).into_iter().filter(|c| selection.admits(c)).collect();
        if cases.is_empty() {
            return Err(ServiceError::bad_input("cases", "no test case matches"));
        }
        let run = TestRun {
            id: uuid::Uuid::now_v7().to_string(),
            environment: environment.to_owned(),
            revision: active.revision.revision,
            started_by: started_by.to_owned(),
            started_at: Utc::now(),
            finished_at: None,
            status: RunStatus::Running,
            total: cases.len() as i32,
            passed: 0,
            failed: 0,
            results: Vec::new(),
            error: None,
        };
        // Claimed before anything is stored, so two starts cannot both pass.
        let (claim, claimed) = tokio::sync::oneshot::channel::<()>();
        {
            let mut running = self.0.running.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((id, _)) = running.get(environment) {
                return Err(ServiceError::Conflict {
                    field: Some("environment".into()),
                    message: format!("test run {id} is still running in `{environment}`"),
                });
            }
            let (runs, plane, run_for_task) = (self.clone(), plane.clone(), run.clone());
            let task = tokio::spawn(async move {
                let _ = claimed.await;
                runs.execute(&plane, run_for_task, cases).await;
            });
            running.insert(environment.to_owned(), (run.id.clone(), task.abort_handle()));
        }
        if let Err(err) = self.insert(&run).await {
            self.stop(environment).await;
            return Err(err);
        }
        let _ = claim.send(());
        Ok(run)
    }

    async fn insert(&self, run: &TestRun) -> ServiceResult<()> {
        test_run::ActiveModel {
            id: Set(run.id.clone()),
            environment: Set(run.environment.clone()),
            revision: Set(run.revision),
            started_by: Set(run.started_by.clone()),
            started_at: Set(run.started_at),
            finished_at: Set(None),
            status: Set(RunStatus::Running.as_str().into()),
            total: Set(run.total),
            passed: Set(0),
            failed: Set(0),
            results: Set("[]".into()),
            error: Set(None),
        }
        .insert(&self.0.db)
        .await?;
        Ok(())
    }

    async fn finish(&self, run: &TestRun) -> ServiceResult<()> {
        test_run::ActiveModel {
            id: Set(run.id.clone()),
            finished_at: Set(run.finished_at),
            status: Set(run.status.as_str().into()),
            passed: Set(run.passed),
            failed: Set(run.failed),
            results: Set(serde_json::to_string(&run.results).map_err(ServiceError::internal)?),
            error: Set(run.error.clone()),
            ..Default::default()
        }
        .update(&self.0.db)
        .await?;
        Ok(())
    }

    async fn execute(&self, plane: &DataPlane, mut run: TestRun, cases: Vec<TestCase>) {
        let outcome = self.run_cases(plane, &mut run, &cases).await;
        run.finished_at = Some(Utc::now());
        run.status = match outcome {
            Err(err) => {
                tracing::warn!(run = %run.id, error = %err.message(), "a test run could not go on");
                err.log_if_internal();
                run.error = Some(reason(&err));
                RunStatus::Error
            }
            Ok(()) if run.failed == 0 => RunStatus::Passed,
            Ok(()) => RunStatus::Failed,
        };
        if let Err(err) = self.finish(&run).await {
            err.log_if_internal();
        }
        self.0.so_far.lock().unwrap_or_else(|e| e.into_inner()).remove(&run.id);
        {
            let mut running = self.0.running.lock().unwrap_or_else(|e| e.into_inner());
            if running.get(&run.environment).is_some_and(|(id, _)| *id == run.id) {
                running.remove(&run.environment);
            }
        }
        let environment = run.environment.clone();
        let _ = self.0.progress.send(Progress::Finished(Box::new(run)));
        // After the run is over for everyone: a new run may start meanwhile.
        if let Err(err) = self.trim_records(&environment).await {
            err.log_if_internal();
        }
    }

    /// Runs `cases` in a sandbox of the run's environment, loaded with the
    /// workspace's fixtures, and drops it after.
    async fn run_cases(&self, plane: &DataPlane, run: &mut TestRun, cases: &[TestCase]) -> ServiceResult<()> {
        let env = plane.environments.get(&run.environment).await?;
        let started = std::time::Instant::now();
        let sandbox = sandbox::SandboxGuard::open(plane, &env, &run.id).await?;
        let opened = started.elapsed();
        let outcome = self.run_in(&sandbox, run, cases).await;
        let ran = started.elapsed();
        sandbox.close().await;
        // What `bench/sandbox.sh` reads: the sandbox's cost beside the cases'.
        tracing::info!(
            run = %run.id,
            environment = %run.environment,
            cases = cases.len(),
            sandbox_setup_ms = opened.as_secs_f64() * 1e3,
            cases_ms = (ran - opened).as_secs_f64() * 1e3,
            sandbox_teardown_ms = (started.elapsed() - ran).as_secs_f64() * 1e3,
            "test run served in its sandbox"
        );
        outcome
    }

    async fn run_in(&self, sandbox: &sandbox::SandboxGuard, run: &mut TestRun, cases: &[TestCase]) -> ServiceResult<()> {
        let Some(active) = sandbox.active() else { return Err(ServiceError::internal(anyhow::anyhow!("a sandbox without a definition"))) };
        let document = &active.revision.document;
        let fixtures = fixtures::load(active, &document.fixtures).await?;
        let mut callers = run::Callers::new();
        let mut wanted = vec![ActAs::SignedIn, ActAs::OtherUser];
        wanted.extend(document.groups.iter().map(|g| ActAs::Group(g.name.clone())));
        for who in wanted {
            let groups = match &who {
                ActAs::Group(group) => vec![group.clone()],
                _ => Vec::new(),
            };
            let email = run::fixture_email(&who).unwrap_or_default();
            callers.insert(who, active.users.fixture(&email, &groups).await?);
        }
        let plane = sandbox.plane();
        let runner = run::Runner { plane: &plane, environment: &run.environment, document, callers: &callers, fixtures: &fixtures, run_id: &run.id };
        for (done, case) in cases.iter().enumerate() {
            let (result, records) = runner.run(case).await;
            self.keep_records(run, records).await?;
            match result.status {
                CaseStatus::Passed => run.passed += 1,
                _ => run.failed += 1,
            }
            // Recorded before it is announced: a subscriber that reads `so_far`
            // after subscribing misses nothing and can skip what it has seen.
            self.0.so_far.lock().unwrap_or_else(|e| e.into_inner()).entry(run.id.clone()).or_default().push(result.clone());
            let _ = self.0.progress.send(Progress::Case { run_id: run.id.clone(), done: done as i32 + 1, total: run.total, result: result.clone() });
            run.results.push(result);
        }
        Ok(())
    }

    /// Stops the run going on in `environment` for `actor`; its id, if one ran.
    pub async fn cancel(&self, actor: &Principal, environment: &str) -> ServiceResult<Option<String>> {
        actor.require(Role::Developer)?;
        Ok(self.stop(environment).await)
    }

    /// Stops the run going on in `environment` (a refresh changes what it tests).
    pub async fn stop(&self, environment: &str) -> Option<String> {
        let (id, task) = self.0.running.lock().unwrap_or_else(|e| e.into_inner()).remove(environment)?;
        task.abort();
        // What ended before the cancel is kept with the run.
        let results = self.0.so_far.lock().unwrap_or_else(|e| e.into_inner()).remove(&id).unwrap_or_default();
        let passed = results.iter().filter(|r| r.status == CaseStatus::Passed).count() as i32;
        let update = test_run::ActiveModel {
            id: Set(id.clone()),
            status: Set(RunStatus::Cancelled.as_str().into()),
            finished_at: Set(Some(Utc::now())),
            passed: Set(passed),
            failed: Set(results.len() as i32 - passed),
            results: Set(serde_json::to_string(&results).unwrap_or_else(|_| "[]".into())),
            ..Default::default()
        };
        if let Err(err) = update.update(&self.0.db).await {
            tracing::warn!(run = %id, error = %err, "could not mark a test run cancelled");
        }
        if let Ok(Some(run)) = self.get(&id).await {
            let environment = run.environment.clone();
            let _ = self.0.progress.send(Progress::Finished(Box::new(run)));
            // After the run is over for everyone: a new run may start meanwhile.
            if let Err(err) = self.trim_records(&environment).await {
                err.log_if_internal();
            }
        }
        Some(id)
    }

    /// The cases of run `id` that have ended so far (while it runs).
    pub fn results_so_far(&self, id: &str) -> Vec<CaseResult> {
        self.0.so_far.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned().unwrap_or_default()
    }

    /// Everything `testRunProgress` must tell a subscriber who arrives now:
    /// the cases that have ended, and the run if it has ended too. Call after
    /// subscribing to the live progress, then skip live cases already told.
    pub async fn replay(&self, id: &str) -> ServiceResult<Vec<Progress>> {
        let Some(run) = self.get(id).await? else { return Ok(Vec::new()) };
        let running = run.status == RunStatus::Running;
        let results = if running { self.results_so_far(id) } else { run.results.clone() };
        let mut told: Vec<Progress> =
            results.into_iter().enumerate().map(|(i, result)| Progress::Case { run_id: id.to_owned(), done: i as i32 + 1, total: run.total, result }).collect();
        if !running {
            told.push(Progress::Finished(Box::new(run)));
        }
        Ok(told)
    }

    pub async fn get(&self, id: &str) -> ServiceResult<Option<TestRun>> {
        test_run::Entity::find_by_id(id).one(&self.0.db).await?.map(TestRun::try_from).transpose()
    }

    /// Newest first, `first` after the run `after`.
    pub async fn list(&self, environment: &str, first: u64, after: Option<&str>) -> ServiceResult<(Vec<TestRun>, bool)> {
        let mut query = test_run::Entity::find().filter(test_run::Column::Environment.eq(environment)).order_by_desc(test_run::Column::Id).limit(first + 1);
        if let Some(after) = after {
            query = query.filter(test_run::Column::Id.lt(after));
        }
        let mut runs = query.all(&self.0.db).await?.into_iter().map(TestRun::try_from).collect::<ServiceResult<Vec<_>>>()?;
        let more = runs.len() as u64 > first;
        runs.truncate(first as usize);
        Ok((runs, more))
    }

    /// The newest run of `environment` (of one revision, when given): what
    /// deploys are gated on.
    pub async fn latest(&self, environment: &str, revision: Option<i64>) -> ServiceResult<Option<TestRun>> {
        let mut query = test_run::Entity::find().filter(test_run::Column::Environment.eq(environment)).order_by_desc(test_run::Column::Id);
        if let Some(revision) = revision {
            query = query.filter(test_run::Column::Revision.eq(revision));
        }
        query.one(&self.0.db).await?.map(TestRun::try_from).transpose()
    }
}

/// What an admin reads on a run that could not go on: where and why, or for
/// a fault of ours, that the server's log has it.
fn reason(err: &ServiceError) -> String {
    match err {
        ServiceError::Internal(_) => "an internal error stopped the run; the server's log has the details".to_owned(),
        ServiceError::BadInput { field: Some(field), message } => format!("{field}: {message}"),
        other => other.message(),
    }
}
