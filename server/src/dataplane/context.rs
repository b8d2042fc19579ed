//! What serving a request reads, and nothing more: the `DataPlane` that the
//! HTTP adapter, the API test console and test runs all serve through.
//! Narrower than the application's state on purpose: a test run is the same
//! data plane pointed at a sandbox (its own engine, files and logs).

use std::sync::Arc;

use ipnet::IpNet;

use crate::{
    auth::throttle::LoginThrottle,
    engine::{Engine, runtime::Active},
    environments::Environments,
    files::Files,
    logs::Logs,
    monitoring::Monitor,
};

/// One `Arc`: cloned into every request's handler.
#[derive(Clone)]
pub struct DataPlane {
    parts: Arc<Parts>,
    /// Set on a test run's copy: it serves this instead of its environment's
    /// own, and neither monitors nor logs (see `sandboxed`).
    sandbox: Option<Arc<Active>>,
}

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
        Self { parts: Arc::new(parts), sandbox: None }
    }

    /// The same data plane pointed at a test run's sandbox: requests to its
    /// environment are served from `sandbox` (its own rows, users and files),
    /// count nothing in the environment's monitoring and stay out of its
    /// request log (their records go back to the caller).
    pub fn sandboxed(&self, sandbox: Arc<Active>) -> Self {
        Self { parts: self.parts.clone(), sandbox: Some(sandbox) }
    }

    pub fn is_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    /// What `slug` serves through this data plane.
    pub async fn active(&self, slug: &str) -> Option<Arc<Active>> {
        match &self.sandbox {
            Some(sandbox) => (sandbox.slug == slug).then(|| sandbox.clone()),
            None => self.parts.engine.active(slug).await,
        }
    }
}

impl std::ops::Deref for DataPlane {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.parts
    }
}
