//! Test cases derived from the routers, the same definition always giving the
//! same cases: per router a happy path, an invalid input, who is refused and
//! what is not found; per table with create, read, update and delete routers
//! one chain through them. A case someone edited is kept as they wrote it.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

mod kinds;
mod watch;

use kinds::{ANONYMOUS_REFUSED, CRUD_CHAIN, HAPPY_PATH, INVALID_INPUT, NOT_FOUND, NOT_THE_OWNER, OUTSIDER_REFUSED, PARTIAL_UPDATE, RESUMES};
pub use kinds::{CaseKind, kind_of, skipped};

use super::example::example;
use crate::workspace::{
    WorkspaceDocument,
    document::{Access, Action, Allow, Method, Router},
    test_case::{ActAs, Expectation, ExpectedStatus, TestCase, TestFile, TestStep},
};

/// An id no table reaches in a test server.
const MISSING_ID: &str = "2147483647";

/// The generated cases of `doc`, minus those a stored case replaces (same
/// name), followed by the stored ones: what a run runs.
pub fn cases(doc: &WorkspaceDocument) -> Vec<TestCase> {
    let mut cases: Vec<TestCase> = generate(doc).into_iter().filter(|g| !doc.tests.iter().any(|t| t.name == g.name)).collect();
    cases.extend(doc.tests.iter().filter(|t| doc.routers.iter().any(|r| r.name == t.router)).cloned());
    cases
}

pub fn generate(doc: &WorkspaceDocument) -> Vec<TestCase> {
    let mut cases = Vec::new();
    for router in &doc.routers {
        let plan = Plan::new(doc, router);
        cases.extend(plan.happy_path());
        cases.extend(plan.invalid_input());
        cases.extend(plan.access());
        cases.extend(plan.not_found());
        cases.extend(plan.partial_update());
        cases.extend(plan.resume());
    }
    for table in &doc.tables {
        cases.extend(crud_chain(doc, &table.name));
    }
    cases
}

/// The caller a router admits.
fn admitted(access: &Access) -> ActAs {
    match &access.allow {
        Allow::Public => ActAs::Anonymous,
        Allow::SignedIn => ActAs::SignedIn,
        Allow::Groups(groups) => groups.first().map_or(ActAs::SignedIn, |g| ActAs::Group(g.clone())),
    }
}

fn template_of_param(value: &Value, param: &str) -> bool {
    value.as_str().is_some_and(|t| t.trim() == format!("${{request.params.{param}}}"))
}

