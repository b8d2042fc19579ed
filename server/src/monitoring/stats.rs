//! What `routerStats` shows: per router, requests, rate, 4xx and 5xx, latency
//! percentiles and a series, over the last 5 minutes, hour or day, from the
//! stored minutes of every replica.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use entity::router_minute;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Histogram, Monitor};
use crate::error::ServiceResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    FiveMinutes,
    Hour,
    Day,
}

impl Window {
    fn minutes(self) -> i64 {
        match self {
            Self::FiveMinutes => 5,
            Self::Hour => 60,
            Self::Day => 24 * 60,
        }
    }

    /// Minutes per point of the series.
    fn step(self) -> i64 {
        match self {
            Self::Day => 15,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatsPoint {
    pub at: DateTime<Utc>,
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct RouterStats {
    pub router: String,
    pub method: String,
    pub route: String,
    pub requests: u64,
    pub rate_per_second: f64,
    pub errors_4xx: u64,
    pub errors_5xx: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub series: Vec<StatsPoint>,
    /// A watch router's subscribers and deliveries on this replica, now.
    pub live: Option<super::realtime::Live>,
}

#[derive(Default)]
struct Sum {
    route: String,
    requests: u64,
    client_errors: u64,
    server_errors: u64,
    latency: Histogram,
    points: BTreeMap<i64, (u64, u64, Histogram)>,
}

impl Monitor {
    /// The figures of `environment` over `window`, one entry per router that
    /// was called or is listed in `routers` (name, method, route), the latter
    /// with zeros when idle.
    pub async fn stats(&self, environment: &str, window: Window, routers: &[(String, String, String)]) -> ServiceResult<Vec<RouterStats>> {
        // This replica's latest counts first, so the answer includes them.
        self.flush(Some(environment)).await?;
        let now = self.0.clock.minute();
        let (from, step) = (now - window.minutes() + 1, window.step());
        let rows = router_minute::Entity::find()
            .filter(router_minute::Column::Environment.eq(environment))
            .filter(router_minute::Column::Minute.gte(from))
            .all(self.db())
            .await?;
        let mut sums: BTreeMap<(String, String), Sum> = BTreeMap::new();
        for (name, method, route) in routers {
            sums.entry((name.clone(), method.clone())).or_default().route = route.clone();
        }
        for row in rows {
            let sum = sums.entry((row.router, row.method)).or_default();
            sum.route = row.route;
            let latency = Histogram::from_json(&row.latency);
            let (requests, client, server) = (row.requests.max(0) as u64, row.client_errors.max(0) as u64, row.server_errors.max(0) as u64);
            sum.requests += requests;
            sum.client_errors += client;
            sum.server_errors += server;
            sum.latency.merge(&latency);
            let point = sum.points.entry((row.minute - from) / step).or_default();
            point.0 += requests;
            point.1 += client + server;
            point.2.merge(&latency);
        }
        let points = (window.minutes() + step - 1) / step;
        let mut live = self.0.realtime.live(environment);
        Ok(sums
            .into_iter()
            .map(|((router, method), sum)| RouterStats {
                series: (0..points)
                    .map(|i| {
                        let (requests, errors, latency) = sum.points.get(&i).cloned().unwrap_or_default();
                        let at = Utc.timestamp_opt((from + i * step) * 60, 0).single().unwrap_or_default();
                        StatsPoint { at, requests, errors, p95_ms: latency.quantile_ms(0.95) }
                    })
                    .collect(),
                method,
                route: sum.route,
                requests: sum.requests,
                rate_per_second: sum.requests as f64 / (window.minutes() * 60) as f64,
                errors_4xx: sum.client_errors,
                errors_5xx: sum.server_errors,
                p50_ms: sum.latency.quantile_ms(0.5),
                p95_ms: sum.latency.quantile_ms(0.95),
                p99_ms: sum.latency.quantile_ms(0.99),
                live: live.remove(&router),
                router,
            })
            .collect())
    }
}
