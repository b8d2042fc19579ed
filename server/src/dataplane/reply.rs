//! The data plane's answers in the documented shape:
//! `{"error":{"code","message"}}` (plus `details` or `field`) with the status
//! that says what happened.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{engine::execute::Failure, error::ServiceError};

pub fn failure(f: Failure) -> Response {
    let mut error = json!({ "code": f.code, "message": f.message });
    if let Some(details) = f.details {
        error["details"] = details;
    }
    (f.status, Json(json!({ "error": error }))).into_response()
}

pub fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    failure(Failure::new(status, code, message))
}

pub fn service_error(err: ServiceError) -> Response {
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

/// Text with a NUL character, refused where it arrives (see `crate::input`).
pub fn invalid_text(field: &str) -> Response {
    let mut failure = Failure::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", format!("{field}: {}", crate::input::NUL_MESSAGE));
    failure.details = Some(json!([{ "field": field, "message": crate::input::NUL_MESSAGE }]));
    self::failure(failure)
}
