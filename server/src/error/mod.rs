//! The one classification of failures that clients see. Domain services return
//! `ServiceError`; the GraphQL layer and the HTTP layer each map it once to
//! their wire format. Internal causes are logged, never sent.

mod admin_codes;
mod api_codes;

use std::fmt;

pub use admin_codes::AdminCode;
pub use api_codes::ErrorCode;

/// A code of one of the catalogues: what error answers take, so no code is
/// sent that the catalogues (and the README) do not list.
pub trait CatalogueCode: Copy {
    fn as_str(self) -> &'static str;
}

impl CatalogueCode for AdminCode {
    fn as_str(self) -> &'static str {
        AdminCode::as_str(self)
    }
}

impl CatalogueCode for ErrorCode {
    fn as_str(self) -> &'static str {
        ErrorCode::as_str(self)
    }
}

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
        /// Routers no case showed working.
        untested: Vec<String>,
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
    pub fn code(&self) -> AdminCode {
        match self {
            Self::Unauthenticated | Self::WrongCredentials => AdminCode::Unauthenticated,
            Self::Forbidden(_) => AdminCode::Forbidden,
            Self::BadInput { .. } | Self::Invalid(_) => AdminCode::BadUserInput,
            Self::NotFound(_) => AdminCode::NotFound,
            Self::Conflict { .. } => AdminCode::Conflict,
            Self::RateLimited { .. } => AdminCode::RateLimited,
            Self::TestsNotPassed { .. } => AdminCode::TestsNotPassed,
            Self::Timeout(_) => AdminCode::Timeout,
            Self::Busy(_) => AdminCode::Busy,
            Self::TooLarge(_) => AdminCode::PayloadTooLarge,
            Self::QuotaExceeded(_) => AdminCode::QuotaExceeded,
            Self::UnsupportedMediaType(_) => AdminCode::UnsupportedMediaType,
            Self::Internal(_) => AdminCode::Internal,
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The `CODE`s written in backticks in one section of the README.
    fn codes_in_section(heading: &str) -> BTreeSet<String> {
        let readme = include_str!("../../../README.md");
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
    fn a_bad_range_has_one_code_in_both_catalogues() {
        // Files answer a range past their end alike in the admin and the data plane.
        assert_eq!(AdminCode::RangeNotSatisfiable.as_str(), ErrorCode::RangeNotSatisfiable.as_str());
    }

    #[test]
    fn the_readme_lists_the_codes_the_server_sends() {
        let graphql = codes_in_section("## The GraphQL API");
        let sent: BTreeSet<String> = AdminCode::ALL.iter().map(|c| c.as_str().to_owned()).collect();
        assert_eq!(graphql, sent, "README's GraphQL section and error::AdminCode disagree");
        let data_plane = codes_in_section("## The data plane");
        let catalogue: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.as_str().to_owned()).collect();
        assert_eq!(data_plane, catalogue, "README's data plane section and the catalogue disagree");
    }
}
