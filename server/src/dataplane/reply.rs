//! The data plane's answers in the documented shape:
//! `{"error":{"code","message"}}` (plus `details` or `field`) with the status
//! that says what happened.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::error::ErrorCode;
use crate::{engine::execute::Failure, error::ServiceError};

pub fn failure(f: Failure) -> Response {
    let mut error = json!({ "code": f.code.as_str(), "message": f.message });
    if let Some(details) = f.details {
        error["details"] = details;
    }
    (f.status, Json(json!({ "error": error }))).into_response()
}

pub fn error(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    failure(Failure::new(status, code, message))
}

/// A domain error in the catalogue's terms.
pub fn service_error(err: ServiceError) -> Response {
    err.log_if_internal();
    let code = match &err {
        ServiceError::Unauthenticated | ServiceError::WrongCredentials => ErrorCode::Unauthenticated,
        ServiceError::Forbidden(_) => ErrorCode::Forbidden,
        ServiceError::BadInput { .. } | ServiceError::Invalid(_) => ErrorCode::InvalidInput,
        ServiceError::NotFound(_) => ErrorCode::NotFound,
        ServiceError::Conflict { .. } => ErrorCode::Conflict,
        ServiceError::RateLimited { .. } => ErrorCode::RateLimited,
        ServiceError::Timeout(_) => ErrorCode::Timeout,
        ServiceError::Busy(_) => ErrorCode::Busy,
        ServiceError::TooLarge(_) => ErrorCode::PayloadTooLarge,
        ServiceError::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
        ServiceError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
        // Deploys never reach the data plane.
        ServiceError::TestsNotPassed { .. } | ServiceError::Internal(_) => ErrorCode::Internal,
    };
    let mut failure = Failure::new(code.status(), code, err.message());
    if let Some(field) = err.field() {
        failure.details = Some(json!([{ "field": field, "message": err.message() }]));
    }
    let mut response = self::failure(failure);
    if let ServiceError::RateLimited { retry_after_secs } = err {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
    }
    response
}

/// Text with a NUL character, refused where it arrives (see `crate::input`).
pub fn invalid_text(field: &str) -> Response {
    let mut failure = Failure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, format!("{field}: {}", crate::input::NUL_MESSAGE));
    failure.details = Some(json!([{ "field": field, "message": crate::input::NUL_MESSAGE }]));
    self::failure(failure)
}
