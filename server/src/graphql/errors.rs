//! The single mapping of domain errors to GraphQL errors with `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::error::ServiceError;

impl From<ServiceError> for async_graphql::Error {
    fn from(err: ServiceError) -> Self {
        err.log_if_internal();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            if let Some(field) = err.field() {
                ext.set("field", field);
            }
            if let ServiceError::RateLimited { retry_after_secs } = err {
                ext.set("retryAfterSeconds", retry_after_secs);
            }
        })
    }
}
