//! The workspace document: every table, end-user group and router, as one
//! versioned JSON document. It is what `exportWorkspace` produces and
//! `importWorkspace` accepts, what each revision stores, and what an
//! environment activates. `docs/workspace.md` explains every field.
//!
//! Unknown fields are refused rather than ignored, so a typo in an imported
//! document is an error and not a silently missing setting.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const FORMAT: &str = "serverkit.workspace";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceDocument {
    /// Always `serverkit.workspace`.
    pub format: String,
    /// The version of this format; `1`.
    pub version: u32,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub routers: Vec<Router>,
    #[serde(default)]
    pub auth: AuthSettings,
    /// Test cases written or edited by hand; generated ones are derived from
    /// the routers and not stored (see `test_case`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<super::test_case::TestCase>,
    /// Rows and end users each test run loads into its sandbox first.
    #[serde(default, skip_serializing_if = "super::fixtures::Fixtures::is_empty")]
    pub fixtures: super::fixtures::Fixtures,
}

impl Default for WorkspaceDocument {
    fn default() -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            tables: Vec::new(),
            groups: Vec::new(),
            routers: Vec::new(),
            auth: AuthSettings::default(),
            tests: Vec::new(),
            fixtures: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthSettings {
    /// Whether `POST /auth/signup` is open to anyone.
    #[serde(default = "yes")]
    pub signup_open: bool,
    /// The group new end users join at sign-up, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_group: Option<String>,
    /// Lifetime of end users' bearer tokens, in hours.
    #[serde(default = "default_token_hours")]
    pub token_ttl_hours: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self { signup_open: true, default_group: None, token_ttl_hours: default_token_hours() }
    }
}

fn is_false(value: &bool) -> bool {
    !value
}

fn yes() -> bool {
    true
}