/// The table a path parameter names a row of: the table of a get, update or
/// delete step that takes it as the id, or the target of a relation column a
/// list or count filters on with it.
pub(crate) fn param_table(doc: &WorkspaceDocument, router: &Router, param: &str) -> Option<String> {
    for step in &router.steps {
        match &step.action {
            Action::Get(row) | Action::Delete(row) if template_of_param(&row.id, param) => return Some(row.table.clone()),
            Action::Update(write) if write.id.as_ref().is_some_and(|id| template_of_param(id, param)) => return Some(write.table.clone()),
            Action::List(list) => {
                let table = doc.tables.iter().find(|t| t.name == list.table)?;
                let filter = list.filter.as_ref().and_then(Value::as_object);
                if let Some((column, _)) = filter.and_then(|f| f.iter().find(|(_, v)| template_of_param(v, param))) {
                    return table.columns.iter().find(|c| &c.name == column).and_then(|c| c.table.clone());
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a step looks the parameter's row up, so a missing id is a 404.
fn looks_up(router: &Router, param: &str) -> bool {
    router.steps.iter().any(|step| match &step.action {
        Action::Get(row) | Action::Delete(row) => template_of_param(&row.id, param),
        Action::Update(write) => write.id.as_ref().is_some_and(|id| template_of_param(id, param)),
        _ => false,
    })
}

/// The POST router without path parameters that inserts into `table` first.
fn create_router<'a>(doc: &'a WorkspaceDocument, table: &str) -> Option<&'a Router> {
    doc.routers.iter().find(|r| {
        r.method == Method::Post
            && !r.path.contains('{')
            && r.steps.iter().find_map(|s| if let Action::Insert(w) = &s.action { Some(w.table.as_str()) } else { None }) == Some(table)
    })
}

/// The status a router answers when all goes well.
fn success(router: &Router) -> ExpectedStatus {
    match router.steps.last().map(|s| (&s.action, &s.condition)) {
        Some((Action::Respond(respond), None)) => ExpectedStatus::Exact(respond.status),
        Some((Action::Respond(_), Some(_))) => ExpectedStatus::Class("2xx".into()),
        // A watch router's stream opens with 200.
        Some((Action::Watch(_), _)) => ExpectedStatus::Exact(200),
        _ => ExpectedStatus::Exact(204),
    }
}

fn params(router: &Router) -> Vec<String> {
    router.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).map(str::to_owned).collect()
}

fn fill_path(path: &str, values: &HashMap<String, String>) -> String {
    path.split('/')
        .map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')).and_then(|p| values.get(p).cloned()).unwrap_or_else(|| s.to_owned()))
        .collect::<Vec<_>>()
        .join("/")
}

fn has_body(method: Method) -> bool {
    matches!(method, Method::Post | Method::Put | Method::Patch)
}

fn step(name: Option<&str>, method: Method, path: String, body: Option<Value>, act_as: Option<ActAs>, status: ExpectedStatus) -> TestStep {
    TestStep {
        name: name.map(str::to_owned),
        method,
        path,
        query: Map::new(),
        headers: Map::new(),
        body,
        files: Default::default(),
        act_as,
        expect: Expectation { status, body: None, paths: Map::new(), matches_schema: false, events: Vec::new() },
    }
}

/// A 1×1 PNG: what generated cases upload into image columns.
const TINY_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/// A small file each of `router`'s file fields accepts, by field: a PNG for
/// images (or any type), else text of the first type the column names.
pub fn example_files(doc: &WorkspaceDocument, router: &Router) -> std::collections::BTreeMap<String, TestFile> {
    let fields = crate::files::columns::file_fields(router, |name| doc.tables.iter().find(|t| t.name == name));
    fields
        .into_iter()
        .map(|field| {
            let accepts = |kind: &str| crate::files::columns::accepts(field.content_types.as_deref(), kind);
            let file = match field.content_types.as_deref().and_then(|types| types.iter().find(|t| !t.ends_with("/*"))) {
                _ if accepts("image/png") => {
                    TestFile { name: "example.png".into(), content_type: "image/png".into(), text: None, base64: Some(TINY_PNG.into()) }
                }
                Some(kind) => TestFile { name: "example".into(), content_type: kind.clone(), text: Some("example".into()), base64: None },
                None => {
                    let kind =
                        field.content_types.as_deref().and_then(|t| t.first()).map_or("application/octet-stream".into(), |t| t.replace("/*", "/example"));
                    TestFile { name: "example".into(), content_type: kind, text: Some("example".into()), base64: None }
                }
            };
            (field.field, file)
        })
        .collect()
}

/// What one router's cases are built from.
struct Plan<'a> {
    doc: &'a WorkspaceDocument,
    router: &'a Router,
    caller: ActAs,
}

impl<'a> Plan<'a> {
    fn new(doc: &'a WorkspaceDocument, router: &'a Router) -> Self {
        Self { doc, router, caller: admitted(&router.access) }
    }

    fn case(&self, what: &str, steps: Vec<TestStep>) -> TestCase {
        TestCase { name: format!("{}: {what}", self.router.name), router: self.router.name.clone(), generated: true, act_as: self.caller.clone(), steps }
    }

    /// Steps that create the rows the path parameters name (as `by`), and
    /// the parameter values: created ids, or examples from the params schema.
    fn setup(&self, by: &ActAs) -> Option<(Vec<TestStep>, HashMap<String, String>)> {
        let mut steps = Vec::new();
        let mut values = HashMap::new();
        for param in params(self.router) {
            match param_table(self.doc, self.router, &param) {
                Some(table) => {
                    let name = format!("create_{table}");
                    if !steps.iter().any(|s: &TestStep| s.name.as_deref() == Some(name.as_str())) {
                        steps.extend(create_steps(self.doc, &table, by, 0)?);
                    }
                    values.insert(param, format!("${{steps.{name}.body.id}}"));
                }
                None => {
                    let schema = self.router.input.params.as_ref().and_then(|s| s.get("properties")).and_then(|p| p.get(&param));
                    let value = schema.map(|s| example(s, true)).unwrap_or(json!("example"));
                    values.insert(param, value.as_str().map_or_else(|| value.to_string(), str::to_owned));
                }
            }
        }
        Some((steps, values))
    }

    fn request_body(&self) -> Option<Value> {
        has_body(self.router.method).then(|| self.router.input.body.as_ref().map_or(json!({}), |schema| example(schema, true)))
    }

    fn required_query(&self) -> Map<String, Value> {
        self.router.input.query.as_ref().map(|schema| example(schema, false)).and_then(|q| q.as_object().cloned()).unwrap_or_default()
    }

    fn happy_path(&self) -> Option<TestCase> {
        if let Some(watch) = watch::watched(self.router) {
            return self.watch_happy_path(watch);
        }
        // Rows an owner-only router reads must be the caller's own.
        let creator = if self.router.access.owner_only { self.caller.clone() } else { creator_for(&self.caller) };
        let (mut steps, values) = self.setup(&creator)?;
        let mut call = step(Some("call"), self.router.method, fill_path(&self.router.path, &values), self.request_body(), None, success(self.router));
        call.query = self.required_query();
        if has_body(self.router.method) {
            call.files = example_files(self.doc, self.router);
        }
        // The answer has the shape the OpenAPI export promises.
        call.expect.matches_schema = true;
        steps.push(call);
        Some(self.case(HAPPY_PATH, steps))
    }

    /// A request the input schema refuses: 400 before any step runs.
    fn invalid_input(&self) -> Option<TestCase> {
        let input = &self.router.input;
        let values: HashMap<String, String> = params(self.router).into_iter().map(|p| (p, "1".to_owned())).collect();
        let mut call = step(Some("call"), self.router.method, fill_path(&self.router.path, &values), None, None, ExpectedStatus::Exact(400));
        let body_schema = input.body.as_ref().filter(|_| has_body(self.router.method));
        let query_schema = input.query.as_ref();
        let params_schema = input.params.as_ref().and_then(|s| s.get("properties")).and_then(Value::as_object);
        if let Some(schema) = body_schema.filter(|s| refuses_empty(s)) {
            let _ = schema;
            call.body = Some(json!({}));
        } else if let Some(_schema) = body_schema.filter(|s| s.get("additionalProperties") == Some(&Value::Bool(false))) {
            let mut body = example(body_schema?, true);
            body.as_object_mut()?.insert("unexpected".into(), json!(1));
            call.body = Some(body);
        } else if query_schema.is_some_and(|s| s.get("additionalProperties") == Some(&Value::Bool(false))) {
            call.body = self.request_body();
            call.query = self.required_query();
            call.query.insert("unexpected".into(), json!("1"));
        } else if let Some((param, value)) = params_schema.and_then(|props| props.iter().find_map(|(name, s)| bad_param(s).map(|v| (name.clone(), v)))) {
            call.body = self.request_body();
            let values: HashMap<String, String> =
                params(self.router).into_iter().map(|p| if p == param { (p, value.clone()) } else { (p, "1".to_owned()) }).collect();
            call.path = fill_path(&self.router.path, &values);
        } else {
            return None;
        }
        Some(self.case(INVALID_INPUT, vec![call]))
    }

    /// Callers the access rule refuses: anonymous (401), outside the groups
    /// (403), and not the owner of the row (404).
    fn access(&self) -> Vec<TestCase> {
        let mut cases = Vec::new();
        let access = &self.router.access;
        if access.allow == Allow::Public {
            return cases;
        }
        let values: HashMap<String, String> = params(self.router).into_iter().map(|p| (p, "1".to_owned())).collect();
        let path = fill_path(&self.router.path, &values);
        let mut anonymous = step(Some("call"), self.router.method, path.clone(), self.request_body(), None, ExpectedStatus::Exact(401));
        anonymous.query = self.required_query();
        cases.push(TestCase { act_as: ActAs::Anonymous, ..self.case(ANONYMOUS_REFUSED, vec![anonymous]) });
        if let Allow::Groups(_) = access.allow {
            let mut outsider = step(Some("call"), self.router.method, path, self.request_body(), None, ExpectedStatus::Exact(403));
            outsider.query = self.required_query();
            cases.push(TestCase { act_as: ActAs::SignedIn, ..self.case(OUTSIDER_REFUSED, vec![outsider]) });
        }
        // A watch names no row: its owner rule filters each event.
        if let Some(watch) = watch::watched(self.router) {
            cases.extend(self.watch_not_the_owner(watch));
            return cases;
        }
        if access.owner_only
            && access.allow == Allow::SignedIn
            && let Some((mut steps, values)) = self.setup(&ActAs::SignedIn)
        {
            let mut call = step(
                Some("call"),
                self.router.method,
                fill_path(&self.router.path, &values),
                self.request_body(),
                Some(ActAs::OtherUser),
                ExpectedStatus::Exact(404),
            );
            call.query = self.required_query();
            steps.push(call);
            cases.push(TestCase { act_as: ActAs::SignedIn, ..self.case(NOT_THE_OWNER, steps) });
        }
        cases
    }

    /// The body fields of a PATCH that are columns (not files) of the row its
    /// update step writes, in the body schema's order.
    fn patched_fields(&self) -> Vec<String> {
        let updated = self.router.steps.iter().find_map(|s| if let Action::Update(w) = &s.action { Some(w.table.as_str()) } else { None });
        let Some(table) = updated.and_then(|name| self.doc.tables.iter().find(|t| t.name == name)) else { return Vec::new() };
        let properties = self.router.input.body.as_ref().and_then(|s| s.get("properties")).and_then(Value::as_object);
        properties
            .into_iter()
            .flat_map(|p| p.keys())
            .filter(|field| table.columns.iter().any(|c| &&c.name == field && c.kind != crate::workspace::document::ColumnType::File))
            .cloned()
            .collect()
    }

    /// A PATCH sending one field of a row made first: it succeeds and the
    /// row's other fields keep the values they were created with.
    fn partial_update(&self) -> Option<TestCase> {
        if self.router.method != Method::Patch {
            return None;
        }
        let fields = self.patched_fields();
        let (sent, kept) = fields.split_first().filter(|(_, kept)| !kept.is_empty())?;
        let table = self.router.steps.iter().find_map(|s| if let Action::Update(w) = &s.action { Some(w.table.clone()) } else { None })?;
        let creator = if self.router.access.owner_only { self.caller.clone() } else { creator_for(&self.caller) };
        let (mut steps, values) = self.setup(&creator)?;
        // The row updated must be one the steps made, to know its values.
        let created = format!("create_{table}");
        if !steps.iter().any(|s| s.name.as_deref() == Some(created.as_str())) {
            return None;
        }
        let schema = self.router.input.body.as_ref()?.get("properties")?.get(sent)?;
        let mut call = step(
            Some("call"),
            self.router.method,
            fill_path(&self.router.path, &values),
            Some(json!({ sent: example(schema, true) })),
            None,
            success(self.router),
        );
        call.query = self.required_query();
        let unchanged: Map<String, Value> = kept.iter().map(|field| (field.clone(), json!(format!("${{steps.{created}.body.{field}}}")))).collect();
        call.expect.body = Some(Value::Object(unchanged));
        steps.push(call);
        Some(self.case(PARTIAL_UPDATE, steps))
    }

    /// A path id no row has: 404, where a step looks the row up.
    fn not_found(&self) -> Option<TestCase> {
        let looked_up: Vec<String> = params(self.router).into_iter().filter(|p| looks_up(self.router, p)).collect();
        let missing = looked_up.first()?;
        let (mut steps, mut values) = self.setup(&creator_for(&self.caller))?;
        // Rows other parameters need are created; the looked-up one is missing.
        values.insert(missing.clone(), MISSING_ID.to_owned());
        steps.retain(|s| params(self.router).iter().any(|p| p != missing && values.get(p).is_some_and(|v| s.name.as_deref().is_some_and(|n| v.contains(n)))));
        let mut call = step(Some("call"), self.router.method, fill_path(&self.router.path, &values), self.request_body(), None, ExpectedStatus::Exact(404));
        call.query = self.required_query();
        steps.push(call);
        Some(self.case(NOT_FOUND, steps))
    }
}

/// Who creates the rows a caller's request needs: the caller when signed in,
/// else a signed-in user (anonymous callers usually cannot create).
fn creator_for(caller: &ActAs) -> ActAs {
    match caller {
        ActAs::Anonymous => ActAs::SignedIn,
        other => other.clone(),
    }
}

/// Whether `{}` breaks the schema: required fields or a minimum of properties.
fn refuses_empty(schema: &Value) -> bool {
    schema.get("required").and_then(Value::as_array).is_some_and(|r| !r.is_empty())
        || schema.get("minProperties").and_then(Value::as_u64).is_some_and(|m| m > 0)
}

/// A path value the parameter's schema refuses.
fn bad_param(schema: &Value) -> Option<String> {
    match schema.get("type").and_then(Value::as_str) {
        Some("integer" | "number") => Some(match schema.get("minimum").and_then(Value::as_i64) {
            Some(minimum) => (minimum - 1).to_string(),
            None => "not-a-number".to_owned(),
        }),
        _ => None,
    }
}

/// Steps that create one row of `table` through its create router, acting
/// as `by`, the last one named `create_<table>`; None when no router creates it.
fn create_steps(doc: &WorkspaceDocument, table: &str, by: &ActAs, depth: usize) -> Option<Vec<TestStep>> {
    let router = create_router(doc, table)?;
    if depth > 3 {
        return None;
    }
    let by = match admitted(&router.access) {
        ActAs::Group(group) => ActAs::Group(group),
        _ => by.clone(),
    };
    let body = router.input.body.as_ref().map_or(json!({}), |schema| example(schema, true));
    let mut create = step(Some(&format!("create_{table}")), router.method, router.path.clone(), Some(body), Some(by), success(router));
    create.files = example_files(doc, router);
    Some(vec![create])
}

/// create → get → update → list contains it → delete → get is 404, for a
/// table with those routers, all as one caller every router admits.
/// The routers of `table`'s chain: create, get, update and list if any,
/// delete; None without a create, a get and a delete.
struct Chain<'a> {
    create: &'a Router,
    get: &'a Router,
    update: Option<&'a Router>,
    list: Option<&'a Router>,
    delete: &'a Router,
}

