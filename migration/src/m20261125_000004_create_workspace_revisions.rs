use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceRevisions::Table)
                    .col(big_integer(WorkspaceRevisions::Revision).primary_key())
                    .col(text(WorkspaceRevisions::Document))
                    .col(string(WorkspaceRevisions::AuthorEmail))
                    .col(timestamp_with_time_zone(WorkspaceRevisions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WorkspaceRevisions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum WorkspaceRevisions {
    Table,
    Revision,
    Document,
    AuthorEmail,
    CreatedAt,
}
