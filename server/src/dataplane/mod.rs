//! Serving one request against an environment's active definition: the
//! response, and the one record of what happened that request logs,
//! monitoring, the API test console and test runs all use. The record is made
//! outside the limits and the timeout, so refused and timed-out requests are
//! recorded too. HTTP handlers are thin adapters over `serve`.

mod auth;
mod context;
mod dispatch;
mod recorded_stream;
mod reply;
mod request;
mod row_file;
mod uploads;
mod watch;

use std::{net::SocketAddr, sync::Arc, time::Instant};

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::Request,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;

use crate::{
    engine::compile::CompiledRouter,
    logs::{Detail, RequestRecord, TraceStep, redact::Redactor},
    monitoring::UNMATCHED,
};
use recorded_stream::{RecordedStream, StreamTally};

pub use context::{DataPlane, Parts};

pub use crate::error::ErrorCode;
pub use reply::error;

/// The header a response carries its record's id in.
pub const REQUEST_ID: &str = "x-request-id";

/// What the handling of a request learned along the way, kept by `serve` so a
/// request cut short by the timeout still leaves its record.
#[derive(Default)]
struct Notes {
    router: Option<Arc<CompiledRouter>>,
    /// `login`, `signup`, `logout` or `me` for the built-in endpoints.
    auth: Option<&'static str>,
    user: Option<(i64, String)>,
    /// Whether headers, bodies and the trace are wanted (request logs on).
    detail: bool,
    request_body: Option<Bytes>,
    /// Whether the request's body, parsed as JSON, names a secret field
    /// (None: not parsed as JSON; the log then searches its text).
    request_names_secret: Option<bool>,
    /// The same of the router's JSON answer.
    answer_names_secret: Option<bool>,
    request_bytes: Option<u64>,
    trace: Vec<TraceStep>,
    /// Uploads staged for file columns: whatever no write kept is deleted
    /// once the request ends, even when the timeout cut it short.
    staged: Vec<String>,
}

/// Where a request came from, besides the network: kept on its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Http,
    /// The admin's API test console.
    Console,
    /// A test run, by id.
    TestRun(String),
}

impl Source {
    fn label(&self) -> Option<String> {
        match self {
            Self::Http => None,
            Self::Console => Some("console".into()),
            Self::TestRun(id) => Some(format!("test-run:{id}")),
        }
    }
}

/// Serves `rest` (`/posts/1`, the part after the environment) of `slug`,
/// records the request, and answers.
pub async fn serve(state: &DataPlane, slug: &str, rest: &str, request: Request, peer: SocketAddr) -> Response {
    serve_recorded(state, slug, rest, request, peer, Source::Http).await.0
}

