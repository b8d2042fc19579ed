//! The HTTP surface: each area exposes a `router()` and this module merges them.

mod csrf;
mod data_plane;
mod exports;
pub mod files;
mod graphql;
pub mod graphql_body;
mod health;
pub mod metrics;
mod spa;

use axum::{
    Router,
    http::{Extensions, HeaderMap, StatusCode, Version, header},
    middleware,
    response::{Redirect, Response},
    routing::get,
};
use tower_http::{
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, Predicate},
    },
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::web::{bearer, drain, json_error};
use crate::{auth::session_store::DbSessionStore, error::AdminCode, graphql::AppSchema, state::AppState};

pub const SESSION_COOKIE: &str = "serverkit_session";

pub fn router(state: AppState, schema: AppSchema, sessions: DbSessionStore) -> Router {
    let idle = time::Duration::minutes(i64::from(state.config.session_idle_minutes.max(1)));
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let admin_api = graphql::router(state.clone(), schema).merge(exports::router(state.clone())).merge(files::router(state.clone())).layer(session_layer);

    // The data plane has its own layers: each request is recorded by
    // `dataplane::serve` (logs, monitoring), so it skips the tracing span
    // every admin request gets.
    let data_plane =
        data_plane::router(state.data_plane.clone()).layer(compression()).layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track));
    Router::new()
        .route("/", get(|| async { Redirect::permanent("/admin/") }))
        .merge(admin_api)
        .merge(spa::router())
        .merge(health::router(state.clone()))
        .fallback(not_found)
        .layer(compression())
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(TraceLayer::new_for_http())
        .merge(data_plane)
        // Outermost: what a handler left of a body is read after it answers, before the answer goes.
        .layer(middleware::from_fn(drain::unread_body))
}

/// One environment's API at the root of an address of its own: what
/// `/env/{slug}/…` serves on the main listener, and nothing else.
pub fn environment_router(state: AppState, slug: String) -> Router {
    data_plane::root_router(state.data_plane.clone(), slug)
        .layer(compression())
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(middleware::from_fn(drain::unread_body))
}

/// Compression of answers, except files: ranges and lengths of a download
/// must stay those of the file (resumed downloads, progress bars).
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(
        DefaultPredicate::new().and(|_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| !headers.contains_key(header::ACCEPT_RANGES)),
    )
}

/// A domain error as the admin's HTTP endpoints (downloads, files) answer it.
pub fn admin_refusal(err: crate::error::ServiceError) -> Response {
    err.log_if_internal();
    json_error(err.http_status(), err.code(), &err.message())
}

/// The signed-in admin (cookie or bearer token) of a request to an admin
/// HTTP endpoint, or the refusal to send.
pub async fn signed_in_admin(state: &AppState, headers: &axum::http::HeaderMap, session: &tower_sessions::Session) -> Result<crate::auth::Principal, Response> {
    match graphql::resolve_principal(state, headers, session).await {
        Ok(Some(principal)) => Ok(principal),
        Ok(None) => Err(admin_refusal(crate::error::ServiceError::Unauthenticated)),
        Err(err) => Err(admin_refusal(err)),
    }
}

async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, AdminCode::NotFound, "no such route")
}
