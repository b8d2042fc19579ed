//! The API test console: `runApiTest` sends one request through the real
//! stack as a chosen caller; `saveApiTestAsCase` keeps it as a test case.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use serde_json::{Map, Value};

use super::{
    context::{principal, state},
    guard::RoleGuard,
    logs::TraceStepObject,
    workspace::WorkspaceObject,
};
use crate::{
    auth::Role,
    error::ServiceError,
    testing::console::{self, ConsoleCaller, ConsoleRequest, ConsoleResult},
    workspace::document::Method,
};

/// Who calls: nobody signed in, a real end user by email, or a member of a group.
#[derive(InputObject, Default, Clone)]
pub struct ActAs {
    anonymous: Option<bool>,
    /// An end user of the environment (needs its user management, or the owner role).
    user_email: Option<String>,
    /// A member of this group (the test runner's fixture user for it).
    group: Option<String>,
}

#[derive(InputObject, Clone)]
pub struct ApiTestRequest {
    /// GET, POST, PUT, PATCH or DELETE.
    method: String,
    /// Under the environment: `/posts/1`.
    path: String,
    /// Query parameters, a JSON object.
    query: Option<Json<Value>>,
    /// Request headers, a JSON object.
    headers: Option<Json<Value>>,
    body: Option<Json<Value>>,
    act_as: Option<ActAs>,
}

fn object(value: Option<Json<Value>>, field: &str) -> Result<Map<String, Value>, ServiceError> {
    match value.map(|v| v.0) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(ServiceError::bad_input(format!("request.{field}"), "a JSON object")),
    }
}

impl ApiTestRequest {
    fn into_domain(self) -> Result<ConsoleRequest, ServiceError> {
        let method = match self.method.to_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            other => return Err(ServiceError::bad_input("request.method", format!("`{other}` is not GET, POST, PUT, PATCH or DELETE"))),
        };
        let act_as = self.act_as.unwrap_or_default();
        if act_as.user_email.is_some() && act_as.group.is_some() {
            return Err(ServiceError::bad_input("request.actAs", "a user or a group, not both"));
        }
        Ok(ConsoleRequest {
            method,
            path: self.path,
            query: object(self.query, "query")?,
            headers: object(self.headers, "headers")?,
            body: self.body.map(|b| b.0).filter(|b| !b.is_null()),
            caller: ConsoleCaller { anonymous: act_as.anonymous.unwrap_or(false), user_email: act_as.user_email, group: act_as.group },
        })
    }
}

#[derive(SimpleObject)]
pub struct ApiTestResult {
    status: i32,
    headers: Json<Value>,
    /// The JSON answer, or its text when it is not JSON.
    body: Json<Value>,
    duration_ms: f64,
    /// The router's steps as they ran; null when no router served it.
    trace: Option<Vec<TraceStepObject>>,
    /// The request's id (its `x-request-id`): its `requestLog` record where the environment keeps request logs.
    log_id: Option<ID>,
    /// The router that served it.
    router: Option<String>,
    /// Sends the same request; `$TOKEN` stands for the caller's token.
    curl: String,
}

impl From<ConsoleResult> for ApiTestResult {
    fn from(result: ConsoleResult) -> Self {
        let record = result.record;
        Self {
            status: i32::from(result.status),
            headers: Json(Value::Object(result.headers)),
            body: Json(result.body),
            duration_ms: record.as_ref().map_or(0.0, |r| r.duration_us as f64 / 1000.0),
            trace: record
                .as_ref()
                .filter(|r| r.router.is_some())
                .and_then(|r| r.detail.as_ref())
                .map(|d| d.trace.iter().cloned().map(TraceStepObject::from).collect()),
            log_id: record.as_ref().map(|r| ID(r.id.clone())),
            router: record.and_then(|r| r.router),
            curl: result.curl,
        }
    }
}

#[derive(Default)]
pub struct ConsoleMutation;

#[Object]
impl ConsoleMutation {
    /// Sends a request to `environment` through the real stack (access
    /// rule, validation, limits, logs) as the chosen caller.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn run_api_test(&self, ctx: &Context<'_>, environment: String, request: ApiTestRequest) -> Result<ApiTestResult> {
        let request = request.into_domain()?;
        let result = console::send(&state(ctx).data_plane, principal(ctx)?, &environment, &request).await?;
        // In production a console call touches real users' data: it is audited.
        if state(ctx).environments.get(&environment).await?.kind == crate::environments::EnvironmentKind::Production {
            let detail =
                serde_json::json!({ "method": request.method.as_str(), "path": request.path, "status": result.status, "actAs": request.caller.describe() });
            super::audit::record(ctx, "console.call", &environment, detail).await;
        }
        Ok(result.into())
    }

    /// Keeps a console request as a written test case of the router it
    /// reaches; with `expectFromResult`, it is sent now and expects what it
    /// answers (its status and body, ids and times left out), else a 2xx.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn save_api_test_as_case(
        &self,
        ctx: &Context<'_>,
        environment: String,
        name: String,
        request: ApiTestRequest,
        expect_from_result: Option<bool>,
    ) -> Result<WorkspaceObject> {
        let app = state(ctx);
        let actor = principal(ctx)?;
        let request = request.into_domain()?;
        let result = console::send(&app.data_plane, actor, &environment, &request).await?;
        let router =
            result.record.as_ref().and_then(|r| r.router.clone()).ok_or_else(|| ServiceError::bad_input("request.path", "the request reaches no router"))?;
        let case = console::as_case(&name, &router, &request, expect_from_result.unwrap_or(true).then_some(&result));
        let saved = app.workspace.edit(actor, None, |doc| {
            if doc.tests.iter().any(|t| t.name == case.name) {
                return Err(ServiceError::conflict("name", format!("a test case `{}` exists", case.name)));
            }
            doc.tests.push(case);
            Ok(())
        });
        Ok(WorkspaceObject(saved.await?))
    }
}
