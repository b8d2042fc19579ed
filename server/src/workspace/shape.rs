//! Reading a document, or one definition, from JSON, and saying everything
//! wrong with its shape at once: each table, column, router and step is read
//! on its own, so one bad step does not hide the next. Paths name things as
//! `validate` does (`routers.getPost.steps[0].get`), and messages say what a
//! JSON author wrote, never a Rust type name.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    WorkspaceDocument,
    document::{Column, Router, Step, Table},
};
use crate::error::{Problem, ServiceError, ServiceResult};

/// Reads a document, listing every shape problem.
pub fn parse(json: Value) -> ServiceResult<WorkspaceDocument> {
    read(json, "", document_problems)
}

/// Reads one definition (a table, router or test case) put on its own;
/// `what` prefixes its paths (`router.steps[0]`).
pub fn parse_as<T: DeserializeOwned + Explained>(json: Value, what: &str) -> ServiceResult<T> {
    read(json, what, T::problems)
}

/// Reading first as a whole keeps the common, valid case one pass; only a
/// refused value is read again piece by piece to find all its problems.
fn read<T: DeserializeOwned>(json: Value, at: &str, explain: fn(&Value, &str) -> Vec<Problem>) -> ServiceResult<T> {
    let problems = match serde_path_to_error::deserialize::<_, T>(&json) {
        Ok(value) => return Ok(value),
        Err(err) => {
            let mut problems = explain(&json, at);
            if problems.is_empty() {
                problems.push(problem(at, &err));
            }
            problems
        }
    };
    Err(ServiceError::Invalid(problems))
}

/// How a value's shape problems are found, part by part.
pub trait Explained {
    fn problems(json: &Value, at: &str) -> Vec<Problem>;
}

impl Explained for Table {
    fn problems(json: &Value, at: &str) -> Vec<Problem> {
        with_parts::<Table, Column>(json, at, "columns", Named::ByName)
    }
}

impl Explained for Router {
    fn problems(json: &Value, at: &str) -> Vec<Problem> {
        with_parts::<Router, Step>(json, at, "steps", Named::ByIndex)
    }
}

impl Explained for super::test_case::TestCase {
    fn problems(json: &Value, at: &str) -> Vec<Problem> {
        first::<Self>(json, at)
    }
}

impl Explained for super::document::Group {
    fn problems(json: &Value, at: &str) -> Vec<Problem> {
        first::<Self>(json, at)
    }
}

fn document_problems(json: &Value, _: &str) -> Vec<Problem> {
    let Some(object) = json.as_object() else {
        return vec![Problem { path: "document".into(), message: format!("a workspace document is a JSON object, not {}", kind(json)) }];
    };
    let mut problems = Vec::new();
    let mut rest = object.clone();
    for (key, explain) in [
        ("tables", Table::problems as fn(&Value, &str) -> Vec<Problem>),
        ("routers", Router::problems),
        ("groups", super::document::Group::problems),
        ("tests", super::test_case::TestCase::problems),
    ] {
        let Some(items) = rest.get_mut(key).map(Value::take) else { continue };
        rest.insert(key.to_owned(), Value::Array(Vec::new()));
        match items {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    problems.extend(explain(item, &element(key, &items, index)));
                }
            }
            other => problems.push(Problem { path: key.to_owned(), message: format!("`{key}` is a list, not {}", kind(&other)) }),
        }
    }
    problems.extend(first::<WorkspaceDocument>(&Value::Object(rest), ""));
    problems
}

/// How the elements of a list are named in paths.
#[derive(Clone, Copy)]
enum Named {
    /// `columns.title`, when the element has a name of its own.
    ByName,
    /// `steps[0]`: steps are known by their place (`as` is optional).
    ByIndex,
}

/// The problems of a value with a list of parts (a table's columns, a
/// router's steps): each part's, then the rest's with the list emptied.
fn with_parts<Whole: DeserializeOwned, Part: DeserializeOwned>(json: &Value, at: &str, key: &str, named: Named) -> Vec<Problem> {
    let Some(object) = json.as_object() else { return first::<Whole>(json, at) };
    let mut rest = object.clone();
    let mut problems = Vec::new();
    if let Some(Value::Array(parts)) = rest.get_mut(key).map(Value::take) {
        for (index, part) in parts.iter().enumerate() {
            let path = match named {
                Named::ByName => element(key, &parts, index),
                Named::ByIndex => format!("{key}[{index}]"),
            };
            problems.extend(first::<Part>(part, &join(at, &path)));
        }
        rest.insert(key.to_owned(), Value::Array(Vec::new()));
    } else if let Some(other) = object.get(key) {
        rest.insert(key.to_owned(), other.clone());
    }
    problems.extend(first::<Whole>(&Value::Object(rest), at));
    problems
}

/// The first problem serde finds in `json` read as `T`, if any.
fn first<T: DeserializeOwned>(json: &Value, at: &str) -> Vec<Problem> {
    match serde_path_to_error::deserialize::<_, T>(json) {
        Ok(_) => Vec::new(),
        Err(err) => vec![problem(at, &err)],
    }
}

