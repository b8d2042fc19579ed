//! The environment's API for other tools: an OpenAPI 3.1 document and a
//! Postman Collection v2.1, both from the revision it serves.

mod openapi;
mod postman;
pub(crate) mod shapes;

use serde_json::Value;

use crate::{
    app::AppState,
    error::{ServiceError, ServiceResult},
};

async fn served(state: &AppState, environment: &str) -> ServiceResult<(crate::environments::Environment, std::sync::Arc<crate::engine::runtime::Active>)> {
    let env = state.environments.get(environment).await?;
    let active = state.engine.active(environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
    Ok((env, active))
}

fn base_url(state: &AppState, environment: &str) -> String {
    format!("{}/env/{environment}", state.public_url)
}

pub async fn openapi(state: &AppState, environment: &str) -> ServiceResult<Value> {
    let (env, active) = served(state, environment).await?;
    Ok(openapi::document(&active.revision.document, &format!("{} ({})", env.name, env.slug), active.revision.revision, &base_url(state, environment)))
}

pub async fn postman(state: &AppState, environment: &str) -> ServiceResult<Value> {
    let (env, active) = served(state, environment).await?;
    Ok(postman::collection(
        &active.revision.document,
        &format!("{} ({}) — revision {}", env.name, env.slug, active.revision.revision),
        &base_url(state, environment),
    ))
}
