use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const MIB: i64 = 1024 * 1024;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time. Existing
        // environments take their kind's defaults (see `environments::Limits`).
        manager
            .alter_table(Table::alter().table(Environments::Table).add_column(big_integer(Environments::MaxFileBytes).default(100 * MIB)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Environments::Table).add_column(big_integer(Environments::FileQuotaBytes).default(1024 * MIB)).to_owned())
            .await?;
        let production = Query::update()
            .table(Environments::Table)
            .value(Environments::MaxFileBytes, 1024 * MIB)
            .value(Environments::FileQuotaBytes, 0)
            .and_where(Expr::col(Environments::Kind).eq("production"))
            .to_owned();
        manager.exec_stmt(production).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Environments::Table).drop_column(Environments::FileQuotaBytes).to_owned()).await?;
        manager.alter_table(Table::alter().table(Environments::Table).drop_column(Environments::MaxFileBytes).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Environments {
    Table,
    Kind,
    /// The largest file accepted, in bytes.
    MaxFileBytes,
    /// All files of the environment together, in bytes; 0 for no quota.
    FileQuotaBytes,
}
