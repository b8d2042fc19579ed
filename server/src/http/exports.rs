//! Downloads for the dashboard: the served API as OpenAPI and as a Postman
//! collection, and the workspace document, each with a file name. Any signed-in
//! admin (cookie or bearer token) may download.

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_sessions::Session;

use crate::{error::ServiceError, state::AppState};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/admin/downloads/{environment}/openapi.json", get(openapi))
        .route("/admin/downloads/{environment}/postman.json", get(postman))
        .route("/admin/downloads/workspace.json", get(workspace))
        .with_state(state)
}

fn refusal(err: ServiceError) -> Response {
    super::admin_refusal(err)
}

async fn signed_in(state: &AppState, headers: &HeaderMap, session: &Session) -> Result<(), Response> {
    super::signed_in_admin(state, headers, session).await?.require(crate::auth::Role::Viewer).map_err(refusal)
}

fn download(name: &str, value: &serde_json::Value) -> Response {
    let body = serde_json::to_vec_pretty(value).unwrap_or_default();
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn openapi(State(state): State<AppState>, Path(environment): Path<String>, session: Session, headers: HeaderMap) -> Response {
    if let Err(refused) = signed_in(&state, &headers, &session).await {
        return refused;
    }
    match crate::testing::export::openapi(&state.data_plane, &environment).await {
        Ok(document) => download(&format!("serverkit-{environment}-openapi.json"), &document),
        Err(err) => refusal(err),
    }
}

async fn postman(State(state): State<AppState>, Path(environment): Path<String>, session: Session, headers: HeaderMap) -> Response {
    if let Err(refused) = signed_in(&state, &headers, &session).await {
        return refused;
    }
    match crate::testing::export::postman(&state.data_plane, &environment).await {
        Ok(collection) => download(&format!("serverkit-{environment}.postman_collection.json"), &collection),
        Err(err) => refusal(err),
    }
}

async fn workspace(State(state): State<AppState>, session: Session, headers: HeaderMap) -> Response {
    if let Err(refused) = signed_in(&state, &headers, &session).await {
        return refused;
    }
    match state.workspace.current().await {
        Ok(revision) => match serde_json::to_value(&revision.document) {
            Ok(document) => download(&format!("serverkit-workspace-r{}.json", revision.number), &document),
            Err(err) => refusal(ServiceError::internal(err)),
        },
        Err(err) => refusal(err),
    }
}
