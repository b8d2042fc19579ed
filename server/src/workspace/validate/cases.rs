//! What a test run loads and runs: the fixtures (end users and rows the
//! sandbox starts with) and the written test cases, checked against the
//! document's tables, routers and groups.

use std::collections::HashSet;

use serde_json::Value;

use super::{Report, is_identifier};
use crate::workspace::document::*;

/// Fixtures name tables, columns and groups that exist; values' templates
/// are compiled with the test cases' (`engine::compile`).
pub(super) fn check_fixtures(doc: &WorkspaceDocument, groups: &HashSet<&str>, report: &mut Report) {
    let fixtures = &doc.fixtures;
    let mut count = fixtures.end_users.len();
    let mut emails = HashSet::new();
    for (i, user) in fixtures.end_users.iter().enumerate() {
        let at = format!("fixtures.endUsers[{i}]");
        let email = user.email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            report.add(format!("{at}.email"), "an email address");
        } else if !emails.insert(email) {
            report.add(format!("{at}.email"), "two fixture end users have this email");
        }
        if let Some(password) = &user.password
            && let Err(err) = crate::auth::password::validate("password", password)
        {
            report.add(format!("{at}.password"), err.message());
        }
        for group in user.groups.iter().filter(|g| !groups.contains(g.as_str())) {
            report.add(format!("{at}.groups"), format!("no group `{group}`"));
        }
    }
    for (name, rows) in &fixtures.rows {
        let at = format!("fixtures.rows.{name}");
        let Some(table) = doc.tables.iter().find(|t| &t.name == name) else {
            report.add(at, format!("no table `{name}`"));
            continue;
        };
        let Some(rows) = rows.as_array().filter(|rows| rows.iter().all(Value::is_object)) else {
            report.add(at, "a list of rows, each an object of column values");
            continue;
        };
        count += rows.len();
        for (i, row) in rows.iter().enumerate() {
            for column in row.as_object().into_iter().flat_map(|r| r.keys()) {
                let known = table.columns.iter().any(|c| &c.name == column) || (column == "owner" && table.owned);
                if !known {
                    report.add(format!("{at}[{i}].{column}"), format!("`{name}` has no column `{column}`"));
                }
            }
        }
    }
    if count > crate::workspace::fixtures::MAX_FIXTURES {
        report.add("fixtures", format!("{count} fixtures; at most {} (they are loaded on every run)", crate::workspace::fixtures::MAX_FIXTURES));
    }
}

pub(super) fn check_tests(doc: &WorkspaceDocument, groups: &HashSet<&str>, report: &mut Report) {
    use crate::workspace::test_case::ActAs;
    let routers: HashSet<&str> = doc.routers.iter().map(|r| r.name.as_str()).collect();
    let mut names = HashSet::new();
    for case in &doc.tests {
        let at = format!("tests.{}", case.name);
        if case.name.trim().is_empty() || case.name.len() > 200 {
            report.add(&at, "a test case has a name of 1 to 200 characters");
        }
        if !names.insert(case.name.as_str()) {
            report.add(&at, "two test cases have this name");
        }
        if !routers.contains(case.router.as_str()) {
            report.add(format!("{at}.router"), format!("no router `{}`", case.router));
        }
        if case.steps.is_empty() {
            report.add(format!("{at}.steps"), "a test case needs at least one step");
        }
        let mut steps = HashSet::new();
        for (i, step) in case.steps.iter().enumerate() {
            let at = format!("{at}.steps[{i}]");
            if let Some(name) = &step.name
                && (!is_identifier(name) || !steps.insert(name.as_str()))
            {
                report.add(format!("{at}.as"), "a step name is an identifier, unique within the case");
            }
            if !step.expect.status.is_valid() {
                report.add(format!("{at}.expect.status"), "an HTTP status (100–599) or a class such as \"2xx\"");
            }
            for pointer in step.expect.paths.keys().filter(|p| !p.is_empty() && !p.starts_with('/')) {
                report.add(format!("{at}.expect.paths"), format!("`{pointer}` is not a JSON Pointer (they start with `/`)"));
            }
            if !step.expect.events.is_empty() && step.method != Method::Get {
                report.add(format!("{at}.expect.events"), "events are expected of a stream: a GET of a watch router");
            }
            for act_as in [Some(&case.act_as), step.act_as.as_ref()].into_iter().flatten() {
                if let ActAs::Group(group) = act_as
                    && !groups.contains(group.as_str())
                {
                    report.add(format!("{at}.actAs"), format!("no group `{group}`"));
                }
            }
        }
    }
}
