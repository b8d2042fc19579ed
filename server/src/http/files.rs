//! `/admin/files/{environment}/{path}`: streamed uploads (`PUT`, the body is
//! the file) and downloads (`GET`, with `Range`, `ETag` and `If-None-Match`)
//! of an environment's files, for a signed-in admin (cookie or bearer token)
//! where the environment's file management is on. A cookie-signed upload must
//! come from our own origin and carry `x-serverkit-csrf` (any value): an HTML
//! form can send neither.

use axum::{
    Json, Router,
    body::Body,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    app::AppState,
    error::ServiceError,
    files::{self, Conditions, FileInfo, FilePath},
};

/// The header cookie-signed uploads must carry (see the module's comment).
pub const CSRF_HEADER: &str = "x-serverkit-csrf";

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
    if super::bearer(&headers).is_none() && (!super::csrf::same_origin(&state, &headers) || !headers.contains_key(CSRF_HEADER)) {
        return super::json_error(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            &format!("uploads signed in by cookie must come from this server's pages and carry the {CSRF_HEADER} header"),
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
    let conditions = conditions(&headers);
    match state.files.open(&principal, &environment, &path, conditions).await {
        Ok(download) => {
            let inline = query.inline.is_some_and(|v| v != "0" && v != "false") && inline_safe(&download.info.content_type);
            respond(download, inline)
        }
        Err(err) => super::admin_refusal(err),
    }
}

pub fn conditions(headers: &HeaderMap) -> Conditions<'_> {
    Conditions {
        range: headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        if_none_match: headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()),
    }
}

/// Types a browser may show in place: they run no script. Anything else
/// (HTML, SVG, …) is always a download, served under a sandboxing CSP too,
/// because files share the admin's origin.
pub fn inline_safe(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let (kind, sub) = essence.split_once('/').unwrap_or_default();
    match kind {
        "image" => sub != "svg+xml",
        "audio" | "video" => true,
        "text" => sub == "plain" || sub == "csv",
        "application" => matches!(sub, "json" | "pdf"),
        _ => false,
    }
}

/// What RFC 5987's `attr-char` leaves out, escaped in `filename*`.
const ATTR_CHAR_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` with the name as given: an ASCII fallback and the
/// UTF-8 name (RFC 6266), quotes and control characters kept out.
pub fn disposition(name: &str, inline: bool) -> Option<HeaderValue> {
    let fallback: String = name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR_ESCAPES).to_string();
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")).ok()
}

/// The HTTP answer of a download: 200, 206, 304 or 416, streamed.
pub fn respond(download: files::Download, inline: bool) -> Response {
    let info = &download.info;
    let mut builder = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::LAST_MODIFIED, info.modified_at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        // Admin files and rows' files can be private: never kept by shared caches.
        .header(header::CACHE_CONTROL, "private, no-cache");
    if let Some(etag) = info.etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
        builder = builder.header(header::ETAG, etag);
    }
    let response = match download.body {
        files::Body::NotModified => builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()),
        files::Body::Unsatisfiable { total } => builder
            .status(StatusCode::RANGE_NOT_SATISFIABLE)
            .header(header::CONTENT_RANGE, format!("bytes */{total}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({ "error": { "code": "RANGE_NOT_SATISFIABLE", "message": format!("the file has {total} bytes") } }).to_string(),
            )),
        body => {
            let nosniff = HeaderValue::from_static("nosniff");
            builder = builder
                .header(header::CONTENT_TYPE, info.content_type.as_str())
                .header(header::X_CONTENT_TYPE_OPTIONS, nosniff)
                .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; sandbox");
            if let Some(value) = disposition(info.path.name(), inline) {
                builder = builder.header(header::CONTENT_DISPOSITION, value);
            }
            match body {
                files::Body::Part { start, end, total, stream } => builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_RANGE, format!("bytes {start}-{}/{total}", end - 1))
                    .header(header::CONTENT_LENGTH, end - start)
                    .body(Body::from_stream(stream)),
                files::Body::Whole(stream) => builder.status(StatusCode::OK).header(header::CONTENT_LENGTH, info.size).body(Body::from_stream(stream)),
                _ => unreachable!("handled above"),
            }
        }
    };
    response.unwrap_or_else(|err| super::admin_refusal(ServiceError::internal(err)))
}
