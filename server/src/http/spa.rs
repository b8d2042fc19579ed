//! The admin SPA, embedded from `admin-ui/dist` at compile time and served
//! under `/admin/`: hashed assets cached for a year, `index.html` revalidated
//! every time, unknown client routes answered with `index.html`.

use axum::{
    Router,
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../admin-ui/dist"]
struct Assets;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn router() -> Router {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(|headers: HeaderMap| async move { serve("index.html", &headers) }))
        .route("/admin/{*path}", get(|Path(path): Path<String>, headers: HeaderMap| async move { serve(&path, &headers) }))
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    if let Some(file) = Assets::get(path) {
        let cache = if path.starts_with("assets/") { IMMUTABLE } else { REVALIDATE };
        return respond(file, path, cache, headers);
    }
    // A missing file under assets/ (or anything with an extension) is a real 404;
    // any other path is a client-side route of the SPA.
    let looks_like_file = path.starts_with("assets/") || path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    match Assets::get("index.html") {
        Some(index) if !looks_like_file => respond(index, "index.html", REVALIDATE, headers),
        _ => super::json_error(StatusCode::NOT_FOUND, crate::error::AdminCode::NotFound, "no such file"),
    }
}

fn respond(file: rust_embed::EmbeddedFile, path: &str, cache: &'static str, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let common =
        [(header::CACHE_CONTROL, HeaderValue::from_static(cache)), (header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")))];
    let not_modified = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let content_type = HeaderValue::from_str(mime.as_ref()).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (common, [(header::CONTENT_TYPE, content_type)], axum::body::Body::from(file.data)).into_response()
}
