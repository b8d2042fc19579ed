//! A release: the immutable record of one activation of a deploy target
//! (deploy or rollback), numbered 1, 2, 3 … per environment. Only its
//! status, its end and its log change after it is written.

use chrono::{DateTime, Utc};
use entity::release;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use super::diff::DefinitionChange;
use crate::{
    engine::schema::Plan,
    error::{ServiceError, ServiceResult},
    workspace::WorkspaceDocument,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseStatus {
    Applying,
    Active,
    Failed,
    /// A later deploy replaced it.
    Superseded,
    /// A rollback replaced it.
    RolledBack,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applying => "APPLYING",
            Self::Active => "ACTIVE",
            Self::Failed => "FAILED",
            Self::Superseded => "SUPERSEDED",
            Self::RolledBack => "ROLLED_BACK",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "APPLYING" => Self::Applying,
            "ACTIVE" => Self::Active,
            "SUPERSEDED" => Self::Superseded,
            "ROLLED_BACK" => Self::RolledBack,
            _ => Self::Failed,
        }
    }

    /// Served once: a rollback may go back to it.
    pub fn was_served(self) -> bool {
        matches!(self, Self::Active | Self::Superseded | Self::RolledBack)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub message: String,
}

/// The gate as it stood when the release was made.
#[derive(Debug, Clone, PartialEq)]
pub struct GateRecord {
    pub run_id: Option<String>,
    /// PASSED, FAILED, RUNNING, ERROR, CANCELLED, or NONE when no run exists.
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct Release {
    pub id: String,
    pub environment: String,
    pub number: i64,
    pub status: ReleaseStatus,
    pub content_hash: String,
    /// What it was made of (its fields read through: `release.document`).
    pub made_of: Pending,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub failed_step: Option<String>,
    pub error: Option<String>,
    pub log: Vec<LogLine>,
}

impl std::ops::Deref for Release {
    type Target = Pending;

