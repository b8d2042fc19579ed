use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        manager.alter_table(Table::alter().table(Environments::Table).add_column(text(Environments::CorsOrigins).default("[]")).to_owned()).await?;
        manager.alter_table(Table::alter().table(Environments::Table).add_column(text(Environments::Variables).default("{}")).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Environments::Table).drop_column(Environments::Variables).to_owned()).await?;
        manager.alter_table(Table::alter().table(Environments::Table).drop_column(Environments::CorsOrigins).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Environments {
    Table,
    /// JSON array of origins allowed to call the environment's API from browsers.
    CorsOrigins,
    /// JSON object of the environment's variables (`env.*` in expressions).
    Variables,
}
