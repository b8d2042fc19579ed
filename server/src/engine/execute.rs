//! Running one request through a compiled router: access, input validation,
//! then the steps in order, each seeing the request, the caller, the
//! environment's variables and earlier steps' results.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

pub use super::failure::Failure;
use super::{
    compile::{CompiledAction, CompiledRouter, CompiledStep},
    rows::{self, ListRequest, RowError},
    script::{self, ScriptError},
    users::Caller,
};
use crate::{
    error::ErrorCode,
    files::{
        columns::{Staged, StoredFile},
        row_files::RowFiles,
    },
    logs::TraceStep,
    workspace::document::{Allow, ColumnType, Table},
};

/// What a request ends with: a response, or an error with a status.
pub struct Outcome {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<Value>,
}

pub struct RequestParts {
    pub method: &'static str,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Value,
    /// Files this request uploaded (multipart), which its writes may keep.
    pub staged: Staged,
}

/// Path and query values arrive as text; where the router's schema declares a
/// number or boolean, convert so schemas and expressions see the real type.
pub fn coerce(pairs: &[(String, String)], schema: Option<&Value>) -> Value {
    let properties = schema.and_then(|s| s.get("properties"));
    let mut object = Map::with_capacity(pairs.len());
    for (key, text) in pairs {
        let declared = properties.and_then(|p| p.get(key)).and_then(|p| p.get("type")).and_then(Value::as_str);
        let value = match declared {
            Some("integer") => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(text.as_str())),
            Some("number") => {
                text.parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)).unwrap_or_else(|| Value::from(text.as_str()))
            }
            Some("boolean") => match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::from(text.as_str()),
            },
            _ => Value::from(text.as_str()),
        };
        object.insert(key.clone(), value);
    }
    Value::Object(object)
}

fn check_input(part: &str, validator: Option<&jsonschema::Validator>, value: &Value) -> Result<(), Failure> {
    let Some(validator) = validator else { return Ok(()) };
    // Nearly every request is valid: the quick yes/no first, the errors only for a no.
    if validator.is_valid(value) {
        return Ok(());
    }
    let errors: Vec<Value> =
        validator.iter_errors(value).take(20).map(|err| json!({ "field": format!("{part}{}", err.instance_path), "message": err.to_string() })).collect();
    if errors.is_empty() {
        return Ok(());
    }
    let first = errors[0]["field"].as_str().unwrap_or(part).to_owned();
    let message = format!("invalid {part}: {} ({first})", errors[0]["message"].as_str().unwrap_or("invalid"));
    Err(Failure { details: Some(Value::Array(errors)), ..Failure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, message) })
}

fn as_id(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

fn as_limit(value: Option<Value>, default: u64) -> Result<u64, Failure> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match as_id(&v) {
            Some(n) if (1..=super::compile::MAX_LIST_LIMIT).contains(&n) => Ok(n as u64),
            _ => Err(Failure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, format!("limit must be between 1 and {}", super::compile::MAX_LIST_LIMIT))),
        },
    }
}

/// Values given as an object template, or one template giving an object.
fn as_values(value: Value) -> Result<Map<String, Value>, Failure> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Failure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, "the values to write must be an object")),
    }
}

/// Whether `caller` may call `router`; `groups`, from the environment's
/// router settings, replaces the groups the router admits.
pub fn admit(router: &CompiledRouter, caller: Option<&Caller>, groups: Option<&[String]>) -> Result<(), Failure> {
    let admitted;
    let allow = match groups {
        Some(groups) => {
            admitted = Allow::Groups(groups.to_vec());
            &admitted
        }
        None => &router.access.allow,
    };
    match (allow, caller) {
        (Allow::Public, _) => {}
        (_, None) => return Err(Failure::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in first (Authorization: Bearer <token>)")),
        (Allow::SignedIn, Some(_)) => {}
        (Allow::Groups(groups), Some(caller)) => {
            if !caller.groups.iter().any(|g| groups.contains(g)) {
                return Err(Failure::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, format!("this route is for the groups {}", groups.join(", "))));
            }
        }
    }
    Ok(())
}

/// The body as its schema sees it: an uploaded file stands as its name (a
/// string, so `{"type": "string", "format": "binary"}` describes it).
fn body_for_schema(router: &CompiledRouter, body: &Value) -> Option<Value> {
    if router.files.is_empty() {
        return None;
    }
    let mut shown = body.clone();
    if let Value::Object(fields) = &mut shown {
        for field in &router.files {
            if let Some(value) = fields.get_mut(&field.field)
                && let Some(file) = StoredFile::from_value(value)
            {
                *value = Value::String(file.name);
            }
        }
    }
    Some(shown)
}

