//! Every environment's API under `/env/{slug}/…`: the built-in end-user
//! endpoints under `/auth`, and the routers of the revision it serves, behind
//! the environment's limits. Errors are `{"error":{"code","message"}}`.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Path, Request, State, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};
use serde_json::{Value, json};

use crate::{
    app::AppState,
    engine::{
        execute::{self, Failure, RequestParts},
        runtime::Active,
        users::Caller,
    },
    error::ServiceError,
    workspace::document::Method as RouteMethod,
};

pub fn router(state: AppState) -> Router {
    Router::new().route("/env/{slug}", any(serve_root)).route("/env/{slug}/", any(serve_root)).route("/env/{slug}/{*rest}", any(serve)).with_state(state)
}

/// `slug`'s API at the root: `/posts/1` here is `/env/{slug}/posts/1` there.
pub fn root_router(state: AppState, slug: String) -> Router {
    let slug: Arc<str> = slug.into();
    let at_root = slug.clone();
    Router::new()
        .route(
            "/",
            any(move |State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request| {
                let slug = at_root.to_string();
                async move { handle(state, peer, slug, String::new(), request).await }
            }),
        )
        .route(
            "/{*rest}",
            any(
                move |State(state): State<AppState>,
                      ConnectInfo(peer): ConnectInfo<SocketAddr>,
                      rest: Result<Path<String>, PathRejection>,
                      request: Request| {
                    let slug = slug.to_string();
                    async move {
                        match rest {
                            Ok(Path(rest)) => handle(state, peer, slug, rest, request).await,
                            Err(_) => bad_url(),
                        }
                    }
                },
            ),
        )
        .with_state(state)
}

fn failure(f: Failure) -> Response {
    let mut error = json!({ "code": f.code, "message": f.message });
    if let Some(details) = f.details {
        error["details"] = details;
    }
    (f.status, Json(json!({ "error": error }))).into_response()
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    failure(Failure::new(status, code, message))
}

fn service_error(err: ServiceError) -> Response {
    err.log_if_internal();
    let status = match &err {
        ServiceError::Unauthenticated | ServiceError::WrongCredentials => StatusCode::UNAUTHORIZED,
        ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
        ServiceError::BadInput { .. } | ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut body = json!({ "code": err.code(), "message": err.message() });
    if let Some(field) = err.field() {
        body["field"] = field.into();
    }
    let mut response = (status, Json(json!({ "error": body }))).into_response();
    if let ServiceError::RateLimited { retry_after_secs } = err {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
    }
    response
}

async fn serve_root(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    slug: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    match slug {
        Ok(Path(slug)) => handle(state, peer, slug, String::new(), request).await,
        Err(_) => bad_url(),
    }
}

/// Percent-escapes that do not decode to UTF-8 (`%ff`, `%c0%af`) name nothing we serve.
fn bad_url() -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_INPUT", "the URL's path is not valid UTF-8 once percent-decoded")
}

async fn serve(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    match path {
        Ok(Path((slug, rest))) => handle(state, peer, slug, rest, request).await,
        Err(_) => bad_url(),
    }
}

async fn handle(state: AppState, peer: SocketAddr, slug: String, rest: String, request: Request) -> Response {
    let Some(active) = state.engine.active(&slug).await else {
        return match state.environments.find(&slug).await {
            Ok(Some(_)) => error(StatusCode::SERVICE_UNAVAILABLE, "NOT_READY", format!("`{slug}` serves nothing yet: refresh it first")),
            Ok(None) => error(StatusCode::NOT_FOUND, "NOT_FOUND", format!("no environment `{slug}`")),
            Err(err) => service_error(err),
        };
    };
    let guards = active.guards.clone();
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let allowed = origin.as_deref().and_then(|o| guards.allowed_origin(o)).and_then(|o| HeaderValue::from_str(o).ok());
    if request.method() == Method::OPTIONS && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return preflight(allowed, request.headers());
    }
    let throttle = Throttle { state, peer: peer.ip(), slug };
    let mut response = limited(guards, active, rest, request, throttle).await;
    if let Some(allowed) = allowed {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Answers a CORS preflight: allowed origins get the methods and the headers
/// they asked for; others get no CORS headers, which browsers treat as a refusal.
fn preflight(allowed: Option<HeaderValue>, headers: &HeaderMap) -> Response {
    let Some(allowed) = allowed else {
        return error(StatusCode::FORBIDDEN, "CORS_REFUSED", "this origin may not call this environment");
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

/// The request under the environment's rate, concurrency and time limits.
/// Who is asking, for throttling sign-ins and sign-ups per address and email.
/// The client address is worked out only for the sign-in endpoints that use it.
struct Throttle {
    state: AppState,
    peer: IpAddr,
    slug: String,
}

async fn limited(guards: Arc<crate::engine::runtime::Guards>, active: Arc<Active>, rest: String, request: Request, throttle: Throttle) -> Response {
    if let Err(not_until) = guards.rate.check() {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let mut response = error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many requests; slow down");
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
        return response;
    }
    let Ok(_permit) = guards.concurrency.clone().try_acquire_owned() else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "OVERLOADED", "too many requests in flight; retry shortly");
    };
    let path = format!("/{rest}");
    match tokio::time::timeout(guards.timeout(), dispatch(active, path, request, throttle)).await {
        Ok(response) => response,
        Err(_) => error(StatusCode::GATEWAY_TIMEOUT, "TIMEOUT", "the request took longer than this environment allows"),
    }
}

async fn read_body(body: Body, limit: usize, headers: &HeaderMap) -> Result<Value, Response> {
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", format!("the body exceeds {limit} bytes")))?;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        return Err(error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json"));
    }
    let body: Value =
        serde_json::from_slice(&bytes).map_err(|err| error(StatusCode::BAD_REQUEST, "INVALID_JSON", format!("the body is not valid JSON: {err}")))?;
    match crate::input::nul_path(&body) {
        Some(field) => Err(invalid_text(&format!("body.{field}"))),
        None => Ok(body),
    }
}

