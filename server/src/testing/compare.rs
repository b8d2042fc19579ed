//! Comparing what came back with what a case expects: templates rendered
//! from the earlier steps' answers, JSON subsets, and how a difference is told.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serverkit_expr::Template;

use crate::engine::compile::test_roots;

/// One thing a step's answer did not do as expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    /// The step (`call`, `create`…, or its index).
    pub step: String,
    /// What differed: `status`; `body` or `body/<pointer>` for the body's
    /// subset; a pointer of `expect.paths`; `schema/<pointer>` for the shape;
    /// `events/<i>`, `events/<i>/event` or `events/<i>/data/<pointer>` for a
    /// stream's events; `request` when the request could not be made.
    pub what: String,
    pub expected: Value,
    pub actual: Value,
}

/// `value` with its templates rendered in `scope` (the steps' answers, the fixtures).
pub fn render(value: &Value, scope: &[Value]) -> Result<Value, String> {
    let template = Template::compile(value, &test_roots()).map_err(|err| err.error.message)?;
    template.render(&scope).map_err(|err| err.message)
}

/// The JSON Pointer of the first place `actual` does not contain `wanted`
/// (objects by key, arrays by some element per expected one); None if it does.
pub fn subset_mismatch(wanted: &Value, actual: &Value, at: String) -> Option<String> {
    match (wanted, actual) {
        (Value::Object(wanted), Value::Object(actual)) => wanted.iter().find_map(|(key, value)| {
            let at = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
            match actual.get(key) {
                Some(found) => subset_mismatch(value, found, at),
                None => Some(at),
            }
        }),
        (Value::Array(wanted), Value::Array(actual)) => wanted
            .iter()
            .enumerate()
            .find(|(_, item)| !actual.iter().any(|candidate| subset_mismatch(item, candidate, String::new()).is_none()))
            .map(|(i, _)| format!("{at}/{i}")),
        (wanted, actual) if wanted == actual => None,
        // 1 and 1.0 are the same number to a client.
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => None,
        _ => Some(at),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::subset_mismatch;

    #[test]
    fn subsets_match_by_key_and_by_element() {
        let actual = json!({ "items": [{ "id": 1, "title": "a" }, { "id": 2, "title": "b" }], "next": null });
        assert_eq!(subset_mismatch(&json!({ "items": [{ "id": 2 }] }), &actual, String::new()), None);
        assert_eq!(subset_mismatch(&json!({ "items": [{ "id": 3 }] }), &actual, String::new()).as_deref(), Some("/items/0"));
        assert_eq!(subset_mismatch(&json!({ "missing": 1 }), &actual, String::new()).as_deref(), Some("/missing"));
        assert_eq!(subset_mismatch(&json!({ "items": [{ "id": 1.0 }] }), &actual, String::new()), None);
    }
}
