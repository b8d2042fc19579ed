//! Cross-site request refusal for cookie-authenticated requests. Browsers attach
//! the session cookie to cross-site requests (SameSite=Lax still allows some),
//! so a request that could carry it must be JSON (an HTML form cannot send
//! that without a CORS preflight we never grant) and must come from our own
//! origin when it names one. Bearer-token requests carry no ambient authority
//! and pass.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{error::AdminCode, state::AppState};

/// The header cookie-signed uploads must carry: an HTML form cannot send it.
pub const CSRF_HEADER: &str = "x-serverkit-csrf";

fn graphql_refusal(status: StatusCode, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": AdminCode::Forbidden.as_str() } }] });
    (status, axum::Json(body)).into_response()
}

fn has_bearer(headers: &HeaderMap) -> bool {
    super::bearer(headers).is_some_and(|token| !token.is_empty())
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether the request's `Origin` (if any) is this server or an allowed origin.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Not a browser, or a same-origin GET: nothing to check.
        return true;
    };
    let Ok(origin) = origin.to_str() else { return false };
    if origin == state.public_url || state.config.allowed_origins.iter().any(|allowed| allowed == origin) {
        return true;
    }
    // Same host and port as the request was sent to (the scheme is the proxy's business).
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = url::Url::parse(origin).ok().and_then(|url| {
        let host = url.host_str()?.to_owned();
        Some(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    });
    matches!((host, origin_host), (Some(host), Some(origin_host)) if host.eq_ignore_ascii_case(&origin_host))
}

/// Applies to POSTs; GET on the same route is the GraphiQL page. File
/// uploads (multipart) signed in by cookie must also carry the custom header
/// `x-serverkit-csrf`, which a cross-site form cannot send (as Apollo's CSRF
/// prevention does).
pub async fn guard_post(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && !has_bearer(req.headers()) {
        let upload = crate::web::is_multipart(req.headers()) && req.headers().contains_key(CSRF_HEADER);
        if !is_json(req.headers()) && !upload {
            return graphql_refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "requests signed in by cookie must be sent as application/json (or as multipart/form-data with the x-serverkit-csrf header, for uploads)",
            );
        }
        if !same_origin(&state, req.headers()) {
            return graphql_refusal(StatusCode::FORBIDDEN, "cross-site request refused");
        }
    }
    next.run(req).await
}
