//! How a request that does not succeed ends: a status, a code from the data
//! plane's catalogue, a message and, for invalid input, the fields at
//! fault. Row errors and expression errors become failures here, once.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::rows::RowError;
use crate::{error::ErrorCode, workspace::document::Table};

/// A failure the client is told about as `{"error":{"code","message"}}`.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
}

impl Failure {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: None }
    }

    pub(super) fn eval(err: serverkit_expr::EvalError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, err.message)
    }

    pub(super) fn row(err: RowError, table: &Table) -> Self {
        match err {
            RowError::NotFound => Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("no such row in {}", table.name)),
            RowError::Invalid(field) => Self {
                details: Some(json!([{ "field": field.field, "message": field.message }])),
                ..Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, field.message)
            },
            RowError::Conflict { field, message } => Self {
                details: field.map(|field| json!([{ "field": field, "message": message.clone() }])),
                ..Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
            },
            RowError::Timeout => Self::new(StatusCode::GATEWAY_TIMEOUT, ErrorCode::Timeout, "the query ran too long; narrow it down"),
            RowError::Busy => Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy, "the database is busy; retry shortly"),
            RowError::Db(err) => {
                tracing::error!(error = %err, table = %table.name, "row operation failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error")
            }
        }
    }
}
