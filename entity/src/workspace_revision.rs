use sea_orm::entity::prelude::*;

/// Every saved state of the workspace; the highest revision is the current one.
/// Revisions are immutable: environments and releases refer to them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspace_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub revision: i64,
    /// The workspace document as JSON.
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub author_email: String,
    pub created_at: DateTimeUtc,
    /// The earlier revision this one saved again, when it was a restore.
    pub restored_from: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
