//! Compiling a workspace revision into what an environment serves: every
//! expression, template, JSON Schema and script is parsed once here, so no
//! request parses a definition.

use std::{collections::HashMap, sync::Arc};

use serde_json::Value;
use serverkit_expr::{Expr, Roots, Template};

use super::script;
use crate::{
    error::Problem,
    workspace::{
        WorkspaceDocument,
        document::{Access, Action, Method, Router, Table, body_field},
    },
};

/// The most rows one list step returns; `limit` is checked against it.
pub const MAX_LIST_LIMIT: i64 = 1000;

/// The names expressions may start from, in scope order.
pub const ROOTS: [&str; 5] = ["request", "caller", "env", "vars", "steps"];

pub fn roots() -> Roots {
    Roots::new(ROOTS)
}

pub struct CompiledRouter {
    pub name: String,
    pub method: Method,
    /// The path template (`/posts/{id}`): what logs and metrics name it by.
    pub path: String,
    pub access: Access,
    pub params: Option<jsonschema::Validator>,
    pub query: Option<jsonschema::Validator>,
    pub body: Option<jsonschema::Validator>,
    /// The declared schemas, used to turn path and query strings into numbers and booleans.
    pub params_schema: Option<Value>,
    pub query_schema: Option<Value>,
    /// Whether any step reads `request.headers`; the map is built only then.
    pub reads_headers: bool,
    pub steps: Vec<CompiledStep>,
    /// Body fields that take files (`multipart/form-data`), by the file
    /// columns the steps write them into.
    pub files: Vec<crate::files::columns::FileField>,
    /// The declared body schema: text fields of a multipart body take its types.
    pub body_schema: Option<Value>,
    /// The size of its last JSON answer: the next one's buffer starts that
    /// large instead of growing (and copying) its way there.
    pub answer_size: std::sync::atomic::AtomicUsize,
}

pub struct CompiledStep {
    pub name: Option<String>,
    pub condition: Option<Expr>,
    pub action: CompiledAction,
}

#[allow(clippy::large_enum_variant, reason = "built once per revision; boxing would add a hop per step")]
pub enum CompiledAction {
    List {
        table: Arc<Table>,
        filter: Template,
        order_by: Vec<String>,
        limit: Option<Template>,
        after: Option<Template>,
        offset: Option<Template>,
    },
    Get {
        table: Arc<Table>,
        id: Template,
        read: super::rows::PointRead,
    },
    Insert {
        table: Arc<Table>,
        values: Template,
    },
    Update {
        table: Arc<Table>,
        id: Template,
        values: Template,
        /// A partial update's columns that come from one body field each
        /// (column, field): written only when the request sent the field.
        sent: Option<Vec<(String, String)>>,
    },
    Delete {
        table: Arc<Table>,
        id: Template,
        /// Tables with files whose rows the delete may cascade to.
        cascades: Vec<Arc<Table>>,
    },
    Count {
        table: Arc<Table>,
        filter: Template,
    },
    /// A watch router's stream (`dataplane::watch` serves it): its filter is
    /// rendered once, when the caller connects.
    Watch {
        table: Arc<Table>,
        filter: Template,
    },
    Set {
        name: String,
        value: Template,
    },
    Check {
        condition: Expr,
        status: u16,
        message: String,
    },
    Script {
        ast: Arc<rhai::AST>,
    },
    Respond {
        status: u16,
        headers: Vec<(axum::http::HeaderName, Template)>,
        body: Option<Template>,
        /// When the body is exactly `${steps.<name>}`: that name, so the
        /// step's result is moved into the response instead of copied.
        body_step: Option<String>,
    },
}

