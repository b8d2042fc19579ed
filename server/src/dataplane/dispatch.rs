//! One request under its environment's CORS, rate, concurrency and time
//! limits, then to the built-in end-user endpoints under `/auth` (`auth`),
//! a row's file (`row_file`) or the router its method and path match. What
//! it learns goes into `Notes`.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    body::Bytes,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::{
    DataPlane, ErrorCode, Notes,
    reply::{error, failure, invalid_text},
};
use crate::{
    engine::{
        compile::CompiledRouter,
        execute::{self, RequestParts},
        runtime::Active,
    },
    files::{columns::Staged, row_files::RowFiles},
    logs::redact::Redactor,
    workspace::document::Method as RouteMethod,
};

pub async fn handle(state: &DataPlane, active: &Arc<Active>, path: &str, request: Request, peer: SocketAddr, notes: &mut Notes) -> Response {
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
    /// `/files/{table}/{id}/{column}`: a row's file.
    File {
        table: String,
        id: String,
        column: String,
    },
    Router {
        router: Arc<CompiledRouter>,
        params: Vec<(String, String)>,
    },
    NoRoute,
    WrongMethod(Vec<&'static str>),
}

fn target(active: &Active, path: &str, method: &Method) -> Target {
    if let Some(rest) = path.strip_prefix("/files/") {
        return match (rest.split('/').collect::<Vec<_>>().as_slice(), method) {
            ([table, id, column], &Method::GET | &Method::HEAD) => Target::File { table: (*table).into(), id: (*id).into(), column: (*column).into() },
            ([_, _, _], _) => Target::WrongMethod(vec!["GET"]),
            _ => Target::NoRoute,
        };
    }
    if let Some(endpoint) = path.strip_prefix("/auth/").or(if path == "/auth" { Some("") } else { None }) {
        return match endpoint {
            "signup" => Target::Auth("signup"),
            "login" => Target::Auth("login"),
            "logout" => Target::Auth("logout"),
            "me" => Target::Auth("me"),
            "ticket" => Target::Auth("ticket"),
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

async fn limited(state: &DataPlane, active: &Arc<Active>, path: &str, request: Request, peer: SocketAddr, notes: &mut Notes) -> Response {
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
    let files = RowFiles { files: &state.files, slug: &active.slug, stored_as: &active.files_at, limits: guards.limits };
    // Boxed: the request's future is large, and a future is moved by value
    // (into the timeout, then as it is polled); a box moves as a pointer.
    let serving = Box::pin(dispatch(active, path, target, request, peer, &files, state, notes));
    let response = match tokio::time::timeout(guards.timeout(), serving).await {
        Ok(response) => response,
        Err(_) => error(StatusCode::GATEWAY_TIMEOUT, ErrorCode::Timeout, "the request took longer than this environment allows"),
    };
    if !notes.staged.is_empty() {
        files.discard(&std::mem::take(&mut notes.staged)).await;
    }
    response
}

fn too_many(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> Response {
    let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "too many requests; slow down");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
    response
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

#[allow(clippy::too_many_arguments, reason = "one request and what serves it")]
async fn dispatch(
    active: &Arc<Active>,
    path: &str,
    target: Target,
    request: Request,
    peer: SocketAddr,
    files: &RowFiles<'_>,
    state: &DataPlane,
    notes: &mut Notes,
) -> Response {
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(active.guards.limits.max_body_bytes).unwrap_or(usize::MAX);
    let (router, params) = match target {
        Target::File { table, id, column } => return super::row_file::row_file(active, files, &table, &id, &column, &parts.headers, notes).await,
        Target::Auth(endpoint) => return super::auth::auth(state, active, endpoint, &parts.method, &parts.headers, body, limit, peer, notes).await,
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
    if router.is_watch() {
        let (caller, token) = match super::watch::caller(active, &parts.headers, &query, notes).await {
            Ok(found) => found,
            Err(response) => return response,
        };
        let request = RequestParts {
            method: router.method.as_str(),
            path: path.to_owned(),
            params,
            query,
            headers: parts.headers.clone(),
            body: Value::Null,
            staged: Staged::default(),
        };
        if super::watch::wants_socket(&parts) {
            let mut parts = parts;
            return super::watch::socket(state, active, router, &mut parts, (caller, token), peer, request).await;
        }
        let who = super::watch::Subscriber { caller, token_hash: token, peer, headers: &parts.headers };
        return super::watch::stream(state, active, &router, who, request).await;
    }
    let caller = match super::request::caller(active, &parts.headers, notes).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let read = match (router.files.is_empty(), crate::web::is_multipart(&parts.headers)) {
        (false, true) => super::uploads::read(body, &parts.headers, &router, files, limit, notes).await,
        _ => super::request::read_body(body, limit, &parts.headers, &active.guards.logs.redact_names, notes).await.map(|body| (body, Staged::default())),
    };
    let (body, staged) = match read {
        Ok(read) => read,
        Err(response) => return response,
    };
    let request = RequestParts { method: router.method.as_str(), path: path.to_owned(), params, query, headers: parts.headers, body, staged };
    let trace = if notes.detail { Some(&mut notes.trace) } else { None };
    let groups = active.routers.get(&router.name).and_then(|s| s.groups.as_deref());
    match execute::run(&router, &active.db, caller.as_ref(), groups, &active.vars, files, request, trace).await {
        Ok(outcome) => {
            let mut response = match outcome.body {
                Some(body) if outcome.status != StatusCode::NO_CONTENT => {
                    if notes.detail {
                        notes.answer_names_secret = Some(Redactor::new(&active.guards.logs.redact_names).names_a_secret(&body));
                    }
                    json_answer(&router, outcome.status, &body)
                }
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

/// A router's JSON answer, written into a buffer as large as its last one
/// (up to `ANSWER_HINT_CAP`: one huge answer must not size all the next).
fn json_answer(router: &CompiledRouter, status: StatusCode, body: &Value) -> Response {
    use std::sync::atomic::Ordering;
    const ANSWER_HINT_CAP: usize = 64 << 10;
    let mut bytes = Vec::with_capacity(router.answer_size.load(Ordering::Relaxed).min(ANSWER_HINT_CAP) + 64);
    if let Err(err) = serde_json::to_writer(&mut bytes, body) {
        tracing::error!(error = %err, router = %router.name, "encoding an answer");
        return error(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error");
    }
    router.answer_size.store(bytes.len(), Ordering::Relaxed);
    let mut response = (status, Bytes::from(bytes)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
