use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdminSessions::Table)
                    .col(string(AdminSessions::Id).primary_key())
                    .col(text(AdminSessions::Data))
                    .col(big_integer(AdminSessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        // The expired-session sweeper deletes by expiry.
        manager.create_index(Index::create().name("idx_admin_sessions_expires_at").table(AdminSessions::Table).col(AdminSessions::ExpiresAt).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AdminSessions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AdminSessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}