impl CompiledAction {
    /// The step's kind as the document names it (`list`, `get`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::List { .. } => "list",
            Self::Get { .. } => "get",
            Self::Insert { .. } => "insert",
            Self::Update { .. } => "update",
            Self::Delete { .. } => "delete",
            Self::Count { .. } => "count",
            Self::Set { .. } => "set",
            Self::Check { .. } => "check",
            Self::Script { .. } => "script",
            Self::Respond { .. } => "respond",
            Self::Watch { .. } => "watch",
        }
    }

    /// Rows a step read or wrote, given what it returned; None for steps that touch no rows.
    pub fn rows_touched(&self, result: &Value) -> Option<i64> {
        match self {
            Self::List { .. } => Some(result.get("items").and_then(Value::as_array).map_or(0, |items| items.len() as i64)),
            Self::Get { .. } | Self::Insert { .. } | Self::Update { .. } | Self::Delete { .. } => Some(1),
            Self::Count { .. } => result.as_i64(),
            _ => None,
        }
    }
}

impl CompiledRouter {
    /// A watch router: it answers with a stream of its table's changes.
    pub fn is_watch(&self) -> bool {
        matches!(self.steps.first().map(|s| &s.action), Some(CompiledAction::Watch { .. }))
    }
}

/// All routers of a revision, by path pattern and method.
pub struct CompiledRevision {
    pub revision: i64,
    pub document: WorkspaceDocument,
    pub routes: matchit::Router<usize>,
    /// Per path pattern: the routers by method.
    pub by_path: Vec<HashMap<Method, Arc<CompiledRouter>>>,
}

struct Compiler<'a> {
    roots: Roots,
    document_tables: &'a [Table],
    tables: HashMap<&'a str, Arc<Table>>,
    problems: Vec<Problem>,
    /// Of the router being compiled: its earlier named steps that give a
    /// row, and its path's parameters (what expressions may name).
    step_rows: HashMap<String, Arc<Table>>,
    path_params: Vec<String>,
}

