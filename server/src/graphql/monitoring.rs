//! Per-router figures where the environment's `monitoring` capability is on.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::context::{principal, state};
use crate::{
    environments::Capability,
    monitoring::{self, Window},
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum StatsWindow {
    FiveMinutes,
    Hour,
    Day,
}

impl From<StatsWindow> for Window {
    fn from(window: StatsWindow) -> Self {
        match window {
            StatsWindow::FiveMinutes => Window::FiveMinutes,
            StatsWindow::Hour => Window::Hour,
            StatsWindow::Day => Window::Day,
        }
    }
}

/// One point of a router's chart: a minute (a quarter hour over a day).
#[derive(SimpleObject)]
pub struct StatsPoint {
    at: DateTime<Utc>,
    requests: i64,
    /// 4xx and 5xx answers.
    errors: i64,
    p95_ms: Option<f64>,
}

#[derive(SimpleObject)]
pub struct RouterStats {
    /// The router's name; `auth/login` and the like for the built-in
    /// endpoints, `(unmatched)` for requests no route matched.
    router: String,
    method: String,
    route: String,
    requests: i64,
    rate_per_second: f64,
    #[graphql(name = "errors4xx")]
    errors_4xx: i64,
    #[graphql(name = "errors5xx")]
    errors_5xx: i64,
    /// Latency percentiles (within about 5 %); null without requests.
    p50_ms: Option<f64>,
    p95_ms: Option<f64>,
    p99_ms: Option<f64>,
    series: Vec<StatsPoint>,
    /// A watch router's subscribers connected now (on this replica; 0 for
    /// other routers).
    subscribers: i64,
    /// A watch router's events delivered per second over the last minute or
    /// so (on this replica).
    events_per_second: f64,
    /// A watch router's delivery latency, from the change's commit to its
    /// event written out, 95th percentile over the same; null without events.
    delivery_p95_ms: Option<f64>,
}

impl From<monitoring::RouterStats> for RouterStats {
    fn from(s: monitoring::RouterStats) -> Self {
        Self {
            router: s.router,
            method: s.method,
            route: s.route,
            requests: s.requests as i64,
            rate_per_second: s.rate_per_second,
            errors_4xx: s.errors_4xx as i64,
            errors_5xx: s.errors_5xx as i64,
            p50_ms: s.p50_ms,
            p95_ms: s.p95_ms,
            p99_ms: s.p99_ms,
            series: s.series.into_iter().map(|p| StatsPoint { at: p.at, requests: p.requests as i64, errors: p.errors as i64, p95_ms: p.p95_ms }).collect(),
            subscribers: s.live.as_ref().map_or(0, |l| l.subscribers),
            events_per_second: s.live.as_ref().map_or(0.0, |l| l.events_per_second),
            delivery_p95_ms: s.live.and_then(|l| l.delivery_p95_ms),
        }
    }
}

#[derive(Default)]
pub struct MonitoringQuery;

#[Object]
impl MonitoringQuery {
    /// Every router of the served revision (idle ones with zeros) and every
    /// other route that was called, over the window, summed over replicas.
    async fn router_stats(&self, ctx: &Context<'_>, environment: String, window: StatsWindow) -> Result<Vec<RouterStats>> {
        let app = state(ctx);
        app.environments.scope(principal(ctx)?, &environment, Capability::Monitoring).await?;
        let routers: Vec<(String, String, String)> = match app.engine.active(&environment).await {
            Some(active) => active.revision.document.routers.iter().map(|r| (r.name.clone(), r.method.as_str().to_owned(), r.path.clone())).collect(),
            None => Vec::new(),
        };
        let stats = app.monitor.stats(&environment, window.into(), &routers).await?;
        Ok(stats.into_iter().map(RouterStats::from).collect())
    }
}
