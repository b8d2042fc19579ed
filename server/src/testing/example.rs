//! A valid example value for a JSON Schema, to fill generated requests: the
//! schema's own `const`, `examples`, `enum` or `default` where it has one,
//! otherwise the smallest value its type and bounds admit. Deterministic.

use serde_json::{Map, Value, json};

/// An example of `schema`. Objects get every property when `all` is set,
/// only the required ones otherwise (optional query parameters such as a
/// paging cursor are better left out).
pub fn example(schema: &Value, all: bool) -> Value {
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(value) = schema.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return value.clone();
    }
    if let Some(value) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return value.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        // `["string", "null"]`: the first that is not null.
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => return Value::Null,
    };
    // Booleans are `true` whatever the default: a published draft is what a
    // generated reader can see.
    if kind != "boolean"
        && let Some(value) = schema.get("default")
    {
        return value.clone();
    }
    match kind {
        "string" => string(schema),
        "integer" => json!(integer(schema)),
        "number" => json!(integer(schema) as f64),
        "boolean" => json!(true),
        "array" => {
            let item = schema.get("items").map(|items| example(items, all));
            let count = schema.get("minItems").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
            match item {
                Some(item) => Value::Array(vec![item; count]),
                None => json!([]),
            }
        }
        "object" => {
            let required: Vec<&str> =
                schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let mut object = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                // Files (`format: binary`) go in multipart bodies, never in JSON examples.
                let is_file = |property: &Value| property.get("format").and_then(Value::as_str) == Some("binary");
                for (name, property) in properties.iter().filter(|(_, p)| !is_file(p)) {
                    if all || required.contains(&name.as_str()) {
                        object.insert(name.clone(), example(property, all));
                    }
                }
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

fn integer(schema: &Value) -> i64 {
    let minimum = schema.get("minimum").and_then(Value::as_f64).map(|m| m.ceil() as i64);
    let exclusive = schema.get("exclusiveMinimum").and_then(Value::as_f64).map(|m| m.floor() as i64 + 1);
    let maximum = schema.get("maximum").and_then(Value::as_f64).map(|m| m.floor() as i64);
    match minimum.into_iter().chain(exclusive).max() {
        Some(low) => low,
        None => maximum.map_or(1, |high| high.min(1)),
    }
}

fn string(schema: &Value) -> Value {
    let text = match schema.get("format").and_then(Value::as_str) {
        Some("email") => "user@example.com".to_owned(),
        Some("date-time") => "2026-01-01T00:00:00Z".to_owned(),
        Some("date") => "2026-01-01".to_owned(),
        Some("time") => "12:00:00Z".to_owned(),
        Some("uri" | "url") => "https://example.com/".to_owned(),
        Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
        _ => "example".to_owned(),
    };
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
    let mut text = text;
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = max {
        text = text.chars().take(max).collect();
    }
    Value::String(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::example;

    #[test]
    fn examples_satisfy_their_schemas() {
        let schema = json!({
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": { "type": "string", "minLength": 10, "maxLength": 12 },
                "count": { "type": "integer", "minimum": 3 },
                "ratio": { "type": "number", "exclusiveMinimum": 0 },
                "published": { "type": "boolean", "default": false },
                "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b"] }, "minItems": 2 },
                "email": { "type": ["string", "null"], "format": "email" }
            }
        });
        let all = example(&schema, true);
        assert_eq!(all, json!({ "title": "examplexxx", "count": 3, "ratio": 1.0, "published": true, "tags": ["a", "a"], "email": "user@example.com" }));
        let validator = jsonschema::validator_for(&schema).expect("schema");
        assert!(validator.is_valid(&all));
        assert_eq!(example(&schema, false), json!({ "title": "examplexxx" }));
    }
}
