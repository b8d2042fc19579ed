use sea_orm_migration::{prelude::*, schema::*};

/// Why a test run could not go on (status ERROR), and which revision a
/// restored revision restored: both were only in the server's log.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        manager.alter_table(Table::alter().table(TestRuns::Table).add_column(text_null(TestRuns::Error)).to_owned()).await?;
        manager.alter_table(Table::alter().table(WorkspaceRevisions::Table).add_column(big_integer_null(WorkspaceRevisions::RestoredFrom)).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(WorkspaceRevisions::Table).drop_column(WorkspaceRevisions::RestoredFrom).to_owned()).await?;
        manager.alter_table(Table::alter().table(TestRuns::Table).drop_column(TestRuns::Error).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum TestRuns {
    Table,
    /// What stopped a run with status ERROR.
    Error,
}

#[derive(DeriveIden)]
enum WorkspaceRevisions {
    Table,
    /// The earlier revision this one saved again (`restoreWorkspaceRevision`).
    RestoredFrom,
}