/// `serve`, also giving the request's record. Callers in the process (the
/// console, test runs) always get the details (headers, bodies, the trace);
/// the log keeps them only where the environment keeps request logs.
pub async fn serve_recorded(
    state: &DataPlane,
    slug: &str,
    rest: &str,
    request: Request,
    peer: SocketAddr,
    source: Source,
) -> (Response, Option<RequestRecord>) {
    let Some(active) = state.active(slug).await else {
        let response = match state.environments.find(slug).await {
            Ok(Some(_)) => error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::NotReady, format!("`{slug}` serves nothing yet: refresh it first")),
            Ok(None) => error(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("no environment `{slug}`")),
            Err(err) => reply::service_error(err),
        };
        return (response, None);
    };
    let started = Instant::now();
    let at = Utc::now();
    let id = uuid::Uuid::now_v7().to_string();
    // A test run's requests are not the environment's traffic.
    let in_flight = (!state.is_sandbox()).then(|| state.monitor.begin(slug));
    let guards = active.guards.clone();
    let logged = guards.capabilities.request_logs;
    let mut notes = Notes { detail: logged || source != Source::Http, ..Notes::default() };
    let method = request.method().clone();
    let path = format!("/{rest}");
    let query = request.uri().query().map(str::to_owned);
    // Written out (and masked) now: the request moves on, its headers with it.
    let request_headers = notes.detail.then(|| Redactor::new(&guards.logs.redact_names).headers(request.headers()));
    let declared_bytes = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    // Worked out only where it is logged: behind a proxy it costs a header parse.
    let client_address = notes.detail.then(|| crate::web::client_ip::client_ip(&state.trusted_proxies, peer.ip(), request.headers()).to_string());

    let mut response = dispatch::handle(state, &active, &path, request, peer, &mut notes).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let duration_us = started.elapsed().as_micros() as u64;

    if let Some(in_flight) = in_flight.filter(|_| guards.capabilities.monitoring) {
        let (name, route_label, method_label) = match (&notes.router, notes.auth) {
            (Some(router), _) => (router.name.as_str(), router.path.as_str(), router.method.as_str()),
            (None, Some(endpoint)) => (auth_name(endpoint), auth_route(endpoint), method.as_str()),
            (None, None) => (UNMATCHED, UNMATCHED, method.as_str()),
        };
        in_flight.observe(name, method_label, route_label, status, duration_us);
    }
    if !notes.detail {
        return (response, None);
    }
    let (router, route) = match (&notes.router, notes.auth) {
        (Some(router), _) => (Some(router.name.clone()), Some(router.path.clone())),
        // The built-in endpoints are named as monitoring names them.
        (None, Some(endpoint)) => (Some(auth_name(endpoint).to_owned()), Some(auth_route(endpoint).to_owned())),
        (None, None) => (None, None),
    };
    // Files stream past the record: only their size is noted, never their bytes.
    // So do streams of events (a watch router's): they end when the client goes.
    let streamed = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let (response, response_body) = match response.headers().contains_key(header::ACCEPT_RANGES) || streamed {
        true => (response, None),
        false => take_body(response).await,
    };
    let declared_response = response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let response_bytes = response_body.as_ref().map(|b| b.len() as u64).or_else(|| exact_size(&response)).or(declared_response).unwrap_or(0);
    let detail = request_headers.map(|headers| detail(&guards.logs, headers, response.headers(), &mut notes, response_body.as_deref()));
    let record = RequestRecord {
        id,
        at,
        environment: slug.to_owned(),
        router,
        route,
        method: method.as_str().to_owned(),
        path,
        query,
        status,
        duration_us,
        request_bytes: notes.request_bytes.or(declared_bytes).unwrap_or(0),
        response_bytes,
        user_id: notes.user.as_ref().map(|(id, _)| *id),
        user_email: notes.user.map(|(_, email)| email),
        client_address,
        source: source.label(),
        detail,
        stream: None,
    };
    let tally = response.extensions().get::<Arc<StreamTally>>().cloned();
    match source {
        // Recorded when it closes, with how it went.
        Source::Http if tally.is_some() => {
            let tally = tally.unwrap_or_default();
            tally.hold(record, state.logs.clone(), started);
            // A WebSocket's task finishes the record; a body of events, when it drops.
            if tally.is_socket() {
                return (response, None);
            }
            let (parts, body) = response.into_parts();
            (Response::from_parts(parts, RecordedStream::wrap(body, tally)), None)
        }
        // Nobody in the process waits for it: no copy.
        Source::Http => {
            state.logs.submit(record);
            (response, None)
        }
        _ => {
            if logged && !state.is_sandbox() {
                state.logs.submit(record.clone());
            }
            (response, Some(record))
        }
    }
}

fn auth_name(endpoint: &str) -> &'static str {
    match endpoint {
        "signup" => "auth/signup",
        "login" => "auth/login",
        "logout" => "auth/logout",
        "ticket" => "auth/ticket",
        _ => "auth/me",
    }
}

fn auth_route(endpoint: &str) -> &'static str {
    match endpoint {
        "signup" => "/auth/signup",
        "login" => "/auth/login",
        "logout" => "/auth/logout",
        "ticket" => "/auth/ticket",
        _ => "/auth/me",
    }
}

fn exact_size(response: &Response) -> Option<u64> {
    HttpBody::size_hint(response.body()).exact()
}

/// The response's body, read out (every answer here is already in memory)
/// and put back, so the log can keep a copy.
async fn take_body(response: Response) -> (Response, Option<Bytes>) {
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (Response::from_parts(parts, Body::from(bytes.clone())), Some(bytes)),
        Err(_) => (Response::from_parts(parts, Body::empty()), None),
    }
}

fn detail(settings: &crate::environments::LogSettings, request_headers: String, response: &HeaderMap, notes: &mut Notes, body: Option<&[u8]>) -> Detail {
    let redactor = Redactor::new(&settings.redact_names);
    let limit = usize::try_from(settings.body_limit_bytes.max(0)).unwrap_or(0);
    let logged = |bytes: &[u8], names_secret: Option<bool>| match names_secret {
        Some(names_secret) => redactor.parsed_body(bytes, names_secret, limit),
        None => redactor.body(bytes, limit),
    };
    let (request_body, request_cut) = notes.request_body.as_deref().map_or((None, false), |b| logged(b, notes.request_names_secret));
    let (response_body, response_cut) = body.map_or((None, false), |b| logged(b, notes.answer_names_secret));
    Detail {
        request_headers,
        request_body,
        response_headers: redactor.headers(response),
        response_body,
        truncated: request_cut || response_cut,
        trace: std::mem::take(&mut notes.trace),
    }
}

/// Answers a CORS preflight: allowed origins get the methods and the headers
/// they asked for; others get no CORS headers, which browsers treat as a refusal.
pub fn preflight(allowed: Option<HeaderValue>, headers: &HeaderMap) -> Response {
    let Some(allowed) = allowed else {
        return error(StatusCode::FORBIDDEN, ErrorCode::CorsRefused, "this origin may not call this environment");
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"));
    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned().unwrap_or(HeaderValue::from_static("authorization, content-type"));
    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
    out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    out.insert(header::VARY, HeaderValue::from_static("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"));
    response
}
