//! Test cases as the workspace document holds them: a named sequence of
//! requests against one router's environment, each with what it expects.
//! Generated cases are derived from the routers whenever they are needed
//! (`testing::generate`) and are not stored; a case is stored in the document
//! once someone writes or edits it (`generated: false`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::document::Method;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestCase {
    /// Unique in the workspace: `getPost: happy path`, `posts: CRUD`…
    pub name: String,
    /// The router the case is about.
    pub router: String,
    /// Made by the generator (and made again when the router changes).
    #[serde(default)]
    pub generated: bool,
    /// Who calls, unless a step says otherwise.
    #[serde(default)]
    pub act_as: ActAs,
    pub steps: Vec<TestStep>,
}

/// Who a step's request comes from. The runner signs in fixture end users
/// (one per group, and two with no group) of a reserved email domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActAs {
    #[default]
    Anonymous,
    /// A signed-in end user in no group.
    SignedIn,
    /// Another signed-in end user in no group (not the owner of what `signedIn` made).
    OtherUser,
    /// A member of this group.
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestStep {
    /// Later steps read this one's answer as `${steps.<as>.status}`, `.body`, `.headers`.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub method: Method,
    /// The path under the environment, a template: `/posts/${steps.create.body.id}`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub query: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub headers: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Files to upload, by body field: the request goes as
    /// `multipart/form-data`, the body's fields as its text parts.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub files: std::collections::BTreeMap<String, TestFile>,
    /// Overrides the case's caller for this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_as: Option<ActAs>,
    pub expect: Expectation,
}

/// A file a step uploads: its name, type, and content as text or base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestFile {
    pub name: String,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
}

impl TestFile {
    /// The file's bytes, or why they cannot be read.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        use base64::Engine;
        match (&self.text, &self.base64) {
            (Some(text), None) => Ok(text.clone().into_bytes()),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|err| format!("`{}`: not base64: {err}", self.name)),
            (None, None) => Ok(Vec::new()),
            (Some(_), Some(_)) => Err(format!("`{}`: give text or base64, not both", self.name)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expectation {
    /// `201`, or a class such as `"2xx"`.
    pub status: ExpectedStatus,
    /// A JSON subset the body must contain: objects by key, arrays by some
    /// element matching each expected one. A template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// JSON Pointers (`/items/0/title`) and the values found there. Templates.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub paths: Map<String, Value>,
    /// The body must fit the shape the router answers with, as the OpenAPI
    /// export describes it (where that shape is known: a row, a list, a count).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub matches_schema: bool,
    /// For a stream (a watch router's): the events it must deliver first, in
    /// this order, checked once the case's later steps have run (waiting up
    /// to `EVENTS_WITHIN`). The stream stays open while they run; a later
    /// step naming `${steps.<as>.events…}` waits for these events first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ExpectedEvent>,
}

/// How long a case waits for a stream's expected events.
pub const EVENTS_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// One event a stream must deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectedEvent {
    pub event: EventName,
    /// A JSON subset the event's data must contain (the row). A template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// What a watch stream's events are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventName {
    Insert,
    Update,
    Delete,
    /// The cursor was older than the feed keeps: the client refetches.
    Resync,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Resync => "resync",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExpectedStatus {
    Exact(u16),
    /// `"2xx"`, `"4xx"`…
    Class(String),
}

impl ExpectedStatus {
    pub fn accepts(&self, status: u16) -> bool {
        match self {
            Self::Exact(expected) => *expected == status,
            Self::Class(class) => class.len() == 3 && class.ends_with("xx") && class.as_bytes()[0] == b'0' + (status / 100) as u8,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Exact(status) => status.to_string(),
            Self::Class(class) => class.clone(),
        }
    }

    pub fn is_valid(&self) -> bool {
        match self {
            Self::Exact(status) => (100..=599).contains(status),
            Self::Class(class) => matches!(class.as_str(), "1xx" | "2xx" | "3xx" | "4xx" | "5xx"),
        }
    }
}
