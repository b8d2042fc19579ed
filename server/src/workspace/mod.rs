//! The workspace: the draft everyone edits — tables, end-user groups and
//! routers — kept as numbered, immutable revisions of one JSON document.

mod create;
pub mod diff;
pub mod document;
pub mod examples;
pub mod fixtures;
pub mod history;
pub mod service;
pub mod shape;
pub mod test_case;
pub mod validate;

pub use create::Named;
pub use document::WorkspaceDocument;
pub use history::HistoryEntry;
pub use service::{Revision, Workspace};
