//! What each environment serves right now, swapped atomically: a request
//! holds the revision it started with to the end, so a refresh never fails
//! a request in flight.

use std::{collections::HashMap, num::NonZeroU32, sync::Arc, time::Duration};

use arc_swap::ArcSwapOption;
use governor::{DefaultDirectRateLimiter, Quota};
use sea_orm::TransactionTrait;
use tokio::sync::{RwLock, Semaphore};

use super::{
    compile::{self, CompiledRevision},
    databases::{DataDatabases, EnvDb},
    schema::{self, Plan},
    state::{self, Applied},
    users::{self, Users},
};
use crate::{
    environments::{Capabilities, Environment, Limits, LogSettings},
    error::{Problem, ServiceError, ServiceResult},
    workspace::Revision,
};

/// The limits and settings of an environment, as enforced objects.
pub struct Guards {
    pub limits: Limits,
    /// What the environment records and shows (request logs, monitoring…).
    pub capabilities: Capabilities,
    pub logs: LogSettings,
    pub cors_origins: Vec<String>,
    pub concurrency: Arc<Semaphore>,
    pub rate: DefaultDirectRateLimiter,
}

impl Guards {
    pub fn new(env: &Environment) -> Self {
        let limits = env.limits;
        let per_second = NonZeroU32::new(limits.requests_per_second.max(1) as u32).unwrap_or(NonZeroU32::MIN);
        Self {
            limits,
            capabilities: env.capabilities,
            logs: env.logs.clone(),
            cors_origins: env.cors_origins.clone(),
            concurrency: Arc::new(Semaphore::new(limits.max_concurrent_requests.max(1) as usize)),
            rate: DefaultDirectRateLimiter::direct(Quota::per_second(per_second)),
        }
    }

    /// The value for `Access-Control-Allow-Origin` when `origin` may call.
    pub fn allowed_origin<'a>(&self, origin: &'a str) -> Option<&'a str> {
        if self.cors_origins.iter().any(|o| o == "*") { Some("*") } else { self.cors_origins.iter().any(|o| o == origin).then_some(origin) }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.limits.request_timeout_ms.max(1) as u64)
    }
}

/// One environment's serving state.
pub struct Active {
    /// The environment served.
    pub slug: String,
    pub revision: Arc<CompiledRevision>,
    /// When the revision was applied to the environment's database.
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
    pub db: EnvDb,
    pub users: Users,
    pub guards: Arc<Guards>,
    pub vars: serde_json::Value,
}

/// The outcome of a refresh.
#[derive(Debug, Clone)]
pub struct RefreshReport {
    pub revision: i64,
    pub plan: Plan,
    pub routers: usize,
}

/// Published after every refresh attempt, so admins see refreshes done elsewhere.
#[derive(Debug, Clone)]
pub struct RefreshEvent {
    pub environment: String,
    pub author_email: String,
    /// The report, or the message and problems of the failure.
    pub result: Result<RefreshReport, (String, Vec<Problem>)>,
    /// Done through another replica and relayed here (see `cluster`).
    pub from_elsewhere: bool,
}

#[derive(Clone)]
pub struct Engine {
    databases: DataDatabases,
    events: tokio::sync::broadcast::Sender<RefreshEvent>,
    active: Arc<RwLock<HashMap<String, Arc<ArcSwapOption<Active>>>>>,
    users: Arc<RwLock<HashMap<String, Users>>>,
    user_changes: tokio::sync::broadcast::Sender<super::users::UserChange>,
    /// One refresh at a time per process: migrations must not interleave.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl Engine {
    pub fn new(databases: DataDatabases) -> Self {
        let (events, _) = tokio::sync::broadcast::channel(64);
        let (user_changes, _) = tokio::sync::broadcast::channel(256);
        Self { databases, events, active: Arc::default(), users: Arc::default(), user_changes, refreshing: Arc::default() }
    }

    /// End users changed through this server.
    pub fn subscribe_user_changes(&self) -> tokio::sync::broadcast::Receiver<super::users::UserChange> {
        self.user_changes.subscribe()
    }

