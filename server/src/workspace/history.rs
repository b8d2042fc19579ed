//! The workspace's history: every saved revision, newest first, with who
//! saved it, when, and what it changed against the revision before; and any
//! revision restored as a new one.

use chrono::{DateTime, Utc};
use entity::workspace_revision;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{
    Revision, Workspace, WorkspaceDocument,
    diff::{self, ChangeKind, DefinitionChange},
    service::to_revision,
};
use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
    pagination::{Page, PageRequest},
};

/// One saved revision and what it changed.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub number: i64,
    pub author_email: Option<String>,
    pub saved_at: DateTime<Utc>,
    /// The earlier revision it saved again, when it was a restore.
    pub restored_from: Option<i64>,
    pub document: WorkspaceDocument,
    /// Against the revision before it (the empty workspace for the first).
    pub changes: Vec<DefinitionChange>,
}

impl HistoryEntry {
    /// One line: `Added table tags; changed router createPost: step 1 …`,
    /// after `Restored revision 3: ` for a restore.
    pub fn summary(&self) -> String {
        match self.restored_from {
            Some(from) => format!("Restored revision {from}: {}", summary(&self.changes)),
            None => summary(&self.changes),
        }
    }
}

impl Workspace {
    /// Saved revisions, newest first: `first` of those older than the
    /// cursor `after` (a revision number, as the connection gives it).
    pub async fn history(&self, page: &PageRequest) -> ServiceResult<Page<HistoryEntry>> {
        let mut query = workspace_revision::Entity::find().order_by_desc(workspace_revision::Column::Revision);
        if let Some(after) = &page.after {
            let before: i64 = after.parse().map_err(|_| ServiceError::bad_input("after", "a cursor from this connection"))?;
            query = query.filter(workspace_revision::Column::Revision.lt(before));
        }
        // One more than the page: it says whether there are more, and it is
        // the revision the page's oldest changed.
        let models = query.limit(page.first + 1).all(&self.db).await?;
        let total = workspace_revision::Entity::find().count(&self.db).await?;
        let has_next = models.len() as u64 > page.first;
        let items = entries(models, has_next).await?;
        Ok(Page { items, has_next, has_previous: page.after.is_some(), total })
    }

    /// Revision `number` and what it changed; None when there is none.
    pub async fn history_entry(&self, number: i64) -> ServiceResult<Option<HistoryEntry>> {
        let Some(model) = workspace_revision::Entity::find_by_id(number).one(&self.db).await? else {
            return Ok(None);
        };
        let previous = workspace_revision::Entity::find()
            .filter(workspace_revision::Column::Revision.lt(number))
            .order_by_desc(workspace_revision::Column::Revision)
            .one(&self.db)
            .await?;
        let has_previous = previous.is_some();
        let entries = entries([Some(model), previous].into_iter().flatten().collect(), has_previous).await?;
        Ok(entries.into_iter().next())
    }

    /// Saves revision `number`'s document as a new revision, validated like
    /// any save (a document that is the current one saves nothing).
    /// `expected` refuses (CONFLICT) when someone saved in between.
    pub async fn restore(&self, actor: &Principal, number: i64, expected: Option<i64>) -> ServiceResult<Revision> {
        actor.require(Role::Developer)?;
        let earlier = self.revision(number).await?;
        self.save_revision(actor, earlier.document, expected, Some(number)).await
    }
}

/// Revisions newest first, each with what it changed against the next one
/// listed (the first revision, against the empty workspace). With
/// `last_is_previous`, the last one listed is only that: it gets no entry.
async fn entries(models: Vec<workspace_revision::Model>, last_is_previous: bool) -> ServiceResult<Vec<HistoryEntry>> {
    // Reading and comparing documents is CPU work: large ones take a while.
    crate::heavy::run(crate::heavy::Pool::Compile, move || {
        let revisions = models.into_iter().map(to_revision).collect::<ServiceResult<Vec<Revision>>>()?;
        let listed = revisions.len().saturating_sub(usize::from(last_is_previous));
        let entries = revisions[..listed].iter().enumerate().map(|(index, revision)| HistoryEntry {
            number: revision.number,
            author_email: revision.author_email.clone(),
            saved_at: revision.created_at.unwrap_or_default(),
            restored_from: revision.restored_from,
            changes: diff::revision_changes(revisions.get(index + 1).map(|p| &p.document), &revision.document),
            document: revision.document.clone(),
        });
        Ok(entries.collect())
    })
    .await?
}

