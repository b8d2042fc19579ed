//! The API test console: one request sent through the real data plane
//! (access rule, validation, limits, logs) as a chosen caller, answered with
//! everything a developer wants to see, and savable as a test case.

use axum::http::{HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::{request::Outgoing, run::fixture_email};
use crate::{
    auth::{Principal, Role},
    dataplane::{DataPlane, Source},
    environments::Capability,
    error::{ServiceError, ServiceResult},
    logs::RequestRecord,
    workspace::{
        document::Method,
        test_case::{ActAs, Expectation, ExpectedStatus, TestCase, TestStep},
    },
};

/// Who the console calls as.
#[derive(Debug, Clone, Default)]
pub struct ConsoleCaller {
    pub anonymous: bool,
    /// A real end user of the environment, by email.
    pub user_email: Option<String>,
    /// A member of this group (the runner's fixture user for it).
    pub group: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ConsoleRequest {
    pub method: Method,
    /// Under the environment: `/posts/1`.
    pub path: String,
    pub query: Map<String, Value>,
    pub headers: Map<String, Value>,
    pub body: Option<Value>,
    pub caller: ConsoleCaller,
}

pub struct ConsoleResult {
    pub status: u16,
    pub headers: Map<String, Value>,
    /// JSON, or the text of a body that is not.
    pub body: Value,
    pub record: Option<RequestRecord>,
    pub curl: String,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl ConsoleCaller {
    /// Who, for the audit log: `anonymous`, `user:<email>` or `group:<name>`.
    pub fn describe(&self) -> String {
        match (&self.group, &self.user_email) {
            (Some(group), _) => format!("group:{group}"),
            (None, Some(email)) => format!("user:{email}"),
            (None, None) => "anonymous".into(),
        }
    }
}

impl ConsoleRequest {
    fn act_as(&self) -> ActAs {
        match (&self.caller.group, &self.caller.user_email) {
            (Some(group), _) => ActAs::Group(group.clone()),
            (None, Some(_)) => ActAs::SignedIn,
            (None, None) => ActAs::Anonymous,
        }
    }
}

/// Sends `request` to `environment` as its caller. Calling as a real end
/// user needs user management there, or the owner role.
pub async fn send(plane: &DataPlane, actor: &Principal, environment: &str, request: &ConsoleRequest) -> ServiceResult<ConsoleResult> {
    let env = plane.environments.scope(actor, environment, Capability::ApiTest).await?;
    actor.require(Role::Developer)?;
    if !request.path.starts_with('/') {
        return Err(ServiceError::bad_input("request.path", "a path under the environment, starting with `/`"));
    }
    let users = plane.engine.users_of(&env).await?;
    let token = match (&request.caller.group, &request.caller.user_email) {
        (Some(group), _) => {
            let known = plane.engine.active(environment).await.is_some_and(|a| a.revision.document.groups.iter().any(|g| &g.name == group));
            if !known {
                return Err(ServiceError::bad_input("request.actAs.group", format!("no group `{group}` in the served revision")));
            }
            let who = ActAs::Group(group.clone());
            Some(users.fixture(&fixture_email(&who).unwrap_or_default(), std::slice::from_ref(group)).await?)
        }
        (None, Some(email)) => {
            env.require_or_owner(actor, Capability::UserManagement, &format!("acting as an end user of `{environment}`"))?;
            Some(users.impersonate(email).await?)
        }
        (None, None) => None,
    };
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| ServiceError::bad_input("request.headers", format!("`{name}` is not a header name")))?;
        let value = HeaderValue::from_str(&text(value))
            .map_err(|_| ServiceError::bad_input("request.headers", format!("the value of `{name}` is not a header value")))?;
        headers.push((name, value));
    }
    let outgoing = Outgoing {
        method: request.method.as_str(),
        path: request.path.clone(),
        query: request.query.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        headers,
        body: request.body.clone(),
        files: Vec::new(),
    };
    let answer = outgoing.send(plane, environment, token.as_deref(), Source::Console).await.map_err(|err| ServiceError::bad_input("request", err))?;
    let curl = outgoing.curl(&plane.public_url, environment, token.is_some());
    Ok(ConsoleResult { status: answer.status, headers: answer.headers, body: answer.body, record: answer.record, curl })
}

/// Values that differ on every call (ids, times, owners): left out of an
/// expectation taken from one answer.
const VOLATILE: [&str; 5] = ["id", "created_at", "updated_at", "owner", "token"];

/// What of an answer the next run will see again: text and flags, not ids,
/// times, counts or lists (other requests change those).
fn stable(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let kept: Map<String, Value> =
                map.iter().filter(|(k, _)| !VOLATILE.contains(&k.as_str())).filter_map(|(k, v)| Some((k.clone(), stable(v)?))).collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::String(_) | Value::Bool(_) => Some(value.clone()),
        _ => None,
    }
}

/// A test case of `router` that sends `request` and expects what `result`
/// answered (its status and the stable part of its body), or only a 2xx.
pub fn as_case(name: &str, router: &str, request: &ConsoleRequest, result: Option<&ConsoleResult>) -> TestCase {
    let expect = match result {
        Some(result) => Expectation {
            status: ExpectedStatus::Exact(result.status),
            body: result.body.is_object().then(|| stable(&result.body)).flatten(),
            paths: Map::new(),
            matches_schema: false,
            events: Vec::new(),
        },
        None => Expectation { status: ExpectedStatus::Class("2xx".into()), body: None, paths: Map::new(), matches_schema: false, events: Vec::new() },
    };
    TestCase {
        name: name.to_owned(),
        router: router.to_owned(),
        generated: false,
        act_as: request.act_as(),
        steps: vec![TestStep {
            name: Some("call".into()),
            method: request.method,
            path: request.path.clone(),
            query: request.query.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
            files: Default::default(),
            act_as: None,
            expect,
        }],
    }
}
