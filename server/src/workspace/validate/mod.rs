//! Checks a workspace document as a whole and reports every problem with the
//! path of the definition at fault (`tables.posts.columns.title.max`), so an
//! editor can point at it. `check` adds the full compile that activation runs
//! (expressions, JSON Schemas, scripts), so a document that validates always
//! activates.

use std::collections::HashSet;

use serde_json::Value;

use super::document::*;

mod cases;

pub use crate::error::Problem;
use cases::{check_fixtures, check_tests};

/// Columns every table has, managed by ServerKit.
pub const SYSTEM_COLUMNS: [&str; 4] = ["id", "created_at", "updated_at", "owner"];
/// Column names either database keeps for itself: PostgreSQL's system
/// columns and SQLite's aliases of the row id.
pub const DATABASE_COLUMNS: [&str; 8] = ["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid", "rowid"];
/// Table-name prefixes either database keeps for its own catalog.
pub const DATABASE_PREFIXES: [&str; 2] = ["sqlite_", "pg_"];
/// Paths under each environment's base URL that routers cannot take.
pub const RESERVED_PREFIXES: [&str; 2] = ["/auth", "/files"];

#[derive(Default)]
struct Report(Vec<Problem>);

impl Report {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem { path: path.into(), message: message.into() });
    }
}

/// `[a-z][a-z0-9_]*`, at most 63 characters: safe as an SQL identifier once quoted.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 63 && chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_router_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 100 && chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub fn validate(doc: &WorkspaceDocument) -> Result<(), Vec<Problem>> {
    let mut report = Report::default();
    if doc.format != FORMAT {
        report.add("format", format!("must be `{FORMAT}`"));
    }
    if doc.version != VERSION {
        report.add("version", format!("this server reads version {VERSION}"));
    }
    let tables: HashSet<&str> = doc.tables.iter().map(|t| t.name.as_str()).collect();
    let groups: HashSet<&str> = doc.groups.iter().map(|g| g.name.as_str()).collect();
    check_tables(doc, &tables, &mut report);
    check_relation_names(doc, &mut report);
    check_groups(doc, &mut report);
    if let Some(group) = &doc.auth.default_group
        && !groups.contains(group.as_str())
    {
        report.add("auth.defaultGroup", format!("no group `{group}`"));
    }
    if doc.auth.token_ttl_hours == 0 || doc.auth.token_ttl_hours > 24 * 366 {
        report.add("auth.tokenTtlHours", "between 1 and 8784 hours");
    }
    check_routers(doc, &tables, &groups, &mut report);
    check_tests(doc, &groups, &mut report);
    check_fixtures(doc, &groups, &mut report);
    if report.0.is_empty() { Ok(()) } else { Err(report.0) }
}

fn check_tables(doc: &WorkspaceDocument, tables: &HashSet<&str>, report: &mut Report) {
    let mut seen = HashSet::new();
    for table in &doc.tables {
        let at = format!("tables.{}", table.name);
        if !is_identifier(&table.name) {
            report.add(&at, "a table name has lowercase letters, digits and `_`, starting with a letter (at most 63)");
        }
        if !seen.insert(table.name.as_str()) {
            report.add(&at, "two tables have this name");
        }
        if let Some(prefix) = DATABASE_PREFIXES.iter().find(|p| table.name.starts_with(**p)) {
            report.add(&at, format!("names starting with `{prefix}` are reserved by the database"));
        }
        let mut columns = HashSet::new();
        for column in &table.columns {
            let at = format!("{at}.columns.{}", column.name);
            if !is_identifier(&column.name) {
                report.add(&at, "a column name has lowercase letters, digits and `_`, starting with a letter");
            }
            if SYSTEM_COLUMNS.contains(&column.name.as_str()) {
                report.add(&at, format!("`{}` is a system column every table has", column.name));
            }
            if DATABASE_COLUMNS.contains(&column.name.as_str()) {
                report.add(&at, format!("`{}` is reserved by the database", column.name));
            }
            if !columns.insert(column.name.as_str()) {
                report.add(&at, "two columns have this name");
            }
            check_column(column, tables, &at, report);
        }
        for (i, index) in table.indexes.iter().enumerate() {
            let at = format!("{at}.indexes[{i}]");
            if index.columns.is_empty() {
                report.add(&at, "an index needs at least one column");
            }
            for name in &index.columns {
                let system = SYSTEM_COLUMNS.contains(&name.as_str()) && (name != "owner" || table.owned);
                if !system && !columns.contains(name.as_str()) {
                    report.add(&at, format!("no column `{name}` in `{}`", table.name));
                }
            }
        }
    }
}

