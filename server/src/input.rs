//! Checks every edge applies to text from outside before it reaches a
//! database: PostgreSQL cannot store NUL in text (`invalid byte sequence for
//! encoding "UTF8": 0x00`) and SQLite would cut strings at it in places, so a
//! NUL is refused where it arrives, on both databases alike, naming the field.

use serde_json::Value;

/// The path (`title`, `tags[2]`, `author.name`) of the first string or key
/// under `value` that holds a NUL character, `<root>` for the value itself.
pub fn nul_path(value: &Value) -> Option<String> {
    fn walk(value: &Value, at: &mut String) -> bool {
        match value {
            Value::String(text) => text.contains('\0'),
            Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                let found = walk(item, at);
                if !found {
                    at.truncate(len);
                }
                found
            }),
            Value::Object(map) => map.iter().any(|(key, item)| {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(&key.replace('\0', "\\u0000"));
                let found = key.contains('\0') || walk(item, at);
                if !found {
                    at.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut at = String::new();
    walk(value, &mut at).then(|| if at.is_empty() { "<root>".to_owned() } else { at })
}

pub const NUL_MESSAGE: &str = "text may not contain the NUL character (\\u0000)";

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::nul_path;

    #[test]
    fn the_first_nul_is_located() {
        assert_eq!(nul_path(&json!({ "title": "fine", "tags": ["a", "b\u{0}"] })).as_deref(), Some("tags[1]"));
        assert_eq!(nul_path(&json!({ "a": { "b\u{0}": 1 } })).as_deref(), Some("a.b\\u0000"));
        assert_eq!(nul_path(&json!("x\u{0}")).as_deref(), Some("<root>"));
        assert_eq!(nul_path(&json!({ "title": "no nul", "n": 1 })), None);
    }
}
