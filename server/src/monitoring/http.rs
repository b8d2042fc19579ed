//! Prometheus metrics of the HTTP server: requests by route and status, and a
//! latency histogram by route. A registry per app, so several servers in one
//! process (the tests) keep their own figures. `http::metrics` counts each
//! request into it and renders it at `/metrics`.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Instant,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, histogram::Histogram},
    registry::Registry,
};

// Labels are shared strings, not copies: they are made on every request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: Cow<'static, str>,
    route: Arc<str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: Cow<'static, str>,
    route: Arc<str>,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct HttpMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    /// Route templates seen so far, each kept once.
    routes: RwLock<HashMap<Box<str>, Arc<str>>>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to ~16 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.0005, 2.0, 16))
}

impl HttpMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register("http_request_duration_seconds", "Time to produce a response", latency.clone());
        Self { registry, requests, latency, routes: RwLock::default() }
    }

    /// Counts one answered request of `route` (a template from `route`),
    /// begun at `started`.
    pub fn record(&self, method: &axum::http::Method, route: Arc<str>, status: u16, started: Instant) {
        let method = method_label(method);
        self.latency.get_or_create(&RouteLabels { method: method.clone(), route: route.clone() }).observe(started.elapsed().as_secs_f64());
        self.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    }

    /// The registry in the OpenMetrics text format, ending with `# EOF`.
    pub fn encode(&self, out: &mut String) -> std::fmt::Result {
        encode(out, &self.registry)
    }

    /// The shared copy of a route template (there are as many as routes).
    pub fn route(&self, template: &str) -> Arc<str> {
        if let Some(route) = self.routes.read().unwrap_or_else(|e| e.into_inner()).get(template) {
            return route.clone();
        }
        self.routes.write().unwrap_or_else(|e| e.into_inner()).entry(template.into()).or_insert_with(|| template.into()).clone()
    }
}

/// A method's name without a copy for the standard ones.
fn method_label(method: &axum::http::Method) -> Cow<'static, str> {
    use axum::http::Method;
    Cow::Borrowed(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => return Cow::Owned(method.as_str().to_owned()),
    })
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self::new()
    }
}
