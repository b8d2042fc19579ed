use sea_orm_migration::{prelude::*, schema::*};

/// Test runs of environments: what ran against which revision, by whom, and
/// each case's result (a JSON list, written when the run ends).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TestRuns::Table)
                    .col(string(TestRuns::Id).primary_key())
                    .col(string(TestRuns::Environment))
                    .col(big_integer(TestRuns::Revision))
                    .col(string(TestRuns::StartedBy))
                    .col(timestamp_with_time_zone(TestRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(TestRuns::FinishedAt))
                    .col(string(TestRuns::Status))
                    .col(integer(TestRuns::Total))
                    .col(integer(TestRuns::Passed))
                    .col(integer(TestRuns::Failed))
                    .col(text(TestRuns::Results))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_test_runs_environment").table(TestRuns::Table).col(TestRuns::Environment).col(TestRuns::Id).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TestRuns::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum TestRuns {
    Table,
    /// UUID v7: ordering by id is ordering by start.
    Id,
    Environment,
    /// The workspace revision the environment served.
    Revision,
    /// The admin's email, or `refresh` when a refresh started it.
    StartedBy,
    StartedAt,
    FinishedAt,
    /// RUNNING, PASSED, FAILED, ERROR or CANCELLED.
    Status,
    Total,
    Passed,
    Failed,
    /// JSON: one result per case.
    Results,
}