impl Compiler<'_> {
    fn problem(&mut self, path: String, message: impl Into<String>) {
        self.problems.push(Problem { path, message: message.into() });
    }

    fn template(&mut self, at: &str, value: &Value) -> Option<Template> {
        match Template::compile(value, &self.roots) {
            Ok(template) => {
                self.check_names(at, template.references());
                Some(template)
            }
            Err(err) => {
                let inner = if err.path.is_empty() || err.path == "/" { String::new() } else { err.path.clone() };
                self.problem(format!("{at}{inner}"), err.error.message.clone());
                None
            }
        }
    }

    fn expr(&mut self, at: &str, source: &str) -> Option<Expr> {
        // Conditions may be written bare or as a `${…}` template.
        let source = source.trim().strip_prefix("${").and_then(|s| s.strip_suffix('}')).unwrap_or(source);
        match Expr::compile(source, &self.roots) {
            Ok(expr) => {
                self.check_names(at, expr.references());
                Some(expr)
            }
            Err(err) => {
                self.problem(at.to_owned(), err.message);
                None
            }
        }
    }

    fn schema(&mut self, at: String, schema: &Option<Value>) -> Option<jsonschema::Validator> {
        let schema = schema.as_ref()?;
        match jsonschema::validator_for(schema) {
            Ok(validator) => Some(validator),
            Err(err) => {
                self.problem(at, format!("not a valid JSON Schema: {err}"));
                None
            }
        }
    }

    /// A constant `limit` or `offset` must be a whole number in `range`.
    fn literal_in_range(&mut self, at: &str, template: Option<&Template>, range: std::ops::RangeInclusive<i64>) {
        let Some(template) = template.filter(|t| t.is_constant()) else { return };
        let value = template.render(&(&[] as &[Value])).unwrap_or(Value::Null);
        let number = value.as_i64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
        if !number.is_some_and(|n| range.contains(&n)) {
            self.problem(at.to_owned(), format!("must be a whole number from {} to {}, or a template", range.start(), range.end()));
        }
    }

    fn table(&self, name: &str) -> Option<Arc<Table>> {
        self.tables.get(name).cloned()
    }

    /// The columns of a row an earlier step gave, and the path's parameters,
    /// that an expression at `at` names: a name that is not there is a
    /// problem now, not a null at run time.
    fn check_names(&mut self, at: &str, references: Vec<(usize, Vec<&str>)>) {
        let (request, steps) = (ROOTS.iter().position(|r| *r == "request"), ROOTS.iter().position(|r| *r == "steps"));
        for (root, fields) in references {
            match fields.as_slice() {
                [step, column, ..] if Some(root) == steps => {
                    let Some(table) = self.step_rows.get(*step) else { continue };
                    let system = ["id", "created_at", "updated_at"].contains(column) || (table.owned && *column == "owner");
                    if !system && !table.columns.iter().any(|c| c.name == *column) {
                        let message = format!("`steps.{step}` is a row of `{}`, which has no column `{column}`", table.name);
                        self.problem(at.to_owned(), message);
                    }
                }
                ["params", param, ..] if Some(root) == request && !self.path_params.iter().any(|p| p == param) => {
                    let message = format!("the path has no parameter `{param}`");
                    self.problem(at.to_owned(), message);
                }
                _ => {}
            }
        }
    }

    fn router(&mut self, router: &Router) -> Option<CompiledRouter> {
        let at = format!("routers.{}", router.name);
        let params = self.schema(format!("{at}.input.params"), &router.input.params);
        let query = self.schema(format!("{at}.input.query"), &router.input.query);
        let body = self.schema(format!("{at}.input.body"), &router.input.body);
        let before = self.problems.len();
        self.step_rows.clear();
        self.path_params = router.path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).map(str::to_owned).collect();
        let mut steps = Vec::with_capacity(router.steps.len());
        for (i, step) in router.steps.iter().enumerate() {
            let at = format!("{at}.steps[{i}]");
            let condition = step.condition.as_deref().and_then(|c| self.expr(&format!("{at}.if"), c));
            let kind = step.action.kind();
            let table = step.action.table().and_then(|t| self.table(t));
            let action = match (&step.action, table) {
                (Action::List(list), Some(table)) => {
                    let filter = self.template(&format!("{at}.{kind}.where"), list.filter.as_ref().unwrap_or(&Value::Null));
                    let limit = list.limit.as_ref().map(|l| self.template(&format!("{at}.{kind}.limit"), l));
                    let after = list.after.as_ref().map(|a| self.template(&format!("{at}.{kind}.after"), a));
                    let offset = list.offset.as_ref().map(|o| self.template(&format!("{at}.{kind}.offset"), o));
                    // A literal that every request would refuse is the definition's fault.
                    self.literal_in_range(&format!("{at}.{kind}.limit"), limit.as_ref().and_then(Option::as_ref), 1..=MAX_LIST_LIMIT);
                    self.literal_in_range(&format!("{at}.{kind}.offset"), offset.as_ref().and_then(Option::as_ref), 0..=i64::MAX);
                    match (filter, limit, after, offset) {
                        (Some(filter), limit, after, offset)
                            if limit.as_ref().is_none_or(Option::is_some)
                                && after.as_ref().is_none_or(Option::is_some)
                                && offset.as_ref().is_none_or(Option::is_some) =>
                        {
                            Some(CompiledAction::List {
                                table,
                                filter,
                                order_by: list.order_by.clone(),
                                limit: limit.flatten(),
                                after: after.flatten(),
                                offset: offset.flatten(),
                            })
                        }
                        _ => None,
                    }
                }
                (Action::Get(row), Some(table)) => {
                    self.template(&format!("{at}.{kind}.id"), &row.id).map(|id| CompiledAction::Get { read: super::rows::PointRead::new(&table), table, id })
                }
                (Action::Delete(row), Some(table)) => {
                    let cascades = crate::files::columns::cascaded_file_tables(self.document_tables, &table.name);
                    let cascades = cascades.iter().filter_map(|t| self.table(&t.name)).collect();
                    self.template(&format!("{at}.{kind}.id"), &row.id).map(|id| CompiledAction::Delete { table, id, cascades })
                }
                (Action::Insert(write), Some(table)) => {
                    self.template(&format!("{at}.{kind}.values"), &write.values).map(|values| CompiledAction::Insert { table, values })
                }
                (Action::Update(write), Some(table)) => {
                    let id = self.template(&format!("{at}.{kind}.id"), write.id.as_ref().unwrap_or(&Value::Null));
                    let values = self.template(&format!("{at}.{kind}.values"), &write.values);
                    let sent = write.partial.then(|| {
                        let columns = write.values.as_object().into_iter().flatten();
                        columns.filter_map(|(column, value)| Some((column.clone(), body_field(value.as_str()?)?.to_owned()))).collect()
                    });
                    id.zip(values).map(|(id, values)| CompiledAction::Update { table, id, values, sent })
                }
                (Action::Count(count), Some(table)) => self
                    .template(&format!("{at}.{kind}.where"), count.filter.as_ref().unwrap_or(&Value::Null))
                    .map(|filter| CompiledAction::Count { table, filter }),
                (Action::Watch(watch), Some(table)) => self
                    .template(&format!("{at}.{kind}.where"), watch.filter.as_ref().unwrap_or(&Value::Null))
                    .map(|filter| CompiledAction::Watch { table, filter }),
                (Action::Set(set), _) => {
                    self.template(&format!("{at}.set.value"), &set.value).map(|value| CompiledAction::Set { name: set.name.clone(), value })
                }
                (Action::Check(check), _) => self.expr(&format!("{at}.check.condition"), &check.condition).map(|condition| CompiledAction::Check {
                    condition,
                    status: check.status,
                    message: check.message.clone(),
                }),
                (Action::Script(code), _) => match script::compile(&code.code) {
                    Ok(ast) => Some(CompiledAction::Script { ast: Arc::new(ast) }),
                    Err(message) => {
                        self.problem(format!("{at}.script.code"), message);
                        None
                    }
                },
                (Action::Respond(respond), _) => {
                    let mut headers = Vec::new();
                    for (name, value) in &respond.headers {
                        match axum::http::HeaderName::from_bytes(name.as_bytes()) {
                            Ok(header) => {
                                if let Some(template) = self.template(&format!("{at}.respond.headers.{name}"), value) {
                                    headers.push((header, template));
                                }
                            }
                            Err(_) => self.problem(format!("{at}.respond.headers.{name}"), "not a valid header name"),
                        }
                    }
                    let body = respond.body.as_ref().map(|b| self.template(&format!("{at}.respond.body"), b));
                    match body {
                        Some(None) => None,
                        body => {
                            let body = body.flatten();
                            let steps = ROOTS.iter().position(|r| *r == "steps");
                            let body_step = body.as_ref().and_then(Template::field_path).and_then(|(root, fields)| match fields.as_slice() {
                                [name] if Some(root) == steps => Some((*name).to_owned()),
                                _ => None,
                            });
                            Some(CompiledAction::Respond { status: respond.status, headers, body, body_step })
                        }
                    }
                }
                // A missing table was reported by validation already.
                (_, None) => None,
            };
            if let Some(action) = action {
                if let (Some(name), CompiledAction::Get { table, .. } | CompiledAction::Insert { table, .. } | CompiledAction::Update { table, .. }) =
                    (&step.name, &action)
                {
                    self.step_rows.insert(name.clone(), table.clone());
                }
                steps.push(CompiledStep { name: step.name.clone(), condition, action });
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(CompiledRouter {
            name: router.name.clone(),
            method: router.method,
            path: router.path.clone(),
            access: router.access.clone(),
            params,
            query,
            body,
            params_schema: router.input.params.clone(),
            query_schema: router.input.query.clone(),
            // A textual check is enough: a false positive only costs the map.
            reads_headers: serde_json::to_string(&router.steps).is_ok_and(|text| text.contains("headers")),
            steps,
            files: crate::files::columns::file_fields(router, |name| self.tables.get(name).map(|t| t.as_ref())),
            body_schema: router.input.body.clone(),
            answer_size: std::sync::atomic::AtomicUsize::new(256),
        })
    }
}

