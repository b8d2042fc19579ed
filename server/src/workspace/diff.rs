//! What changed between two workspace documents, in words: the routers,
//! tables and groups added, changed and removed, and for each changed one
//! what changed in it, down to the field (`step 1 (insert as note)
//! values.title: "${a}" → "${b}"`). Deploy plans and releases say it against
//! what a target serves; the workspace's history against the revision before.

mod fields;
mod steps;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    WorkspaceDocument,
    document::{Column, Index, Router, Table},
    test_case::TestCase,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Changed => "changed",
            Self::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefinitionChange {
    /// `router`, `table`, `group` or `auth`; in the history also `test` and `fixtures`.
    pub what: String,
    pub name: String,
    pub change: ChangeKind,
    /// For a router, its method and path; for a table, its column count.
    pub summary: String,
    /// What changed inside it, one line each.
    pub details: Vec<String>,
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn router_summary(router: &Router) -> String {
    format!("{} {}", router.method.as_str(), router.path)
}

fn router_details(old: &Router, new: &Router) -> Vec<String> {
    let mut details = Vec::new();
    if old.method != new.method || old.path != new.path {
        details.push(format!("route: {} → {}", router_summary(old), router_summary(new)));
    }
    details.extend(fields::lines("access", &json(&old.access), &json(&new.access)));
    details.extend(fields::lines("input", &json(&old.input), &json(&new.input)));
    details.extend(steps::lines(&old.steps, &new.steps));
    details.extend(description(&old.description, &new.description));
    details
}

fn description(old: &str, new: &str) -> Vec<String> {
    fields::lines("description", &Value::from(old), &Value::from(new))
}

/// `title: max 100 → 200, required false → true`.
fn column_details(old: &Column, new: &Column) -> Option<String> {
    let said = fields::flat(&json(old), &json(new));
    (!said.is_empty()).then(|| format!("column {}: {}", new.name, said.join(", ")))
}

fn index_words(index: &Index) -> String {
    format!("{}index on ({})", if index.unique { "unique " } else { "" }, index.columns.join(", "))
}

fn table_details(old: &Table, new: &Table) -> Vec<String> {
    let mut details = description(&old.description, &new.description);
    for column in &new.columns {
        match old.columns.iter().find(|c| c.name == column.name) {
            None => details.push(format!("column {} added ({})", column.name, column.kind.as_str())),
            Some(before) => details.extend(column_details(before, column)),
        }
    }
    for column in old.columns.iter().filter(|c| !new.columns.iter().any(|n| n.name == c.name)) {
        details.push(format!("column {} removed", column.name));
    }
    let kept = |from: &Table, to: &Table| -> Vec<String> {
        from.columns.iter().filter(|c| to.columns.iter().any(|n| n.name == c.name)).map(|c| c.name.clone()).collect()
    };
    if kept(old, new) != kept(new, old) {
        details.push("columns reordered".to_owned());
    }
    for index in new.indexes.iter().filter(|i| !old.indexes.contains(i)) {
        details.push(format!("{} added", index_words(index)));
    }
    for index in old.indexes.iter().filter(|i| !new.indexes.contains(i)) {
        details.push(format!("{} removed", index_words(index)));
    }
    if old.owned != new.owned {
        details.push(format!("owned by end users: {} → {}", old.owned, new.owned));
    }
    details
}

fn test_details(old: &TestCase, new: &TestCase) -> Vec<String> {
    let mut details = Vec::new();
    if old.router != new.router {
        details.push(format!("router: {} → {}", old.router, new.router));
    }
    let (mut before, mut after) = (json(old), json(new));
    for value in [&mut before, &mut after] {
        if let Value::Object(map) = value {
            map.remove("name");
            map.remove("router");
        }
    }
    details.extend(fields::lines("", &before, &after));
    details
}

/// Compares named items of two lists.
fn compare<T: PartialEq>(
    what: &str,
    old: &[T],
    new: &[T],
    name: impl Fn(&T) -> &str,
    summary: impl Fn(&T) -> String,
    details: impl Fn(&T, &T) -> Vec<String>,
    out: &mut Vec<DefinitionChange>,
) {
    for item in new {
        let change = match old.iter().find(|o| name(o) == name(item)) {
            None => Some((ChangeKind::Added, Vec::new())),
            Some(before) if before != item => Some((ChangeKind::Changed, fields::capped(details(before, item)))),
            Some(_) => None,
        };
        if let Some((change, details)) = change {
            out.push(DefinitionChange { what: what.to_owned(), name: name(item).to_owned(), change, summary: summary(item), details });
        }
    }
    for item in old.iter().filter(|o| !new.iter().any(|n| name(n) == name(o))) {
        out.push(DefinitionChange {
            what: what.to_owned(),
            name: name(item).to_owned(),
            change: ChangeKind::Removed,
            summary: summary(item),
            details: Vec::new(),
        });
    }
}

/// From what is served (`old`, None when nothing is) to `new`: what a
/// deploy changes. Test cases and fixtures are not served, so not compared.
pub fn changes(old: Option<&WorkspaceDocument>, new: &WorkspaceDocument) -> Vec<DefinitionChange> {
    let empty = WorkspaceDocument::default();
    let old = old.unwrap_or(&empty);
    let mut out = Vec::new();
    compare("router", &old.routers, &new.routers, |r| r.name.as_str(), router_summary, router_details, &mut out);
    compare("table", &old.tables, &new.tables, |t| t.name.as_str(), |t| format!("{} columns", t.columns.len()), table_details, &mut out);
    compare("group", &old.groups, &new.groups, |g| g.name.as_str(), |g| g.description.clone(), |o, n| description(&o.description, &n.description), &mut out);
    if old.auth != new.auth {
        out.push(DefinitionChange {
            what: "auth".into(),
            name: "auth".into(),
            change: ChangeKind::Changed,
            summary: "end-user sign-up and tokens".into(),
            details: fields::flat(&json(&old.auth), &json(&new.auth)),
        });
    }
    out
}

fn fixtures_summary(document: &WorkspaceDocument) -> String {
    let rows: usize = document.fixtures.rows.values().map(|rows| rows.as_array().map_or(0, Vec::len)).sum();
    format!("{rows} rows, {} end users", document.fixtures.end_users.len())
}

/// Everything that changed from `old` (None: the empty workspace) to `new`,
/// test cases and fixtures too: what one revision of the workspace changed.
pub fn revision_changes(old: Option<&WorkspaceDocument>, new: &WorkspaceDocument) -> Vec<DefinitionChange> {
    let empty = WorkspaceDocument::default();
    let old = old.unwrap_or(&empty);
    let mut out = changes(Some(old), new);
    compare("test", &old.tests, &new.tests, |t| t.name.as_str(), |t| format!("of {}", t.router), test_details, &mut out);
    if old.fixtures != new.fixtures {
        let change = match (old.fixtures.is_empty(), new.fixtures.is_empty()) {
            (true, _) => ChangeKind::Added,
            (_, true) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        let details = match change {
            ChangeKind::Changed => fields::lines("", &json(&old.fixtures), &json(&new.fixtures)),
            _ => Vec::new(),
        };
        let summary = fixtures_summary(if change == ChangeKind::Removed { old } else { new });
        out.push(DefinitionChange { what: "fixtures".into(), name: "fixtures".into(), change, summary, details });
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn blog() -> WorkspaceDocument {
        let text = include_str!("../../../examples/blog.json");
        serde_json::from_str(text).expect("the blog example")
    }

    #[test]
    fn changes_name_what_was_added_changed_and_removed() {
        let old = blog();
        let mut new = blog();
        new.routers.retain(|r| r.name != "deletePost");
        new.routers[0].path = "/articles".into();
        new.tables[0].columns.pop();
        let changes = changes(Some(&old), &new);
        let said: Vec<String> = changes.iter().map(|c| format!("{} {} {:?}", c.what, c.name, c.change)).collect();
        assert!(said.contains(&"router deletePost Removed".to_owned()), "{said:?}");
        assert!(said.iter().any(|s| s.starts_with("table ") && s.ends_with("Changed")), "{said:?}");
        let moved = changes.iter().find(|c| c.name == new.routers[0].name).expect("the moved router");
        assert!(moved.details[0].starts_with("route: "), "{:?}", moved.details);
        let from_nothing = super::changes(None, &old);
        assert!(from_nothing.iter().filter(|c| c.change == ChangeKind::Added).count() == old.routers.len() + old.tables.len() + old.groups.len());
        assert!(super::changes(Some(&old), &old).is_empty());
    }

    fn details_of<'a>(changes: &'a [DefinitionChange], name: &str) -> &'a [String] {
        &changes.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} in {changes:?}")).details
    }

    #[test]
    fn a_change_names_the_fields_that_changed() {
        let old = blog();
        let mut new = blog();
        let create = new.routers.iter_mut().find(|r| r.name == "createPost").expect("createPost");
        let mut step = json(&create.steps[0]);
        step["insert"]["values"]["title"] = json!("${request.body.heading}");
        create.steps[0] = serde_json::from_value(step).expect("a step");
        create.access = serde_json::from_value(json!({ "allow": "public" })).expect("access");
        let title = &mut new.tables[0].columns[0];
        title.max = Some(300.0);
        title.required = false;
        new.auth.signup_open = false;
        new.groups[0].description = "Editors.".into();

        let changes = changes(Some(&old), &new);
        assert_eq!(
            details_of(&changes, "createPost"),
            ["access.allow: \"signedIn\" → \"public\"", "step 1 (insert as post) values.title: \"${request.body.title}\" → \"${request.body.heading}\""]
        );
        assert_eq!(details_of(&changes, "posts"), ["column title: required true → false, max 200.0 → 300.0"]);
        assert_eq!(details_of(&changes, "auth"), ["signupOpen true → false"]);
        assert_eq!(details_of(&changes, "editors"), ["description: \"May delete any post and see statistics.\" → \"Editors.\""]);
    }

    #[test]
    fn a_revision_also_says_what_changed_in_tests_and_fixtures() {
        let old = blog();
        let mut new = blog();
        new.fixtures.end_users.pop();
        assert!(changes(Some(&old), &new).is_empty(), "not served: no deploy change");
        let said = revision_changes(Some(&old), &new);
        assert_eq!(said.len(), 1, "{said:?}");
        assert_eq!((said[0].what.as_str(), said[0].change), ("fixtures", ChangeKind::Changed));
        assert!(said[0].details[0].starts_with("endUsers"), "{said:?}");
        new.fixtures = Default::default();
        assert_eq!(revision_changes(Some(&old), &new)[0].change, ChangeKind::Removed);
        assert!(revision_changes(Some(&new), &new).is_empty());
    }
}
