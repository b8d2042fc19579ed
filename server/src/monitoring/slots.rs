//! Where requests are counted: a slot per router and method of each
//! environment, holding the minute being counted, the finished minutes not
//! stored yet, and the cumulative series by status that `/metrics` shows.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicI64, Ordering},
    },
};

use chrono::Utc;

use super::{Histogram, prometheus};

/// One minute of one router and method. Whole: a minute stored before is
/// stored again with everything counted in it so far.
#[derive(Debug, Clone, Default)]
pub(super) struct Minute {
    pub(super) minute: i64,
    pub(super) requests: u64,
    pub(super) client_errors: u64,
    pub(super) server_errors: u64,
    pub(super) latency: Histogram,
    /// Changed since it was last stored.
    dirty: bool,
}

impl Minute {
    /// Adds the figures of `other`, a part of the same minute counted apart.
    pub(super) fn merge(&mut self, other: &Minute) {
        self.requests += other.requests;
        self.client_errors += other.client_errors;
        self.server_errors += other.server_errors;
        self.latency.merge(&other.latency);
    }
}

/// Cumulative figures by status, for Prometheus (never reset but when the
/// router's path changes: they are labelled with it).
#[derive(Debug, Clone)]
pub(super) struct StatusSeries {
    pub(super) status: u16,
    pub(super) buckets: [u64; prometheus::BOUNDS.len()],
    pub(super) count: u64,
    pub(super) sum_micros: u64,
}

#[derive(Debug, Default)]
pub(super) struct SlotState {
    /// The path template the router serves (it may change with a refresh).
    pub(super) route: String,
    current: Minute,
    finished: Vec<Minute>,
    pub(super) statuses: Vec<StatusSeries>,
}

/// One router and method of one environment: where its requests are counted.
#[derive(Debug)]
pub struct Slot {
    pub(super) environment: String,
    pub(super) router: String,
    pub(super) method: String,
    pub(super) state: Mutex<SlotState>,
}

impl Slot {
    fn observe(&self, route: &str, status: u16, micros: u64, minute: i64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.route != route {
            // The router was given another path: its minutes go on, its series start again under the new label.
            state.route = route.to_owned();
            state.statuses.clear();
        }
        // A request whose minute was read just before another's of the next
        // minute counts in that next one: a finished minute is never reopened
        // (it would be stored as a second, partial row of that minute).
        let minute = minute.max(state.current.minute);
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

    /// The route and the minutes to store: the finished ones (taken) and the
    /// current one if it changed.
    pub(super) fn unstored(&self) -> (String, Vec<Minute>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut minutes = std::mem::take(&mut state.finished);
        if state.current.dirty {
            state.current.dirty = false;
            minutes.push(state.current.clone());
        }
        (state.route.clone(), minutes)
    }
}

/// The minutes requests are counted in and windows end at: the wall clock's,
/// moved on only by tests (`Monitor::advance_clock`), which cannot wait for a
/// minute to turn.
#[derive(Debug, Default)]
pub(super) struct Clock {
    pub(super) offset_secs: AtomicI64,
}

impl Clock {
    pub(super) fn minute(&self) -> i64 {
        (Utc::now().timestamp() + self.offset_secs.load(Ordering::Relaxed)) / 60
    }
}

/// One environment's slots, by router name then method, and its requests in flight.
pub(super) struct EnvSlots {
    pub(super) slug: String,
    pub(super) clock: Arc<Clock>,
    /// A router has one method, but requests no route matched (`UNMATCHED`) come in any.
    pub(super) slots: RwLock<HashMap<String, Vec<Arc<Slot>>>>,
    pub(super) active: AtomicI64,
}

impl EnvSlots {
    pub(super) fn observe(&self, router: &str, method: &str, route: &str, status: u16, micros: u64) {
        let found = self.slots.read().unwrap_or_else(|e| e.into_inner()).get(router).and_then(|slots| slots.iter().find(|s| s.method == method).cloned());
        let slot = match found {
            Some(slot) => slot,
            None => {
                let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
                let of_router = slots.entry(router.to_owned()).or_default();
                // Another request may have made it meanwhile.
                match of_router.iter().find(|s| s.method == method) {
                    Some(slot) => slot.clone(),
                    None => {
                        let slot =
                            Arc::new(Slot { environment: self.slug.clone(), router: router.to_owned(), method: method.to_owned(), state: Mutex::default() });
                        of_router.push(slot.clone());
                        slot
                    }
                }
            }
        };
        slot.observe(route, status, micros, self.clock.minute());
    }

    pub(super) fn all(&self) -> Vec<Arc<Slot>> {
        self.slots.read().unwrap_or_else(|e| e.into_inner()).values().flatten().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> Slot {
        Slot { environment: "test".into(), router: "listPosts".into(), method: "GET".into(), state: Mutex::default() }
    }

    #[test]
    fn a_late_request_counts_in_the_newer_minute_and_reopens_none() {
        let slot = slot();
        slot.observe("/posts", 200, 1_000, 10);
        slot.observe("/posts", 200, 1_000, 11);
        // Its minute was read before the one above's, its lock taken after.
        slot.observe("/posts", 500, 1_000, 10);
        slot.observe("/posts", 200, 1_000, 11);
        let (route, minutes) = slot.unstored();
        assert_eq!(route, "/posts");
        let figures: Vec<(i64, u64, u64)> = minutes.iter().map(|m| (m.minute, m.requests, m.server_errors)).collect();
        assert_eq!(figures, [(10, 1, 0), (11, 3, 1)]);
    }

    #[test]
    fn a_new_path_keeps_the_minute_and_restarts_the_series() {
        let slot = slot();
        slot.observe("/posts", 200, 1_000, 10);
        slot.observe("/articles", 200, 1_000, 10);
        let (route, minutes) = slot.unstored();
        assert_eq!((route.as_str(), minutes.len(), minutes[0].requests), ("/articles", 1, 2));
        assert_eq!(slot.state.lock().expect("not poisoned").statuses[0].count, 1, "the series is the new path's");
        // Stored: nothing more until something changes.
        assert!(slot.unstored().1.is_empty());
    }
}
