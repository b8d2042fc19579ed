//! `/admin/files/{environment}/{path}`: streamed uploads (`PUT`, the body is
//! the file) and downloads (`GET`, with `Range`, `ETag` and `If-None-Match`)
//! of an environment's files, for a signed-in admin (cookie or bearer token)
//! where the environment's file management is on. A cookie-signed upload must
//! come from our own origin and carry `x-serverkit-csrf` (any value): an HTML
//! form can send neither.

use axum::{
    Json, Router,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    error::AdminCode,
    files::{self, Conditions, FileInfo, FilePath},
    state::AppState,
};

pub fn router(state: AppState) -> Router {
    Router::new().route("/admin/files/{environment}/{*path}", get(download).put(upload)).with_state(state)
}

/// The file's JSON, as GraphQL's `FileInfo` has it.
pub fn info_json(info: &FileInfo) -> serde_json::Value {
    serde_json::json!({
        "path": info.path.to_string(),
        "name": info.path.name(),
        "size": info.size,
        "contentType": info.content_type,
        "modifiedAt": info.modified_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "etag": info.etag,
        "downloadUrl": info.download_url,
    })
}

async fn upload(State(state): State<AppState>, Path((environment, path)): Path<(String, String)>, session: Session, request: Request) -> Response {
    let headers = request.headers().clone();
    if super::bearer(&headers).is_none() && (!super::csrf::same_origin(&state, &headers) || !headers.contains_key(super::csrf::CSRF_HEADER)) {
        return super::json_error(
            StatusCode::FORBIDDEN,
            AdminCode::Forbidden,
            &format!("uploads signed in by cookie must come from this server's pages and carry the {} header", super::csrf::CSRF_HEADER),
        );
    }
    let principal = match super::signed_in_admin(&state, &headers, &session).await {
        Ok(principal) => principal,
        Err(refused) => return refused,
    };
    let path = match FilePath::parse("path", &path) {
        Ok(path) => path,
        Err(err) => return super::admin_refusal(err),
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let body = request.into_body().into_data_stream();
    match state.files.put(&principal, &environment, &path, content_type, declared, body).await {
        Ok(info) => (StatusCode::CREATED, Json(info_json(&info))).into_response(),
        Err(err) => super::admin_refusal(err),
    }
}

#[derive(Deserialize)]
struct DownloadQuery {
    /// `inline=1` shows the file in the browser (previews) instead of saving it.
    #[serde(default)]
    inline: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    Path((environment, path)): Path<(String, String)>,
    Query(query): Query<DownloadQuery>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let principal = match super::signed_in_admin(&state, &headers, &session).await {
        Ok(principal) => principal,
        Err(refused) => return refused,
    };
    let path = match FilePath::parse("path", &path) {
        Ok(path) => path,
        Err(err) => return super::admin_refusal(err),
    };
    let conditions = Conditions::of(&headers);
    match state.files.open(&principal, &environment, &path, conditions).await {
        Ok(download) => {
            let inline = query.inline.is_some_and(|v| v != "0" && v != "false") && files::inline_safe(&download.info.content_type);
            files::respond(download, inline)
        }
        Err(err) => super::admin_refusal(err),
    }
}
