use sea_orm_migration::{prelude::*, schema::*};

/// The request records of test runs, kept with their run rather than in the
/// environment's request log: runs serve in a sandbox, and their traffic is
/// not the environment's.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TestRunRecords::Table)
                    .col(string(TestRunRecords::Id).primary_key())
                    .col(string(TestRunRecords::RunId))
                    .col(string(TestRunRecords::Environment))
                    .col(text(TestRunRecords::Record))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_test_run_records_run").table(TestRunRecords::Table).col(TestRunRecords::RunId).col(TestRunRecords::Id).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TestRunRecords::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum TestRunRecords {
    Table,
    /// The record's id (UUID v7), as `logIds` name it.
    Id,
    RunId,
    Environment,
    /// JSON: the whole record, details included.
    Record,
}
