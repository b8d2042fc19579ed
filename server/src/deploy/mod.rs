//! Deploys and rollbacks of deploy targets (environments of kind
//! production): the plan (definition diff, migration, gate), numbered
//! immutable releases, the one activation of the engine, live progress, and
//! the settling of releases a crash left APPLYING. A deploy or rollback that
//! fails at any step, or is killed, leaves the target serving exactly what
//! it served.

pub mod gate;
mod lock;
mod refresh;
pub mod release;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

pub use crate::workspace::diff::{self, ChangeKind, DefinitionChange};
pub use gate::Gate;
pub use refresh::{Refreshed, Refreshes};
pub use release::{LogLine, Release, ReleaseStatus};

use self::release::{Pending, Releases};
use crate::{
    auth::{Principal, Role},
    engine::{Applied, Engine, Policy, Progress, Target, schema::Plan},
    environments::{Environment, EnvironmentKind, Environments},
    error::{Problem, ServiceError, ServiceResult},
    testing::TestRuns,
    workspace::{Workspace, WorkspaceDocument},
};

/// What a deploy or a rollback would do, shown before it is done.
#[derive(Debug, Clone)]
pub struct DeployPlan {
    /// The source environment (for a rollback, the one the release came from).
    pub source: String,
    pub target: String,
    /// The source's workspace revision that would be served.
    pub from_revision: i64,
    /// The release whose definition would be served: for a deploy, the
    /// number the new release takes; for a rollback, the earlier release.
    pub to_release: i64,
    /// What the target serves now.
    pub current_release: Option<i64>,
    pub changes: Vec<DefinitionChange>,
    pub migration: Plan,
    pub gate: Gate,
}

impl DeployPlan {
    pub fn destructive(&self) -> bool {
        self.migration.is_destructive()
    }
}

#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    pub from: String,
    pub to: String,
    pub note: Option<String>,
    pub allow_destructive: bool,
    pub force: bool,
    pub force_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployEventKind {
    Started,
    StepStarted,
    StepFinished,
    StepFailed,
    Finished,
}

/// What `deployEvents` streams: each step as it starts and ends, then the release.
#[derive(Debug, Clone)]
pub struct DeployEvent {
    pub environment: String,
    pub release: i64,
    pub kind: DeployEventKind,
    pub step: Option<String>,
    pub duration_ms: Option<f64>,
    pub message: String,
    pub at: DateTime<Utc>,
    /// With `Finished`: the release as it ended.
    pub outcome: Option<Box<Release>>,
}

#[derive(Clone)]
pub struct Deploys(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    releases: Releases,
    engine: Engine,
    environments: Environments,
    workspace: Workspace,
    tests: TestRuns,
    locks: lock::Locks,
    events: broadcast::Sender<DeployEvent>,
}

const MAX_TEXT: usize = 2000;

fn short_text(field: &str, text: Option<String>) -> ServiceResult<Option<String>> {
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.len() > MAX_TEXT || t.contains('\0') => Err(ServiceError::bad_input(field, "at most 2,000 characters, without NUL")),
        other => Ok(other),
    }
}

