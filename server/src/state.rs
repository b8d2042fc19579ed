//! The application's state: the domain services, built once by `app` and
//! shared by every HTTP handler and GraphQL resolver. It imports the domain
//! modules and nothing that serves HTTP or GraphQL, so they can all import it.
//!
//! The rule a new resolver or handler follows: it converts its arguments,
//! calls one service method with the signed-in `Principal`, and converts the
//! answer. The service checks the role (`Principal::require`) and the
//! environment's capability (`Environments::scope`), or hands out a handle
//! that did (`EndUsers::managed`, `Tables::open`); a `RoleGuard` on the
//! field is only the first, coarse gate. Resolvers never read capability
//! flags and never query a database themselves.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    audit::Audit,
    auth::{setup::SetupToken, throttle::LoginThrottle},
    config::Config,
    dataplane::DataPlane,
    deploy::{Deploys, Refreshes},
    end_users::EndUsers,
    engine::Engine,
    environments::Environments,
    files::Files,
    logs::Logs,
    monitoring::{Monitor, http::HttpMetrics},
    tables::Tables,
    testing::TestRuns,
    workspace::Workspace,
};

/// Shared by every handler and resolver; one `Arc`, so the clone that every
/// request's extractors make is one counter increment.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What `AppState` holds: handles to the domain services (each cheap to
/// clone, all sharing their state).
pub struct Services {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub environments: Environments,
    /// Sign-in attempts of admins.
    pub throttle: LoginThrottle,
    pub setup: SetupToken,
    /// Where clients reach this server, without a trailing slash.
    pub public_url: String,
    pub metrics: Arc<HttpMetrics>,
    /// Proxies whose `X-Forwarded-For` is believed (see `web::client_ip`).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    pub workspace: Workspace,
    pub engine: Engine,
    pub logs: Logs,
    pub monitor: Monitor,
    pub tests: TestRuns,
    pub deploys: Deploys,
    pub refreshes: Refreshes,
    pub end_users: EndUsers,
    pub tables: Tables,
    pub audit: Audit,
    pub files: Files,
    /// What the data plane serves through: the same engine, environments,
    /// logs, monitoring and files as above, and the end users' throttle.
    pub data_plane: DataPlane,
}
