use sea_orm_migration::{prelude::*, schema::*};

/// What admins did: who, when, what, to what, from which address.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(string(AuditLog::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::Target))
                    .col(text(AuditLog::Detail))
                    .col(string_null(AuditLog::ClientAddress))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_audit_log_action").table(AuditLog::Table).col(AuditLog::Action).col(AuditLog::Id).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    /// UUID v7: ordering by id is ordering by time.
    Id,
    At,
    /// The admin's email.
    Actor,
    /// `admin.create`, `token.revoke`, `environment.update`, `console.call`…
    Action,
    /// What it was done to: an email, a token name, an environment's slug.
    Target,
    /// JSON: names of what changed, never secret values.
    Detail,
    ClientAddress,
}