/// Access checked and input validated, the scope a router's templates
/// see, in `compile::ROOTS` order: request, caller, env, vars, steps.
fn scope(
    router: &CompiledRouter,
    caller: Option<&Caller>,
    groups: Option<&[String]>,
    env_vars: &Value,
    request: &mut RequestParts,
) -> Result<[Value; 5], Failure> {
    admit(router, caller, groups)?;
    let params = coerce(&request.params, router.params_schema.as_ref());
    let query = coerce(&request.query, router.query_schema.as_ref());
    check_input("params", router.params.as_ref(), &params)?;
    check_input("query", router.query.as_ref(), &query)?;
    match body_for_schema(router, &request.body) {
        Some(shown) => check_input("body", router.body.as_ref(), &shown)?,
        None => check_input("body", router.body.as_ref(), &request.body)?,
    }

    let headers: Map<String, Value> = if router.reads_headers {
        request
            .headers
            .iter()
            .filter(|(name, _)| *name != axum::http::header::AUTHORIZATION && *name != axum::http::header::COOKIE)
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), Value::from(value.to_str().ok()?))))
            .collect()
    } else {
        Map::new()
    };
    // Moved in, not through `json!`, which would copy each value (the body too).
    let mut http = Map::with_capacity(6);
    http.insert("method".into(), Value::from(request.method));
    http.insert("path".into(), Value::String(std::mem::take(&mut request.path)));
    http.insert("params".into(), params);
    http.insert("query".into(), query);
    http.insert("headers".into(), Value::Object(headers));
    http.insert("body".into(), std::mem::take(&mut request.body));
    // The scope, in `compile::ROOTS` order.
    Ok([Value::Object(http), caller.map(Caller::to_json).unwrap_or(Value::Null), env_vars.clone(), Value::Object(Map::new()), Value::Object(Map::new())])
}

/// What a watch router follows for one caller: the table, its filter as
/// rendered for this request and caller, and the owner its rows must have.
pub struct Watch {
    pub table: std::sync::Arc<Table>,
    pub filter: Value,
    pub owner: Option<i64>,
}

/// The start of a watch router's stream: access and input checked as for
/// any router, its filter rendered once.
pub fn watch(
    router: &CompiledRouter,
    caller: Option<&Caller>,
    groups: Option<&[String]>,
    env_vars: &Value,
    mut request: RequestParts,
) -> Result<Watch, Failure> {
    let scope = scope(router, caller, groups, env_vars, &mut request)?;
    let Some(CompiledAction::Watch { table, filter }) = router.steps.first().map(|s| &s.action) else {
        return Err(Failure::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "not a watch router"));
    };
    let filter = filter.render(&scope).map_err(Failure::eval)?;
    super::feed::matches::check(table, &filter)
        .map_err(|bad| Failure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, format!("{}: {}", bad.field, bad.message)))?;
    let owner = if router.access.owner_only { caller.map(|c| c.id) } else { None };
    Ok(Watch { table: table.clone(), filter, owner })
}

/// Runs `router` for one request. With `trace`, each step that runs is noted
/// there (kind, name, time, rows, error) as it ends: a request cut short by
/// the timeout keeps the steps that finished. `groups`, from the
/// environment's router settings, replaces the groups the router admits.
#[allow(clippy::too_many_arguments, reason = "one request and everything it runs against")]
pub async fn run(
    router: &CompiledRouter,
    db: &super::store::EnvDb,
    caller: Option<&Caller>,
    groups: Option<&[String]>,
    env_vars: &Value,
    files: &RowFiles<'_>,
    mut request: RequestParts,
    mut trace: Option<&mut Vec<TraceStep>>,
) -> Result<Outcome, Failure> {
    let mut scope = scope(router, caller, groups, env_vars, &mut request)?;
    let owner = if router.access.owner_only { caller.map(|c| c.id) } else { None };
    let writer = caller.map(|c| c.id);

    for (index, step) in router.steps.iter().enumerate() {
        if let Some(condition) = &step.condition
            && !condition.eval_truthy(&scope).map_err(Failure::eval)?
        {
            continue;
        }
        let started = trace.is_some().then(std::time::Instant::now);
        let result = run_step(step, &mut scope, db, owner, writer, files, &request.staged).await;
        if let (Some(trace), Some(started)) = (trace.as_deref_mut(), started) {
            trace.push(TraceStep {
                index,
                kind: std::borrow::Cow::Borrowed(step.action.kind()),
                name: step.name.clone(),
                duration_us: started.elapsed().as_micros() as u64,
                rows: match &result {
                    Ok(StepEnd::Value(value)) => step.action.rows_touched(value),
                    _ => None,
                },
                error: result.as_ref().err().map(|f| format!("{} {}: {}", f.status.as_u16(), f.code.as_str(), f.message)),
            });
        }
        let result = match result? {
            StepEnd::Value(value) => value,
            StepEnd::Respond(outcome) => return Ok(outcome),
        };
        if let (Some(name), Value::Object(steps)) = (&step.name, &mut scope[4]) {
            steps.insert(name.clone(), result);
        }
    }
    Ok(Outcome { status: StatusCode::NO_CONTENT, headers: Vec::new(), body: None })
}

