//! Running one test case: each step's templates filled from the earlier
//! steps' answers, the request served in-process by the real data plane
//! (limits, access, validation, logs), the answer checked against what the
//! step expects. Whatever a case says, a 5xx or an error without the JSON
//! error shape fails it.

use std::{collections::HashMap, time::Instant};

use axum::http::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use super::compare::Mismatch;
use super::{
    compare::{render, subset_mismatch},
    events::OpenStream,
    request::{Answer, Outgoing},
};
use crate::{
    dataplane::{DataPlane, Source},
    logs::RequestRecord,
    workspace::test_case::{ActAs, EVENTS_WITHIN, TestCase, TestStep},
};

/// Passed, failed, or could not run (a template that does not render…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    Passed,
    Failed,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    pub name: String,
    pub router: String,
    pub status: CaseStatus,
    pub duration_ms: f64,
    pub failures: Vec<Mismatch>,
    /// The request-log ids of the case's requests, in order.
    pub log_ids: Vec<String>,
    /// A `curl` command that sends the last request the case made.
    pub curl: String,
}

/// The bearer tokens of the fixture end users, by who they act as.
pub type Callers = HashMap<ActAs, String>;

/// The email of the fixture user who acts as `who`: a reserved domain that
/// no real address has, so fixtures are easy to recognise and filter out.
pub fn fixture_email(who: &ActAs) -> Option<String> {
    let local = match who {
        ActAs::Anonymous => return None,
        ActAs::SignedIn => "member".to_owned(),
        ActAs::OtherUser => "other".to_owned(),
        ActAs::Group(group) => format!("group-{}", group.replace('_', "-")),
    };
    Some(format!("{local}@{FIXTURE_DOMAIN}"))
}

/// `.invalid` is reserved (RFC 2606): no mail ever goes there.
pub const FIXTURE_DOMAIN: &str = "fixtures.serverkit.invalid";

pub struct Runner<'a> {
    pub plane: &'a DataPlane,
    pub environment: &'a str,
    /// The definition the environment serves (for `matchesSchema`).
    pub document: &'a crate::workspace::WorkspaceDocument,
    pub callers: &'a Callers,
    /// What the run's fixtures loaded (the `fixtures` root of templates).
    pub fixtures: &'a Value,
    pub run_id: &'a str,
}

impl Runner<'_> {
    /// The case's result, and the records of the requests it made.
    pub async fn run(&self, case: &TestCase) -> (CaseResult, Vec<RequestRecord>) {
        let mut records = Vec::new();
        let started = Instant::now();
        let mut result = CaseResult {
            name: case.name.clone(),
            router: case.router.clone(),
            status: CaseStatus::Passed,
            duration_ms: 0.0,
            failures: Vec::new(),
            log_ids: Vec::new(),
            curl: String::new(),
        };
        let mut steps = Map::new();
        // Streams whose events a step expects, open until the case ends.
        let mut streams: Vec<OpenStream> = Vec::new();
        for (index, step) in case.steps.iter().enumerate() {
            let label = step.name.clone().unwrap_or_else(|| format!("step {index}"));
            let who = step.act_as.as_ref().unwrap_or(&case.act_as);
            read_events(&mut streams, &mut steps, Some(step)).await;
            let scope = [Value::Object(steps.clone()), self.fixtures.clone()];
            let request = match prepare(step, &scope) {
                Ok(request) => request,
                Err(message) => {
                    result.status = CaseStatus::Error;
                    result.failures.push(Mismatch { step: label, what: "request".into(), expected: json!("a request"), actual: json!(message) });
                    break;
                }
            };
            result.curl = request.curl(&self.plane.public_url, self.environment, *who != ActAs::Anonymous);
            let token = self.callers.get(who).map(String::as_str);
            let answer = match request.send(self.plane, self.environment, token, Source::TestRun(self.run_id.to_owned())).await {
                Ok(answer) => answer,
                Err(message) => {
                    result.status = CaseStatus::Error;
                    result.failures.push(Mismatch { step: label, what: "request".into(), expected: json!("an answer"), actual: json!(message) });
                    break;
                }
            };
            result.log_ids.extend(answer.record.as_ref().map(|r| r.id.clone()));
            records.extend(answer.record.clone());
            let mut failures = check(step, &scope, &answer, &label);
            if step.expect.matches_schema {
                failures.extend(self.schema_mismatch(case, &answer, &label));
            }
            if !step.expect.events.is_empty() && failures.is_empty() {
                match answer.stream {
                    Some(body) => streams.push(OpenStream::open(label.clone(), step.name.clone(), step.expect.events.clone(), body)),
                    None => failures.push(Mismatch {
                        step: label.clone(),
                        what: "events".into(),
                        expected: json!("a stream of events"),
                        actual: answer.body.clone(),
                    }),
                }
            }
            let failed = !failures.is_empty();
            result.failures.extend(failures);
            if let Some(name) = &step.name {
                steps.insert(name.clone(), json!({ "status": answer.status, "body": answer.body, "headers": Value::Object(answer.headers), "events": [] }));
            }
            if failed {
                result.status = CaseStatus::Failed;
                break;
            }
        }
        // The streams' events, once every step has run.
        if result.status == CaseStatus::Passed && !streams.is_empty() {
            read_events(&mut streams, &mut steps, None).await;
            let scope = [Value::Object(steps.clone()), self.fixtures.clone()];
            if let Some(mismatch) = streams.iter().find_map(|stream| stream.check(&scope)) {
                result.failures.push(mismatch);
                result.status = CaseStatus::Failed;
            }
        }
        drop(streams);
        result.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        (result, records)
    }
}

