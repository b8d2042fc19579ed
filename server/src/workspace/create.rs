//! Adding a table, router or group under a name nothing uses yet. Where
//! `putTable` and the like replace what holds the name, `createTable` and the
//! like refuse it: a form for something new must not overwrite an existing one.

use super::{
    Revision, Workspace, WorkspaceDocument,
    document::{Group, Router, Table},
    service::stale,
};
use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
};

/// How often a create looks again when someone saved while it was saving
/// (without `expectedRevision`, the caller asked for no guard of its own).
const RETRIES: u32 = 3;

/// A definition kept in a list of the document, unique there by name.
pub trait Named: Clone {
    /// Its word in messages: "a router named `x` exists".
    const KIND: &'static str;
    /// Where a taken name is refused (`extensions.field`), in the paths of a
    /// definition sent on its own (`router.steps[0]`).
    const NAME_FIELD: &'static str;
    fn name(&self) -> &str;
    fn list(document: &mut WorkspaceDocument) -> &mut Vec<Self>;
}

impl Named for Table {
    const KIND: &'static str = "table";
    const NAME_FIELD: &'static str = "table.name";
    fn name(&self) -> &str {
        &self.name
    }
    fn list(document: &mut WorkspaceDocument) -> &mut Vec<Self> {
        &mut document.tables
    }
}

impl Named for Router {
    const KIND: &'static str = "router";
    const NAME_FIELD: &'static str = "router.name";
    fn name(&self) -> &str {
        &self.name
    }
    fn list(document: &mut WorkspaceDocument) -> &mut Vec<Self> {
        &mut document.routers
    }
}

impl Named for Group {
    const KIND: &'static str = "group";
    const NAME_FIELD: &'static str = "name";
    fn name(&self) -> &str {
        &self.name
    }
    fn list(document: &mut WorkspaceDocument) -> &mut Vec<Self> {
        &mut document.groups
    }
}

impl Workspace {
    /// Adds `item` and saves the next revision; a name in use is refused
    /// (CONFLICT at `T::NAME_FIELD`) and nothing is saved. The revision it
    /// read is the one it saves over, so a create racing another of the same
    /// name cannot replace it.
    pub async fn create<T: Named>(&self, actor: &Principal, item: T, expected: Option<i64>) -> ServiceResult<Revision> {
        actor.require(Role::Developer)?;
        let mut retries = 0;
        loop {
            let current = self.current().await?;
            if let Some(expected) = expected
                && expected != current.number
            {
                return Err(stale(expected, current.number));
            }
            let mut document = current.document;
            let items = T::list(&mut document);
            if items.iter().any(|existing| existing.name() == item.name()) {
                return Err(ServiceError::conflict(T::NAME_FIELD, format!("a {} named `{}` exists", T::KIND, item.name())));
            }
            items.push(item.clone());
            match self.save(actor, document, Some(current.number)).await {
                // Saved by someone else meanwhile: look again, the name may be taken now.
                Err(ServiceError::Conflict { .. }) if expected.is_none() && retries < RETRIES => retries += 1,
                saved => return saved,
            }
        }
    }
}
