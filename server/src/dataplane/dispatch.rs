//! One request under its environment's CORS, rate, concurrency and time
//! limits, then to the built-in end-user endpoints under `/auth` or to the
//! router its method and path match. What it learns goes into `Notes`.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    Json,
    body::{Body, Bytes},
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    Notes,
    codes::ErrorCode,
    reply::{error, failure, invalid_text, service_error},
};
use crate::{
    app::AppState,
    engine::{
        compile::CompiledRouter,
        execute::{self, RequestParts},
        runtime::Active,
        users::Caller,
    },
    workspace::document::Method as RouteMethod,
};

pub async fn handle(state: &AppState, active: &Arc<Active>, path: &str, request: Request, peer: SocketAddr, notes: &mut Notes) -> Response {
    let guards = active.guards.clone();
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = origin.and_then(|o| guards.allowed_origin(o)).and_then(|o| HeaderValue::from_str(o).ok());
    if request.method() == Method::OPTIONS && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return super::preflight(allowed, request.headers());
    }
    let mut response = limited(state, active, path, request, peer, notes).await;
    if let Some(allowed) = allowed {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// What a request matched, worked out before the limits so that refused
/// requests are counted against their router too.
enum Target {
    Auth(&'static str),
    Router { router: Arc<CompiledRouter>, params: Vec<(String, String)> },
    NoRoute,
    WrongMethod(Vec<&'static str>),
}

fn target(active: &Active, path: &str, method: &Method) -> Target {
    if let Some(endpoint) = path.strip_prefix("/auth/").or(if path == "/auth" { Some("") } else { None }) {
        return match endpoint {
            "signup" => Target::Auth("signup"),
            "login" => Target::Auth("login"),
            "logout" => Target::Auth("logout"),
            "me" => Target::Auth("me"),
            _ => Target::NoRoute,
        };
    }
    let Ok(matched) = active.revision.routes.at(path) else { return Target::NoRoute };
    let routers: &HashMap<RouteMethod, Arc<CompiledRouter>> = &active.revision.by_path[*matched.value];
    match route_method(method).and_then(|m| routers.get(&m)) {
        Some(router) => Target::Router { router: router.clone(), params: matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() },
        None => {
            let mut allow: Vec<&'static str> = routers.keys().map(|m| m.as_str()).collect();
            allow.sort_unstable();
            Target::WrongMethod(allow)
        }
    }
}

async fn limited(state: &AppState, active: &Arc<Active>, path: &str, request: Request, peer: SocketAddr, notes: &mut Notes) -> Response {
    let target = target(active, path, request.method());
    match &target {
        Target::Router { router, .. } => notes.router = Some(router.clone()),
        Target::Auth(endpoint) => notes.auth = Some(endpoint),
        _ => {}
    }
    let guards = &active.guards;
    // A router's own settings (switched off, its own rate) come before the environment's.
    if let Target::Router { router, .. } = &target
        && let Some(settings) = active.routers.get(&router.name)
    {
        if !settings.enabled {
            return match settings.disabled_status {
                StatusCode::SERVICE_UNAVAILABLE => error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::RouterDisabled, "this route is switched off for now"),
                _ => error(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("no route {path}")),
            };
        }
        if let Some(Err(not_until)) = settings.rate.as_ref().map(|rate| rate.check()) {
            return too_many(not_until);
        }
    }
    if let Err(not_until) = guards.rate.check() {
        return too_many(not_until);
    }
    let Ok(_permit) = guards.concurrency.clone().try_acquire_owned() else {
        return error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Overloaded, "too many requests in flight; retry shortly");
    };
    match tokio::time::timeout(guards.timeout(), dispatch(state, active, path, target, request, peer, notes)).await {
        Ok(response) => response,
        Err(_) => error(StatusCode::GATEWAY_TIMEOUT, ErrorCode::Timeout, "the request took longer than this environment allows"),
    }
}

fn too_many(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> Response {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many requests; slow down");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
    response
}

async fn read_body(body: Body, limit: usize, headers: &HeaderMap, notes: &mut Notes) -> Result<Value, Response> {
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| error(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, format!("the body exceeds {limit} bytes")))?;
    notes.request_bytes = Some(bytes.len() as u64);
    if notes.detail {
        notes.request_body = Some(bytes.clone());
    }
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(error(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType, "send the body as application/json"));
    }
    let body: Value =
        serde_json::from_slice(&bytes).map_err(|err| error(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, format!("the body is not valid JSON: {err}")))?;
    match crate::input::nul_path(&body) {
        Some(field) => Err(invalid_text(&format!("body.{field}"))),
        None => Ok(body),
    }
}

