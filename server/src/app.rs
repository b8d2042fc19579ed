//! Building the application from a `Config`: what `serverkit serve` runs and
//! what the tests start, identically.

use std::{future::IntoFuture, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio::{
    net::TcpListener,
    task::{AbortHandle, JoinHandle},
};
use tower_sessions::ExpiredDeletion;

use crate::{
    audit::Audit,
    auth::{Role, admins, session_store::DbSessionStore, setup::SetupToken, throttle::LoginThrottle},
    config::Config,
    databases::DataDatabases,
    dataplane::{DataPlane, Parts},
    db,
    deploy::{Deploys, Refreshes},
    end_users::EndUsers,
    engine::Engine,
    environments::{DataPlacement, EnvironmentEventKind, Environments},
    graphql, http,
    logs::Logs,
    monitoring::{Monitor, http::HttpMetrics},
    state::{AppState, Services},
    storage,
    tables::Tables,
    testing::TestRuns,
    workspace::Workspace,
};

pub struct App {
    pub state: AppState,
    router: Router,
    /// Set when the server started with no admin: the one-time setup link.
    pub setup_link: Option<String>,
    background: Vec<AbortHandle>,
    /// The environments served at the root of their own address, bound.
    env_listeners: Vec<(String, TcpListener)>,
}

impl App {
    /// Connects, migrates, creates what a first start needs, and wires the routes.
    /// `local_addr` is the address actually bound (port 0 resolved).
    pub async fn build(config: Config, local_addr: SocketAddr) -> anyhow::Result<App> {
        // One TLS crypto stack for every client (PostgreSQL, S3): ring. Another
        // App in this process may have installed it already, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("cannot create the data folder {}", config.data_dir.display()))?;

        let db = db::connect_control(&config.database_url()).await?;
        let storage = storage::open(config.storage_url.as_ref().map(|s| s.expose_secret()), &config.storage_options, &config.data_dir)?;
        let placement = if config.is_postgres() {
            DataPlacement::PostgresSchemas { control: db.clone() }
        } else {
            DataPlacement::SqliteFiles { dir: config.data_dir.join("envs") }
        };
        let sealer = crate::environments::Sealer::load(config.secret_key.as_ref().map(|k| k.expose_secret()), &config.data_dir)?;
        let environments = Environments::new(db.clone(), placement, storage.store.clone(), sealer);
        let databases = DataDatabases::new(&config.database_url(), &config.data_dir, config.is_postgres());
        let files = crate::files::Files::new(storage, environments.clone(), databases.clone());
        environments.ensure_builtin().await.map_err(service_error)?;

        let public_url = config.public_url(local_addr);
        let setup = SetupToken::default();
        let setup_link = ensure_first_owner(&config, &db, &setup, &public_url).await?;

        let throttle = LoginThrottle::new(config.login_attempts_per_minute);
        let sessions = DbSessionStore::new(db.clone());
        let background = vec![spawn_housekeeping(sessions.clone(), throttle.clone()).abort_handle()];

        let config = Arc::new(config);
        let metrics = Arc::new(HttpMetrics::new());
        let workspace = Workspace::new(db.clone(), crate::engine::compile::check);
        let engine = Engine::new(databases.clone(), environments.clone(), Duration::from_millis(config.activation_pause_ms));
        let tests = TestRuns::new(db.clone());
        let deploys = Deploys::new(db.clone(), engine.clone(), environments.clone(), workspace.clone(), tests.clone());
        resume_environments(&environments, &deploys).await?;
        let mut background = background;
        // This process among replicas: the `replica` of its log records and minutes.
        let replica_id = uuid::Uuid::new_v4();
        let log_dir = (!config.is_postgres()).then(|| config.data_dir.join("envs"));
        let (logs, log_tasks) = Logs::start(databases, log_dir, replica_id.to_string(), environments.clone(), config.request_log_queue);
        background.extend(log_tasks.iter().map(JoinHandle::abort_handle));
        let (monitor, monitor_task) = Monitor::start(db.clone(), replica_id.to_string());
        background.push(monitor_task.abort_handle());
        background.push(spawn_staging_sweep(files.clone()).abort_handle());
        background.push(crate::memory::spawn_purge().abort_handle());
        background.push(spawn_feed_retention(engine.clone()).abort_handle());
        background.push(follow_environment_changes(&environments, engine.clone(), logs.clone(), monitor.clone()).abort_handle());
        // Replicas on one PostgreSQL database tell each other what changed.
        let replica =
            crate::cluster::Replica::new(replica_id, db.clone(), environments.clone(), workspace.clone(), engine.clone(), logs.clone(), deploys.clone());
        background.extend(replica.start(&config.database_url()).iter().map(JoinHandle::abort_handle));
        // Apps put many end users behind one address (a proxy, a NAT): per address
        // the allowance is wide, per email it is tight.
        let end_user_throttle = LoginThrottle::with_quotas(config.login_attempts_per_minute.saturating_mul(2), 600);
        let trusted_proxies: Arc<[ipnet::IpNet]> = crate::web::client_ip::parse_trusted(&config.trusted_proxies)?.into();
        let data_plane = DataPlane::new(Parts {
            engine: engine.clone(),
            environments: environments.clone(),
            logs: logs.clone(),
            monitor: monitor.clone(),
            files: files.clone(),
            end_user_throttle,
            trusted_proxies: trusted_proxies.clone(),
            public_url: public_url.clone(),
        });
        // Test runs' sandboxes that a stop left behind.
        let sweeping = data_plane.clone();
        background.push(tokio::spawn(async move { crate::testing::sandbox::sweep(&sweeping).await }).abort_handle());
        let refreshes = Refreshes::new(environments.clone(), workspace.clone(), engine.clone(), tests.clone(), data_plane.clone());
        let end_users = EndUsers::new(engine.clone(), environments.clone(), workspace.clone());
        let tables = Tables::new(engine.clone(), environments.clone(), files.clone());
        let audit = Audit::new(db.clone());
        let state = AppState::new(Services {
            config,
            db,
            environments,
            throttle,
            setup,
            public_url,
            metrics,
            trusted_proxies,
            workspace,
            engine,
            logs,
            monitor,
            tests,
            deploys,
            refreshes,
            end_users,
            tables,
            audit,
            files,
            data_plane,
        });
        let router = http::router(state.clone(), graphql::schema(state.clone()), sessions);
        let mut env_listeners = Vec::new();
        for (slug, address) in &state.config.env_listen {
            let listener = TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address} for the environment `{slug}`"))?;
            env_listeners.push((slug.clone(), listener));
        }
        Ok(App { state, router, setup_link, background, env_listeners })
    }

    /// The environments served at the root of their own address, with the
    /// address actually bound (port 0 resolved).
    pub fn env_addresses(&self) -> Vec<(String, SocketAddr)> {
        self.env_listeners.iter().filter_map(|(slug, listener)| Some((slug.clone(), listener.local_addr().ok()?))).collect()
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        // Every listener stops with the main one.
        let (stop, _) = tokio::sync::watch::channel(());
        let mut env_servers = Vec::new();
        for (slug, env_listener) in self.env_listeners {
            let service = http::environment_router(self.state.clone(), slug).into_make_service_with_connect_info::<SocketAddr>();
            let mut stopped = stop.subscribe();
            let serving = axum::serve(env_listener, service).with_graceful_shutdown(async move {
                let _ = stopped.changed().await;
            });
            env_servers.push(tokio::spawn(serving.into_future()));
        }
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
        drop(stop);
        for server in env_servers {
            if let Ok(Err(err)) = server.await {
                tracing::error!(error = %err, "an environment's listener failed");
            }
        }
        for task in &self.background {
            task.abort();
        }
        self.state.db.clone().close().await.ok();
        result.context("serving HTTP")
    }
}

