//! The one classification of failures that clients see. Domain services return
//! `ServiceError`; the GraphQL layer and the HTTP layer each map it once to
//! their wire format. Internal causes are logged, never sent.

use std::fmt;

///
/// Deliberately not `Display`: async-graphql turns any `Display` error into a
/// bare message, and this type must always reach clients with its code (see
/// `graphql::errors`).
/// One thing wrong with a submitted definition, at a path such as
/// `tables.posts.columns.title.max`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

#[derive(Debug)]
pub enum ServiceError {
    Unauthenticated,
    /// A sign-in with an unknown email or a wrong password (which one is not said).
    WrongCredentials,
    Forbidden(String),
    BadInput {
        field: Option<String>,
        message: String,
    },
    /// A definition with one or more problems (all of them are reported).
    Invalid(Vec<Problem>),
    NotFound(String),
    Conflict {
        field: Option<String>,
        message: String,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    /// A deploy whose gate (the source's latest test run of the revision
    /// deployed) is not green: the cases that failed, by name.
    TestsNotPassed {
        message: String,
        failed: Vec<String>,
    },
    /// The work ran past its time budget and was stopped.
    Timeout(String),
    /// The database stayed locked by other work (a migration); retry shortly.
    Busy(String),
    /// A body or file over its size limit.
    TooLarge(String),
    /// An upload that would take the environment's files past their quota.
    QuotaExceeded(String),
    /// A body or file of a type that is not accepted here.
    UnsupportedMediaType(String),
    Internal(anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn bad_input(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::BadInput { field: Some(field.into()), message: message.to_string() }
    }

    pub fn conflict(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self::Conflict { field: Some(field.into()), message: message.to_string() }
    }

    pub fn forbidden(message: impl fmt::Display) -> Self {
        Self::Forbidden(message.to_string())
    }

    pub fn not_found(message: impl fmt::Display) -> Self {
        Self::NotFound(message.to_string())
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// What the client reads; never the internal cause.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "sign in first".into(),
            Self::WrongCredentials => "wrong email or password".into(),
            Self::Forbidden(message)
            | Self::NotFound(message)
            | Self::Timeout(message)
            | Self::Busy(message)
            | Self::TooLarge(message)
            | Self::QuotaExceeded(message)
            | Self::UnsupportedMediaType(message) => message.clone(),
            Self::TestsNotPassed { message, .. } => message.clone(),
            Self::BadInput { message, .. } | Self::Conflict { message, .. } => message.clone(),
            Self::Invalid(problems) => match problems.as_slice() {
                [one] => format!("{}: {}", one.path, one.message),
                many => format!("{} problems, the first at {}: {}", many.len(), many[0].path, many[0].message),
            },
            Self::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} s")
            }
            Self::Internal(_) => "internal error".into(),
        }
    }

    /// The stable code clients switch on (`extensions.code`, `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::WrongCredentials => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadInput { .. } | Self::Invalid(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::TestsNotPassed { .. } => "TESTS_NOT_PASSED",
            Self::Timeout(_) => "TIMEOUT",
            Self::Busy(_) => "BUSY",
            Self::TooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::QuotaExceeded(_) => "QUOTA_EXCEEDED",
            Self::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status it is answered with outside GraphQL.
    pub fn http_status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::Unauthenticated | Self::WrongCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadInput { .. } | Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } | Self::TestsNotPassed { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge(_) | Self::QuotaExceeded(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field, .. } | Self::Conflict { field, .. } => field.as_deref(),
            Self::Invalid(problems) => problems.first().map(|p| p.path.as_str()),
            _ => None,
        }
    }

    /// Logs the cause of internal errors; call where an error leaves for a client.
    pub fn log_if_internal(&self) {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.into())
    }
}

/// Every `extensions.code` the admin's GraphQL API sends: `ServiceError`'s
/// codes, and `BAD_REQUEST` for a body that is not one GraphQL request.
pub const GRAPHQL_CODES: [&str; 14] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "RATE_LIMITED",
    "TESTS_NOT_PASSED",
    "TIMEOUT",
    "BUSY",
    "PAYLOAD_TOO_LARGE",
    "QUOTA_EXCEEDED",
    "UNSUPPORTED_MEDIA_TYPE",
    "INTERNAL",
    "BAD_REQUEST",
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::dataplane::ErrorCode;

    /// The `CODE`s written in backticks in one section of the README.
    fn codes_in_section(heading: &str) -> BTreeSet<String> {
        let readme = include_str!("../../README.md");
        let start = readme.find(heading).unwrap_or_else(|| panic!("README has no `{heading}`"));
        let section = &readme[start + heading.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        section
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|word| word.len() > 3 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .filter(|word| !["POST", "PATCH", "DELETE"].contains(word))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_code_a_service_error_has_is_listed() {
        let errors = [
            ServiceError::Unauthenticated,
            ServiceError::WrongCredentials,
            ServiceError::Forbidden(String::new()),
            ServiceError::BadInput { field: None, message: String::new() },
            ServiceError::Invalid(Vec::new()),
            ServiceError::NotFound(String::new()),
            ServiceError::Conflict { field: None, message: String::new() },
            ServiceError::RateLimited { retry_after_secs: 1 },
            ServiceError::TestsNotPassed { message: String::new(), failed: Vec::new() },
            ServiceError::Timeout(String::new()),
            ServiceError::Busy(String::new()),
            ServiceError::TooLarge(String::new()),
            ServiceError::QuotaExceeded(String::new()),
            ServiceError::UnsupportedMediaType(String::new()),
            ServiceError::Internal(anyhow::anyhow!("x")),
        ];
        for error in &errors {
            assert!(GRAPHQL_CODES.contains(&error.code()), "{} is missing from GRAPHQL_CODES", error.code());
        }
    }

    #[test]
    fn the_readme_lists_the_codes_the_server_sends() {
        let graphql = codes_in_section("## The GraphQL API");
        let sent: BTreeSet<String> = GRAPHQL_CODES.iter().map(|c| (*c).to_owned()).collect();
        assert_eq!(graphql, sent, "README's GraphQL section and GRAPHQL_CODES disagree");
        let data_plane = codes_in_section("## The data plane");
        let catalogue: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.as_str().to_owned()).collect();
        assert_eq!(data_plane, catalogue, "README's data plane section and the catalogue disagree");
    }
}
