//! Prometheus metrics of the HTTP server: requests by route and status, and a
//! latency histogram by route. A registry per app, so several servers in one
//! process (the tests) keep their own figures.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, histogram::Histogram},
    registry::Registry,
};

use crate::app::AppState;

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

    /// The shared copy of a route template (there are as many as routes).
    fn route(&self, template: &str) -> Arc<str> {
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

pub async fn track(State(metrics): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    // The route template, never the raw path: ids in paths would explode the label set.
    let route = metrics.route(req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str));
    let response = next.run(req).await;
    let status = response.status().as_u16();
    metrics.latency.get_or_create(&RouteLabels { method: method.clone(), route: route.clone() }).observe(started.elapsed().as_secs_f64());
    metrics.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    response
}

pub async fn render(State(state): State<AppState>) -> Response {
    let mut body = String::new();
    if let Err(err) = encode(&mut body, &state.metrics.registry) {
        tracing::error!(error = %err, "encoding metrics");
        return super::json_error(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "internal error");
    }
    // The environments' OpenTelemetry series go before the closing `# EOF`.
    let eof = body.rfind("# EOF").unwrap_or(body.len());
    body.insert_str(eof, &state.monitor.prometheus());
    let content_type = HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