/// The `method` router of one `table` row by its id in the path.
fn by_id<'a>(doc: &'a WorkspaceDocument, table: &str, method: Method) -> Option<&'a Router> {
    doc.routers
        .iter()
        .find(|r| r.method == method && params(r).len() == 1 && param_table(doc, r, &params(r)[0]).as_deref() == Some(table) && looks_up(r, &params(r)[0]))
}

fn chain<'a>(doc: &'a WorkspaceDocument, table: &str) -> Option<Chain<'a>> {
    let create = create_router(doc, table)?;
    let by_id = |method: Method| by_id(doc, table, method);
    let (get, delete) = (by_id(Method::Get)?, by_id(Method::Delete)?);
    let update = by_id(Method::Patch).or_else(|| by_id(Method::Put));
    let list = doc
        .routers
        .iter()
        .find(|r| r.method == Method::Get && !r.path.contains('{') && r.steps.iter().any(|s| matches!(&s.action, Action::List(l) if l.table == table)));
    Some(Chain { create, get, update, list, delete })
}

/// The routers `table`'s chain calls.
fn chain_routers<'a>(doc: &'a WorkspaceDocument, table: &str) -> Option<Vec<&'a Router>> {
    let Chain { create, get, update, list, delete } = chain(doc, table)?;
    let list = list.filter(|l| list_admits(l, table, &create.input.body.as_ref().map_or(json!({}), |s| example(s, true))));
    Some([Some(create), Some(get), update, list, Some(delete)].into_iter().flatten().collect())
}

