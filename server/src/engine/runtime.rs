//! What each environment serves right now, swapped atomically: a request
//! holds the revision it started with to the end, so a refresh never fails
//! a request in flight.

use std::{collections::HashMap, sync::Arc, time::Duration};

use arc_swap::ArcSwapOption;
use sea_orm::TransactionTrait;
use tokio::sync::RwLock;

pub use super::guards::{Guards, RouterGuard};
use super::{
    compile::{self, CompiledRevision},
    feed::{self, Feeds},
    schema::{self, Plan},
    state::{self, Applied},
    store::EnvDb,
    users::{self, Users},
};
use crate::{
    databases::DataDatabases,
    environments::{Environment, Environments},
    error::{Problem, ServiceError, ServiceResult},
    workspace::{Revision, WorkspaceDocument, document::Table},
};

/// What an `Active` serves, besides the environment's settings.
pub(super) struct Served {
    pub revision: Arc<CompiledRevision>,
    pub release: Option<i64>,
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
    /// See `Active::files_at`.
    pub files_at: String,
}

/// One environment's serving state.
pub struct Active {
    /// The environment served.
    pub slug: String,
    /// Whose prefix of the file store rows' files go under: the environment's
    /// own slug, or a test run's sandbox (see `Engine::sandbox`).
    pub files_at: String,
    pub revision: Arc<CompiledRevision>,
    /// The release served, in a deploy target.
    pub release: Option<i64>,
    /// When the revision was applied to the environment's database.
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
    pub db: EnvDb,
    pub users: Users,
    pub guards: Arc<Guards>,
    /// The settings of routers that have some, by name.
    pub routers: Arc<HashMap<String, RouterGuard>>,
    /// `env.*`: the variables, and the secrets over them.
    pub vars: serde_json::Value,
    /// The environment's `updated_at` these settings were read at: replicas
    /// compare it to catch up with a change they were not told of.
    pub settings_at: chrono::DateTime<chrono::Utc>,
}

impl Active {
    /// Serving a test run's sandbox rather than the environment's own data.
    pub fn is_sandbox(&self) -> bool {
        self.files_at != self.slug
    }

    /// The change feed it serves from: its environment's (`engine` keeps
    /// one per environment), or a test run's sandbox's own.
    pub fn feed(&self, engine: &super::Engine) -> Arc<feed::Feed> {
        match self.is_sandbox() {
            true => feed::Feed::sandbox(&self.slug, self.db.read.clone()),
            false => engine.feed(&self.slug),
        }
    }
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

/// What an activation makes an environment serve.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    /// The workspace revision the definition was saved as.
    pub revision: i64,
    /// The release it is, in a deploy target.
    pub release: Option<i64>,
    pub document: &'a WorkspaceDocument,
}

impl<'a> Target<'a> {
    pub fn revision(revision: &'a Revision) -> Self {
        Self { revision: revision.number, release: None, document: &revision.document }
    }
}

/// How an activation may change the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// Drops and type changes run (they lose data); refused otherwise.
    pub allow_destructive: bool,
    /// Tables and columns the target lacks stay in the database, unserved,
    /// instead of being dropped (a rollback without consent to drop).
    pub keep_removed: bool,
}

/// The steps of an activation, in order, as progress reports them.
pub const STEPS: [&str; 4] = ["compile", "plan", "migrate", "switch"];