fn invalid_text(field: &str) -> Response {
    let mut failure = Failure::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", format!("{field}: {}", crate::input::NUL_MESSAGE));
    failure.details = Some(json!([{ "field": field, "message": crate::input::NUL_MESSAGE }]));
    self::failure(failure)
}

async fn caller(active: &Active, headers: &HeaderMap) -> Result<Option<Caller>, Response> {
    match super::bearer(headers) {
        None => Ok(None),
        Some(token) => match active.users.authenticate(token).await {
            Ok(Some(caller)) => Ok(Some(caller)),
            Ok(None) => Err(error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "the token is invalid or expired")),
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

async fn dispatch(active: Arc<Active>, path: String, request: Request, throttle: Throttle) -> Response {
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(active.guards.limits.max_body_bytes).unwrap_or(usize::MAX);
    if path == "/auth" || path.starts_with("/auth/") {
        return auth(&active, &path, &parts.method, &parts.headers, body, limit, &throttle).await;
    }
    let Ok(matched) = active.revision.routes.at(&path) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", format!("no route {path}"));
    };
    let routers: &HashMap<RouteMethod, Arc<_>> = &active.revision.by_path[*matched.value];
    let Some(router) = route_method(&parts.method).and_then(|m| routers.get(&m)) else {
        let mut allow: Vec<&str> = routers.keys().map(|m| m.as_str()).collect();
        allow.sort_unstable();
        let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", format!("{} is not served on {path}", parts.method));
        if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        return response;
    };
    let params: Vec<(String, String)> = matched.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let query = query_pairs(parts.uri.query());
    let with_nul =
        params.iter().map(|(k, v)| ("params", k, v)).chain(query.iter().map(|(k, v)| ("query", k, v))).find(|(_, k, v)| k.contains('\0') || v.contains('\0'));
    if let Some((part, key, _)) = with_nul {
        return invalid_text(&format!("{part}.{}", key.replace('\0', "\\u0000")));
    }
    let caller = match caller(&active, &parts.headers).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let body = match read_body(body, limit, &parts.headers).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let request =
        RequestParts { method: router.method.as_str(), path: path.clone(), params, query: query_pairs(parts.uri.query()), headers: parts.headers, body };
    match execute::run(router, &active.db, caller.as_ref(), &active.vars, request).await {
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
async fn auth(active: &Active, path: &str, method: &Method, headers: &HeaderMap, body: Body, limit: usize, throttle: &Throttle) -> Response {
    let settings = &active.revision.document.auth;
    let credentials = || async {
        let body = read_body(body, limit, headers).await?;
        let email = body.get("email").and_then(Value::as_str).unwrap_or_default().to_owned();
        let password = body.get("password").and_then(Value::as_str).unwrap_or_default().to_owned();
        // Guessing passwords or mass sign-ups: attempts count per address and per email.
        let address = super::client_ip::client_ip(&throttle.state.trusted_proxies, throttle.peer, headers);
        throttle.state.end_user_throttle.check(address, &format!("{}/{email}", throttle.slug)).map_err(service_error)?;
        Ok::<_, Response>((email, password))
    };
    match (method.clone(), path) {
        (Method::POST, "/auth/signup") => {
            if !settings.signup_open {
                return error(StatusCode::FORBIDDEN, "SIGNUP_CLOSED", "sign-up is closed here");
            }
            let (email, password) = match credentials().await {
                Ok(c) => c,
                Err(response) => return response,
            };
            match active.users.signup(&email, &password, settings.default_group.as_deref(), settings.token_ttl_hours).await {
                Ok((token, user)) => (StatusCode::CREATED, Json(json!({ "token": token, "user": user.to_json() }))).into_response(),
                Err(err) => service_error(err),
            }
        }
        (Method::POST, "/auth/login") => {
            let (email, password) = match credentials().await {
                Ok(c) => c,
                Err(response) => return response,
            };
            match active.users.login(&email, &password, settings.token_ttl_hours).await {
                Ok((token, user)) => Json(json!({ "token": token, "user": user.to_json() })).into_response(),
                Err(err) => service_error(err),
            }
        }
        (Method::POST, "/auth/logout") => match super::bearer(headers) {
            Some(token) => match active.users.logout(token).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(err) => service_error(err),
            },
            None => error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "sign in first"),
        },
        (Method::GET, "/auth/me") => match caller(active, headers).await {
            Ok(Some(caller)) => Json(caller.to_json()).into_response(),
            Ok(None) => error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "sign in first"),
            Err(response) => response,
        },
        (_, "/auth/signup" | "/auth/login" | "/auth/logout" | "/auth/me") => {
            error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", format!("{method} is not served on {path}"))
        }
        _ => error(StatusCode::NOT_FOUND, "NOT_FOUND", format!("no route {path}")),
    }
}
