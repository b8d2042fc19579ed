//! What a deploy or a rollback changes in the definitions, in words: the
//! routers, tables and groups added, changed and removed, and for each
//! changed one what changed in it.

use serde::{Deserialize, Serialize};

use crate::workspace::{
    WorkspaceDocument,
    document::{Router, Table},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefinitionChange {
    /// `router`, `table`, `group` or `auth`.
    pub what: String,
    pub name: String,
    pub change: ChangeKind,
    /// For a router, its method and path; for a table, its column count.
    pub summary: String,
    /// What changed inside it, one line each.
    pub details: Vec<String>,
}

fn router_summary(router: &Router) -> String {
    format!("{} {}", router.method.as_str(), router.path)
}

fn router_details(old: &Router, new: &Router) -> Vec<String> {
    let mut details = Vec::new();
    if old.method != new.method || old.path != new.path {
        details.push(format!("route: {} → {}", router_summary(old), router_summary(new)));
    }
    if old.access != new.access {
        details.push(format!("access: {} → {}", json(&old.access), json(&new.access)));
    }
    if old.input != new.input {
        details.push("input schema changed".to_owned());
    }
    if old.steps.len() != new.steps.len() {
        details.push(format!("steps: {} → {}", old.steps.len(), new.steps.len()));
    }
    for (index, (before, after)) in old.steps.iter().zip(&new.steps).enumerate() {
        if before != after {
            let name = after.name.clone().unwrap_or_else(|| index.to_string());
            details.push(format!("step {name} ({}) changed", after.action.kind()));
        }
    }
    if old.description != new.description {
        details.push("description changed".to_owned());
    }
    details
}

fn table_details(old: &Table, new: &Table) -> Vec<String> {
    let mut details = Vec::new();
    for column in &new.columns {
        match old.columns.iter().find(|c| c.name == column.name) {
            None => details.push(format!("column {} added ({})", column.name, column.kind.as_str())),
            Some(before) if before != column => details.push(format!("column {} changed", column.name)),
            Some(_) => {}
        }
    }
    for column in old.columns.iter().filter(|c| !new.columns.iter().any(|n| n.name == c.name)) {
        details.push(format!("column {} removed", column.name));
    }
    if old.indexes != new.indexes {
        details.push("indexes changed".to_owned());
    }
    if old.owned != new.owned {
        details.push(format!("owned by end users: {} → {}", old.owned, new.owned));
    }
    details
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
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
            Some(before) if before != item => Some((ChangeKind::Changed, details(before, item))),
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

/// From what is served (`old`, None when nothing is) to `new`.
pub fn changes(old: Option<&WorkspaceDocument>, new: &WorkspaceDocument) -> Vec<DefinitionChange> {
    let empty = WorkspaceDocument::default();
    let old = old.unwrap_or(&empty);
    let mut out = Vec::new();
    compare("router", &old.routers, &new.routers, |r| r.name.as_str(), router_summary, router_details, &mut out);
    compare("table", &old.tables, &new.tables, |t| t.name.as_str(), |t| format!("{} columns", t.columns.len()), table_details, &mut out);
    compare("group", &old.groups, &new.groups, |g| g.name.as_str(), |g| g.description.clone(), |_, _| vec!["description changed".to_owned()], &mut out);
    if old.auth != new.auth {
        out.push(DefinitionChange {
            what: "auth".into(),
            name: "auth".into(),
            change: ChangeKind::Changed,
            summary: "end-user sign-up and tokens".into(),
            details: vec![format!("{} → {}", json(&old.auth), json(&new.auth))],
        });
    }
    out
}

#[cfg(test)]
mod tests {
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
}
