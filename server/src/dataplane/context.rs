//! What serving a request reads, and nothing more: the `DataPlane` that the
//! HTTP adapter, the API test console and test runs all serve through.
//! Narrower than the application's state on purpose: a test run is the same
//! data plane pointed at a sandbox (its own engine, files and logs).

use std::sync::Arc;

use ipnet::IpNet;

use crate::{auth::throttle::LoginThrottle, engine::Engine, environments::Environments, files::Files, logs::Logs, monitoring::Monitor};

/// One `Arc`: cloned into every request's handler.
#[derive(Clone)]
pub struct DataPlane(Arc<Parts>);

pub struct Parts {
    /// Each environment's active definition, rows and end users.
    pub engine: Engine,
    pub environments: Environments,
    pub logs: Logs,
    pub monitor: Monitor,
    pub files: Files,
    /// Sign-in and sign-up attempts of end users, all environments together.
    pub end_user_throttle: LoginThrottle,
    /// Proxies whose `X-Forwarded-For` is believed (see `web::client_ip`).
    pub trusted_proxies: Arc<[IpNet]>,
    /// Where clients reach this server, without a trailing slash.
    pub public_url: String,
}

impl DataPlane {
    pub fn new(parts: Parts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for DataPlane {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}
