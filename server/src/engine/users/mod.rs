//! End users of one environment, in its own database: sign-up, sign-in,
//! opaque bearer tokens stored as hashes, and groups. Token lookups are
//! cached in memory; the cache forgets a user when they change. Signing in
//! and out is `sessions`; the admin's directory of users is `directory`.

mod directory;
mod sessions;

pub use sessions::TICKET_TTL;

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend,
    sea_query::{Alias, ColumnDef, Expr, ExprTrait, ForeignKey, ForeignKeyAction, Index, Query, Table},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{ServiceError, ServiceResult};

pub const USERS: &str = "_sk_users";
const USER_GROUPS: &str = "_sk_user_groups";
const TOKENS: &str = "_sk_tokens";
const TICKETS: &str = "_sk_tickets";
/// What every end user token starts with.
pub(crate) const TOKEN_PREFIX: &str = "ut_";

/// An end user as admins see them.
#[derive(Debug, Clone)]
pub struct EndUser {
    pub id: i64,
    pub email: String,
    pub groups: Vec<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// The end user behind a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub id: i64,
    pub email: String,
    pub groups: Vec<String>,
}

impl Caller {
    pub fn to_json(&self) -> Value {
        json!({ "id": self.id, "email": self.email, "groups": self.groups })
    }
}

/// Creates the end-user tables if they are missing.
pub async fn ensure_tables(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let users = Table::create()
        .table(Alias::new(USERS))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new("id")).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Alias::new("email")).text().not_null().unique_key())
        .col(ColumnDef::new(Alias::new("password_hash")).text().not_null())
        .col(ColumnDef::new(Alias::new("disabled")).boolean().not_null().default(false))
        .col(ColumnDef::new(Alias::new("created_at")).timestamp_with_time_zone().not_null())
        .to_owned();
    db.execute(&users).await?;
    let groups = Table::create()
        .table(Alias::new(USER_GROUPS))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new("user_id")).big_integer().not_null())
        .col(ColumnDef::new(Alias::new("group_name")).text().not_null())
        .primary_key(Index::create().col(Alias::new("user_id")).col(Alias::new("group_name")))
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(USER_GROUPS), Alias::new("user_id"))
                .to(Alias::new(USERS), Alias::new("id"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    db.execute(&groups).await?;
    let tokens = Table::create()
        .table(Alias::new(TOKENS))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new("token_hash")).text().not_null().primary_key())
        .col(ColumnDef::new(Alias::new("user_id")).big_integer().not_null())
        .col(ColumnDef::new(Alias::new("expires_at")).timestamp_with_time_zone().not_null())
        .foreign_key(
            ForeignKey::create().from(Alias::new(TOKENS), Alias::new("user_id")).to(Alias::new(USERS), Alias::new("id")).on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    db.execute(&tokens).await?;
    // Kept in the database, not in one process: a ticket asked of one
    // replica is redeemed by whichever serves the stream. A ticket goes with its token.
    let tickets = Table::create()
        .table(Alias::new(TICKETS))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new("ticket_hash")).text().not_null().primary_key())
        .col(ColumnDef::new(Alias::new("token_hash")).text().not_null())
        .col(ColumnDef::new(Alias::new("expires_at")).timestamp_with_time_zone().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(Alias::new(TICKETS), Alias::new("token_hash"))
                .to(Alias::new(TOKENS), Alias::new("token_hash"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    db.execute(&tickets).await?;
    Ok(())
}

/// What a token (or ticket) is kept as: never the token itself.
pub(crate) fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What changed about an environment's end users, for the caches of other
/// replicas (see `cluster`).
#[derive(Debug, Clone)]
pub struct UserChange {
    pub environment: String,
    pub what: Changed,
}

#[derive(Debug, Clone)]
pub enum Changed {
    /// A user's account or groups: their cached tokens must be read again.
    User(i64),
    /// A token was signed out (by its hash).
    Token(String),
}

/// End users of one environment.
#[derive(Clone)]
pub struct Users {
    /// Reads (token checks, listings).
    db: DatabaseConnection,
    /// Writes: sign-ups, tokens, admin changes.
    writer: DatabaseConnection,
    cache: moka::sync::Cache<String, Option<Caller>>,
    environment: String,
    changes: tokio::sync::broadcast::Sender<UserChange>,
}

impl Users {
    pub fn new(environment: &str, db: &super::store::EnvDb, changes: tokio::sync::broadcast::Sender<UserChange>) -> Self {
        let cache = moka::sync::Cache::builder().max_capacity(100_000).time_to_live(Duration::from_secs(60)).support_invalidation_closures().build();
        Self { db: db.read.clone(), writer: db.write.clone(), cache, environment: environment.to_owned(), changes }
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn groups_of(&self, id: i64) -> ServiceResult<Vec<String>> {
        let mut select = Query::select();
        select
            .column(Alias::new("group_name"))
            .from(Alias::new(USER_GROUPS))
            .and_where(Expr::col(Alias::new("user_id")).eq(id))
            .order_by(Alias::new("group_name"), sea_orm::sea_query::Order::Asc);
        let rows = self.db.query_all(&select).await?;
        rows.iter().map(|r| r.try_get::<String>("", "group_name").map_err(ServiceError::from)).collect()
    }

    async fn revoke_tokens(&self, id: i64) -> ServiceResult<()> {
        let mut delete = Query::delete();
        delete.from_table(Alias::new(TOKENS)).and_where(Expr::col(Alias::new("user_id")).eq(id));
        self.writer.execute(&delete).await?;
        Ok(())
    }

    /// Forgets cached tokens of a user whose account or groups changed.
    pub fn forget_user(&self, id: i64) {
        let _ = self.cache.invalidate_entries_if(move |_, caller| caller.as_ref().is_some_and(|c| c.id == id));
    }

    /// Forgets a token signed out elsewhere.
    pub fn forget_token(&self, token_hash: &str) {
        self.cache.invalidate(token_hash);
    }

    /// A user changed here: forget their cached tokens and tell the others.
    fn user_changed(&self, id: i64) {
        self.forget_user(id);
        self.announce(Changed::User(id));
    }

    fn announce(&self, what: Changed) {
        // No listener (a single server) is not an error.
        let _ = self.changes.send(UserChange { environment: self.environment.clone(), what });
    }
}
