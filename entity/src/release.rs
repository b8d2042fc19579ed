use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "releases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub environment: String,
    pub number: i64,
    pub status: String,
    /// JSON: the workspace document.
    pub document: String,
    pub content_hash: String,
    pub source_environment: String,
    pub source_revision: i64,
    pub rollback_of: Option<i64>,
    pub gate_run_id: Option<String>,
    pub gate_status: String,
    pub forced: bool,
    pub force_reason: Option<String>,
    pub note: Option<String>,
    /// JSON: the migration's changes.
    pub plan: String,
    /// JSON: the definitions' changes.
    pub changes: String,
    pub author: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub failed_step: Option<String>,
    pub error: Option<String>,
    /// JSON: `[{ "at", "message" }]`.
    pub log: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
