//! An environment's limits and settings as the objects that enforce them on
//! each request: the concurrency permit, the rate buckets, CORS, the
//! timeout, and each router's own switch, rate and groups.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultDirectRateLimiter, Quota};
use tokio::sync::Semaphore;

use crate::environments::{Capabilities, Environment, Limits, LogSettings, RouterSettings};

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

/// A router's settings as enforced (see `environments::RouterSettings`).
pub struct RouterGuard {
    pub enabled: bool,
    pub disabled_status: axum::http::StatusCode,
    pub rate: Option<Arc<DefaultDirectRateLimiter>>,
    rate_per_minute: Option<u32>,
    /// Replaces the definition's access rule: only these groups are admitted.
    pub groups: Option<Vec<String>>,
}

impl RouterGuard {
    /// The guard of `settings`, keeping the bucket of `before` when its
    /// limit is the same: re-reading settings must not hand out a fresh allowance.
    pub(super) fn new(settings: &RouterSettings, before: Option<&RouterGuard>) -> Self {
        let rate = match before {
            Some(before) if before.rate_per_minute == settings.rate_limit_per_minute => before.rate.clone(),
            _ => settings.rate_limit_per_minute.and_then(NonZeroU32::new).map(|n| Arc::new(DefaultDirectRateLimiter::direct(Quota::per_minute(n)))),
        };
        Self {
            enabled: settings.enabled,
            disabled_status: axum::http::StatusCode::from_u16(settings.disabled_status).unwrap_or(axum::http::StatusCode::NOT_FOUND),
            rate,
            rate_per_minute: settings.rate_limit_per_minute,
            groups: settings.groups.clone(),
        }
    }
}