/// Tables, their indexes, primary keys and id sequences share one namespace
/// in both databases: no two of them may have one name.
fn check_relation_names(doc: &WorkspaceDocument, report: &mut Report) {
    let mut taken: std::collections::HashMap<String, String> = doc.tables.iter().map(|t| (t.name.clone(), format!("table `{}`", t.name))).collect();
    for table in &doc.tables {
        let implied = [(format!("{}_pkey", table.name), "primary key"), (format!("{}_id_seq", table.name), "id sequence")];
        let indexes = all_indexes(table).into_iter().map(|i| (index_name(&table.name, &i), "index"));
        for (name, what) in implied.into_iter().chain(indexes) {
            let owner = format!("the {what} of `{}`", table.name);
            if let Some(other) = taken.insert(name.clone(), owner.clone()) {
                report.add(format!("tables.{}", table.name), format!("`{name}` would name both {other} and {owner}: rename a table or drop a duplicate index"));
            }
        }
    }
}

fn check_column(column: &Column, tables: &HashSet<&str>, at: &str, report: &mut Report) {
    let numeric = matches!(column.kind, ColumnType::Integer | ColumnType::Float);
    if (column.min.is_some() || column.max.is_some()) && !(numeric || column.kind == ColumnType::Text) {
        report.add(at, "min and max apply to text, integer and float columns");
    }
    if let (Some(min), Some(max)) = (column.min, column.max)
        && min > max
    {
        report.add(format!("{at}.min"), "min is greater than max");
    }
    if column.kind == ColumnType::Text && column.min.is_some_and(|m| m < 0.0) {
        report.add(format!("{at}.min"), "a length cannot be negative");
    }
    match (column.kind, &column.table) {
        (ColumnType::Relation, None) => report.add(format!("{at}.table"), "a relation names the table it refers to"),
        (ColumnType::Relation, Some(target)) if !tables.contains(target.as_str()) => report.add(format!("{at}.table"), format!("no table `{target}`")),
        (ColumnType::Relation, Some(_)) if column.on_delete == Some(OnDelete::SetNull) && column.required => {
            report.add(format!("{at}.onDelete"), "a required column cannot be emptied: use restrict or cascade")
        }
        (ColumnType::Relation, Some(_)) => {}
        (_, Some(_)) => report.add(format!("{at}.table"), "only relation columns refer to a table"),
        (_, None) if column.on_delete.is_some() => report.add(format!("{at}.onDelete"), "only relation columns have onDelete"),
        _ => {}
    }
    if column.unique && matches!(column.kind, ColumnType::Json | ColumnType::File) {
        report.add(format!("{at}.unique"), format!("{} columns cannot be unique", column.kind.as_str()));
    }
    if column.kind != ColumnType::File {
        if column.max_bytes.is_some() {
            report.add(format!("{at}.maxBytes"), "only file columns have maxBytes");
        }
        if column.content_types.is_some() {
            report.add(format!("{at}.contentTypes"), "only file columns have contentTypes");
        }
    } else {
        if column.default.is_some() {
            report.add(format!("{at}.default"), "file columns have no default: a file is uploaded");
        }
        if column.max_bytes == Some(0) {
            report.add(format!("{at}.maxBytes"), "at least 1 byte");
        }
        for (i, pattern) in column.content_types.iter().flatten().enumerate() {
            if !super::document::is_type_pattern(pattern) {
                report.add(format!("{at}.contentTypes[{i}]"), format!("`{pattern}` is not a content type such as image/png or image/*"));
            }
        }
    }
    if let Some(default) = &column.default
        && !default_fits(column.kind, default)
    {
        report.add(format!("{at}.default"), format!("not a {} value", column.kind.as_str()));
    }
}

fn default_fits(kind: ColumnType, value: &Value) -> bool {
    match kind {
        ColumnType::Text | ColumnType::File => value.is_string(),
        ColumnType::Integer => value.is_i64(),
        ColumnType::Float => value.is_number(),
        ColumnType::Boolean => value.is_boolean(),
        ColumnType::Datetime => value.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        ColumnType::Json => true,
        ColumnType::Relation => value.is_i64(),
    }
}

fn check_groups(doc: &WorkspaceDocument, report: &mut Report) {
    let mut seen = HashSet::new();
    for group in &doc.groups {
        let at = format!("groups.{}", group.name);
        if !is_identifier(&group.name) {
            report.add(&at, "a group name has lowercase letters, digits and `_`, starting with a letter");
        }
        if !seen.insert(group.name.as_str()) {
            report.add(&at, "two groups have this name");
        }
    }
}