/// What an activation tells its caller as it goes.
#[derive(Debug, Clone)]
pub enum Progress {
    Started(&'static str),
    Finished { step: &'static str, took: Duration, detail: String },
    Failed { step: &'static str, took: Duration, error: String },
}

/// What an activation did.
#[derive(Debug, Clone)]
pub struct Activated {
    pub plan: Plan,
    pub routers: usize,
    pub applied_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct Engine {
    pub(super) databases: DataDatabases,
    /// Where each environment's settings, secrets and router settings are read.
    environments: Environments,
    events: tokio::sync::broadcast::Sender<RefreshEvent>,
    pub(super) active: Arc<RwLock<HashMap<String, Arc<ArcSwapOption<Active>>>>>,
    users: Arc<RwLock<HashMap<String, Users>>>,
    user_changes: tokio::sync::broadcast::Sender<super::users::UserChange>,
    /// One activation at a time per process: migrations must not interleave.
    activating: Arc<tokio::sync::Mutex<()>>,
    /// Reading settings and storing what is served, one at a time: a slow
    /// re-read must not store older settings over newer ones.
    serving: Arc<tokio::sync::Mutex<()>>,
    /// A pause inside and after each migration's transaction, so crash tests
    /// can stop the server in the middle of one (0 outside those tests).
    step_delay: Duration,
    /// Each environment's change feed, read while anyone subscribes.
    pub(super) feeds: Feeds,
    /// Environments whose feed table and end users' triggers are in place.
    feed_ready: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl Engine {
    pub fn new(databases: DataDatabases, environments: Environments, step_delay: Duration) -> Self {
        let (events, _) = tokio::sync::broadcast::channel(64);
        let (user_changes, _) = tokio::sync::broadcast::channel(256);
        Self {
            feeds: Feeds::new(databases.clone()),
            feed_ready: Arc::default(),
            databases,
            environments,
            events,
            active: Arc::default(),
            users: Arc::default(),
            user_changes,
            activating: Arc::default(),
            serving: Arc::default(),
            step_delay,
        }
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
        let db = EnvDb::from(self.databases.get(slug).await.map_err(ServiceError::internal)?);
        users::ensure_tables(&db.write).await?;
        state::ensure_table(&db.write).await?;
        // Once per process: on PostgreSQL it replaces the end users' triggers.
        if !self.feed_ready.lock().unwrap_or_else(|e| e.into_inner()).contains(slug) {
            feed::ddl::ensure(&db.write).await?;
            self.feed_ready.lock().unwrap_or_else(|e| e.into_inner()).insert(slug.to_owned());
        }
        Ok(db)
    }

    /// What `slug`'s database says was last applied, read without preparing
    /// anything (None: never applied, or no such table yet).
    pub async fn last_applied(&self, slug: &str) -> Option<Applied> {
        let db = self.databases.get(slug).await.ok()?;
        state::read(&db.read).await.ok().flatten().filter(|a| a.revision > 0)
    }

    /// What `env`'s database holds now (empty before the first activation).
    pub async fn applied(&self, env: &Environment) -> ServiceResult<Applied> {
        let db = self.prepare(&env.slug).await?;
        Ok(state::read(&db.read).await?.unwrap_or_default())
    }

    /// The plan that would bring `env`'s tables to `tables`, without running it.
    pub async fn plan(&self, env: &Environment, tables: &[Table], policy: Policy) -> ServiceResult<Plan> {
        let applied = self.applied(env).await?;
        Ok(schema::plan(&applied.tables, &effective_tables(&applied.tables, tables, policy)))
    }

    /// Compiles and validates the workspace `revision`, migrates `env`'s
    /// tables to it in one transaction and serves it: the activation of a
    /// test environment.
    pub async fn refresh(&self, env: &Environment, revision: &Revision, allow_destructive: bool, author_email: &str) -> ServiceResult<RefreshReport> {
        let policy = Policy { allow_destructive, keep_removed: false };
        let result = self.activate(env, Target::revision(revision), policy, &|_| {}).await.map(|done| RefreshReport {
            revision: revision.number,
            plan: done.plan,
            routers: done.routers,
        });
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

    /// The one activation, for refresh, deploy and rollback: compiles the
    /// target, plans and runs its migration with the new state in one
    /// transaction, then swaps what `env` serves. A request holds what it
    /// started with, so none fails in the switch. On any failure (or a crash
    /// at any point) the environment serves what it served, over the schema
    /// it had; `progress` hears each step as it starts and ends.
    pub async fn activate(
        &self,
        env: &Environment,
        target: Target<'_>,
        policy: Policy,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> ServiceResult<Activated> {
        let _one_at_a_time = self.activating.lock().await;
        let compiled = step(progress, "compile", async {
            let compiled = compile::compile_off_thread(target.revision, target.document.clone()).await?;
            let detail = format!("{} routers over {} tables", target.document.routers.len(), target.document.tables.len());
            Ok((compiled, detail))
        })
        .await?;
        let (db, applied, tables, plan) = step(progress, "plan", async {
            let db = self.prepare(&env.slug).await?;
            let applied = state::read(&db.write).await?.unwrap_or_default();
            let tables = effective_tables(&applied.tables, &target.document.tables, policy);
            let plan = schema::plan(&applied.tables, &tables);
            if plan.is_destructive() && !policy.allow_destructive {
                let problems = plan
                    .changes
                    .iter()
                    .filter(|c| c.is_destructive())
                    .map(|c| Problem { path: "migration".into(), message: format!("{} — refused without allowDestructive", c.describe()) })
                    .collect();
                return Err(ServiceError::Invalid(problems));
            }
            let detail = match plan.changes.len() {
                0 => "no change to the tables".to_owned(),
                n => format!("{n} changes: {}", plan.changes.iter().map(schema::Change::describe).collect::<Vec<_>>().join("; ")),
            };
            Ok(((db, applied, tables, plan), detail))
        })
        .await?;
        let applied_at = chrono::Utc::now();
        step(progress, "migrate", async {
            let txn = db.write.begin().await?;
            feed::ddl::migrate(&txn, &applied.tables, &tables, &plan)
                .await
                .map_err(|err| ServiceError::bad_input("migration", format!("the migration failed and was rolled back: {}", database_words(&err))))?;
            state::write(&txn, &Applied { revision: target.revision, release: target.release, tables, applied_at: Some(applied_at) }).await?;
            self.pause().await;
            txn.commit().await?;
            self.pause().await;
            Ok(((), format!("{} changes committed", plan.changes.len())))
        })
        .await?;
        let db = match plan.changes.is_empty() {
            true => db,
            false => self.databases.reopen_after_migration(&env.slug).await.map_err(ServiceError::internal)?.map_or(db, EnvDb::from),
        };
        let routers = target.document.routers.len();
        step(progress, "switch", async {
            self.install(env, compiled, target.release, db, Some(applied_at)).await;
            Ok(((), format!("{routers} routers served")))
        })
        .await?;
        Ok(Activated { plan, routers, applied_at })
    }

    async fn pause(&self) {
        if !self.step_delay.is_zero() {
            tokio::time::sleep(self.step_delay).await;
        }
    }

    async fn install(&self, env: &Environment, compiled: CompiledRevision, release: Option<i64>, db: EnvDb, applied_at: Option<chrono::DateTime<chrono::Utc>>) {
        let users = self.users(&env.slug, &db).await;
        let _one_at_a_time = self.serving.lock().await;
        let before = self.active(&env.slug).await.map(|a| a.routers.clone()).unwrap_or_default();
        let served = Served { revision: Arc::new(compiled), release, applied_at, files_at: env.slug.clone() };
        let active = self.assemble(env, served, db, users, &before).await;
        self.slot(&env.slug).await.store(Some(Arc::new(active)));
    }

    /// What `env` serves of `served` over `db`: its limits as guards (and
    /// the read budget they give), its variables and secrets, its router
    /// settings (keeping the rate buckets of `before`). The one place an
    /// `Active` is put together, for an environment or a test run's sandbox.
    pub(super) async fn assemble(&self, env: &Environment, served: Served, db: EnvDb, users: Users, before: &HashMap<String, RouterGuard>) -> Active {
        let guards = Arc::new(Guards::new(env));
        db.rows.set_read_budget(guards.timeout());
        let (vars, routers) = self.served_settings(env, before).await;
        Active {
            slug: env.slug.clone(),
            files_at: served.files_at,
            revision: served.revision,
            release: served.release,
            applied_at: served.applied_at,
            db,
            users,
            guards,
            routers,
            vars,
            settings_at: env.updated_at,
        }
    }

    /// `env.*` (variables, then secrets over them) and the router settings.
    /// Unreadable settings are logged and served as none: an environment
    /// keeps serving rather than stopping over them.
    async fn served_settings(&self, env: &Environment, before: &HashMap<String, RouterGuard>) -> (serde_json::Value, Arc<HashMap<String, RouterGuard>>) {
        let mut vars = env.variables.clone();
        match self.environments.secret_values(&env.slug).await {
            Ok(secrets) => vars.extend(secrets),
            Err(err) => tracing::error!(environment = %env.slug, error = %err.message(), "cannot read the secrets"),
        }
        let routers = match self.environments.router_settings(&env.slug).await {
            Ok(settings) => settings.iter().map(|(name, s)| (name.clone(), RouterGuard::new(s, before.get(name)))).collect(),
            Err(err) => {
                tracing::error!(environment = %env.slug, error = %err.message(), "cannot read the router settings");
                HashMap::new()
            }
        };
        (serde_json::Value::Object(vars), Arc::new(routers))
    }

    /// Serves `target` again without migrating (its tables are in place):
    /// at start, and when another replica activated it.
    pub async fn resume(&self, env: &Environment, target: Target<'_>) -> ServiceResult<()> {
        let compiled = compile::compile_off_thread(target.revision, target.document.clone()).await?;
        let db = self.prepare(&env.slug).await?;
        let applied = state::read(&db.read).await?.unwrap_or_default();
        // A database served before the feed existed gets its triggers now.
        feed::ddl::create_triggers(&db.write, &applied.tables).await?;
        self.install(env, compiled, target.release, db, applied.applied_at).await;
        Ok(())
    }

    /// New limits, CORS origins, variables, secrets and router settings take
    /// effect at once, for requests that start after this; no redeploy needed.
    pub async fn update_settings(&self, env: &Environment) {
        let _one_at_a_time = self.serving.lock().await;
        // Read again under the lock: an event may carry an older copy than the database has.
        let fresh = self.environments.get(&env.slug).await.ok();
        let env = fresh.as_ref().unwrap_or(env);
        let slot = self.slot(&env.slug).await;
        if let Some(current) = slot.load_full() {
            let guards = Arc::new(Guards::new(env));
            current.db.rows.set_read_budget(guards.timeout());
            let (vars, routers) = self.served_settings(env, &current.routers).await;
            slot.store(Some(Arc::new(Active {
                slug: current.slug.clone(),
                files_at: current.files_at.clone(),
                revision: current.revision.clone(),
                release: current.release,
                applied_at: current.applied_at,
                db: current.db.clone(),
                users: current.users.clone(),
                guards,
                routers,
                vars,
                settings_at: env.updated_at,
            })));
        }
    }

    /// Stops serving a deleted environment and closes its database.
    pub async fn forget(&self, slug: &str) {
        self.active.write().await.remove(slug);
        self.users.write().await.remove(slug);
        self.feeds.forget(slug);
        self.feed_ready.lock().unwrap_or_else(|e| e.into_inner()).remove(slug);
        self.databases.forget(slug).await;
    }
}

/// The tables the database is to hold for `target` under `policy`.
fn effective_tables(applied: &[Table], target: &[Table], policy: Policy) -> Vec<Table> {
    if policy.keep_removed { schema::keeping(applied, target) } else { target.to_vec() }
}

/// Runs one step of an activation, telling `progress` when it starts and ends.
async fn step<T>(progress: &(dyn Fn(Progress) + Send + Sync), name: &'static str, work: impl Future<Output = ServiceResult<(T, String)>>) -> ServiceResult<T> {
    progress(Progress::Started(name));
    let started = std::time::Instant::now();
    match work.await {
        Ok((value, detail)) => {
            progress(Progress::Finished { step: name, took: started.elapsed(), detail });
            Ok(value)
        }
        Err(err) => {
            progress(Progress::Failed { step: name, took: started.elapsed(), error: err.message() });
            Err(err)
        }
    }
}

/// The database's own words for why a statement failed, without the driver's wrapping.
fn database_words(err: &anyhow::Error) -> String {
    let text = err.to_string();
    let text = text.strip_prefix("Execution Error: ").unwrap_or(&text);
    text.strip_prefix("error returned from database: ").unwrap_or(text).to_owned()
}
