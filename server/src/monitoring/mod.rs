//! Per-router figures of every environment: requests, 4xx and 5xx answers and
//! latency, counted in memory on the request path (a short lock on the slot
//! of the router and method, no allocation once the slot exists), rolled into
//! per-minute buckets that a task stores every few seconds (so charts survive a
//! restart and replicas' figures add up on PostgreSQL), and the OpenTelemetry
//! HTTP series `/metrics` shows. Monitoring does not depend on request logs.

pub mod histogram;
pub mod http;
mod prometheus;
pub mod realtime;
mod slots;
pub mod stats;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use entity::router_minute;
use sea_orm::{DatabaseConnection, EntityTrait, sea_query::OnConflict};

pub use histogram::Histogram;
pub use slots::Slot;
pub use stats::{RouterStats, StatsPoint, Window};

use slots::{Clock, EnvSlots, Minute};

use crate::error::ServiceResult;

const FLUSH_EVERY: Duration = Duration::from_secs(10);
/// The router name of requests no route matched.
pub const UNMATCHED: &str = "(unmatched)";

#[derive(Clone)]
pub struct Monitor(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    replica: String,
    environments: RwLock<HashMap<String, Arc<EnvSlots>>>,
    clock: Arc<Clock>,
    realtime: realtime::Realtime,
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

impl Drop for InFlight {
    fn drop(&mut self) {
        self.env.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Monitor {
    /// Starts the task that stores finished minutes; returns its handle too.
    pub fn start(db: DatabaseConnection, replica: String) -> (Self, tokio::task::JoinHandle<()>) {
        let monitor = Monitor(Arc::new(Inner { db, replica, environments: RwLock::default(), clock: Arc::default(), realtime: Default::default() }));
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
        let env = environments.entry(environment.to_owned()).or_insert_with(|| {
            Arc::new(EnvSlots { slug: environment.to_owned(), clock: self.0.clock.clone(), slots: RwLock::default(), active: AtomicI64::new(0) })
        });
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

    /// Moves this monitor's clock on by `by`: requests are counted, and
    /// windows read, as if that much more time had passed. For tests, which
    /// cannot wait for a minute to turn.
    pub fn advance_clock(&self, by: Duration) {
        self.0.clock.offset_secs.fetch_add(i64::try_from(by.as_secs()).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// Forgets a deleted environment's figures in memory.
    pub fn forget(&self, environment: &str) {
        self.0.environments.write().unwrap_or_else(|e| e.into_inner()).remove(environment);
        self.0.realtime.forget(environment);
    }

    /// Watch routers' subscribers and deliveries.
    pub fn realtime(&self) -> &realtime::Realtime {
        &self.0.realtime
    }

    fn slots(&self, environment: Option<&str>) -> Vec<Arc<Slot>> {
        let environments = self.0.environments.read().unwrap_or_else(|e| e.into_inner());
        environments.iter().filter(|(slug, _)| environment.is_none_or(|e| e == slug.as_str())).flat_map(|(_, env)| env.all()).collect()
    }

    /// Stores the minutes counted since the last flush (of one environment, or all).
    pub async fn flush(&self, environment: Option<&str>) -> ServiceResult<()> {
        // One row per key: a statement that upserts two rows of one key fails
        // on PostgreSQL ("cannot affect row a second time") and keeps only the
        // last on SQLite. Parts of one minute counted apart add up.
        let mut merged: BTreeMap<(String, String, String, i64), (String, Minute)> = BTreeMap::new();
        for slot in self.slots(environment) {
            let (route, minutes) = slot.unstored();
            for minute in minutes {
                let key = (slot.environment.clone(), slot.router.clone(), slot.method.clone(), minute.minute);
                match merged.get_mut(&key) {
                    Some((_, earlier)) => earlier.merge(&minute),
                    None => {
                        merged.insert(key, (route.clone(), minute));
                    }
                }
            }
        }
        let rows: Vec<router_minute::ActiveModel> = merged
            .into_iter()
            .map(|((environment, router, method, _), (route, minute))| router_minute::ActiveModel {
                environment: sea_orm::Set(environment),
                minute: sea_orm::Set(minute.minute),
                router: sea_orm::Set(router),
                method: sea_orm::Set(method),
                replica: sea_orm::Set(self.0.replica.clone()),
                route: sea_orm::Set(route),
                requests: sea_orm::Set(minute.requests as i64),
                client_errors: sea_orm::Set(minute.client_errors as i64),
                server_errors: sea_orm::Set(minute.server_errors as i64),
                latency: sea_orm::Set(minute.latency.to_json()),
            })
            .collect();
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
        prometheus::render(&self.slots(None), &active) + self.0.realtime.prometheus().as_str()
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }
}
