//! The single mapping of domain errors to GraphQL errors with `extensions.code`.

use async_graphql::ErrorExtensions;

use crate::error::ServiceError;

impl From<ServiceError> for async_graphql::Error {
    fn from(err: ServiceError) -> Self {
        err.log_if_internal();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code().as_str());
            if let Some(field) = err.field() {
                ext.set("field", field);
            }
            match &err {
                ServiceError::RateLimited { retry_after_secs } => ext.set("retryAfterSeconds", *retry_after_secs),
                ServiceError::TestsNotPassed { failed, untested, .. } => {
                    let names = |names: &[String]| async_graphql::Value::List(names.iter().map(|name| async_graphql::Value::from(name.as_str())).collect());
                    ext.set("failedCases", names(failed));
                    ext.set("untested", names(untested));
                }
                ServiceError::Invalid(problems) => {
                    let list = problems
                        .iter()
                        .map(|p| async_graphql::Value::from_json(serde_json::json!({ "path": p.path, "message": p.message })).unwrap_or_default())
                        .collect::<Vec<_>>();
                    ext.set("problems", async_graphql::Value::List(list));
                }
                _ => {}
            }
        })
    }
}
