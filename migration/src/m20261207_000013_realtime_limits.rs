use sea_orm_migration::{prelude::*, schema::*};

/// Per environment: how many stream subscribers it takes (in all, per end
/// user), how many events per second one subscriber is sent, and how long
/// its change feed is kept (events, hours).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            integer(Environments::MaxSubscribers).default(10_000).to_owned(),
            integer(Environments::MaxSubscribersPerUser).default(10).to_owned(),
            integer(Environments::MaxEventsPerSecond).default(1_000).to_owned(),
            big_integer(Environments::FeedRetentionEvents).default(100_000).to_owned(),
            integer(Environments::FeedRetentionHours).default(24).to_owned(),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(Environments::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Environments::MaxSubscribers,
            Environments::MaxSubscribersPerUser,
            Environments::MaxEventsPerSecond,
            Environments::FeedRetentionEvents,
            Environments::FeedRetentionHours,
        ] {
            manager.alter_table(Table::alter().table(Environments::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Environments {
    Table,
    MaxSubscribers,
    MaxSubscribersPerUser,
    MaxEventsPerSecond,
    FeedRetentionEvents,
    FeedRetentionHours,
}