/// Compiles a validated document, or lists every problem found.
pub fn compile(revision: i64, document: WorkspaceDocument) -> Result<CompiledRevision, Vec<Problem>> {
    let (routes, by_path) = routes(&document)?;
    Ok(CompiledRevision { revision, document, routes, by_path })
}

/// `compile` on the compile pool, off the async workers.
pub async fn compile_off_thread(revision: i64, document: WorkspaceDocument) -> crate::error::ServiceResult<CompiledRevision> {
    crate::heavy::run(crate::heavy::Pool::Compile, move || compile(revision, document)).await?.map_err(crate::error::ServiceError::Invalid)
}

/// Every problem activation would find in `document` (none: it activates,
/// unless the data contradicts it). What validation runs.
pub fn check(document: &WorkspaceDocument) -> Result<(), Vec<Problem>> {
    routes(document).map(drop)
}

type Routes = (matchit::Router<usize>, Vec<HashMap<Method, Arc<CompiledRouter>>>);

fn routes(document: &WorkspaceDocument) -> Result<Routes, Vec<Problem>> {
    crate::workspace::validate::validate(document)?;
    let mut compiler = Compiler {
        roots: roots(),
        document_tables: &document.tables,
        tables: document.tables.iter().map(|t| (t.name.as_str(), Arc::new(t.clone()))).collect(),
        problems: Vec::new(),
        step_rows: HashMap::new(),
        path_params: Vec::new(),
    };
    let mut routes = matchit::Router::new();
    let mut by_path: Vec<HashMap<Method, Arc<CompiledRouter>>> = Vec::new();
    let mut patterns: HashMap<String, usize> = HashMap::new();
    for router in &document.routers {
        let Some(compiled) = compiler.router(router) else { continue };
        // `/posts/{id}` and `/posts/{slug}` are one pattern to the matcher.
        let key = router.path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/");
        let index = match patterns.get(&key) {
            Some(index) => *index,
            None => {
                let index = by_path.len();
                if let Err(err) = routes.insert(router.path.clone(), index) {
                    compiler.problem(format!("routers.{}.path", router.name), format!("conflicts with another route: {err}"));
                    continue;
                }
                patterns.insert(key, index);
                by_path.push(HashMap::new());
                index
            }
        };
        by_path[index].insert(router.method, Arc::new(compiled));
    }
    check_test_templates(document, &mut compiler.problems);
    if !compiler.problems.is_empty() {
        return Err(compiler.problems);
    }
    Ok((routes, by_path))
}

