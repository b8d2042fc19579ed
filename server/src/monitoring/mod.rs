//! Per-router figures of every environment: requests, 4xx and 5xx answers and
//! latency, counted in memory on the request path (a short lock on the
//! router's own slot, no allocation once the slot exists), rolled into
//! per-minute buckets that a task stores every few seconds (so charts survive a
//! restart and replicas' figures add up on PostgreSQL), and the OpenTelemetry
//! HTTP series `/metrics` shows. Monitoring does not depend on request logs.

pub mod histogram;
pub mod http;
mod prometheus;
pub mod stats;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use entity::router_minute;
use sea_orm::{DatabaseConnection, EntityTrait, sea_query::OnConflict};

pub use histogram::Histogram;
pub use stats::{RouterStats, StatsPoint, Window};

use crate::error::ServiceResult;

const FLUSH_EVERY: Duration = Duration::from_secs(10);
/// The router name of requests no route matched.
pub const UNMATCHED: &str = "(unmatched)";

/// One minute of one router.
#[derive(Debug, Clone, Default)]
struct Minute {
    minute: i64,
    requests: u64,
    client_errors: u64,
    server_errors: u64,
    latency: Histogram,
    /// Changed since it was last stored.
    dirty: bool,
}

/// Cumulative figures by status, for Prometheus (never reset).
#[derive(Debug, Clone)]
struct StatusSeries {
    status: u16,
    buckets: [u64; prometheus::BOUNDS.len()],
    count: u64,
    sum_micros: u64,
}

#[derive(Debug, Default)]
struct SlotState {
    current: Minute,
    finished: Vec<Minute>,
    statuses: Vec<StatusSeries>,
}

/// One router of one environment: where its requests are counted.
#[derive(Debug)]
pub struct Slot {
    environment: String,
    router: String,
    method: String,
    route: String,
    state: Mutex<SlotState>,
}

impl Slot {
    fn observe(&self, status: u16, micros: u64, minute: i64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.current.minute != minute {
            let done = std::mem::replace(&mut state.current, Minute { minute, ..Minute::default() });
            if done.requests > 0 {
                state.finished.push(done);
            }
        }
        let current = &mut state.current;
        current.requests += 1;
        current.client_errors += u64::from((400..500).contains(&status));
        current.server_errors += u64::from(status >= 500);
        current.latency.record(micros);
        current.dirty = true;
        let series = match state.statuses.iter().position(|s| s.status == status) {
            Some(i) => &mut state.statuses[i],
            None => {
                state.statuses.push(StatusSeries { status, buckets: [0; prometheus::BOUNDS.len()], count: 0, sum_micros: 0 });
                state.statuses.last_mut().expect("just pushed")
            }
        };
        series.count += 1;
        series.sum_micros += micros;
        if let Some(i) = prometheus::BOUNDS.iter().position(|bound| micros as f64 <= bound * 1e6) {
            series.buckets[i] += 1;
        }
    }

    /// The minutes to store: the finished ones (taken) and the current one if it changed.
    fn unstored(&self) -> Vec<Minute> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut minutes = std::mem::take(&mut state.finished);
        if state.current.dirty {
            state.current.dirty = false;
            minutes.push(state.current.clone());
        }
        minutes
    }
}

/// One environment's slots, by router name, and its requests in flight.
struct EnvSlots {
    slug: String,
    slots: RwLock<HashMap<String, Arc<Slot>>>,
    active: AtomicI64,
}

#[derive(Clone)]
pub struct Monitor(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    replica: String,
    environments: RwLock<HashMap<String, Arc<EnvSlots>>>,
}

/// A request being served: counted in flight until `finish`.
pub struct InFlight {
    env: Arc<EnvSlots>,
}

impl InFlight {
    /// Counts the request as answered (the environment is already at hand).
    pub fn observe(&self, router: &str, method: &str, route: &str, status: u16, micros: u64) {
        self.env.observe(router, method, route, status, micros);
    }
}

