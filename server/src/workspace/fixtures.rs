//! Fixtures: rows and end users that every test run loads into its sandbox
//! before its cases run, so cases can read, change and delete known data.
//! Cases (and later fixtures) refer to them: `${fixtures.posts[0].id}`,
//! `${fixtures.endUsers[0].email}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// At most this many rows and users in all: fixtures are loaded on every run.
pub const MAX_FIXTURES: usize = 1_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixtures {
    /// Rows by table name: a list of objects of column values each. Tables
    /// are loaded in the document's order, rows in their own; values may be
    /// templates over the fixtures loaded before (`${fixtures.posts[0].id}`).
    /// An owned table's rows may set `owner`, usually to an end user's id.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub rows: Map<String, Value>,
    /// End users, signed up before any row is loaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub end_users: Vec<FixtureUser>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureUser {
    pub email: String,
    /// To sign in as them from a case (`POST /auth/login`); without one,
    /// nobody can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl Fixtures {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.end_users.is_empty()
    }

    /// The rows of `table`, when they are a list of objects.
    pub fn rows_of(&self, table: &str) -> Option<Vec<&Map<String, Value>>> {
        self.rows.get(table)?.as_array()?.iter().map(Value::as_object).collect()
    }
}