fn default_token_hours() -> u32 {
    24 * 30
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Table {
    /// SQL-safe name: lowercase letters, digits and `_`, starting with a letter.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Adds an `owner` column holding the end user who created each row.
    #[serde(default, skip_serializing_if = "is_false")]
    pub owned: bool,
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ColumnType {
    Text,
    Integer,
    Float,
    Boolean,
    /// RFC 3339 timestamps, stored in UTC.
    Datetime,
    Json,
    /// A key of an object in the environment's file store.
    File,
    /// The id of a row of another table (`table` names it).
    Relation,
}

impl ColumnType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Datetime => "datetime",
            Self::Json => "json",
            Self::File => "file",
            Self::Relation => "relation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OnDelete {
    /// Deleting the referenced row is refused while rows point at it.
    #[default]
    Restrict,
    /// Deleting the referenced row deletes the rows pointing at it.
    Cascade,
    /// Deleting the referenced row empties the column.
    SetNull,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A constant used when an insert gives no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Text: least number of characters; numbers: least value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Text: most characters; numbers: greatest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Relations: the table referred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Relations: what deleting the referenced row does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<OnDelete>,
    /// Files: the largest accepted, in bytes (the environment's `maxFileBytes` applies too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// Files: the content types accepted (`image/png`, or `image/*`); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Index {
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Router {
    /// Unique name, used in logs, tests and errors.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub method: Method,
    /// OpenAPI-style path: `/posts/{id}/comments`.
    pub path: String,
    pub access: Access,
    #[serde(default, skip_serializing_if = "Input::is_empty")]
    pub input: Input,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Access {
    pub allow: Allow,
    /// Row steps only see and touch rows whose owner is the caller.
    #[serde(default, skip_serializing_if = "is_false")]
    pub owner_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Allow {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in end user.
    SignedIn,
    /// Signed-in end users in at least one of these groups.
    Groups(Vec<String>),
}

/// JSON Schemas for the parts of a request; absent parts are not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Input {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl Input {
    pub fn is_empty(&self) -> bool {
        self.params.is_none() && self.query.is_none() && self.body.is_none()
    }
}

/// One step of a router's pipeline. `as` names its result for later steps
/// (`steps.<as>`); `if` skips the step when the expression is falsy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(flatten)]
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    List(ListStep),
    Get(RowStep),
    Insert(WriteStep),
    Update(WriteStep),
    Delete(RowStep),
    Count(CountStep),
    /// Sets `vars.<name>` to a value (a template).
    Set(SetStep),
    Check(CheckStep),
    Script(ScriptStep),
    Respond(RespondStep),
    /// Streams the table's changes as Server-Sent Events: a GET router's
    /// only step (a watch router).
    Watch(WatchStep),
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::List(_) => "list",
            Self::Get(_) => "get",
            Self::Insert(_) => "insert",
            Self::Update(_) => "update",
            Self::Delete(_) => "delete",
            Self::Count(_) => "count",
            Self::Set(_) => "set",
            Self::Check(_) => "check",
            Self::Script(_) => "script",
            Self::Respond(_) => "respond",
            Self::Watch(_) => "watch",
        }
    }

    /// The table a row step works on.
    pub fn table(&self) -> Option<&str> {
        match self {
            Self::List(s) => Some(&s.table),
            Self::Get(s) | Self::Delete(s) => Some(&s.table),
            Self::Insert(s) | Self::Update(s) => Some(&s.table),
            Self::Count(s) => Some(&s.table),
            Self::Watch(s) => Some(&s.table),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListStep {
    pub table: String,
    /// Column → value template (equality) or `{"gt": …}` style operators.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    /// Columns to sort by; `-` in front sorts descending. Defaults to `-id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_by: Vec<String>,
    /// Rows per page (a template), 1–1000; 50 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Value>,
    /// The cursor returned by the previous page (a template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// Rows to skip (a template), when paging by offset instead of cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RowStep {
    pub table: String,
    /// The row's id (a template).
    pub id: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WriteStep {
    pub table: String,
    /// Update only: the row's id (a template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// Column → value template, or one template giving such an object
    /// (`"${request.body}"`); on update only the columns given change.
    pub values: Value,
    /// Update only, with values per column: a partial update. A column whose
    /// value is `${request.body.<field>}` is written only when the request
    /// sent that field (sent as null, it becomes null); absent, it keeps its
    /// value. Columns from other templates are always written.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CountStep {
    pub table: String,
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
}

/// A watch: the rows of `table` that a list with this `where` (and the
/// router's owner rule) would return to the caller, as they are inserted,
/// updated and deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WatchStep {
    pub table: String,
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetStep {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckStep {
    /// An expression; the request fails when it is falsy.
    pub condition: String,
    /// HTTP status of the failure (400–499).
    pub status: u16,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScriptStep {
    /// The script's source; its last expression is the step's result.
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RespondStep {
    #[serde(default = "ok_status")]
    pub status: u16,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub headers: serde_json::Map<String, Value>,
    /// A template; absent means no body (use with 204).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

fn ok_status() -> u16 {
    200
}

/// `type/subtype` or `type/*`.
pub fn is_type_pattern(pattern: &str) -> bool {
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c));
    match pattern.split_once('/') {
        Some((kind, "*")) => token(kind),
        Some((kind, sub)) => token(kind) && token(sub),
        None => false,
    }
}

/// Index names derive from table and columns, so the same definition always
/// names the same index.
pub fn index_name(table: &str, index: &Index) -> String {
    let prefix = if index.unique { "ux" } else { "ix" };
    let name = format!("{prefix}_{table}_{}", index.columns.join("_"));
    if name.len() <= 63 { name } else { format!("{}_{:08x}", &name[..50], crc(&name)) }
}

fn crc(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// Unique columns become unique indexes, so they can be added and dropped later.
pub fn all_indexes(table: &Table) -> Vec<Index> {
    let mut indexes: Vec<Index> = table.columns.iter().filter(|c| c.unique).map(|c| Index { columns: vec![c.name.clone()], unique: true }).collect();
    indexes.extend(table.indexes.iter().cloned());
    if table.owned {
        indexes.push(Index { columns: vec!["owner".into()], unique: false });
    }
    indexes
}

/// The request body field an exact `${request.body.<field>}` template reads.
pub fn body_field(template: &str) -> Option<&str> {
    let inner = template.trim().strip_prefix("${")?.strip_suffix('}')?.trim();
    let field = inner.strip_prefix("request.body.")?;
    (!field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(field)
}