/// The streams' events so far into `steps`, waiting first (up to
/// `EVENTS_WITHIN`) for the expected events of each stream that `before`
/// names as `steps.<as>.events`, or of every stream at the case's end.
async fn read_events(streams: &mut [OpenStream], steps: &mut Map<String, Value>, before: Option<&TestStep>) {
    if streams.is_empty() {
        return;
    }
    let deadline = tokio::time::Instant::now() + EVENTS_WITHIN;
    let text = before.map(|step| serde_json::to_string(step).unwrap_or_default());
    for stream in streams.iter_mut() {
        let named = stream.name.as_ref().is_some_and(|name| text.as_ref().is_some_and(|t| t.contains(&format!("steps.{name}.events"))));
        if before.is_none() || named {
            stream.settle(deadline).await;
        }
        if let Some(entry) = stream.name.as_ref().and_then(|name| steps.get_mut(name)) {
            entry["events"] = stream.events();
        }
    }
}

fn text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Runner<'_> {
    /// Where the answer does not fit the router's response shape.
    fn schema_mismatch(&self, case: &TestCase, answer: &Answer, label: &str) -> Option<Mismatch> {
        let router = self.document.routers.iter().find(|r| r.name == case.router)?;
        let crate::testing::export::shapes::Success::Json(_, Some(schema)) = crate::testing::export::shapes::response_shape(self.document, router) else {
            return None;
        };
        let validator = jsonschema::validator_for(&schema).ok()?;
        let error = validator.iter_errors(&answer.body).next()?;
        Some(Mismatch { step: label.to_owned(), what: format!("schema{}", error.instance_path), expected: schema.clone(), actual: json!(error.to_string()) })
    }
}

/// A step's request with its templates rendered from the earlier steps' answers.
fn prepare(step: &TestStep, scope: &[Value]) -> Result<Outgoing, String> {
    let path = text(render(&Value::String(step.path.clone()), scope)?);
    if !path.starts_with('/') {
        return Err(format!("the path `{path}` does not start with `/`"));
    }
    let query = step.query.iter().map(|(k, v)| Ok((k.clone(), text(render(v, scope)?)))).collect::<Result<Vec<_>, String>>()?;
    let mut headers = Vec::new();
    for (name, value) in &step.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not a header name"))?;
        let value = HeaderValue::from_str(&text(render(value, scope)?)).map_err(|_| format!("the value of `{name}` is not a header value"))?;
        headers.push((name, value));
    }
    let body = step.body.as_ref().map(|b| render(b, scope)).transpose()?;
    let files = step.files.iter().map(|(field, file)| (field.clone(), file.clone())).collect();
    Ok(Outgoing { method: step.method.as_str(), path, query, headers, body, files })
}

/// What differs between the answer and what the step expects.
fn check(step: &TestStep, scope: &[Value], answer: &Answer, label: &str) -> Vec<Mismatch> {
    let mismatch = |what: &str, expected: Value, actual: Value| Mismatch { step: label.to_owned(), what: what.to_owned(), expected, actual };
    let mut failures = Vec::new();
    let expect = &step.expect;
    if !expect.status.accepts(answer.status) {
        let expected = match &expect.status {
            crate::workspace::test_case::ExpectedStatus::Exact(status) => json!(status),
            class => json!(class.describe()),
        };
        failures.push(mismatch("status", expected, json!(answer.status)));
    }
    // A server error fails the case even where the status class allowed it.
    if answer.status >= 500 && failures.is_empty() {
        failures.push(mismatch("status", json!("not a server error"), json!(answer.status)));
    }
    if answer.status >= 400 && !(answer.body["error"]["code"].is_string() && answer.body["error"]["message"].is_string()) {
        failures.push(mismatch("body", json!({ "error": { "code": "…", "message": "…" } }), answer.body.clone()));
    }
    if let Some(wanted) = &expect.body {
        match render(wanted, scope) {
            Ok(wanted) => {
                if let Some(path) = subset_mismatch(&wanted, &answer.body, String::new()) {
                    let actual = if path.is_empty() { answer.body.clone() } else { answer.body.pointer(&path).cloned().unwrap_or(Value::Null) };
                    failures.push(mismatch(&format!("body{path}"), wanted.pointer(&path).cloned().unwrap_or(wanted.clone()), actual));
                }
            }
            Err(message) => failures.push(mismatch("body", json!("a body template that renders"), json!(message))),
        }
    }
    for (pointer, wanted) in &expect.paths {
        match render(wanted, scope) {
            Ok(wanted) => {
                let actual = answer.body.pointer(pointer).cloned().unwrap_or(Value::Null);
                if actual != wanted {
                    failures.push(mismatch(pointer, wanted, actual));
                }
            }
            Err(message) => failures.push(mismatch(pointer, json!("a template that renders"), json!(message))),
        }
    }
    failures
}