fn service_error(err: crate::error::ServiceError) -> anyhow::Error {
    match err {
        crate::error::ServiceError::Internal(cause) => cause,
        other => anyhow::anyhow!(other.message()),
    }
}

/// Creates the first owner from the configuration, or issues a setup link when
/// no admin exists at all.
async fn ensure_first_owner(config: &Config, db: &DatabaseConnection, setup: &SetupToken, public_url: &str) -> anyhow::Result<Option<String>> {
    if admins::count(db).await.map_err(service_error)? > 0 {
        return Ok(None);
    }
    if let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) {
        admins::create(db, email, password.expose_secret(), Role::Owner)
            .await
            .map_err(|err| anyhow::anyhow!("creating the first owner from SERVERKIT_ADMIN_*: {}", err.message()))?;
        tracing::info!(%email, "created the first owner");
        return Ok(None);
    }
    Ok(Some(format!("{public_url}/admin/setup?token={}", setup.issue())))
}

/// Each environment serves again what it served before the stop (deploy
/// targets their release, after settling any a crash left applying).
async fn resume_environments(environments: &Environments, deploys: &Deploys) -> anyhow::Result<()> {
    for env in environments.list().await.map_err(service_error)? {
        if let Err(err) = deploys.resume(&env).await {
            // A definition that no longer compiles (a newer server's rules) leaves
            // the environment idle rather than the whole server down.
            tracing::error!(env = %env.slug, error = %err.message(), "cannot resume serving");
        }
    }
    Ok(())
}

/// Applies environment edits (limits, CORS, variables) and deletions to what is served.
fn follow_environment_changes(environments: &Environments, engine: Engine, logs: Logs, monitor: Monitor) -> JoinHandle<()> {
    let mut events = environments.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => match (event.kind, &event.environment) {
                    (EnvironmentEventKind::Deleted, _) => {
                        engine.forget(&event.slug).await;
                        logs.forget(&event.slug).await;
                        monitor.forget(&event.slug);
                    }
                    (_, Some(env)) => engine.update_settings(env).await,
                    _ => {}
                },
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}

/// Every minute: forget refilled login-throttle keys and delete expired sessions.
/// Uploads staged by requests that never ended (a crash) are deleted after an hour.
fn spawn_staging_sweep(files: crate::files::Files) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            files.sweep_staging(Duration::from_secs(3600)).await;
        }
    })
}

/// Every minute: each environment's change feed kept within its retention.
fn spawn_feed_retention(engine: Engine) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            engine.trim_feeds().await;
        }
    })
}

fn spawn_housekeeping(sessions: DbSessionStore, throttle: LoginThrottle) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            throttle.sweep();
            if let Err(err) = sessions.delete_expired().await {
                tracing::warn!(error = %err, "deleting expired sessions");
            }
        }
    })
}
