use sea_orm_migration::{prelude::*, schema::*};

/// Releases of deploy targets (numbered per environment, immutable but for
/// their status, end and log), the secrets of environments (encrypted), and
/// per-router settings that outlive deploys and rollbacks.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Releases::Table)
                    .col(string(Releases::Id).primary_key())
                    .col(string(Releases::Environment))
                    .col(big_integer(Releases::Number))
                    .col(string(Releases::Status))
                    .col(text(Releases::Document))
                    .col(string(Releases::ContentHash))
                    .col(string(Releases::SourceEnvironment))
                    .col(big_integer(Releases::SourceRevision))
                    .col(big_integer_null(Releases::RollbackOf))
                    .col(string_null(Releases::GateRunId))
                    .col(string(Releases::GateStatus))
                    .col(boolean(Releases::Forced))
                    .col(text_null(Releases::ForceReason))
                    .col(text_null(Releases::Note))
                    .col(text(Releases::Plan))
                    .col(text(Releases::Changes))
                    .col(string(Releases::Author))
                    .col(timestamp_with_time_zone(Releases::CreatedAt))
                    .col(timestamp_with_time_zone_null(Releases::FinishedAt))
                    .col(string_null(Releases::FailedStep))
                    .col(text_null(Releases::Error))
                    .col(text(Releases::Log))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_releases_environment_number")
                    .table(Releases::Table)
                    .col(Releases::Environment)
                    .col(Releases::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // At most one deploy applying per target, whichever replica runs it.
        manager.get_connection().execute_unprepared("CREATE UNIQUE INDEX ux_releases_applying ON releases (environment) WHERE status = 'APPLYING'").await?;

        manager
            .create_table(
                Table::create()
                    .table(Secrets::Table)
                    .col(string(Secrets::Environment))
                    .col(string(Secrets::Name))
                    .col(text(Secrets::Sealed))
                    .col(timestamp_with_time_zone(Secrets::UpdatedAt))
                    .col(string(Secrets::UpdatedBy))
                    .primary_key(Index::create().col(Secrets::Environment).col(Secrets::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RouterSettings::Table)
                    .col(string(RouterSettings::Environment))
                    .col(string(RouterSettings::Router))
                    .col(boolean(RouterSettings::Enabled))
                    .col(integer(RouterSettings::DisabledStatus))
                    .col(integer_null(RouterSettings::RateLimitPerMinute))
                    .col(text_null(RouterSettings::Groups))
                    .col(timestamp_with_time_zone(RouterSettings::UpdatedAt))
                    .col(string(RouterSettings::UpdatedBy))
                    .primary_key(Index::create().col(RouterSettings::Environment).col(RouterSettings::Router))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RouterSettings::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Secrets::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Releases::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Releases {
    Table,
    /// UUID v7.
    Id,
    /// The deploy target's slug.
    Environment,
    /// 1, 2, 3 … per environment.
    Number,
    /// APPLYING, ACTIVE, FAILED, SUPERSEDED, ROLLED_BACK.
    Status,
    /// JSON: the workspace document served (tables, routers, groups, tests).
    Document,
    /// SHA-256 of the document, hex.
    ContentHash,
    SourceEnvironment,
    /// The source's workspace revision.
    SourceRevision,
    /// For a rollback: the release whose definition it serves again.
    RollbackOf,
    GateRunId,
    /// PASSED, FAILED, RUNNING, ERROR, CANCELLED or NONE (no run).
    GateStatus,
    Forced,
    ForceReason,
    Note,
    /// JSON: the migration applied.
    Plan,
    /// JSON: routers and tables added, changed, removed.
    Changes,
    Author,
    CreatedAt,
    FinishedAt,
    FailedStep,
    Error,
    /// JSON: timestamped lines.
    Log,
}

#[derive(DeriveIden)]
enum Secrets {
    Table,
    Environment,
    Name,
    /// base64 of nonce ‖ ciphertext (XChaCha20-Poly1305, key outside the database).
    Sealed,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum RouterSettings {
    Table,
    Environment,
    Router,
    Enabled,
    /// 404 or 503, when switched off.
    DisabledStatus,
    RateLimitPerMinute,
    /// JSON list replacing the router's groups; null keeps the definition's access.
    Groups,
    UpdatedAt,
    UpdatedBy,
}