/// How a step ended: with a value for later steps, or with the response.
enum StepEnd {
    Value(Value),
    Respond(Outcome),
}

async fn run_step(
    step: &CompiledStep,
    scope: &mut [Value; 5],
    db: &super::store::EnvDb,
    owner: Option<i64>,
    writer: Option<i64>,
    files: &RowFiles<'_>,
    staged: &Staged,
) -> Result<StepEnd, Failure> {
    Ok(StepEnd::Value(match &step.action {
        CompiledAction::List { table, filter, order_by, limit, after, offset } => {
            let filter = filter.render(&*scope).map_err(Failure::eval)?;
            let limit = as_limit(limit.as_ref().map(|l| l.render(&*scope)).transpose().map_err(Failure::eval)?, 50)?;
            let after = after.as_ref().map(|a| a.render(&*scope)).transpose().map_err(Failure::eval)?;
            let offset = offset.as_ref().map(|o| o.render(&*scope)).transpose().map_err(Failure::eval)?.and_then(|o| as_id(&o)).map(|o| o.max(0) as u64);
            let list = ListRequest { filter: &filter, order_by, limit, after: after.as_ref().and_then(Value::as_str), offset, owner };
            rows::list(&db.rows, table, list).await.map_err(|e| Failure::row(e, table))?.to_json()
        }
        CompiledAction::Get { table, id, read } => {
            let id = as_id(&id.render(&*scope).map_err(Failure::eval)?).ok_or_else(|| Failure::row(RowError::NotFound, table))?;
            rows::get_prepared(&db.rows, table, read, id, owner).await.map_err(|e| Failure::row(e, table))?
        }
        CompiledAction::Insert { table, values } => {
            let values = as_values(values.render(&*scope).map_err(Failure::eval)?)?;
            let uploads = uploads_in(table, &values, staged)?;
            let row = rows::insert(&db.rows, table, &values, writer).await.map_err(|e| Failure::row(e, table))?;
            keep_uploads(files, db, table, row, uploads).await?
        }
        CompiledAction::Update { table, id, values, sent } => {
            let id = as_id(&id.render(&*scope).map_err(Failure::eval)?).ok_or_else(|| Failure::row(RowError::NotFound, table))?;
            let mut values = as_values(values.render(&*scope).map_err(Failure::eval)?)?;
            // A partial update leaves the columns of fields the request did not send.
            if let Some(sent) = sent {
                let body = scope[0].get("body").and_then(Value::as_object);
                for (column, field) in sent {
                    if !body.is_some_and(|b| b.contains_key(field)) {
                        values.remove(column);
                    }
                }
            }
            let uploads = uploads_in(table, &values, staged)?;
            let row = rows::update(&db.rows, table, id, &values, owner).await.map_err(|e| Failure::row(e, table))?;
            // Emptied file columns lose their file; replaced ones, once the new one is kept.
            for column in file_columns(table).filter(|c| values.get(*c).is_some_and(Value::is_null)) {
                files.forget_column(&table.name, id, column, None).await;
            }
            keep_uploads(files, db, table, row, uploads).await?
        }
        CompiledAction::Delete { table, id, cascades } => {
            let id = as_id(&id.render(&*scope).map_err(Failure::eval)?).ok_or_else(|| Failure::row(RowError::NotFound, table))?;
            rows::delete(&db.rows, table, id, owner).await.map_err(|e| Failure::row(e, table))?;
            super::deleted_files::forget_deleted(files, &db.rows, table, id, cascades).await;
            Value::Null
        }
        CompiledAction::Count { table, filter } => {
            let filter = filter.render(&*scope).map_err(Failure::eval)?;
            Value::from(rows::count(&db.rows, table, &filter, owner).await.map_err(|e| Failure::row(e, table))?)
        }
        // Served as a stream by the data plane, never run as a step.
        CompiledAction::Watch { .. } => {
            return Err(Failure::new(
                StatusCode::NOT_ACCEPTABLE,
                ErrorCode::InvalidInput,
                "a watch router answers with a stream of events (text/event-stream)",
            ));
        }
        CompiledAction::Set { name, value } => {
            let value = value.render(&*scope).map_err(Failure::eval)?;
            if let Value::Object(vars) = &mut scope[3] {
                vars.insert(name.clone(), value.clone());
            }
            value
        }
        CompiledAction::Check { condition, status, message } => {
            if !condition.eval_truthy(&*scope).map_err(Failure::eval)? {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST);
                return Err(Failure::new(status, ErrorCode::CheckFailed, message.clone()));
            }
            Value::Bool(true)
        }
        CompiledAction::Script { ast } => {
            let inputs = [
                ("request", scope[0].clone()),
                ("caller", scope[1].clone()),
                ("env", scope[2].clone()),
                ("vars", scope[3].clone()),
                ("steps", scope[4].clone()),
            ];
            script::run(ast.clone(), inputs).await.map_err(|err| match err {
                ScriptError::Limit(message) => Failure::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::ScriptLimit, message),
                ScriptError::Failed(message) => Failure::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::ScriptFailed, message),
            })?
        }
        CompiledAction::Respond { status, headers, body, body_step } => {
            let mut rendered = Vec::with_capacity(headers.len());
            for (name, template) in headers {
                let value = template.render(&*scope).map_err(Failure::eval)?;
                // A missing value means no header, never the text "null".
                let text = match &value {
                    Value::Null => continue,
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if let Ok(value) = HeaderValue::from_str(&text) {
                    rendered.push((name.clone(), value));
                }
            }
            let body = match (body_step, &mut scope[4]) {
                (Some(name), Value::Object(steps)) => Some(steps.remove(name).unwrap_or(Value::Null)),
                _ => body.as_ref().map(|b| b.render(&*scope)).transpose().map_err(Failure::eval)?,
            };
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::OK);
            return Ok(StepEnd::Respond(Outcome { status, headers: rendered, body }));
        }
    }))
}