    fn deref(&self) -> &Pending {
        &self.made_of
    }
}

impl Release {
    /// How long it took to apply, in milliseconds, once it has ended.
    pub fn duration_ms(&self) -> Option<f64> {
        self.finished_at.map(|end| (end - self.created_at).num_microseconds().unwrap_or_default() as f64 / 1000.0)
    }
}

/// What a release is made of before it is numbered.
#[derive(Debug, Clone)]
pub struct Pending {
    pub document: WorkspaceDocument,
    pub source_environment: String,
    pub source_revision: i64,
    pub rollback_of: Option<i64>,
    pub gate: GateRecord,
    pub forced: bool,
    pub force_reason: Option<String>,
    pub note: Option<String>,
    pub plan: Plan,
    pub changes: Vec<DefinitionChange>,
    pub author: String,
}

/// SHA-256 of the document as stored.
pub fn content_hash(document: &WorkspaceDocument) -> ServiceResult<(String, String)> {
    use sha2::Digest;
    let text = serde_json::to_string(document).map_err(ServiceError::internal)?;
    let hash = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    Ok((text, hash))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

impl TryFrom<release::Model> for Release {
    type Error = ServiceError;

    fn try_from(m: release::Model) -> ServiceResult<Self> {
        let unreadable =
            |what: &str, err: serde_json::Error| ServiceError::internal(anyhow::anyhow!("release {} of {}: {what} unreadable: {err}", m.number, m.environment));
        let made_of = Pending {
            document: serde_json::from_str(&m.document).map_err(|e| unreadable("document", e))?,
            plan: serde_json::from_str(&m.plan).map_err(|e| unreadable("plan", e))?,
            changes: serde_json::from_str(&m.changes).map_err(|e| unreadable("changes", e))?,
            gate: GateRecord { run_id: m.gate_run_id, status: m.gate_status },
            source_environment: m.source_environment,
            source_revision: m.source_revision,
            rollback_of: m.rollback_of,
            forced: m.forced,
            force_reason: m.force_reason,
            note: m.note,
            author: m.author,
        };
        Ok(Self {
            log: serde_json::from_str(&m.log).map_err(|e| unreadable("log", e))?,
            status: ReleaseStatus::parse(&m.status),
            made_of,
            id: m.id,
            environment: m.environment,
            number: m.number,
            content_hash: m.content_hash,
            created_at: m.created_at,
            finished_at: m.finished_at,
            failed_step: m.failed_step,
            error: m.error,
        })
    }
}

/// The releases table of the control database.
#[derive(Clone)]
pub struct Releases {
    db: DatabaseConnection,
}

impl Releases {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub async fn get(&self, environment: &str, number: i64) -> ServiceResult<Option<Release>> {
        release::Entity::find()
            .filter(release::Column::Environment.eq(environment))
            .filter(release::Column::Number.eq(number))
            .one(&self.db)
            .await?
            .map(Release::try_from)
            .transpose()
    }

    /// Newest first, `first` of those numbered below `before`.
    pub async fn list(&self, environment: &str, first: u64, before: Option<i64>) -> ServiceResult<(Vec<Release>, bool)> {
        let mut query = release::Entity::find().filter(release::Column::Environment.eq(environment)).order_by_desc(release::Column::Number).limit(first + 1);
        if let Some(before) = before {
            query = query.filter(release::Column::Number.lt(before));
        }
        let mut releases = query.all(&self.db).await?.into_iter().map(Release::try_from).collect::<ServiceResult<Vec<_>>>()?;
        let more = releases.len() as u64 > first;
        releases.truncate(first as usize);
        Ok((releases, more))
    }

    pub async fn in_status(&self, environment: &str, status: ReleaseStatus) -> ServiceResult<Vec<Release>> {
        release::Entity::find()
            .filter(release::Column::Environment.eq(environment))
            .filter(release::Column::Status.eq(status.as_str()))
            .order_by_asc(release::Column::Number)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Release::try_from)
            .collect()
    }

    pub async fn next_number(&self, environment: &str) -> ServiceResult<i64> {
        let latest = release::Entity::find().filter(release::Column::Environment.eq(environment)).order_by_desc(release::Column::Number).one(&self.db).await?;
        Ok(latest.map_or(1, |r| r.number + 1))
    }

    /// Writes the release as APPLYING. CONFLICT when another one is applying
    /// to the same environment (the database allows one at a time) or took
    /// the number first.
    pub async fn insert(&self, environment: &str, number: i64, pending: &Pending, first_line: LogLine) -> ServiceResult<Release> {
        let (document, hash) = content_hash(&pending.document)?;
        let model = release::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            environment: Set(environment.to_owned()),
            number: Set(number),
            status: Set(ReleaseStatus::Applying.as_str().to_owned()),
            document: Set(document),
            content_hash: Set(hash),
            source_environment: Set(pending.source_environment.clone()),
            source_revision: Set(pending.source_revision),
            rollback_of: Set(pending.rollback_of),
            gate_run_id: Set(pending.gate.run_id.clone()),
            gate_status: Set(pending.gate.status.clone()),
            forced: Set(pending.forced),
            force_reason: Set(pending.force_reason.clone()),
            note: Set(pending.note.clone()),
            plan: Set(to_json(&pending.plan)),
            changes: Set(to_json(&pending.changes)),
            author: Set(pending.author.clone()),
            created_at: Set(first_line.at),
            finished_at: Set(None),
            failed_step: Set(None),
            error: Set(None),
            log: Set(to_json(&vec![first_line])),
        };
        match model.insert(&self.db).await {
            Ok(model) => model.try_into(),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Err(ServiceError::conflict("to", format!("another deploy or rollback of `{environment}` is in progress; wait for it to end")))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Ends release `number` as ACTIVE, and the one that was active before
    /// it as `replaced` (SUPERSEDED, or ROLLED_BACK for a rollback), in one
    /// transaction.
    pub async fn activated(&self, environment: &str, number: i64, replaced: ReleaseStatus, log: &[LogLine]) -> ServiceResult<()> {
        let txn = sea_orm::TransactionTrait::begin(&self.db).await?;
        release::Entity::update_many()
            .col_expr(release::Column::Status, Expr::value(replaced.as_str()))
            .filter(release::Column::Environment.eq(environment))
            .filter(release::Column::Status.eq(ReleaseStatus::Active.as_str()))
            .filter(release::Column::Number.ne(number))
            .exec(&txn)
            .await?;
        self.end(&txn, environment, number, ReleaseStatus::Active, None, None, log).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends release `number` as FAILED at `step`, with the error in words.
    pub async fn failed(&self, environment: &str, number: i64, step: Option<&str>, error: &str, log: &[LogLine]) -> ServiceResult<()> {
        self.end(&self.db, environment, number, ReleaseStatus::Failed, step, Some(error), log).await
    }

    #[allow(clippy::too_many_arguments, reason = "the columns one end of a release sets")]
    async fn end(
        &self,
        db: &impl ConnectionTrait,
        environment: &str,
        number: i64,
        status: ReleaseStatus,
        step: Option<&str>,
        error: Option<&str>,
        log: &[LogLine],
    ) -> ServiceResult<()> {
        release::Entity::update_many()
            .col_expr(release::Column::Status, Expr::value(status.as_str()))
            .col_expr(release::Column::FinishedAt, Expr::value(Utc::now()))
            .col_expr(release::Column::FailedStep, Expr::value(step.map(str::to_owned)))
            .col_expr(release::Column::Error, Expr::value(error.map(str::to_owned)))
            .col_expr(release::Column::Log, Expr::value(to_json(&log)))
            .filter(release::Column::Environment.eq(environment))
            .filter(release::Column::Number.eq(number))
            .exec(db)
            .await?;
        Ok(())
    }
}
