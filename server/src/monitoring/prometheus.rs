//! The OpenTelemetry HTTP server series in the Prometheus text format:
//! `http_server_request_duration_seconds` by environment, route template,
//! method and status, and `http_server_active_requests` by environment.
//! Cardinality is bounded by routers × methods × statuses: paths never become
//! labels, and requests no route matched share one route value.

use std::fmt::Write;

use super::Slot;

/// OpenTelemetry's default boundaries for HTTP durations, in seconds.
pub const BOUNDS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub fn render(slots: &[std::sync::Arc<Slot>], active: &[(String, i64)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# HELP http_server_request_duration_seconds Duration of HTTP server requests served by environments.");
    let _ = writeln!(out, "# TYPE http_server_request_duration_seconds histogram");
    for slot in slots {
        let state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
        let route = if slot.router == super::UNMATCHED { super::UNMATCHED.to_owned() } else { escape(&state.route) };
        for series in &state.statuses {
            let labels = format!(
                "environment=\"{}\",http_route=\"{route}\",http_request_method=\"{}\",http_response_status_code=\"{}\"",
                escape(&slot.environment),
                escape(&slot.method),
                series.status
            );
            let mut cumulative = 0;
            for (bound, count) in BOUNDS.iter().zip(series.buckets) {
                cumulative += count;
                let _ = writeln!(out, "http_server_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "http_server_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", series.count);
            let _ = writeln!(out, "http_server_request_duration_seconds_count{{{labels}}} {}", series.count);
            let _ = writeln!(out, "http_server_request_duration_seconds_sum{{{labels}}} {}", series.sum_micros as f64 / 1e6);
        }
    }
    let _ = writeln!(out, "# HELP http_server_active_requests Requests environments are serving now.");
    let _ = writeln!(out, "# TYPE http_server_active_requests gauge");
    for (environment, count) in active {
        let _ = writeln!(out, "http_server_active_requests{{environment=\"{}\"}} {count}", escape(environment));
    }
    out
}
