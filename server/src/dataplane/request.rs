//! Reading what a request brings: its JSON body (kept for the log where
//! details are wanted) and the end user its bearer token names.

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde_json::Value;

use super::{
    ErrorCode, Notes,
    reply::{error, invalid_text, service_error},
};
use crate::{
    engine::{runtime::Active, users::Caller},
    logs::redact::Redactor,
};

/// `redact_names`: the environment's own secret names (see `logs::redact`).
pub async fn read_body(body: Body, limit: usize, headers: &HeaderMap, redact_names: &[String], notes: &mut Notes) -> Result<Value, Response> {
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
    if let Some(field) = crate::input::nul_path(&body) {
        return Err(invalid_text(&format!("body.{field}")));
    }
    if notes.detail {
        notes.request_names_secret = Some(Redactor::new(redact_names).names_a_secret(&body));
    }
    Ok(body)
}

pub async fn caller(active: &Active, headers: &HeaderMap, notes: &mut Notes) -> Result<Option<Caller>, Response> {
    match crate::web::bearer(headers) {
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
