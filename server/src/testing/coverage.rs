//! What a run covered, per router of the revision it tested: the kinds of
//! case that ran (and how many passed), the kinds it could not get and why.
//! A router is *tested* when a case that shows it working ran: a happy path,
//! a CRUD chain through it, or a written case. Refusals and 404s alone do
//! not count: they pass for a router that never answers. The deploy gate
//! refuses a revision with an untested router.

use std::collections::HashMap;

pub use super::generate::CaseKind;
use super::{CaseResult, CaseStatus, generate};
use crate::workspace::{WorkspaceDocument, test_case::TestCase};

#[derive(Debug, Clone, PartialEq)]
pub struct KindRan {
    pub kind: CaseKind,
    pub cases: u32,
    pub passed: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KindSkipped {
    pub kind: CaseKind,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouterCoverage {
    pub router: String,
    pub ran: Vec<KindRan>,
    pub skipped: Vec<KindSkipped>,
}

impl RouterCoverage {
    /// A case that shows the router working ran (passed or not).
    pub fn tested(&self) -> bool {
        self.ran.iter().any(|r| matches!(r.kind, CaseKind::HappyPath | CaseKind::CrudChain | CaseKind::PartialUpdate | CaseKind::Written))
    }

    /// Its happy path (or a chain through it) ran and passed.
    pub fn happy_path_passed(&self) -> bool {
        self.ran.iter().any(|r| matches!(r.kind, CaseKind::HappyPath | CaseKind::CrudChain) && r.passed > 0)
    }
}

/// The coverage of `results` (a run's, or part of one) over `doc`'s routers, in their order.
pub fn of(doc: &WorkspaceDocument, results: &[CaseResult]) -> Vec<RouterCoverage> {
    let cases: HashMap<String, TestCase> = generate::cases(doc).into_iter().map(|case| (case.name.clone(), case)).collect();
    let mut ran: HashMap<String, Vec<KindRan>> = HashMap::new();
    for result in results {
        let Some(case) = cases.get(&result.name) else { continue };
        let (kind, routers) = generate::kind_of(doc, case);
        for router in routers {
            let kinds = ran.entry(router).or_default();
            let passed = u32::from(result.status == CaseStatus::Passed);
            match kinds.iter_mut().find(|k| k.kind == kind) {
                Some(k) => {
                    k.cases += 1;
                    k.passed += passed;
                }
                None => kinds.push(KindRan { kind, cases: 1, passed }),
            }
        }
    }
    doc.routers
        .iter()
        .map(|router| {
            let ran = ran.remove(&router.name).unwrap_or_default();
            let skipped = generate::skipped(doc, router)
                .into_iter()
                .filter(|(kind, _)| !ran.iter().any(|r| r.kind == *kind))
                .map(|(kind, reason)| KindSkipped { kind, reason })
                .collect();
            RouterCoverage { router: router.name.clone(), ran, skipped }
        })
        .collect()
}

/// The routers of `doc` that `results` leave untested, in order.
pub fn untested(doc: &WorkspaceDocument, results: &[CaseResult]) -> Vec<String> {
    of(doc, results).into_iter().filter(|c| !c.tested()).map(|c| c.router).collect()
}