/// What `changes` did, in one line, most telling first.
pub fn summary(changes: &[DefinitionChange]) -> String {
    if let [only] = changes
        && let [detail] = only.details.as_slice()
    {
        return capitalized(format!("{} {} {}: {detail}", only.change.as_str(), noun(&only.what, 1), only.name));
    }
    let mut parts = Vec::new();
    for kind in [ChangeKind::Added, ChangeKind::Changed, ChangeKind::Removed] {
        let mut whats: Vec<&str> = Vec::new();
        for change in changes.iter().filter(|c| c.change == kind) {
            if !whats.contains(&change.what.as_str()) {
                whats.push(&change.what);
            }
        }
        let groups: Vec<String> = whats
            .into_iter()
            .map(|what| {
                let names: Vec<&str> = changes.iter().filter(|c| c.change == kind && c.what == what).map(|c| c.name.as_str()).collect();
                named(what, &names)
            })
            .collect();
        if !groups.is_empty() {
            parts.push(format!("{} {}", kind.as_str(), groups.join(", ")));
        }
    }
    if parts.is_empty() {
        return "No changes".to_owned();
    }
    capitalized(parts.join("; "))
}

/// `router getPost`, `3 routers (a, b, c)`, `8 routers (a, b, c, +5 more)`.
fn named(what: &str, names: &[&str]) -> String {
    const LISTED: usize = 3;
    match names {
        [_] if what == "auth" || what == "fixtures" => noun(what, 1).to_owned(),
        [one] => format!("{} {one}", noun(what, 1)),
        _ => {
            let mut listed = names.iter().take(LISTED).copied().collect::<Vec<_>>().join(", ");
            if names.len() > LISTED {
                listed.push_str(&format!(", +{} more", names.len() - LISTED));
            }
            format!("{} {} ({listed})", names.len(), noun(what, names.len()))
        }
    }
}

fn noun(what: &str, count: usize) -> &str {
    match (what, count) {
        ("auth", _) => "end-user auth",
        ("fixtures", _) => "fixtures",
        ("test", 1) => "test case",
        ("test", _) => "test cases",
        ("router", 1) => "router",
        ("router", _) => "routers",
        ("table", 1) => "table",
        ("table", _) => "tables",
        ("group", 1) => "group",
        ("group", _) => "groups",
        (other, _) => other,
    }
}

fn capitalized(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(what: &str, name: &str, change: ChangeKind, details: &[&str]) -> DefinitionChange {
        DefinitionChange { what: what.into(), name: name.into(), change, summary: String::new(), details: details.iter().map(|d| (*d).to_owned()).collect() }
    }

    #[test]
    fn a_summary_groups_by_kind_and_names_what_changed() {
        let changes = [
            change("table", "tags", ChangeKind::Added, &[]),
            change("router", "createPost", ChangeKind::Changed, &["step 1 (insert) values.title changed"]),
            change("router", "getPost", ChangeKind::Changed, &["description changed"]),
            change("router", "stats", ChangeKind::Removed, &[]),
            change("auth", "auth", ChangeKind::Changed, &["signupOpen true → false"]),
        ];
        assert_eq!(summary(&changes), "Added table tags; changed 2 routers (createPost, getPost), end-user auth; removed router stats");
        let routers: Vec<DefinitionChange> = (0..5).map(|n| change("router", &format!("r{n}"), ChangeKind::Added, &[])).collect();
        assert_eq!(summary(&routers), "Added 5 routers (r0, r1, r2, +2 more)");
    }

    #[test]
    fn one_change_with_one_detail_says_the_detail() {
        let changes = [change("router", "createNote", ChangeKind::Changed, &["step 1 (insert) values.title changed"])];
        assert_eq!(summary(&changes), "Changed router createNote: step 1 (insert) values.title changed");
        assert_eq!(summary(&[]), "No changes");
    }
}
