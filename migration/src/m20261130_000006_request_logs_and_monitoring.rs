use sea_orm_migration::{prelude::*, schema::*};

/// Request-log settings per environment, and the per-minute figures of every
/// router (one row per environment, router, minute and replica: replicas on
/// one PostgreSQL database each write their own and readers sum them).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let add = |column: &mut ColumnDef| Table::alter().table(Environments::Table).add_column(column.take()).to_owned();
        manager.alter_table(add(big_integer(Environments::LogRetentionRecords).default(100_000))).await?;
        manager.alter_table(add(integer(Environments::LogRetentionDays).default(7))).await?;
        manager.alter_table(add(integer(Environments::LogBodyLimitBytes).default(16 * 1024))).await?;
        manager.alter_table(add(text(Environments::LogRedactNames).default("[]"))).await?;
        manager
            .create_table(
                Table::create()
                    .table(RouterMinutes::Table)
                    .col(string(RouterMinutes::Environment))
                    .col(string(RouterMinutes::Router))
                    .col(string(RouterMinutes::Method))
                    .col(string(RouterMinutes::Route))
                    .col(big_integer(RouterMinutes::Minute))
                    .col(string(RouterMinutes::Replica))
                    .col(big_integer(RouterMinutes::Requests))
                    .col(big_integer(RouterMinutes::ClientErrors))
                    .col(big_integer(RouterMinutes::ServerErrors))
                    .col(text(RouterMinutes::Latency))
                    .primary_key(
                        Index::create()
                            .col(RouterMinutes::Environment)
                            .col(RouterMinutes::Minute)
                            .col(RouterMinutes::Router)
                            .col(RouterMinutes::Method)
                            .col(RouterMinutes::Replica),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RouterMinutes::Table).to_owned()).await?;
        for column in [Environments::LogRedactNames, Environments::LogBodyLimitBytes, Environments::LogRetentionDays, Environments::LogRetentionRecords] {
            manager.alter_table(Table::alter().table(Environments::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Environments {
    Table,
    LogRetentionRecords,
    LogRetentionDays,
    LogBodyLimitBytes,
    /// JSON array of extra header and field names to mask in request logs.
    LogRedactNames,
}

#[derive(DeriveIden)]
enum RouterMinutes {
    Table,
    Environment,
    /// The router's name (`auth/login` for the built-in endpoints, `(unmatched)`).
    Router,
    Method,
    /// The path template, never the raw path.
    Route,
    /// Minutes since the Unix epoch.
    Minute,
    /// The process that served these requests (summed over replicas).
    Replica,
    Requests,
    ClientErrors,
    ServerErrors,
    /// The latency histogram: JSON `{bucket: count}` (see `monitoring::histogram`).
    Latency,
}
