//! What an environment's database currently holds: the revision it serves
//! and the table definitions its SQL tables were built from. Kept in the same
//! database and written in the same transaction as the migration, so the two
//! never disagree.

use sea_orm::{
    ConnectionTrait, DbErr,
    sea_query::{Alias, ColumnDef, Expr, ExprTrait, OnConflict, Query, Table as SqlTable},
};
use serde::{Deserialize, Serialize};

use crate::workspace::document::Table;

const STATE: &str = "_sk_state";
const APPLIED: &str = "applied";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Applied {
    /// The workspace revision of the definition served.
    pub revision: i64,
    /// The release it is, in a deploy target (absent in test environments).
    #[serde(default)]
    pub release: Option<i64>,
    /// The tables as the database holds them: the definition's, plus those
    /// and the columns a rollback kept in place.
    pub tables: Vec<Table>,
    /// When it was applied (absent in states written before this was kept).
    #[serde(default)]
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn ensure_table(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let create = SqlTable::create()
        .table(Alias::new(STATE))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new("key")).text().not_null().primary_key())
        .col(ColumnDef::new(Alias::new("value")).text().not_null())
        .to_owned();
    db.execute(&create).await?;
    Ok(())
}

pub async fn read(db: &impl ConnectionTrait) -> Result<Option<Applied>, DbErr> {
    let Some(text) = read_value(db, APPLIED).await? else { return Ok(None) };
    serde_json::from_str(&text).map(Some).map_err(|err| DbErr::Custom(format!("environment state unreadable: {err}")))
}

pub async fn write(db: &impl ConnectionTrait, applied: &Applied) -> Result<(), DbErr> {
    let text = serde_json::to_string(applied).map_err(|err| DbErr::Custom(err.to_string()))?;
    write_value(db, APPLIED, text).await
}

/// The text kept under `key` (`applied`, or another part of the engine's).
pub async fn read_value(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    let mut select = Query::select();
    select.column(Alias::new("value")).from(Alias::new(STATE)).and_where(Expr::col(Alias::new("key")).eq(key));
    let Some(row) = db.query_one(&select).await? else { return Ok(None) };
    row.try_get("", "value").map(Some)
}

pub async fn write_value(db: &impl ConnectionTrait, key: &str, text: String) -> Result<(), DbErr> {
    let mut upsert = Query::insert();
    upsert
        .into_table(Alias::new(STATE))
        .columns([Alias::new("key"), Alias::new("value")])
        .values_panic([key.into(), text.into()])
        .on_conflict(OnConflict::column(Alias::new("key")).update_column(Alias::new("value")).to_owned());
    db.execute(&upsert).await?;
    Ok(())
}