    /// Applies an end-user change made by another replica to the token cache.
    pub async fn forget_end_user_change(&self, change: &super::users::UserChange) {
        if let Some(users) = self.users.read().await.get(&change.environment) {
            match &change.what {
                super::users::Changed::User(id) => users.forget_user(*id),
                super::users::Changed::Token(hash) => users.forget_token(hash),
            }
        }
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<RefreshEvent> {
        self.events.subscribe()
    }

    /// The end users of `env` (its database prepared if need be).
    pub async fn users_of(&self, env: &Environment) -> ServiceResult<Users> {
        let db = self.prepare(&env.slug).await?;
        Ok(self.users(&env.slug, &db).await)
    }

    async fn slot(&self, slug: &str) -> Arc<ArcSwapOption<Active>> {
        if let Some(slot) = self.active.read().await.get(slug) {
            return slot.clone();
        }
        self.active.write().await.entry(slug.to_owned()).or_default().clone()
    }

    /// What `slug` serves now, if anything.
    pub async fn active(&self, slug: &str) -> Option<Arc<Active>> {
        self.active.read().await.get(slug).and_then(|slot| slot.load_full())
    }

    async fn users(&self, slug: &str, db: &EnvDb) -> Users {
        if let Some(users) = self.users.read().await.get(slug) {
            return users.clone();
        }
        self.users.write().await.entry(slug.to_owned()).or_insert_with(|| Users::new(slug, db, self.user_changes.clone())).clone()
    }

    /// Opens an environment's database with its system tables in place.
    async fn prepare(&self, slug: &str) -> ServiceResult<EnvDb> {
        let db = self.databases.get(slug).await.map_err(ServiceError::internal)?;
        users::ensure_tables(&db.write).await?;
        state::ensure_table(&db.write).await?;
        Ok(db)
    }

    /// The revision `slug`'s database says was last applied, read without
    /// preparing anything (None: never applied, or no such table yet).
    pub async fn last_applied(&self, slug: &str) -> Option<i64> {
        let db = self.databases.get(slug).await.ok()?;
        state::read(&db.read).await.ok().flatten().map(|a| a.revision).filter(|r| *r > 0)
    }

    /// The plan that would bring `env` to `revision`, without running it.
    pub async fn plan(&self, env: &Environment, revision: &Revision) -> ServiceResult<Plan> {
        let db = self.prepare(&env.slug).await?;
        let applied = state::read(&db.read).await?.unwrap_or_default();
        Ok(schema::plan(&applied.tables, &revision.document.tables))
    }

    /// Compiles `revision`, migrates `env`'s tables to it in one transaction
    /// and makes it what `env` serves. Destructive changes need `allow_destructive`.
    pub async fn refresh(&self, env: &Environment, revision: &Revision, allow_destructive: bool, author_email: &str) -> ServiceResult<RefreshReport> {
        let result = self.refresh_inner(env, revision, allow_destructive).await;
        let _ = self.events.send(RefreshEvent {
            environment: env.slug.clone(),
            author_email: author_email.to_owned(),
            result: result.as_ref().map(Clone::clone).map_err(|err| {
                let problems = match err {
                    ServiceError::Invalid(problems) => problems.clone(),
                    _ => Vec::new(),
                };
                (err.message(), problems)
            }),
            from_elsewhere: false,
        });
        result
    }

    /// Tells this replica's subscribers of a refresh done through another.
    pub fn relay(&self, event: RefreshEvent) {
        let _ = self.events.send(RefreshEvent { from_elsewhere: true, ..event });
    }

    async fn refresh_inner(&self, env: &Environment, revision: &Revision, allow_destructive: bool) -> ServiceResult<RefreshReport> {
        let _one_at_a_time = self.refreshing.lock().await;
        let compiled = compile::compile_off_thread(revision.number, revision.document.clone()).await?;
        let db = self.prepare(&env.slug).await?;
        let applied = state::read(&db.write).await?.unwrap_or_default();
        let plan = schema::plan(&applied.tables, &revision.document.tables);
        if plan.is_destructive() && !allow_destructive {
            let problems = plan
                .changes
                .iter()
                .filter(|c| c.is_destructive())
                .map(|c| Problem { path: "migration".into(), message: format!("{} — refused without allowDestructive", c.describe()) })
                .collect();
            return Err(ServiceError::Invalid(problems));
        }
        let txn = db.write.begin().await?;
        schema::apply(&txn, &applied.tables, &revision.document.tables, &plan)
            .await
            .map_err(|err| ServiceError::bad_input("migration", format!("the migration failed and was rolled back: {err}")))?;
        let applied_at = Some(chrono::Utc::now());
        state::write(&txn, &Applied { revision: revision.number, tables: revision.document.tables.clone(), applied_at }).await?;
        txn.commit().await?;
        let routers = revision.document.routers.len();
        self.install(env, compiled, db, applied_at).await;
        Ok(RefreshReport { revision: revision.number, plan, routers })
    }

    async fn install(&self, env: &Environment, compiled: CompiledRevision, db: EnvDb, applied_at: Option<chrono::DateTime<chrono::Utc>>) {
        let users = self.users(&env.slug, &db).await;
        let guards = Arc::new(Guards::new(env));
        db.rows.set_read_budget(guards.timeout());
        let active = Active {
            slug: env.slug.clone(),
            revision: Arc::new(compiled),
            applied_at,
            db,
            users,
            guards,
            vars: serde_json::Value::Object(env.variables.clone()),
        };
        self.slot(&env.slug).await.store(Some(Arc::new(active)));
    }

    /// Which revision `env` last applied (from its own database), so a start
    /// serves what was served before the stop.
    pub async fn applied_revision(&self, env: &Environment) -> ServiceResult<Option<i64>> {
        let db = self.prepare(&env.slug).await?;
        Ok(state::read(&db.read).await?.map(|a| a.revision).filter(|r| *r > 0))
    }

    /// Serves `revision` again without migrating (its tables are in place).
    pub async fn resume(&self, env: &Environment, revision: &Revision) -> ServiceResult<()> {
        let compiled = compile::compile_off_thread(revision.number, revision.document.clone()).await?;
        let db = self.prepare(&env.slug).await?;
        let applied_at = state::read(&db.read).await?.and_then(|a| a.applied_at);
        self.install(env, compiled, db, applied_at).await;
        Ok(())
    }

    /// New limits, CORS origins and variables take effect at once, for
    /// requests that start after this; no redeploy needed.
    pub async fn update_settings(&self, env: &Environment) {
        let slot = self.slot(&env.slug).await;
        if let Some(current) = slot.load_full() {
            let guards = Arc::new(Guards::new(env));
            current.db.rows.set_read_budget(guards.timeout());
            slot.store(Some(Arc::new(Active {
                slug: current.slug.clone(),
                revision: current.revision.clone(),
                applied_at: current.applied_at,
                db: current.db.clone(),
                users: current.users.clone(),
                guards,
                vars: serde_json::Value::Object(env.variables.clone()),
            })));
        }
    }

    /// Stops serving a deleted environment and closes its database.
    pub async fn forget(&self, slug: &str) {
        self.active.write().await.remove(slug);
        self.users.write().await.remove(slug);
        self.databases.forget(slug).await;
    }
}