/// The path's segments, each `Ok(literal)` or `Err(param)`, or why it is invalid.
pub fn parse_path(path: &str) -> Result<Vec<Result<&str, &str>>, String> {
    let Some(rest) = path.strip_prefix('/') else { return Err("a path starts with `/`".into()) };
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    rest.split('/')
        .map(|segment| {
            if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                if is_identifier(param) || param.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !param.is_empty() {
                    Ok(Err(param))
                } else {
                    Err(format!("`{segment}` is not a valid parameter"))
                }
            } else if !segment.is_empty() && segment != "." && segment != ".." && segment.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)) {
                Ok(Ok(segment))
            } else {
                Err(format!("`{segment}` is not a valid path segment"))
            }
        })
        .collect()
}

fn check_routers(doc: &WorkspaceDocument, tables: &HashSet<&str>, groups: &HashSet<&str>, report: &mut Report) {
    let mut names = HashSet::new();
    let mut routes = std::collections::HashMap::new();
    for router in &doc.routers {
        let at = format!("routers.{}", router.name);
        if !is_router_name(&router.name) {
            report.add(&at, "a router name has letters, digits, `_` and `-`, starting with a letter");
        }
        if !names.insert(router.name.as_str()) {
            report.add(&at, "two routers have this name");
        }
        match parse_path(&router.path) {
            Err(message) => report.add(format!("{at}.path"), message),
            Ok(segments) => {
                let mut params = HashSet::new();
                for param in segments.iter().filter_map(|s| s.err()) {
                    if !params.insert(param) {
                        report.add(format!("{at}.path"), format!("parameter `{param}` appears twice"));
                    }
                }
                // `/posts/{id}` and `/posts/{slug}` are the same route.
                let shape: Vec<&str> = segments.iter().map(|s| s.unwrap_or("{}")).collect();
                if let Some(other) = routes.insert((router.method, shape), router.name.as_str()) {
                    report.add(format!("{at}.path"), format!("the router `{other}` serves {} {} already", router.method.as_str(), router.path));
                }
            }
        }
        if RESERVED_PREFIXES.iter().any(|p| router.path == *p || router.path.starts_with(&format!("{p}/"))) {
            report.add(format!("{at}.path"), "paths under /auth and /files are built in (end users' sign-in, and downloads of file columns)");
        }
        if router.access.owner_only && router.access.allow == Allow::Public {
            report.add(format!("{at}.access.ownerOnly"), "owner-only routers need signed-in callers");
        }
        if router.access.owner_only {
            let read = router.steps.iter().filter_map(|step| match &step.action {
                Action::List(list) => Some(list.table.as_str()),
                Action::Get(row) | Action::Delete(row) => Some(row.table.as_str()),
                Action::Update(write) => Some(write.table.as_str()),
                Action::Count(count) => Some(count.table.as_str()),
                Action::Watch(watch) => Some(watch.table.as_str()),
                _ => None,
            });
            let unowned: Vec<&str> = read.filter(|name| doc.tables.iter().any(|t| t.name == *name && !t.owned)).collect();
            if let Some(table) = unowned.first() {
                report.add(
                    format!("{at}.access.ownerOnly"),
                    format!("`{table}` has no owner column (it is not `owned`): owner-only access would limit nothing there; make the table owned, or drop ownerOnly"),
                );
            }
        }
        if let Allow::Groups(allowed) = &router.access.allow {
            if allowed.is_empty() {
                report.add(format!("{at}.access.allow"), "list at least one group");
            }
            for group in allowed.iter().filter(|g| !groups.contains(g.as_str())) {
                report.add(format!("{at}.access.allow"), format!("no group `{group}`"));
            }
        }
        for (part, schema) in [("params", &router.input.params), ("query", &router.input.query), ("body", &router.input.body)] {
            if schema.as_ref().is_some_and(|s| !s.is_object() && !s.is_boolean()) {
                report.add(format!("{at}.input.{part}"), "a JSON Schema is an object (or true/false)");
            }
        }
        check_steps(router, &at, doc, tables, report);
    }
}