async fn caller(active: &Active, headers: &HeaderMap, notes: &mut Notes) -> Result<Option<Caller>, Response> {
    match crate::http::bearer(headers) {
        None => Ok(None),
        Some(token) => match active.users.authenticate(token).await {
            Ok(Some(caller)) => {
                notes.user = Some((caller.id, caller.email.clone()));
                Ok(Some(caller))
            }
            Ok(None) => Err(error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the token is invalid or expired")),
            Err(err) => Err(service_error(err)),
        },
    }
}

fn route_method(method: &Method) -> Option<RouteMethod> {
    Some(match *method {
        Method::GET => RouteMethod::Get,
        Method::POST => RouteMethod::Post,
        Method::PUT => RouteMethod::Put,
        Method::PATCH => RouteMethod::Patch,
        Method::DELETE => RouteMethod::Delete,
        _ => return None,
    })
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

async fn dispatch(state: &AppState, active: &Arc<Active>, path: &str, target: Target, request: Request, peer: SocketAddr, notes: &mut Notes) -> Response {
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(active.guards.limits.max_body_bytes).unwrap_or(usize::MAX);
    let (router, params) = match target {
        Target::Auth(endpoint) => return auth(state, active, endpoint, &parts.method, &parts.headers, body, limit, peer, notes).await,
        Target::NoRoute => return error(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("no route {path}")),
        Target::WrongMethod(allow) => {
            let mut response = error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed, format!("{} is not served on {path}", parts.method));
            if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return response;
        }
        Target::Router { router, params } => (router, params),
    };
    let query = query_pairs(parts.uri.query());
    let with_nul =
        params.iter().map(|(k, v)| ("params", k, v)).chain(query.iter().map(|(k, v)| ("query", k, v))).find(|(_, k, v)| k.contains('\0') || v.contains('\0'));
    if let Some((part, key, _)) = with_nul {
        return invalid_text(&format!("{part}.{}", key.replace('\0', "\\u0000")));
    }
    let caller = match caller(active, &parts.headers, notes).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let body = match read_body(body, limit, &parts.headers, notes).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let request = RequestParts { method: router.method.as_str(), path: path.to_owned(), params, query, headers: parts.headers, body };
    let trace = if notes.detail { Some(&mut notes.trace) } else { None };
    let groups = active.routers.get(&router.name).and_then(|s| s.groups.as_deref());
    match execute::run(&router, &active.db, caller.as_ref(), groups, &active.vars, request, trace).await {
        Ok(outcome) => {
            let mut response = match outcome.body {
                Some(body) if outcome.status != StatusCode::NO_CONTENT => (outcome.status, Json(body)).into_response(),
                _ => outcome.status.into_response(),
            };
            for (name, value) in outcome.headers {
                response.headers_mut().insert(name, value);
            }
            response
        }
        Err(f) => failure(f),
    }
}

/// `POST /auth/signup`, `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`.
#[allow(clippy::too_many_arguments, reason = "the parts of one request, taken apart once")]
async fn auth(
    state: &AppState,
    active: &Active,
    endpoint: &'static str,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    peer: SocketAddr,
    notes: &mut Notes,
) -> Response {
    let settings = &active.revision.document.auth;
    let slug = &active.slug;
    match (method.clone(), endpoint) {
        (Method::POST, "signup" | "login") => {
            if endpoint == "signup" && !settings.signup_open {
                return error(StatusCode::FORBIDDEN, ErrorCode::SignupClosed, "sign-up is closed here");
            }
            let body = match read_body(body, limit, headers, notes).await {
                Ok(body) => body,
                Err(response) => return response,
            };
            let email = body.get("email").and_then(Value::as_str).unwrap_or_default();
            let password = body.get("password").and_then(Value::as_str).unwrap_or_default();
            // Guessing passwords or mass sign-ups: attempts count per address and per email.
            let address = crate::http::client_ip::client_ip(&state.trusted_proxies, peer.ip(), headers);
            if let Err(err) = state.end_user_throttle.check(address, &format!("{slug}/{email}")) {
                return service_error(err);
            }
            let signed = if endpoint == "signup" {
                active.users.signup(email, password, settings.default_group.as_deref(), settings.token_ttl_hours).await
            } else {
                active.users.login(email, password, settings.token_ttl_hours).await
            };
            match signed {
                Ok((token, user)) => {
                    notes.user = Some((user.id, user.email.clone()));
                    let status = if endpoint == "signup" { StatusCode::CREATED } else { StatusCode::OK };
                    (status, Json(json!({ "token": token, "user": user.to_json() }))).into_response()
                }
                Err(err) => service_error(err),
            }
        }
        (Method::POST, "logout") => match crate::http::bearer(headers) {
            Some(token) => match active.users.logout(token).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(err) => service_error(err),
            },
            None => error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in first"),
        },
        (Method::GET, "me") => match caller(active, headers, notes).await {
            Ok(Some(caller)) => Json(caller.to_json()).into_response(),
            Ok(None) => error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in first"),
            Err(response) => response,
        },
        _ => error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed, format!("{method} is not served on /auth/{endpoint}")),
    }
}