fn file_columns(table: &Table) -> impl Iterator<Item = &str> {
    table.columns.iter().filter(|c| c.kind == ColumnType::File).map(|c| c.name.as_str())
}

/// The uploads a write puts into file columns. A file column takes only a
/// file this request uploaded, or null: never an object a client wrote,
/// which could name another row's file.
fn uploads_in(table: &Table, values: &Map<String, Value>, staged: &Staged) -> Result<Vec<(String, StoredFile)>, Failure> {
    let mut uploads = Vec::new();
    for column in file_columns(table) {
        match values.get(column) {
            None | Some(Value::Null) => {}
            Some(value) => match StoredFile::from_value(value).filter(|file| staged.contains(file)) {
                Some(file) => uploads.push((column.to_owned(), file)),
                None => {
                    let message = format!("`{column}` takes a file uploaded with this request (multipart/form-data), or null");
                    return Err(Failure {
                        details: Some(json!([{ "field": column, "message": message }])),
                        ..Failure::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, message)
                    });
                }
            },
        }
    }
    Ok(uploads)
}

/// Moves a written row's uploads to their place and stores where they are;
/// the row as it is then.
async fn keep_uploads(files: &RowFiles<'_>, db: &super::store::EnvDb, table: &Table, row: Value, uploads: Vec<(String, StoredFile)>) -> Result<Value, Failure> {
    if uploads.is_empty() {
        return Ok(row);
    }
    let Some(id) = row.get("id").and_then(Value::as_i64) else { return Ok(row) };
    let mut kept = Map::with_capacity(uploads.len());
    for (column, file) in uploads {
        let file = files.keep(file, &table.name, id, &column).await.map_err(|err| {
            err.log_if_internal();
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the file could not be stored")
        })?;
        files.forget_column(&table.name, id, &column, Some(&file.key)).await;
        kept.insert(column, file.to_value());
    }
    rows::update(&db.rows, table, id, &kept, None).await.map_err(|e| Failure::row(e, table))
}
