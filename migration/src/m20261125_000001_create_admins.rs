use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Admins::Table)
                    .col(string(Admins::Id).primary_key())
                    .col(string_uniq(Admins::Email))
                    .col(string(Admins::PasswordHash))
                    .col(string(Admins::Role))
                    .col(timestamp_with_time_zone(Admins::CreatedAt))
                    .col(timestamp_with_time_zone(Admins::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Admins::LastLoginAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(string(ApiTokens::Id).primary_key())
                    .col(string(ApiTokens::AdminId))
                    .col(string(ApiTokens::Name))
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(string(ApiTokens::Prefix))
                    .col(string(ApiTokens::Role))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create().from(ApiTokens::Table, ApiTokens::AdminId).to(Admins::Table, Admins::Id).on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("idx_api_tokens_admin_id").table(ApiTokens::Table).col(ApiTokens::AdminId).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiTokens::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Admins::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Admins {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    AdminId,
    Name,
    TokenHash,
    Prefix,
    Role,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
}
