//! What every operation is checked for once parsed, before any resolver runs:
//! at most `MAX_ROOT_FIELDS` root fields (aliases included), so one request
//! cannot ask for forty validations of a large document, and no NUL
//! character in any text argument or variable (see `crate::input`).

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};
use async_graphql_value::{ConstValue, Name, Value};

use crate::error::AdminCode;

/// Root fields (aliases included) one operation may select; a screen of the
/// admin needs a handful.
pub const MAX_ROOT_FIELDS: usize = 20;

pub struct RequestLimits;

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimitsExtension)
    }
}

struct RequestLimitsExtension;

fn refusal(code: AdminCode, message: String, field: Option<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code.as_str());
    if let Some(field) = field {
        extensions.set("field", field);
    }
    error.extensions = Some(extensions);
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimitsExtension {
    async fn parse_query(&self, ctx: &ExtensionContext<'_>, query: &str, variables: &Variables, next: NextParseQuery<'_>) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        for (name, value) in variables.iter() {
            if let Some(at) = const_nul(value) {
                let field = join(&format!("variables.{name}"), &at);
                return Err(refusal(AdminCode::BadUserInput, format!("{field}: {}", crate::input::NUL_MESSAGE), Some(field)));
            }
        }
        for (_, operation) in document.operations.iter() {
            let roots = count_fields(&document, &operation.node.selection_set.node, 0);
            if roots > MAX_ROOT_FIELDS {
                return Err(refusal(
                    AdminCode::BadUserInput,
                    format!("this operation selects {roots} root fields; at most {MAX_ROOT_FIELDS} per request"),
                    None,
                ));
            }
            if let Some(field) = selection_nul(&document, &operation.node.selection_set.node, 0) {
                return Err(refusal(AdminCode::BadUserInput, format!("{field}: {}", crate::input::NUL_MESSAGE), Some(field)));
            }
        }
        Ok(document)
    }
}

/// Fragments can spread fragments: deeper than this is refused by the depth limit anyway.
const MAX_FRAGMENT_HOPS: usize = 16;

/// Root fields of a selection set, counting those that fragments bring in.
fn count_fields(document: &ExecutableDocument, set: &SelectionSet, hops: usize) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(fragment) => count_fields(document, &fragment.node.selection_set.node, hops),
            Selection::FragmentSpread(spread) if hops < MAX_FRAGMENT_HOPS => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| count_fields(document, &fragment.node.selection_set.node, hops + 1)),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// `field.argument[.path]` of the first literal argument holding a NUL, at any depth.
fn selection_nul(document: &ExecutableDocument, set: &SelectionSet, hops: usize) -> Option<String> {
    set.items.iter().find_map(|selection| match &selection.node {
        Selection::Field(field) => {
            let field = &field.node;
            field
                .arguments
                .iter()
                .find_map(|(name, value)| value_nul(&value.node).map(|at| join(&format!("{}.{}", field.name.node, name.node), &at)))
                .or_else(|| selection_nul(document, &field.selection_set.node, hops))
        }
        Selection::InlineFragment(fragment) => selection_nul(document, &fragment.node.selection_set.node, hops),
        Selection::FragmentSpread(spread) if hops < MAX_FRAGMENT_HOPS => {
            document.fragments.get(&spread.node.fragment_name.node).and_then(|fragment| selection_nul(document, &fragment.node.selection_set.node, hops + 1))
        }
        Selection::FragmentSpread(_) => None,
    })
}

fn join(base: &str, at: &str) -> String {
    match at {
        "" => base.to_owned(),
        at if at.starts_with('[') => format!("{base}{at}"),
        at => format!("{base}.{at}"),
    }
}

fn key(name: &Name) -> String {
    name.as_str().replace('\0', "\\u0000")
}

/// The path of the first text holding a NUL ("" for the value itself).
fn value_nul(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::List(items) => items.iter().enumerate().find_map(|(i, item)| value_nul(item).map(|at| join(&format!("[{i}]"), &at))),
        Value::Object(map) => map.iter().find_map(|(name, item)| {
            if name.contains('\0') {
                return Some(key(name));
            }
            value_nul(item).map(|at| join(&key(name), &at))
        }),
        _ => None,
    }
}

fn const_nul(value: &ConstValue) -> Option<String> {
    match value {
        ConstValue::String(text) => text.contains('\0').then(String::new),
        ConstValue::List(items) => items.iter().enumerate().find_map(|(i, item)| const_nul(item).map(|at| join(&format!("[{i}]"), &at))),
        ConstValue::Object(map) => map.iter().find_map(|(name, item)| {
            if name.contains('\0') {
                return Some(key(name));
            }
            const_nul(item).map(|at| join(&key(name), &at))
        }),
        _ => None,
    }
}
