//! Counting every HTTP request into `monitoring::http::HttpMetrics`, and
//! `/metrics`: those figures and the environments' series.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::AdminCode, monitoring::http::HttpMetrics, state::AppState};

pub async fn track(State(metrics): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // The route template, never the raw path: ids in paths would explode the label set.
    let route = metrics.route(req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str));
    let response = next.run(req).await;
    metrics.record(&method, route, response.status().as_u16(), started);
    response
}

pub async fn render(State(state): State<AppState>) -> Response {
    let mut body = String::new();
    if let Err(err) = state.metrics.encode(&mut body) {
        tracing::error!(error = %err, "encoding metrics");
        return super::json_error(axum::http::StatusCode::INTERNAL_SERVER_ERROR, AdminCode::Internal, "internal error");
    }
    // The environments' OpenTelemetry series go before the closing `# EOF`.
    let eof = body.rfind("# EOF").unwrap_or(body.len());
    body.insert_str(eof, &state.monitor.prometheus());
    let content_type = HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