/// The names test-case templates may start from: the earlier steps'
/// answers, and the run's fixtures (`testing::fixtures`).
pub fn test_roots() -> Roots {
    Roots::new(["steps", "fixtures"])
}

/// The names fixture values may start from: the fixtures loaded before.
pub fn fixture_roots() -> Roots {
    Roots::new(["fixtures"])
}

/// Every template of every stored test case compiles (what the runner will do).
fn check_test_templates(document: &WorkspaceDocument, problems: &mut Vec<Problem>) {
    let roots = test_roots();
    for case in &document.tests {
        for (i, step) in case.steps.iter().enumerate() {
            let at = format!("tests.{}.steps[{i}]", case.name);
            let mut templates: Vec<(String, Value)> = vec![(format!("{at}.path"), Value::String(step.path.clone()))];
            templates.extend(step.query.iter().map(|(k, v)| (format!("{at}.query.{k}"), v.clone())));
            templates.extend(step.headers.iter().map(|(k, v)| (format!("{at}.headers.{k}"), v.clone())));
            templates.extend(step.body.iter().map(|b| (format!("{at}.body"), b.clone())));
            templates.extend(step.expect.body.iter().map(|b| (format!("{at}.expect.body"), b.clone())));
            templates.extend(step.expect.paths.iter().map(|(k, v)| (format!("{at}.expect.paths.{k}"), v.clone())));
            for (path, value) in templates {
                if let Err(err) = Template::compile(&value, &roots) {
                    problems.push(Problem { path, message: err.error.message.clone() });
                }
            }
        }
    }
    let fixture_roots = fixture_roots();
    for (table, rows) in &document.fixtures.rows {
        for (i, row) in rows.as_array().into_iter().flatten().enumerate() {
            if let Err(err) = Template::compile(row, &fixture_roots) {
                problems.push(Problem { path: format!("fixtures.rows.{table}[{i}]"), message: err.error.message.clone() });
            }
        }
    }
}
