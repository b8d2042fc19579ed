//! The environment's API for other tools: an OpenAPI 3.1 document and a
//! Postman Collection v2.1, both from the revision it serves.

mod openapi;
mod postman;
pub(crate) mod shapes;

use serde_json::Value;

use crate::{
    dataplane::DataPlane,
    error::{ServiceError, ServiceResult},
};

async fn served(plane: &DataPlane, environment: &str) -> ServiceResult<(crate::environments::Environment, std::sync::Arc<crate::engine::runtime::Active>)> {
    let env = plane.environments.get(environment).await?;
    let active = plane.engine.active(environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
    Ok((env, active))
}

fn base_url(plane: &DataPlane, environment: &str) -> String {
    format!("{}/env/{environment}", plane.public_url)
}

pub async fn openapi(plane: &DataPlane, environment: &str) -> ServiceResult<Value> {
    let (env, active) = served(plane, environment).await?;
    Ok(openapi::document(&active.revision.document, &format!("{} ({})", env.name, env.slug), active.revision.revision, &base_url(plane, environment)))
}

pub async fn postman(plane: &DataPlane, environment: &str) -> ServiceResult<Value> {
    let (env, active) = served(plane, environment).await?;
    Ok(postman::collection(
        &active.revision.document,
        &format!("{} ({}) — revision {}", env.name, env.slug, active.revision.revision),
        &base_url(plane, environment),
    ))
}