fn check_steps(router: &Router, at: &str, doc: &WorkspaceDocument, tables: &HashSet<&str>, report: &mut Report) {
    if router.steps.is_empty() {
        report.add(format!("{at}.steps"), "a router needs at least one step");
    }
    let mut names = HashSet::new();
    for (i, step) in router.steps.iter().enumerate() {
        let at = format!("{at}.steps[{i}]");
        if let Some(name) = &step.name
            && (!is_identifier(name) || !names.insert(name.as_str()))
        {
            report.add(format!("{at}.as"), "a step name is an identifier, unique within the router");
        }
        if let Some(table) = step.action.table()
            && !tables.contains(table)
        {
            report.add(format!("{at}.{}.table", step.action.kind()), format!("no table `{table}`"));
        }
        match &step.action {
            Action::List(list) => {
                let columns = table_columns(doc, &list.table);
                for order in &list.order_by {
                    let column = order.strip_prefix('-').unwrap_or(order);
                    if columns.as_ref().is_some_and(|cols| !cols.contains(&column.to_owned())) {
                        report.add(format!("{at}.list.orderBy"), format!("no column `{column}`"));
                    }
                }
            }
            Action::Update(write) if write.id.is_none() => {
                report.add(format!("{at}.update.id"), "an update names the row's id");
            }
            Action::Insert(write) | Action::Update(write) if !write.values.is_object() && !write.values.is_string() => {
                report.add(format!("{at}.{}.values", step.action.kind()), "values maps columns to values, or is one template");
            }
            Action::Insert(write) if write.id.is_some() => {
                report.add(format!("{at}.insert.id"), "ids of new rows are assigned by the database");
            }
            Action::Insert(write) if write.partial => {
                report.add(format!("{at}.insert.partial"), "only an update is partial: an insert writes every column it is given");
            }
            Action::Update(write) if write.partial && !write.values.is_object() => {
                report.add(
                    format!("{at}.update.partial"),
                    "`partial` takes values per column; one template (`${request.body}`) already writes only the columns it gives",
                );
            }
            Action::Check(check) if !(400..=499).contains(&check.status) => {
                report.add(format!("{at}.check.status"), "a failed check answers with a 4xx status");
            }
            Action::Respond(respond) if !(100..=599).contains(&respond.status) => {
                report.add(format!("{at}.respond.status"), "not an HTTP status");
            }
            Action::Set(set) if !is_identifier(&set.name) => {
                report.add(format!("{at}.set.name"), "a variable name is an identifier");
            }
            Action::Watch(watch) => {
                if router.steps.len() != 1 || step.condition.is_some() {
                    report.add(format!("{at}.watch"), "a watch is a router's only step, with no `if`: the router streams the table's changes");
                }
                if router.method != Method::Get {
                    report.add(format!("{at}.watch"), "a watch router is a GET router (browsers' EventSource sends GET)");
                }
                let columns = table_columns(doc, &watch.table);
                match &watch.filter {
                    Some(Value::Object(filter)) => {
                        for column in filter.keys().filter(|c| columns.as_ref().is_some_and(|cols| !cols.contains(c))) {
                            report.add(format!("{at}.watch.where.{column}"), format!("no column `{column}`"));
                        }
                    }
                    Some(Value::Null) | None => {}
                    Some(_) => report.add(format!("{at}.watch.where"), "a filter maps columns to values"),
                }
            }
            _ => {}
        }
        for field in write_fields(&step.action) {
            let columns = step.action.table().and_then(|t| table_columns(doc, t));
            if let Some(columns) = columns
                && !columns.contains(&field.to_owned())
            {
                report.add(format!("{at}.{}.values.{field}", step.action.kind()), format!("no column `{field}`"));
            }
        }
    }
}

/// The columns a step's `values` sets.
fn write_fields(action: &Action) -> Vec<&str> {
    match action {
        Action::Insert(w) | Action::Update(w) => w.values.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// All columns of a table, system ones included.
fn table_columns(doc: &WorkspaceDocument, table: &str) -> Option<Vec<String>> {
    let table = doc.tables.iter().find(|t| t.name == table)?;
    let mut columns: Vec<String> = SYSTEM_COLUMNS.iter().filter(|c| **c != "owner" || table.owned).map(|c| (*c).to_owned()).collect();
    columns.extend(table.columns.iter().map(|c| c.name.clone()));
    Some(columns)
}

/// The full check of a document that activation makes: the structural
/// checks above and the compile of every expression, schema and script.
/// The engine compiles, and it sits above the workspace: it is handed to
/// `Workspace::new` (see `app`), so the workspace checks with the engine's
/// own rules without importing it.
pub type CompileCheck = fn(&WorkspaceDocument) -> Result<(), Vec<Problem>>;

/// Every problem of `document` that `compile` finds, on the compile pool (a
/// large document must not hold an async worker). Gives the document back.
pub async fn check(compile: CompileCheck, document: WorkspaceDocument) -> crate::error::ServiceResult<(WorkspaceDocument, Vec<Problem>)> {
    crate::heavy::run(crate::heavy::Pool::Compile, move || {
        let problems = compile(&document).err().unwrap_or_default();
        (document, problems)
    })
    .await
}
