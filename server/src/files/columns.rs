//! Files of `file` columns, as values: what a cell holds, which body fields
//! of a router carry files, which types a column accepts. Storing them is
//! `row_files`'s. An end user uploads them with
//! `multipart/form-data` to a router whose insert or update step writes a
//! file column from `${request.body.<field>}`; each part is checked against
//! the column's `maxBytes` and `contentTypes` as it streams into a staging
//! object, and only a write that succeeds keeps it, moved to
//! `tables/{table}/{rowId}/{column}/{name}`. A request that fails, or is cut
//! short, leaves nothing behind; deleting the row or replacing the file
//! removes the old object. The row holds `{key, name, size, contentType, url}`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::STAGING_FOLDER;
use crate::workspace::document::{Action, ColumnType, OnDelete, Router, Table, body_field};

/// What a file column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredFile {
    /// Where it is, from the environment's root.
    pub key: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Where the API serves it (`/env/{slug}/files/{table}/{id}/{column}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl StoredFile {
    pub fn from_value(value: &Value) -> Option<Self> {
        Self::deserialize(value).ok()
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn to_text(&self) -> String {
        self.to_value().to_string()
    }

    /// The JSON of a stored cell; text that is not a file object (written
    /// before files were objects) shows as its key.
    pub fn text_to_json(text: &str) -> Value {
        match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => value,
            _ => serde_json::json!({ "key": text }),
        }
    }

    pub fn is_staged(&self) -> bool {
        self.key.starts_with(&format!("{STAGING_FOLDER}/"))
    }
}

/// A body field that takes a file, and the column that keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileField {
    pub field: String,
    pub table: String,
    pub column: String,
    pub max_bytes: Option<u64>,
    pub content_types: Option<Vec<String>>,
}

/// The body fields of `router` that take files: those its insert and update
/// steps write into file columns, as `${request.body.<field>}` (or every file
/// column, where the values are `${request.body}` itself).
pub fn file_fields<'t>(router: &Router, table: impl Fn(&str) -> Option<&'t Table>) -> Vec<FileField> {
    let mut fields: Vec<FileField> = Vec::new();
    for step in &router.steps {
        let write = match &step.action {
            Action::Insert(write) | Action::Update(write) => write,
            _ => continue,
        };
        let Some(table) = table(&write.table) else { continue };
        let file_columns = table.columns.iter().filter(|c| c.kind == ColumnType::File);
        for column in file_columns {
            let field = match &write.values {
                Value::Object(values) => values.get(&column.name).and_then(Value::as_str).and_then(body_field).map(str::to_owned),
                Value::String(whole) if whole.trim().replace(' ', "") == "${request.body}" => Some(column.name.clone()),
                _ => None,
            };
            if let Some(field) = field
                && !fields.iter().any(|f| f.field == field)
            {
                fields.push(FileField {
                    field,
                    table: table.name.clone(),
                    column: column.name.clone(),
                    max_bytes: column.max_bytes,
                    content_types: column.content_types.clone(),
                });
            }
        }
    }
    fields
}

/// The tables with file columns whose rows a delete from `from` may remove
/// through `onDelete: cascade` relations, at any depth: their files must go
/// with them, and the database does not say which rows it removed.
pub fn cascaded_file_tables<'t>(tables: &'t [Table], from: &str) -> Vec<&'t Table> {
    // Tables whose rows a delete reaches; `from` only through a relation to itself.
    let mut reached: Vec<&str> = Vec::new();
    let mut queue: Vec<&str> = vec![from];
    while let Some(parent) = queue.pop() {
        for table in tables {
            let cascades =
                table.columns.iter().any(|c| c.kind == ColumnType::Relation && c.table.as_deref() == Some(parent) && c.on_delete == Some(OnDelete::Cascade));
            if cascades && !reached.contains(&table.name.as_str()) {
                reached.push(&table.name);
                queue.push(&table.name);
            }
        }
    }
    let has_files = |t: &&Table| t.columns.iter().any(|c| c.kind == ColumnType::File);
    tables.iter().filter(|t| reached.contains(&t.name.as_str())).filter(has_files).collect()
}

/// Whether `content_type` (parameters ignored) is one `patterns` accepts.
pub fn accepts(patterns: Option<&[String]>, content_type: &str) -> bool {
    let Some(patterns) = patterns else { return true };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    patterns.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        match pattern.strip_suffix("/*") {
            Some(kind) => essence.split_once('/').is_some_and(|(k, _)| k == kind),
            None => pattern == essence,
        }
    })
}

/// A file name as an upload gives it, made safe to be one segment of a key:
/// its last segment, without control characters, at most 255 bytes.
pub fn safe_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = last.chars().filter(|c| !c.is_control()).collect();
    while name.len() > 255 {
        name.pop();
    }
    let name = name.trim().to_owned();
    match name.as_str() {
        "" | "." | ".." => "file".into(),
        n if n.starts_with(super::name::RESERVED_PREFIX) => format!("_{n}"),
        _ => name,
    }
}

/// Staged uploads of one request, by field: what its writes may keep.
#[derive(Default, Debug)]
pub struct Staged {
    pub files: HashMap<String, StoredFile>,
}

impl Staged {
    /// Whether `file` is an upload of this request (so a client cannot point
    /// a column at an object it did not send).
    pub fn contains(&self, file: &StoredFile) -> bool {
        file.is_staged() && self.files.values().any(|f| f.key == file.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::document::is_type_pattern;

    #[test]
    fn body_fields_are_found_in_exact_templates_only() {
        assert_eq!(body_field("${request.body.cover}"), Some("cover"));
        assert_eq!(body_field(" ${ request.body.cover } "), Some("cover"));
        assert_eq!(body_field("${request.body.cover.name}"), None);
        assert_eq!(body_field("x${request.body.cover}"), None);
        assert_eq!(body_field("${request.query.cover}"), None);
    }

    #[test]
    fn cascades_are_followed_to_any_depth_but_not_through_other_rules() {
        let table = |name: &str, columns: serde_json::Value| -> Table {
            serde_json::from_value(serde_json::json!({ "name": name, "columns": columns })).expect("a table")
        };
        let relation = |to: &str, rule: &str| serde_json::json!({ "name": format!("{to}_ref"), "type": "relation", "table": to, "onDelete": rule });
        let file = serde_json::json!({ "name": "file", "type": "file" });
        let tables = vec![
            table("albums", serde_json::json!([file.clone()])),
            table("photos", serde_json::json!([relation("albums", "cascade"), file.clone()])),
            table("tags", serde_json::json!([relation("photos", "cascade")])),
            table("thumbs", serde_json::json!([relation("tags", "cascade"), file.clone()])),
            table("notes", serde_json::json!([relation("albums", "setNull"), file.clone()])),
            table("loops", serde_json::json!([relation("loops", "cascade"), relation("thumbs", "cascade"), file])),
        ];
        let names = |from: &str| cascaded_file_tables(&tables, from).iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("albums"), ["photos", "thumbs", "loops"]);
        assert_eq!(names("tags"), ["thumbs", "loops"]);
        assert_eq!(names("notes"), Vec::<String>::new());
        // A table cascading to itself loses its own children's files too.
        assert_eq!(names("loops"), ["loops"]);
    }

    #[test]
    fn content_types_match_exactly_or_by_kind() {
        let images = vec!["image/*".to_owned(), "application/pdf".to_owned()];
        assert!(accepts(Some(&images), "image/png"));
        assert!(accepts(Some(&images), "Image/JPEG; q=1"));
        assert!(accepts(Some(&images), "application/pdf"));
        assert!(!accepts(Some(&images), "text/html"));
        assert!(!accepts(Some(&images), "imagex/png"));
        assert!(accepts(None, "text/html"));
        assert!(is_type_pattern("image/*") && is_type_pattern("application/vnd.ms-excel") && !is_type_pattern("image") && !is_type_pattern("*/*"));
    }

    #[test]
    fn uploaded_names_become_one_safe_segment() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\cover.png"), "cover.png");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name("a\0b\n.png"), "ab.png");
        assert_eq!(safe_name(".serverkit-folder"), "_.serverkit-folder");
        assert!(safe_name(&"é".repeat(300)).len() <= 255);
    }
}
