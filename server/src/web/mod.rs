//! Stateless HTTP helpers that the data plane and the admin's HTTP surface
//! share: reading a bearer token, the client's address, the body's kind and a
//! download's conditions, writing a JSON error, and reading what is left of
//! a body before an early answer (`drain`). Nothing here knows the
//! application; it sits at the bottom so both can use it.

pub mod client_ip;
pub mod drain;

use axum::{
    Json,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::error::CatalogueCode;

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Whether the body is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// What a download asks for besides the file: a byte range, and no body if
/// the copy it holds is current.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions<'a> {
    pub range: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

impl<'a> Conditions<'a> {
    /// `Range` and `If-None-Match` of a request.
    pub fn of(headers: &'a HeaderMap) -> Self {
        Self {
            range: headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
            if_none_match: headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()),
        }
    }
}

/// The JSON error every endpoint outside GraphQL answers with:
/// `{"error":{"code","message"}}`, its code from one of the catalogues.
pub fn json_error(status: StatusCode, code: impl CatalogueCode, message: &str) -> Response {
    (status, Json(json!({ "error": { "code": code.as_str(), "message": message } }))).into_response()
}