impl Deploys {
    pub fn new(db: DatabaseConnection, engine: Engine, environments: Environments, workspace: Workspace, tests: TestRuns) -> Self {
        let (events, _) = broadcast::channel(256);
        let releases = Releases::new(db.clone());
        Self(Arc::new(Inner { db, releases, engine, environments, workspace, tests, locks: lock::Locks::default(), events }))
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeployEvent> {
        self.0.events.subscribe()
    }

    pub async fn release(&self, environment: &str, number: i64) -> ServiceResult<Option<Release>> {
        self.0.releases.get(environment, number).await
    }

    pub async fn releases(&self, environment: &str, first: u64, before: Option<i64>) -> ServiceResult<(Vec<Release>, bool)> {
        self.0.environments.get(environment).await?;
        self.0.releases.list(environment, first, before).await
    }

    /// What the saved workspace changes compared with what `environment`
    /// serves (everything, before its first refresh or deploy): saved is not
    /// live until a refresh, or a deploy for a deploy target. Empty when it
    /// serves the current revision.
    pub async fn pending_changes(&self, environment: &str) -> ServiceResult<Vec<DefinitionChange>> {
        self.0.environments.get(environment).await?;
        let current = self.0.workspace.current().await?;
        let active = self.0.engine.active(environment).await;
        match active {
            Some(active) if active.revision.revision == current.number => Ok(Vec::new()),
            Some(active) => Ok(diff::changes(Some(&active.revision.document), &current.document)),
            None => Ok(diff::changes(None, &current.document)),
        }
    }

    /// The definition `applied` names: its release's, or its workspace revision's.
    pub async fn definition_of(&self, environment: &str, applied: &Applied) -> ServiceResult<WorkspaceDocument> {
        match applied.release {
            Some(number) => Ok(self
                .0
                .releases
                .get(environment, number)
                .await?
                .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("`{environment}` applied release {number}, which is not recorded")))?
                .made_of
                .document),
            None => Ok(self.0.workspace.revision(applied.revision).await?.document),
        }
    }

    /// Serves again what `env`'s database says it applied (at start, or to
    /// catch up with another replica), after settling its releases.
    pub async fn resume(&self, env: &Environment) -> ServiceResult<()> {
        if env.kind == EnvironmentKind::Production
            && let Some(held) = self.0.locks.try_lock(&self.0.db, &env.slug).await?
        {
            let settled = self.settle(env).await;
            held.release().await;
            settled?;
        }
        let applied = self.0.engine.applied(env).await?;
        if applied.revision == 0 {
            return Ok(());
        }
        let document = self.definition_of(&env.slug, &applied).await?;
        self.0.engine.resume(env, Target { revision: applied.revision, release: applied.release, document: &document }).await
    }

    /// Ends the releases of `env` left APPLYING by a crash, by what its
    /// database says it applied: ACTIVE if the migration committed, FAILED
    /// otherwise. Called with the target's lock held.
    async fn settle(&self, env: &Environment) -> ServiceResult<()> {
        let stuck = self.0.releases.in_status(&env.slug, ReleaseStatus::Applying).await?;
        if stuck.is_empty() {
            return Ok(());
        }
        let applied = self.0.engine.applied(env).await?;
        for release in stuck {
            let mut log = release.log.clone();
            if applied.release == Some(release.number) {
                log.push(line("the server stopped after the switch was committed: the release is active"));
                let replaced = if release.rollback_of.is_some() { ReleaseStatus::RolledBack } else { ReleaseStatus::Superseded };
                self.0.releases.activated(&env.slug, release.number, replaced, &log).await?;
            } else {
                let kept = applied.release.map_or("nothing".to_owned(), |n| format!("release {n}"));
                let error = format!("interrupted: the server stopped before the release was applied; `{}` kept serving {kept}", env.slug);
                log.push(line(&error));
                self.0.releases.failed(&env.slug, release.number, None, &error, &log).await?;
            }
        }
        Ok(())
    }

    async fn target(&self, slug: &str) -> ServiceResult<Environment> {
        let env = self.0.environments.get(slug).await?;
        if env.kind != EnvironmentKind::Production {
            return Err(ServiceError::bad_input("to", format!("`{slug}` is a test environment: it is refreshed, not deployed to")));
        }
        Ok(env)
    }

    /// What deploying what `from` serves to `to` would do.
    pub async fn plan(&self, from: &str, to: &str) -> ServiceResult<DeployPlan> {
        let (plan, _) = self.deploy_plan(from, to).await?;
        Ok(plan)
    }

    async fn deploy_plan(&self, from: &str, to: &str) -> ServiceResult<(DeployPlan, WorkspaceDocument)> {
        let source = self.0.environments.get(from).await?;
        if source.kind != EnvironmentKind::Test {
            return Err(ServiceError::bad_input("from", format!("`{from}` is a deploy target; deploy from a test environment")));
        }
        let target = self.target(to).await?;
        let served = self
            .0
            .engine
            .active(from)
            .await
            .ok_or_else(|| ServiceError::bad_input("from", format!("`{from}` serves nothing yet: refresh it, let its tests pass, then deploy")))?;
        let document = served.revision.document.clone();
        let current = self.0.engine.active(to).await;
        let migration = self.0.engine.plan(&target, &document.tables, Policy::default()).await?;
        let plan = DeployPlan {
            source: from.to_owned(),
            target: to.to_owned(),
            from_revision: served.revision.revision,
            to_release: self.0.releases.next_number(to).await?,
            current_release: current.as_ref().and_then(|a| a.release),
            changes: diff::changes(current.as_ref().map(|a| &a.revision.document), &document),
            migration,
            gate: Gate::of(&self.0.tests, from, served.revision.revision, &document).await?,
        };
        Ok((plan, document))
    }

    /// Deploys what `from` serves to `to` as its next release, gated on
    /// `from`'s latest test run of that revision.
    pub async fn deploy(&self, actor: &Principal, request: DeployRequest) -> ServiceResult<Release> {
        actor.require(Role::Developer)?;
        let note = short_text("note", request.note)?;
        let force_reason = short_text("forceReason", request.force_reason)?;
        let (plan, document) = self.deploy_plan(&request.from, &request.to).await?;
        let forced = !plan.gate.passed();
        if forced {
            if !request.force {
                return Err(ServiceError::TestsNotPassed {
                    message: plan.gate.refusal(),
                    failed: plan.gate.failed_cases(),
                    untested: plan.gate.untested.clone(),
                });
            }
            actor.require(Role::Owner).map_err(|_| ServiceError::forbidden("only an owner may force a deploy whose tests did not pass"))?;
            if force_reason.is_none() {
                return Err(ServiceError::bad_input("forceReason", "a forced deploy needs a written reason"));
            }
        }
        refuse_destructive(&plan, request.allow_destructive)?;
        let target = self.target(&request.to).await?;
        let pending = Pending {
            document,
            source_environment: plan.source.clone(),
            source_revision: plan.from_revision,
            rollback_of: None,
            gate: plan.gate.record(),
            forced,
            force_reason: if forced { force_reason } else { None },
            note,
            plan: plan.migration,
            changes: plan.changes,
            author: actor.email.clone(),
        };
        self.apply(&target, pending, Policy { allow_destructive: request.allow_destructive, keep_removed: false }).await
    }

    /// What going back to release `to_release` of `environment` would do.
    pub async fn rollback_plan(&self, environment: &str, to_release: i64, allow_destructive: bool) -> ServiceResult<DeployPlan> {
        let (plan, _) = self.rollback_parts(environment, to_release, allow_destructive).await?;
        Ok(plan)
    }

    async fn rollback_parts(&self, environment: &str, to_release: i64, allow_destructive: bool) -> ServiceResult<(DeployPlan, Release)> {
        let target = self.target(environment).await?;
        let earlier = self
            .0
            .releases
            .get(environment, to_release)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("`{environment}` has no release {to_release}")))?;
        if !earlier.status.was_served() {
            return Err(ServiceError::bad_input("toRelease", format!("release {to_release} was never served ({})", earlier.status.as_str())));
        }
        let current = self.0.engine.active(environment).await;
        if current.as_ref().and_then(|a| a.release) == Some(to_release) {
            return Err(ServiceError::bad_input("toRelease", format!("`{environment}` serves release {to_release} already")));
        }
        let policy = Policy { allow_destructive, keep_removed: !allow_destructive };
        let migration = self.0.engine.plan(&target, &earlier.document.tables, policy).await?;
        let gate = Gate {
            source: earlier.source_environment.clone(),
            revision: earlier.source_revision,
            run: match &earlier.gate.run_id {
                Some(id) => self.0.tests.get(id).await?,
                None => None,
            },
            // A rollback returns to a release once gated (or forced): shown, not enforced.
            untested: Vec::new(),
        };
        let plan = DeployPlan {
            source: earlier.source_environment.clone(),
            target: environment.to_owned(),
            from_revision: earlier.source_revision,
            to_release,
            current_release: current.as_ref().and_then(|a| a.release),
            changes: diff::changes(current.as_ref().map(|a| &a.revision.document), &earlier.document),
            migration,
            gate,
        };
        Ok((plan, earlier))
    }

    /// Serves release `to_release`'s definition again, as a new release.
    /// Tables and columns added since stay in the database (unserved) unless
    /// `allow_destructive`; type changes need it.
    pub async fn rollback(&self, actor: &Principal, environment: &str, to_release: i64, allow_destructive: bool) -> ServiceResult<Release> {
        actor.require(Role::Developer)?;
        let (plan, earlier) = self.rollback_parts(environment, to_release, allow_destructive).await?;
        refuse_destructive(&plan, allow_destructive)?;
        let target = self.target(environment).await?;
        let earlier = earlier.made_of;
        let pending = Pending {
            document: earlier.document,
            source_environment: earlier.source_environment,
            source_revision: earlier.source_revision,
            rollback_of: Some(to_release),
            gate: earlier.gate,
            forced: false,
            force_reason: None,
            note: Some(format!("rollback to release {to_release}")),
            plan: plan.migration,
            changes: plan.changes,
            author: actor.email.clone(),
        };
        self.apply(&target, pending, Policy { allow_destructive, keep_removed: !allow_destructive }).await
    }

    /// Numbers and records the release, activates it, and ends it ACTIVE or FAILED.
    async fn apply(&self, target: &Environment, pending: Pending, policy: Policy) -> ServiceResult<Release> {
        let slug = target.slug.clone();
        let held = self.0.locks.lock(&self.0.db, &slug).await?;
        let outcome = self.apply_locked(target, pending, policy).await;
        held.release().await;
        outcome
    }

    async fn apply_locked(&self, target: &Environment, pending: Pending, policy: Policy) -> ServiceResult<Release> {
        let slug = target.slug.clone();
        self.settle(target).await?;
        let number = self.0.releases.next_number(&slug).await?;
        let what = match pending.rollback_of {
            Some(earlier) => format!("rollback of `{slug}` to release {earlier} (as release {number}) by {}", pending.author),
            None => format!(
                "deploy of revision {} of `{}` to `{slug}` as release {number} by {}",
                pending.source_revision, pending.source_environment, pending.author
            ),
        };
        let first = line(&what);
        let mut record = self.0.releases.insert(&slug, number, &pending, first.clone()).await?;
        self.emit(&slug, number, DeployEventKind::Started, None, None, what);
        let log = Mutex::new(vec![first]);
        let failed_step = Mutex::new(None::<&'static str>);
        let progress = |event: Progress| {
            let (kind, step, took, message) = match event {
                Progress::Started(step) => (DeployEventKind::StepStarted, step, None, format!("{step}: started")),
                Progress::Finished { step, took, detail } => {
                    (DeployEventKind::StepFinished, step, Some(took), format!("{step}: done in {} — {detail}", ms(took)))
                }
                Progress::Failed { step, took, error } => {
                    if let Ok(mut failed) = failed_step.lock() {
                        *failed = Some(step);
                    }
                    (DeployEventKind::StepFailed, step, Some(took), format!("{step}: failed after {} — {error}", ms(took)))
                }
            };
            if let Ok(mut log) = log.lock() {
                log.push(line(&message));
            }
            self.emit(&slug, number, kind, Some(step), took.map(|t| t.as_secs_f64() * 1000.0), message);
        };
        let activated = self
            .0
            .engine
            .activate(target, Target { revision: pending.source_revision, release: Some(number), document: &pending.document }, policy, &progress)
            .await;
        let mut lines = log.into_inner().unwrap_or_default();
        let ended = match &activated {
            Ok(_) => {
                lines.push(line(&format!("release {number} is active")));
                let replaced = if pending.rollback_of.is_some() { ReleaseStatus::RolledBack } else { ReleaseStatus::Superseded };
                self.0.releases.activated(&slug, number, replaced, &lines).await
            }
            Err(err) => {
                let kept = self.0.engine.active(&slug).await.and_then(|a| a.release).map_or("nothing".to_owned(), |n| format!("release {n}"));
                lines.push(line(&format!("failed: `{slug}` keeps serving {kept}")));
                let step = failed_step.into_inner().ok().flatten();
                self.0.releases.failed(&slug, number, step, &err.message(), &lines).await
            }
        };
        if let Err(err) = ended {
            // The target serves what its database says; the next deploy or start settles the record.
            tracing::error!(environment = %slug, release = number, error = %err.message(), "could not record how a release ended");
        }
        if let Some(stored) = self.0.releases.get(&slug, number).await? {
            record = stored;
        }
        self.emit_outcome(&record);
        Ok(record)
    }

    fn emit(&self, environment: &str, release: i64, kind: DeployEventKind, step: Option<&str>, duration_ms: Option<f64>, message: String) {
        let _ = self.0.events.send(DeployEvent {
            environment: environment.to_owned(),
            release,
            kind,
            step: step.map(str::to_owned),
            duration_ms,
            message,
            at: Utc::now(),
            outcome: None,
        });
    }

    fn emit_outcome(&self, release: &Release) {
        let message = match release.status {
            ReleaseStatus::Active => format!("release {} is active", release.number),
            status => format!("release {} ended {}", release.number, status.as_str()),
        };
        let _ = self.0.events.send(DeployEvent {
            environment: release.environment.clone(),
            release: release.number,
            kind: DeployEventKind::Finished,
            step: None,
            duration_ms: release.duration_ms(),
            message,
            at: Utc::now(),
            outcome: Some(Box::new(release.clone())),
        });
    }
}

fn refuse_destructive(plan: &DeployPlan, allow_destructive: bool) -> ServiceResult<()> {
    if !plan.destructive() || allow_destructive {
        return Ok(());
    }
    let problems = plan
        .migration
        .changes
        .iter()
        .filter(|c| c.is_destructive())
        .map(|c| Problem { path: "migration".into(), message: format!("{} — refused without allowDestructive", c.describe()) })
        .collect();
    Err(ServiceError::Invalid(problems))
}

fn line(message: &str) -> LogLine {
    LogLine { at: Utc::now(), message: message.to_owned() }
}

fn ms(took: std::time::Duration) -> String {
    format!("{:.1} ms", took.as_secs_f64() * 1000.0)
}
