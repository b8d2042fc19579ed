//! Watch routers' figures on this replica: subscribers connected now, events
//! delivered, and delivery latency (from the change's commit to its event
//! written out), per environment and router. What `routerStats` adds to a
//! watch router (over the last minute or two) and `/metrics` shows
//! (`serverkit_realtime_subscribers`, `serverkit_realtime_delivery_seconds`).

use std::{
    collections::HashMap,
    fmt::Write,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use super::{Histogram, prometheus::BOUNDS};

/// One watch router's figures.
#[derive(Default)]
struct Figures {
    subscribers: i64,
    /// Since the server started, for `/metrics` (OpenTelemetry's buckets).
    buckets: [u64; BOUNDS.len()],
    count: u64,
    sum_micros: u64,
    /// The minute going on and the one before, for the recent rate and p95.
    current: (Option<Instant>, u64, Histogram),
    previous: (Option<Instant>, u64, Histogram),
}

const MINUTE: Duration = Duration::from_secs(60);

impl Figures {
    fn turn(&mut self, now: Instant) {
        match self.current.0 {
            Some(started) if now.duration_since(started) < MINUTE => {}
            Some(started) if now.duration_since(started) < 2 * MINUTE => {
                self.previous = std::mem::replace(&mut self.current, (Some(now), 0, Histogram::default()));
            }
            _ => {
                self.previous = (None, 0, Histogram::default());
                self.current = (Some(now), 0, Histogram::default());
            }
        }
    }
}

/// Each watch router's figures, by (environment, router).
type ByRouter = HashMap<(String, String), Arc<Mutex<Figures>>>;

/// Watch routers' figures.
#[derive(Default, Clone)]
pub struct Realtime(Arc<RwLock<ByRouter>>);

/// One connected subscriber: counted until it drops.
pub struct Subscriber(Arc<Mutex<Figures>>);

/// What `routerStats` shows of a watch router.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    pub subscribers: i64,
    /// Events delivered per second over the last minute or so.
    pub events_per_second: f64,
    /// Delivery latency's 95th percentile over the same; None without events.
    pub delivery_p95_ms: Option<f64>,
}

impl Realtime {
    fn figures(&self, environment: &str, router: &str) -> Arc<Mutex<Figures>> {
        let key = (environment.to_owned(), router.to_owned());
        if let Some(figures) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return figures.clone();
        }
        self.0.write().unwrap_or_else(|e| e.into_inner()).entry(key).or_default().clone()
    }

    /// A subscriber of `router` connected.
    pub fn subscribe(&self, environment: &str, router: &str) -> Subscriber {
        let figures = self.figures(environment, router);
        figures.lock().unwrap_or_else(|e| e.into_inner()).subscribers += 1;
        Subscriber(figures)
    }

    /// The watch routers of `environment` with their figures, by name.
    pub fn live(&self, environment: &str) -> HashMap<String, Live> {
        let now = Instant::now();
        let all = self.0.read().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .filter(|((env, _), _)| env == environment)
            .map(|((_, router), figures)| {
                let mut figures = figures.lock().unwrap_or_else(|e| e.into_inner());
                figures.turn(now);
                let mut latency = figures.current.2.clone();
                latency.merge(&figures.previous.2);
                let events = figures.current.1 + figures.previous.1;
                let since = figures.previous.0.or(figures.current.0).map_or(1.0, |t| now.duration_since(t).as_secs_f64().max(1.0));
                let live = Live {
                    subscribers: figures.subscribers,
                    events_per_second: events as f64 / since,
                    delivery_p95_ms: if events > 0 { latency.quantile_ms(0.95) } else { None },
                };
                (router.clone(), live)
            })
            .collect()
    }

    /// Forgets a deleted environment's figures.
    pub fn forget(&self, environment: &str) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).retain(|(env, _), _| env != environment);
    }

    /// The Prometheus text of every watch router's figures.
    pub fn prometheus(&self) -> String {
        let escape = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        let all = self.0.read().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        // A family with no series is not valid OpenMetrics: none until a watch router had a subscriber.
        if all.is_empty() {
            return out;
        }
        let _ = writeln!(out, "# HELP serverkit_realtime_subscribers Subscribers connected to watch routers on this replica.");
        let _ = writeln!(out, "# TYPE serverkit_realtime_subscribers gauge");
        for ((env, router), figures) in all.iter() {
            let figures = figures.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(out, "serverkit_realtime_subscribers{{environment=\"{}\",router=\"{}\"}} {}", escape(env), escape(router), figures.subscribers);
        }
        let _ = writeln!(out, "# HELP serverkit_realtime_delivery_seconds From a change's commit to its event written to a subscriber.");
        let _ = writeln!(out, "# TYPE serverkit_realtime_delivery_seconds histogram");
        for ((env, router), figures) in all.iter() {
            let figures = figures.lock().unwrap_or_else(|e| e.into_inner());
            let labels = format!("environment=\"{}\",router=\"{}\"", escape(env), escape(router));
            let mut cumulative = 0;
            for (bound, count) in BOUNDS.iter().zip(figures.buckets) {
                cumulative += count;
                let _ = writeln!(out, "serverkit_realtime_delivery_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "serverkit_realtime_delivery_seconds_bucket{{{labels},le=\"+Inf\"}} {}", figures.count);
            let _ = writeln!(out, "serverkit_realtime_delivery_seconds_count{{{labels}}} {}", figures.count);
            let _ = writeln!(out, "serverkit_realtime_delivery_seconds_sum{{{labels}}} {}", figures.sum_micros as f64 / 1e6);
        }
        out
    }
}

impl Subscriber {
    /// An event written out `latency` after its change committed.
    pub fn delivered(&self, latency: Duration) {
        let micros = latency.as_micros().min(u128::from(u64::MAX)) as u64;
        let mut figures = self.0.lock().unwrap_or_else(|e| e.into_inner());
        figures.turn(Instant::now());
        figures.current.1 += 1;
        figures.current.2.record(micros);
        let seconds = micros as f64 / 1e6;
        if let Some(bucket) = BOUNDS.iter().position(|bound| seconds <= *bound) {
            figures.buckets[bucket] += 1;
        }
        figures.count += 1;
        figures.sum_micros += micros;
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).subscribers -= 1;
    }
}
