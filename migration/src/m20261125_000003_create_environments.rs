use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Environments::Table)
                    .col(string(Environments::Id).primary_key())
                    .col(string_uniq(Environments::Slug))
                    .col(string(Environments::Name))
                    .col(string(Environments::Kind))
                    .col(integer(Environments::MaxConcurrentRequests))
                    .col(integer(Environments::RequestsPerSecond))
                    .col(big_integer(Environments::MaxBodyBytes))
                    .col(integer(Environments::RequestTimeoutMs))
                    .col(boolean(Environments::CapMonitoring))
                    .col(boolean(Environments::CapRequestLogs))
                    .col(boolean(Environments::CapApiTest))
                    .col(boolean(Environments::CapDatabaseManagement))
                    .col(boolean(Environments::CapUserManagement))
                    .col(boolean(Environments::CapFileManagement))
                    .col(timestamp_with_time_zone(Environments::CreatedAt))
                    .col(timestamp_with_time_zone(Environments::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Environments::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Environments {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    MaxConcurrentRequests,
    RequestsPerSecond,
    MaxBodyBytes,
    RequestTimeoutMs,
    CapMonitoring,
    CapRequestLogs,
    CapApiTest,
    CapDatabaseManagement,
    CapUserManagement,
    CapFileManagement,
    CreatedAt,
    UpdatedAt,
}