fn problem(at: &str, err: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let inner = err.path().to_string();
    let path = match (at, inner.as_str()) {
        ("", ".") => "document".to_owned(),
        (at, ".") => at.to_owned(),
        (at, inner) => join(at, inner),
    };
    Problem { path, message: plain(&err.inner().to_string()) }
}

/// `key.name` for an element with a name unique in its list, else `key[index]`.
fn element(key: &str, items: &[Value], index: usize) -> String {
    let name = items[index].get("name").and_then(Value::as_str).filter(|name| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && items.iter().filter(|other| other.get("name").and_then(Value::as_str) == Some(name)).count() == 1
    });
    match name {
        Some(name) => format!("{key}.{name}"),
        None => format!("{key}[{index}]"),
    }
}

fn join(at: &str, inner: &str) -> String {
    match (at.is_empty(), inner.starts_with('[')) {
        (true, _) => inner.to_owned(),
        (false, true) => format!("{at}{inner}"),
        (false, false) => format!("{at}.{inner}"),
    }
}

fn kind(json: &Value) -> &'static str {
    match json {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// serde's message in JSON words: no `struct Router`, `u32` or `sequence`.
fn plain(message: &str) -> String {
    // The message of a step with no known kind, from the flattened `Action`.
    if message.starts_with("no variant of enum Action") {
        return "a step needs exactly one of list, get, insert, update, delete, count, set, check, script or respond".to_owned();
    }
    if message.contains("untagged enum Allow") || message.contains("expected enum Allow") || message.contains("variant of enum Allow") {
        return "`allow` is \"public\", \"signedIn\" or {\"groups\": [\"…\"]}".to_owned();
    }
    let mut out = message.to_owned();
    for (rust, json) in [
        ("expected a sequence", "expected a list"),
        ("invalid type: sequence", "invalid type: list"),
        ("invalid type: map", "invalid type: object"),
        ("expected a map", "expected an object"),
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ] {
        out = out.replace(rust, json);
    }
    // `expected struct Router`, `expected enum Method`: the name means nothing in JSON.
    for (word, said) in [("struct ", "an object"), ("enum ", "one of the values listed in docs/workspace.md"), ("tuple struct ", "a value")] {
        while let Some(start) = out.find(&format!("expected {word}")) {
            let name_start = start + "expected ".len() + word.len();
            let name_end = out[name_start..].find(|c: char| !c.is_alphanumeric() && c != '_').map_or(out.len(), |n| name_start + n);
            out.replace_range(start..name_end, &format!("expected {said}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(json: Value) -> Vec<(String, String)> {
        match parse(json) {
            Err(ServiceError::Invalid(problems)) => problems.into_iter().map(|p| (p.path, p.message)).collect(),
            Err(other) => panic!("not a list of problems: {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn every_shape_problem_is_listed_by_name() {
        let said = problems(json!({
            "format": "serverkit.workspace", "version": 1,
            "tables": [{"name": "posts", "columns": [{"name": "title", "type": "txt"}, {"name": "views", "type": "integer", "min": "x"}]}],
            "routers": [
                {"name": "getPost", "method": "GET", "path": "/posts/{id}", "access": {"allow": "public"},
                 "steps": [{"get": {"table": "posts"}}, {"fly": {}}]},
                "not a router"
            ],
            "extra": true
        }));
        let paths: Vec<&str> = said.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"tables.posts.columns.title.type"), "{said:?}");
        assert!(paths.contains(&"tables.posts.columns.views.min"), "{said:?}");
        assert!(paths.iter().any(|p| p.starts_with("routers.getPost.steps[0]")), "{said:?}");
        assert!(paths.contains(&"routers.getPost.steps[1]"), "{said:?}");
        assert!(paths.contains(&"routers[1]"), "{said:?}");
        assert!(said.iter().any(|(_, m)| m.contains("unknown field `extra`")), "{said:?}");
        for (path, message) in &said {
            assert!(!message.contains("struct") && !message.contains("enum "), "{path}: {message}");
        }
        let step = said.iter().find(|(p, _)| p == "routers.getPost.steps[1]").expect("the unknown step");
        assert!(step.1.contains("exactly one of list, get"), "{step:?}");
        let not_a_router = said.iter().find(|(p, _)| p == "routers[1]").expect("the string router");
        assert!(not_a_router.1.contains("expected an object"), "{not_a_router:?}");
    }

    #[test]
    fn a_document_that_is_not_an_object_says_so() {
        assert_eq!(problems(json!([1, 2])), vec![("document".to_owned(), "a workspace document is a JSON object, not a list".to_owned())]);
    }

    #[test]
    fn the_blog_example_reads() {
        let blog: Value = serde_json::from_str(include_str!("../../../examples/blog.json")).expect("json");
        parse(blog).expect("the blog example has no shape problem");
    }
}