fn crud_chain(doc: &WorkspaceDocument, table: &str) -> Option<TestCase> {
    let Chain { create, get, update, list, delete } = chain(doc, table)?;
    let routers: Vec<&Router> = [Some(create), Some(get), update, list, Some(delete)].into_iter().flatten().collect();
    let mut groups = routers.iter().filter_map(|r| if let Allow::Groups(g) = &r.access.allow { Some(g) } else { None });
    let actor = match groups.next() {
        Some(first) => {
            let group = first.iter().find(|g| groups.clone().all(|others| others.contains(g)))?;
            ActAs::Group(group.clone())
        }
        None if routers.iter().any(|r| r.access.allow != Allow::Public) => ActAs::SignedIn,
        None => ActAs::Anonymous,
    };
    let id = "${steps.create.body.id}".to_owned();
    let at = |router: &Router| fill_path(&router.path, &HashMap::from([(params(router)[0].clone(), id.clone())]));
    let created_body = create.input.body.as_ref().map_or(json!({}), |s| example(s, true));
    let mut steps = vec![step(Some("create"), create.method, create.path.clone(), Some(created_body.clone()), None, success(create))];
    let mut read = step(Some("read"), Method::Get, at(get), None, None, success(get));
    read.expect.body = Some(json!({ "id": id }));
    steps.push(read);
    if let Some(update) = update {
        let body = update.input.body.as_ref().map_or(json!({}), |s| example(s, true));
        steps.push(step(Some("update"), update.method, at(update), Some(body), None, success(update)));
    }
    // The list must show the row: only when its fixed filter holds for the created values.
    if let Some(list) = list.filter(|l| list_admits(l, table, &created_body)) {
        let mut listed = step(Some("list"), Method::Get, list.path.clone(), None, None, success(list));
        listed.expect.body = Some(json!({ "items": [{ "id": id }] }));
        steps.push(listed);
    }
    steps.push(step(Some("delete"), Method::Delete, at(delete), None, None, success(delete)));
    steps.push(step(Some("gone"), Method::Get, at(get), None, None, ExpectedStatus::Exact(404)));
    Some(TestCase { name: format!("{table}: {CRUD_CHAIN}"), router: create.name.clone(), generated: true, act_as: actor, steps })
}

/// Whether the list's constant filter values all match the created row's.
fn list_admits(list: &Router, table: &str, created: &Value) -> bool {
    list.steps.iter().all(|step| match &step.action {
        Action::List(l) if l.table == table => l.filter.as_ref().and_then(Value::as_object).is_none_or(|filter| {
            filter.iter().all(|(column, wanted)| wanted.as_str().is_some_and(|t| t.contains("${")) || created.get(column) == Some(wanted))
        }),
        _ => true,
    })
}
