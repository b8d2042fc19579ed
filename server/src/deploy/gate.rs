//! The gate of a deploy: the source's latest test run of exactly the
//! revision deployed must have passed, and have tested every router (see
//! `testing::coverage`: a router only refused or 404'd is not tested).

use super::release::GateRecord;
use crate::{
    error::ServiceResult,
    testing::{CaseStatus, RunStatus, TestRun, TestRuns, coverage},
    workspace::WorkspaceDocument,
};

#[derive(Debug, Clone)]
pub struct Gate {
    pub source: String,
    pub revision: i64,
    pub run: Option<TestRun>,
    /// Routers of the revision no case that shows them working ran for.
    pub untested: Vec<String>,
}

impl Gate {
    /// The gate of `document`, revision `revision` of `source`.
    pub async fn of(tests: &TestRuns, source: &str, revision: i64, document: &WorkspaceDocument) -> ServiceResult<Self> {
        let run = tests.latest(source, Some(revision)).await?;
        let untested = run.as_ref().filter(|run| run.status != RunStatus::Running).map_or_else(Vec::new, |run| coverage::untested(document, &run.results));
        Ok(Self { source: source.to_owned(), revision, run, untested })
    }

    pub fn passed(&self) -> bool {
        self.run.as_ref().is_some_and(|run| run.status == RunStatus::Passed) && self.untested.is_empty()
    }

    /// The status of the run, or NONE when the revision was never tested.
    pub fn status(&self) -> &'static str {
        self.run.as_ref().map_or("NONE", |run| run.status.as_str())
    }

    /// The cases of the run that did not pass, by name.
    pub fn failed_cases(&self) -> Vec<String> {
        self.run.iter().flat_map(|run| &run.results).filter(|r| r.status != CaseStatus::Passed).map(|r| r.name.clone()).collect()
    }

    /// Why the gate is closed, in words.
    pub fn refusal(&self) -> String {
        let (source, revision) = (&self.source, self.revision);
        match &self.run {
            None => format!("revision {revision} of `{source}` has no test run: refresh `{source}` (tests run with it) or run its tests, then deploy"),
            Some(run) if run.status == RunStatus::Running => {
                format!("the test run of revision {revision} of `{source}` is still running; deploy once it has passed")
            }
            Some(run) if run.status == RunStatus::Passed => {
                let untested = self.untested.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ");
                format!(
                    "the latest test run of revision {revision} of `{source}` passed, but no case showed {untested} working (no happy path, chain or written case ran): write a case for them, or an owner may force the deploy with a reason"
                )
            }
            Some(run) => {
                let failed = self.failed_cases();
                let shown = failed.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                let more = failed.len().saturating_sub(5);
                let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
                format!(
                    "the latest test run of revision {revision} of `{source}` is {}: {} of {} cases failed ({shown}{tail}); fix them, or an owner may force the deploy with a reason",
                    run.status.as_str(),
                    run.total - run.passed,
                    run.total
                )
            }
        }
    }

    pub fn record(&self) -> GateRecord {
        GateRecord { run_id: self.run.as_ref().map(|r| r.id.clone()), status: self.status().to_owned() }
    }
}
