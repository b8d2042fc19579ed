//! What kind of case a generated one is (read back from the name the
//! generator gave it), and which kinds a router gets none of, with why:
//! what `testing::coverage` reports.

use super::{Plan, chain_routers, create_router, looks_up, param_table, params};
use crate::workspace::{
    WorkspaceDocument,
    document::{Allow, Method, Router},
    test_case::TestCase,
};

/// The names generated cases end with, by kind (see `kind_of`).
pub(super) const HAPPY_PATH: &str = "happy path";
pub(super) const INVALID_INPUT: &str = "invalid input";
pub(super) const ANONYMOUS_REFUSED: &str = "anonymous is refused";
pub(super) const OUTSIDER_REFUSED: &str = "outside the groups is refused";
pub(super) const NOT_THE_OWNER: &str = "not the owner";
pub(super) const NOT_FOUND: &str = "not found";
pub(super) const CRUD_CHAIN: &str = "create, read, update, list, delete";
pub(super) const PARTIAL_UPDATE: &str = "partial update";
pub(super) const RESUMES: &str = "resumes after an event";

/// What a case tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseKind {
    /// A request the router admits and answers with success.
    HappyPath,
    /// A request its input schema refuses (400).
    InvalidInput,
    /// Callers its access rule refuses (401, 403, another owner's 404).
    RefusedCaller,
    /// A path id no row has (404).
    NotFound,
    /// create → read → update → list → delete → gone, through a table's routers.
    CrudChain,
    /// A PATCH sending one field: the others keep their values.
    PartialUpdate,
    /// A watch stream opened again after its first event: exactly the rest.
    Resume,
    /// A case written (or edited) by hand.
    Written,
}

/// The kind of `case` and the routers it exercises (a chain, several).
pub fn kind_of(doc: &WorkspaceDocument, case: &TestCase) -> (CaseKind, Vec<String>) {
    if !case.generated {
        return (CaseKind::Written, vec![case.router.clone()]);
    }
    let what = case.name.rsplit_once(": ").map_or("", |(_, what)| what);
    let kind = match what {
        HAPPY_PATH => CaseKind::HappyPath,
        INVALID_INPUT => CaseKind::InvalidInput,
        ANONYMOUS_REFUSED | OUTSIDER_REFUSED | NOT_THE_OWNER => CaseKind::RefusedCaller,
        NOT_FOUND => CaseKind::NotFound,
        PARTIAL_UPDATE => CaseKind::PartialUpdate,
        RESUMES => CaseKind::Resume,
        CRUD_CHAIN => {
            let table = case.name.split_once(": ").map_or("", |(table, _)| table);
            return (CaseKind::CrudChain, chain_routers(doc, table).map(|rs| rs.iter().map(|r| r.name.clone()).collect()).unwrap_or_default());
        }
        _ => CaseKind::Written,
    };
    (kind, vec![case.router.clone()])
}

/// The kinds of case `router` gets none of, and why.
pub fn skipped(doc: &WorkspaceDocument, router: &Router) -> Vec<(CaseKind, String)> {
    let plan = Plan::new(doc, router);
    let mut skipped = Vec::new();
    let uncreatable = || {
        params(router)
            .into_iter()
            .filter_map(|param| param_table(doc, router, &param))
            .find(|table| create_router(doc, table).is_none())
            .map(|table| format!("no router creates the `{table}` row its path names (a POST without path parameters that inserts into `{table}`)"))
            .unwrap_or_else(|| "the rows its path names cannot be created".to_owned())
    };
    if plan.happy_path().is_none() {
        skipped.push((CaseKind::HappyPath, uncreatable()));
    }
    if plan.invalid_input().is_none() {
        skipped.push((
            CaseKind::InvalidInput,
            "its input schema accepts any request: no required body field, no closed object, no typed path parameter".to_owned(),
        ));
    }
    if router.access.allow == Allow::Public && !router.access.owner_only {
        skipped.push((CaseKind::RefusedCaller, "it is public: every caller is admitted".to_owned()));
    }
    if router.method == Method::Patch && plan.partial_update().is_none() {
        let reason = match plan.patched_fields().len() {
            0 | 1 => "its body has fewer than two fields that are columns of the row it updates".to_owned(),
            _ => uncreatable(),
        };
        skipped.push((CaseKind::PartialUpdate, reason));
    }
    if let Some(watch) = super::watch::watched(router)
        && plan.resume().is_none()
    {
        skipped.push((CaseKind::Resume, plan.unwritable(watch)));
    }
    if plan.not_found().is_none() {
        let reason = match params(router).iter().any(|p| looks_up(router, p)) {
            true => uncreatable(),
            false => "no step looks a row up by a path parameter".to_owned(),
        };
        skipped.push((CaseKind::NotFound, reason));
    }
    skipped
}
