//! Field-level differences between two JSON values, one line per path that
//! changed: `values.title: "${request.body.title}" → "${request.body.name}"`.
//! Short values are shown; long ones (scripts, schemas) are said to have changed.

use serde_json::{Map, Value};

/// A value whose JSON is longer than this is not shown in a line.
const SHOWN: usize = 60;
/// One item says at most this many lines; the rest are counted.
pub const MOST: usize = 8;

/// `value` as JSON, when short enough to read in a line.
fn shown(value: &Value) -> Option<String> {
    let text = serde_json::to_string(value).ok()?;
    (text.chars().count() <= SHOWN).then_some(text)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Every path under `path` whose value differs between `old` and `new`.
pub fn lines(path: &str, old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(path, old, new, &mut out);
    capped(out)
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(before), Value::Object(after)) => {
            for (key, value) in after {
                match before.get(key) {
                    Some(previous) => walk(&join(path, key), previous, value, out),
                    None => out.push(added(&join(path, key), value)),
                }
            }
            for (key, value) in before.iter().filter(|(key, _)| !after.contains_key(*key)) {
                out.push(removed(&join(path, key), value));
            }
        }
        (Value::Array(before), Value::Array(after)) if before.len() == after.len() => {
            for (index, (previous, value)) in before.iter().zip(after).enumerate() {
                walk(&format!("{path}[{index}]"), previous, value, out);
            }
        }
        _ => out.push(changed(path, old, new)),
    }
}

fn added(path: &str, value: &Value) -> String {
    match shown(value) {
        Some(value) => format!("{path} added: {value}"),
        None => format!("{path} added"),
    }
}

fn removed(path: &str, value: &Value) -> String {
    match shown(value) {
        Some(value) => format!("{path} removed (was {value})"),
        None => format!("{path} removed"),
    }
}

fn changed(path: &str, old: &Value, new: &Value) -> String {
    let path = if path.is_empty() { "value" } else { path };
    match (shown(old), shown(new), old, new) {
        (Some(old), Some(new), ..) => format!("{path}: {old} → {new}"),
        (.., Value::Array(old), Value::Array(new)) => format!("{path} changed ({} → {} items)", old.len(), new.len()),
        _ => format!("{path} changed"),
    }
}

/// The fields of two flat objects that differ, `key old → new` each. An
/// absent flag reads `false` (documents leave false flags out), any other
/// absent field `none`.
pub fn flat(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let (before, after) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
    // The new fields in order, each gone one where it was among them.
    let mut keys: Vec<&String> = after.keys().collect();
    for (index, key) in before.keys().enumerate().filter(|(_, key)| !after.contains_key(*key)) {
        let at = before.keys().take(index).rev().find_map(|earlier| keys.iter().position(|k| *k == earlier)).map_or(0, |p| p + 1);
        keys.insert(at, key);
    }
    let mut out = Vec::new();
    for key in keys {
        let (previous, value) = (before.get(key), after.get(key));
        if previous == value {
            continue;
        }
        let absent = |other: Option<&Value>| if matches!(other, Some(Value::Bool(_))) { "false".to_owned() } else { "none".to_owned() };
        let previous_text = previous.map_or_else(|| Some(absent(value)), shown);
        let text = value.map_or_else(|| Some(absent(previous)), shown);
        out.push(match (previous_text, text) {
            (Some(previous), Some(value)) => format!("{key} {previous} → {value}"),
            _ => format!("{key} changed"),
        });
    }
    out
}

/// At most `MOST` lines, the last saying how many more there were.
pub fn capped(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > MOST {
        let more = lines.len() - (MOST - 1);
        lines.truncate(MOST - 1);
        lines.push(format!("… and {more} more"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lines_name_each_path_that_changed() {
        let old = json!({ "table": "posts", "values": { "title": "${a}", "body": "${b}" }, "where": { "x": 1 } });
        let new = json!({ "table": "posts", "values": { "title": "${c}", "slug": "${d}" }, "where": { "x": 1 } });
        assert_eq!(lines("", &old, &new), ["values.title: \"${a}\" → \"${c}\"", "values.slug added: \"${d}\"", "values.body removed (was \"${b}\")"]);
        let long = json!("x".repeat(100));
        assert_eq!(lines("code", &json!("short"), &long), ["code changed"]);
        assert_eq!(lines("orderBy", &json!(["a"]), &json!(["a", "b"])), ["orderBy: [\"a\"] → [\"a\",\"b\"]"]);
        assert_eq!(lines("list", &json!([1, 2]), &json!([1, 3])), ["list[1]: 2 → 3"]);
        assert!(lines("same", &json!({ "a": [1] }), &json!({ "a": [1] })).is_empty());
    }

    #[test]
    fn flat_fields_read_absent_flags_as_false() {
        let old = json!({ "name": "title", "type": "text", "max": 100 });
        let new = json!({ "name": "title", "type": "text", "required": true, "max": 200 });
        assert_eq!(flat(&old, &new), ["required false → true", "max 100 → 200"]);
        assert_eq!(flat(&json!({ "defaultGroup": "editors" }), &json!({})), ["defaultGroup \"editors\" → none"]);
    }

    #[test]
    fn many_lines_end_in_a_count() {
        let lines = capped((0..20).map(|n| n.to_string()).collect());
        assert_eq!(lines.len(), MOST);
        assert_eq!(lines.last().map(String::as_str), Some("… and 13 more"));
    }
}