impl EnvSlots {
    fn observe(&self, router: &str, method: &str, route: &str, status: u16, micros: u64) {
        let existing = self.slots.read().unwrap_or_else(|e| e.into_inner()).get(router).cloned();
        let slot = match existing {
            Some(slot) if slot.method == method && slot.route == route => slot,
            // New, or the router now has another method or path: a slot of its own.
            _ => {
                let slot = Arc::new(Slot {
                    environment: self.slug.clone(),
                    router: router.to_owned(),
                    method: method.to_owned(),
                    route: route.to_owned(),
                    state: Mutex::default(),
                });
                let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
                let replaced = slots.insert(router.to_owned(), slot.clone());
                // The replaced slot's unstored minutes are kept until the next flush.
                if let Some(old) = replaced {
                    let minutes = old.unstored();
                    slot.state.lock().unwrap_or_else(|e| e.into_inner()).finished.extend(minutes.into_iter().map(|m| Minute { dirty: true, ..m }));
                }
                slot
            }
        };
        slot.observe(status, micros, Utc::now().timestamp() / 60);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.env.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Monitor {
    /// Starts the task that stores finished minutes; returns its handle too.
    pub fn start(db: DatabaseConnection, replica: String) -> (Self, tokio::task::JoinHandle<()>) {
        let monitor = Monitor(Arc::new(Inner { db, replica, environments: RwLock::default() }));
        let flusher = monitor.clone();
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(FLUSH_EVERY);
            loop {
                every.tick().await;
                if let Err(err) = flusher.flush(None).await {
                    tracing::warn!(error = %err.message(), "monitoring: storing minutes failed");
                }
            }
        });
        (monitor, task)
    }

    fn env(&self, environment: &str) -> Arc<EnvSlots> {
        if let Some(env) = self.0.environments.read().unwrap_or_else(|e| e.into_inner()).get(environment) {
            return env.clone();
        }
        let mut environments = self.0.environments.write().unwrap_or_else(|e| e.into_inner());
        let env = environments
            .entry(environment.to_owned())
            .or_insert_with(|| Arc::new(EnvSlots { slug: environment.to_owned(), slots: RwLock::default(), active: AtomicI64::new(0) }));
        env.clone()
    }

    /// Counts a request in flight in `environment` until the guard drops.
    pub fn begin(&self, environment: &str) -> InFlight {
        let env = self.env(environment);
        env.active.fetch_add(1, Ordering::Relaxed);
        InFlight { env }
    }

    /// Counts one answered request.
    pub fn observe(&self, environment: &str, router: &str, method: &str, route: &str, status: u16, micros: u64) {
        self.env(environment).observe(router, method, route, status, micros);
    }

    /// Forgets a deleted environment's figures in memory.
    pub fn forget(&self, environment: &str) {
        self.0.environments.write().unwrap_or_else(|e| e.into_inner()).remove(environment);
    }

    fn slots(&self, environment: Option<&str>) -> Vec<Arc<Slot>> {
        let environments = self.0.environments.read().unwrap_or_else(|e| e.into_inner());
        environments
            .iter()
            .filter(|(slug, _)| environment.is_none_or(|e| e == slug.as_str()))
            .flat_map(|(_, env)| env.slots.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect::<Vec<_>>())
            .collect()
    }

    /// Stores the minutes counted since the last flush (of one environment, or all).
    pub async fn flush(&self, environment: Option<&str>) -> ServiceResult<()> {
        let mut rows = Vec::new();
        for slot in self.slots(environment) {
            for minute in slot.unstored() {
                rows.push(router_minute::ActiveModel {
                    environment: sea_orm::Set(slot.environment.clone()),
                    minute: sea_orm::Set(minute.minute),
                    router: sea_orm::Set(slot.router.clone()),
                    method: sea_orm::Set(slot.method.clone()),
                    replica: sea_orm::Set(self.0.replica.clone()),
                    route: sea_orm::Set(slot.route.clone()),
                    requests: sea_orm::Set(minute.requests as i64),
                    client_errors: sea_orm::Set(minute.client_errors as i64),
                    server_errors: sea_orm::Set(minute.server_errors as i64),
                    latency: sea_orm::Set(minute.latency.to_json()),
                });
            }
        }
        // A minute stored before is stored again whole: its figures only grow.
        let conflict = OnConflict::columns([
            router_minute::Column::Environment,
            router_minute::Column::Minute,
            router_minute::Column::Router,
            router_minute::Column::Method,
            router_minute::Column::Replica,
        ])
        .update_columns([
            router_minute::Column::Route,
            router_minute::Column::Requests,
            router_minute::Column::ClientErrors,
            router_minute::Column::ServerErrors,
            router_minute::Column::Latency,
        ])
        .to_owned();
        for chunk in rows.chunks(200) {
            router_minute::Entity::insert_many(chunk.to_vec()).on_conflict(conflict.clone()).exec(&self.0.db).await?;
        }
        Ok(())
    }

    /// `/metrics`' OpenTelemetry series, in the text exposition format.
    pub fn prometheus(&self) -> String {
        let active: Vec<(String, i64)> = self
            .0
            .environments
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(slug, env)| (slug.clone(), env.active.load(Ordering::Relaxed)))
            .collect();
        prometheus::render(&self.slots(None), &active)
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }
}
