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
        compile::{CompiledAction, CompiledRouter},
        execute::{self, RequestParts},
        runtime::Active,
        users::Caller,
    },
    files::columns::{RowFiles, Staged, StoredFile},
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
    let files = RowFiles { files: &state.files, slug: &active.slug, limits: guards.limits };
    let response = match tokio::time::timeout(guards.timeout(), dispatch(active, path, target, request, peer, &files, state, notes)).await {
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

async fn read_body(body: Body, limit: usize, headers: &HeaderMap, notes: &mut Notes) -> Result<Value, Response> {
    // A body known to be empty (most GETs) is not collected.
    if axum::body::HttpBody::is_end_stream(&body) {
        notes.request_bytes = Some(0);
        return Ok(Value::Null);
    }
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

#[allow(clippy::too_many_arguments, reason = "one request and what serves it")]
async fn dispatch(
    active: &Arc<Active>,
    path: &str,
    target: Target,
    request: Request,
    peer: SocketAddr,
    files: &RowFiles<'_>,
    state: &AppState,
    notes: &mut Notes,
) -> Response {
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(active.guards.limits.max_body_bytes).unwrap_or(usize::MAX);
    let (router, params) = match target {
        Target::File { table, id, column } => return row_file(active, files, &table, &id, &column, &parts.headers, notes).await,
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
    let read = match (router.files.is_empty(), super::uploads::is_multipart(&parts.headers)) {
        (false, true) => super::uploads::read(body, &parts.headers, &router, files, limit, notes).await,
        _ => read_body(body, limit, &parts.headers, notes).await.map(|body| (body, Staged::default())),
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
                Some(body) if outcome.status != StatusCode::NO_CONTENT => json_answer(&router, outcome.status, &body),
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

/// The GET router that reads one row of `table` by its path's one parameter
/// (the first by name, if several do), and that parameter's name.
fn reading_router(active: &Active, table: &str) -> Option<(Arc<CompiledRouter>, String)> {
    active
        .revision
        .by_path
        .iter()
        .filter_map(|routers| routers.get(&RouteMethod::Get))
        .filter(|router| router.steps.iter().any(|step| matches!(&step.action, CompiledAction::Get { table: t, .. } if t.name == table)))
        .filter_map(|router| {
            let params: Vec<&str> = router.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            match params.as_slice() {
                [param] => Some((router.clone(), (*param).to_owned())),
                _ => None,
            }
        })
        .min_by(|a, b| a.0.name.cmp(&b.0.name))
}

/// `GET /files/{table}/{id}/{column}`: the file of a row, to whoever the
/// table's get router returns the row to. That router runs as for
/// `GET` of the row (its access, owner rule and checks), and only a 2xx
/// answer lets the file out.
async fn row_file(active: &Active, files: &RowFiles<'_>, table: &str, id: &str, column: &str, headers: &HeaderMap, notes: &mut Notes) -> Response {
    let missing = || error(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file");
    let Some(table) = active.revision.document.tables.iter().find(|t| t.name == table) else { return missing() };
    if !table.columns.iter().any(|c| c.name == column && c.kind == crate::workspace::document::ColumnType::File) {
        return missing();
    }
    // Files of a table no router reads are not served at all.
    let Some((router, param)) = reading_router(active, &table.name) else { return missing() };
    let Ok(row_id) = id.parse::<i64>() else { return missing() };
    notes.router = Some(router.clone());
    let settings = active.routers.get(&router.name);
    if settings.is_some_and(|s| !s.enabled) {
        return missing();
    }
    let caller = match caller(active, headers, notes).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let path = router.path.replace(&format!("{{{param}}}"), id);
    let request = RequestParts {
        method: "GET",
        path,
        params: vec![(param, id.to_owned())],
        query: Vec::new(),
        headers: headers.clone(),
        body: Value::Null,
        staged: Staged::default(),
    };
    let groups = settings.and_then(|s| s.groups.as_deref());
    match execute::run(&router, &active.db, caller.as_ref(), groups, &active.vars, files, request, None).await {
        Ok(outcome) if outcome.status.is_success() => {}
        Ok(_) => return missing(),
        Err(refused) => return failure(refused),
    }
    let row = match crate::engine::rows::get(&active.db.rows, table, row_id, None).await {
        Ok(row) => row,
        Err(_) => return missing(),
    };
    let Some(file) = row.get(column).and_then(StoredFile::from_value) else { return missing() };
    match files.open(&file, crate::http::files::conditions(headers)).await {
        Ok(download) => {
            let inline = crate::http::files::inline_safe(&download.info.content_type);
            crate::http::files::respond(download, inline)
        }
        Err(err) => service_error(err),
    }
}
