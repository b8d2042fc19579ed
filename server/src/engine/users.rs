//! End users of one environment, in its own database: sign-up, sign-in,
//! opaque bearer tokens stored as hashes, and groups. Token lookups are
//! cached in memory; the cache forgets a user when they change.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqlErr, TransactionTrait,
    sea_query::{Alias, ColumnDef, Expr, ExprTrait, ForeignKey, ForeignKeyAction, Index, Query, Table},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    auth::{
        admins::{canonical_email, normalize_email},
        password,
    },
    error::{ServiceError, ServiceResult},
};

pub const USERS: &str = "_sk_users";
const USER_GROUPS: &str = "_sk_user_groups";
const TOKENS: &str = "_sk_tokens";
const TOKEN_PREFIX: &str = "ut_";

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
    Ok(())
}

fn hash(token: &str) -> String {
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
    pub fn new(environment: &str, db: &super::databases::EnvDb, changes: tokio::sync::broadcast::Sender<UserChange>) -> Self {
        let cache = moka::sync::Cache::builder().max_capacity(100_000).time_to_live(Duration::from_secs(60)).support_invalidation_closures().build();
        Self { db: db.read.clone(), writer: db.write.clone(), cache, environment: environment.to_owned(), changes }
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub async fn signup(&self, email: &str, password: &str, group: Option<&str>, ttl_hours: u32) -> ServiceResult<(String, Caller)> {
        let email = normalize_email("email", email)?;
        password::validate("password", password)?;
        let password_hash = password::hash(password).await?;
        let txn = self.writer.begin().await?;
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(USERS))
            .columns(["email", "password_hash", "disabled", "created_at"].map(Alias::new))
            .values_panic([email.clone().into(), password_hash.into(), false.into(), Utc::now().into()])
            .returning_col(Alias::new("id"));
        let id: i64 = match super::rows::returning(&txn, &insert).await {
            Ok(Some(row)) => row.try_get("", "id")?,
            Ok(None) => return Err(ServiceError::internal(anyhow::anyhow!("insert returned no id"))),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(ServiceError::conflict("email", "an account with this email exists"));
            }
            Err(err) => return Err(err.into()),
        };
        let mut groups = Vec::new();
        if let Some(group) = group {
            let mut member = Query::insert();
            member.into_table(Alias::new(USER_GROUPS)).columns(["user_id", "group_name"].map(Alias::new)).values_panic([id.into(), group.into()]);
            txn.execute(&member).await?;
            groups.push(group.to_owned());
        }
        let token = issue_token(&txn, id, ttl_hours).await?;
        txn.commit().await?;
        Ok((token, Caller { id, email, groups }))
    }

    pub async fn login(&self, email: &str, password: &str, ttl_hours: u32) -> ServiceResult<(String, Caller)> {
        let email = canonical_email(email);
        let mut select = Query::select();
        select.columns(["id", "password_hash", "disabled"].map(Alias::new)).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("email")).eq(email.clone()));
        let row = self.db.query_one(&select).await?;
        let stored = row.as_ref().map(|r| r.try_get::<String>("", "password_hash")).transpose()?;
        if !password::verify(password, stored).await? {
            return Err(ServiceError::WrongCredentials);
        }
        let Some(row) = row else { return Err(ServiceError::WrongCredentials) };
        if row.try_get::<bool>("", "disabled")? {
            return Err(ServiceError::forbidden("this account is disabled"));
        }
        let id: i64 = row.try_get("", "id")?;
        let token = issue_token(&self.writer, id, ttl_hours).await?;
        Ok((token, Caller { id, email, groups: self.groups_of(id).await? }))
    }

    pub async fn logout(&self, token: &str) -> ServiceResult<()> {
        let hashed = hash(token);
        let mut delete = Query::delete();
        delete.from_table(Alias::new(TOKENS)).and_where(Expr::col(Alias::new("token_hash")).eq(hashed.clone()));
        self.writer.execute(&delete).await?;
        self.cache.invalidate(&hashed);
        self.announce(Changed::Token(hashed));
        Ok(())
    }

    /// The caller a bearer token stands for, if it is valid.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Option<Caller>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hashed = hash(token);
        if let Some(cached) = self.cache.get(&hashed) {
            return Ok(cached);
        }
        let (users, tokens) = (Alias::new(USERS), Alias::new(TOKENS));
        let mut select = Query::select();
        select
            .columns([(users.clone(), Alias::new("id")), (users.clone(), Alias::new("email"))])
            .column((tokens.clone(), Alias::new("expires_at")))
            .from(tokens.clone())
            .inner_join(users.clone(), Expr::col((users.clone(), Alias::new("id"))).equals((tokens.clone(), Alias::new("user_id"))))
            .and_where(Expr::col((tokens, Alias::new("token_hash"))).eq(hashed.clone()))
            .and_where(Expr::col((users, Alias::new("disabled"))).eq(false));
        let caller = match self.db.query_one(&select).await? {
            None => None,
            Some(row) => {
                let expires: DateTime<Utc> = row.try_get("", "expires_at")?;
                if expires <= Utc::now() {
                    None
                } else {
                    let id: i64 = row.try_get("", "id")?;
                    Some(Caller { id, email: row.try_get("", "email")?, groups: self.groups_of(id).await? })
                }
            }
        };
        self.cache.insert(hashed, caller.clone());
        Ok(caller)
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

    /// Replaces a user's groups; their cached tokens are forgotten at once.
    pub async fn set_groups(&self, user_id: i64, groups: &[String]) -> ServiceResult<Caller> {
        let txn = self.writer.begin().await?;
        let mut select = Query::select();
        select.column(Alias::new("email")).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("id")).eq(user_id));
        let email: String = txn.query_one(&select).await?.ok_or_else(|| ServiceError::not_found(format!("no user {user_id}")))?.try_get("", "email")?;
        let mut clear = Query::delete();
        clear.from_table(Alias::new(USER_GROUPS)).and_where(Expr::col(Alias::new("user_id")).eq(user_id));
        txn.execute(&clear).await?;
        let mut sorted: Vec<String> = groups.to_vec();
        sorted.sort();
        sorted.dedup();
        for group in &sorted {
            let mut member = Query::insert();
            member.into_table(Alias::new(USER_GROUPS)).columns(["user_id", "group_name"].map(Alias::new)).values_panic([user_id.into(), group.clone().into()]);
            txn.execute(&member).await?;
        }
        txn.commit().await?;
        self.user_changed(user_id);
        Ok(Caller { id: user_id, email, groups: sorted })
    }

    /// One page of users, newest first, optionally of one group or matching an email fragment.
    pub async fn list(&self, group: Option<&str>, search: Option<&str>, first: u64, after: Option<i64>) -> ServiceResult<(Vec<EndUser>, bool, i64)> {
        let users = Alias::new(USERS);
        let mut cond = sea_orm::sea_query::Cond::all();
        if let Some(group) = group {
            let mut members = Query::select();
            members.column(Alias::new("user_id")).from(Alias::new(USER_GROUPS)).and_where(Expr::col(Alias::new("group_name")).eq(group));
            cond = cond.add(Expr::col((users.clone(), Alias::new("id"))).in_subquery(members));
        }
        if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
            let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            cond = cond.add(Expr::col((users.clone(), Alias::new("email"))).like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')));
        }
        let mut count = Query::select();
        count.expr_as(Expr::col(Alias::new("id")).count(), Alias::new("n")).from(users.clone()).cond_where(cond.clone());
        let total: i64 = self.db.query_one(&count).await?.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
        let mut select = Query::select();
        select
            .columns(["id", "email", "disabled", "created_at"].map(|c| (users.clone(), Alias::new(c))))
            .from(users.clone())
            .cond_where(cond)
            .order_by((users.clone(), Alias::new("id")), sea_orm::sea_query::Order::Desc)
            .limit(first + 1);
        if let Some(after) = after {
            select.and_where(Expr::col((users, Alias::new("id"))).lt(after));
        }
        let rows = self.db.query_all(&select).await?;
        let has_more = rows.len() as u64 > first;
        let mut page = Vec::with_capacity(rows.len());
        for row in rows.iter().take(first as usize) {
            let id: i64 = row.try_get("", "id")?;
            page.push(EndUser {
                id,
                email: row.try_get("", "email")?,
                disabled: row.try_get("", "disabled")?,
                created_at: row.try_get("", "created_at")?,
                groups: self.groups_of(id).await?,
            });
        }
        Ok((page, has_more, total))
    }

    /// The emails of these users, by id (those that exist).
    pub async fn emails(&self, ids: &[i64]) -> ServiceResult<std::collections::HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut select = Query::select();
        select.columns(["id", "email"].map(Alias::new)).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()));
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for row in self.db.query_all(&select).await? {
            out.insert(row.try_get("", "id")?, row.try_get("", "email")?);
        }
        Ok(out)
    }

    /// The id of the user with this email (NOT_FOUND naming nobody else).
    pub async fn id_by_email(&self, email: &str) -> ServiceResult<i64> {
        let email = canonical_email(email);
        let mut select = Query::select();
        select.column(Alias::new("id")).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("email")).eq(email.clone()));
        let row = self.db.query_one(&select).await?.ok_or_else(|| ServiceError::not_found(format!("no end user with the email {email}")))?;
        Ok(row.try_get("", "id")?)
    }

    pub async fn get(&self, id: i64) -> ServiceResult<EndUser> {
        let mut select = Query::select();
        select.columns(["id", "email", "disabled", "created_at"].map(Alias::new)).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("id")).eq(id));
        let row = self.db.query_one(&select).await?.ok_or_else(|| ServiceError::not_found(format!("no user {id}")))?;
        Ok(EndUser {
            id,
            email: row.try_get("", "email")?,
            disabled: row.try_get("", "disabled")?,
            created_at: row.try_get("", "created_at")?,
            groups: self.groups_of(id).await?,
        })
    }

    /// Member counts per group name.
    pub async fn group_sizes(&self) -> ServiceResult<std::collections::HashMap<String, i64>> {
        let mut select = Query::select();
        select
            .column(Alias::new("group_name"))
            .expr_as(Expr::col(Alias::new("user_id")).count(), Alias::new("n"))
            .from(Alias::new(USER_GROUPS))
            .group_by_col(Alias::new("group_name"));
        let rows = self.db.query_all(&select).await?;
        rows.iter().map(|r| Ok((r.try_get("", "group_name")?, r.try_get("", "n")?))).collect()
    }

    /// Creates a user as an admin (sign-up rules do not apply).
    pub async fn create(&self, email: &str, password: &str, groups: &[String]) -> ServiceResult<EndUser> {
        let (_, caller) = self.signup(email, password, None, 1).await?;
        self.set_groups(caller.id, groups).await?;
        self.get(caller.id).await
    }

    /// A token for the fixture end user `email` in exactly `groups`, created
    /// (with a random password nobody knows) the first time: the callers test
    /// runs act as.
    pub async fn fixture(&self, email: &str, groups: &[String]) -> ServiceResult<String> {
        let mut select = Query::select();
        select.column(Alias::new("id")).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("email")).eq(email));
        let found: Option<i64> = self.db.query_one(&select).await?.map(|row| row.try_get("", "id")).transpose()?;
        let id = match found {
            Some(id) => {
                let current = self.groups_of(id).await?;
                if current.len() != groups.len() || groups.iter().any(|g| !current.contains(g)) {
                    self.set_groups(id, groups).await?;
                }
                id
            }
            None => {
                let mut secret = [0u8; 24];
                rand::rng().fill_bytes(&mut secret);
                self.create(email, &URL_SAFE_NO_PAD.encode(secret), groups).await?.id
            }
        };
        issue_token(&self.writer, id, 1).await
    }

    /// A short-lived token for the end user `email`, for the API test
    /// console (the admin acts as them; they are not signed out).
    pub async fn impersonate(&self, email: &str) -> ServiceResult<String> {
        let email = canonical_email(email);
        let mut select = Query::select();
        select.columns(["id", "disabled"].map(Alias::new)).from(Alias::new(USERS)).and_where(Expr::col(Alias::new("email")).eq(email.clone()));
        let row = self.db.query_one(&select).await?.ok_or_else(|| ServiceError::not_found(format!("no end user `{email}`")))?;
        if row.try_get::<bool>("", "disabled")? {
            return Err(ServiceError::bad_input("actAs.userEmail", format!("`{email}` is disabled")));
        }
        issue_token(&self.writer, row.try_get("", "id")?, 1).await
    }

    /// Disabling ends every session of the user at once.
    pub async fn set_disabled(&self, id: i64, disabled: bool) -> ServiceResult<EndUser> {
        let mut update = Query::update();
        update.table(Alias::new(USERS)).value(Alias::new("disabled"), disabled).and_where(Expr::col(Alias::new("id")).eq(id));
        if self.writer.execute(&update).await?.rows_affected() == 0 {
            return Err(ServiceError::not_found(format!("no user {id}")));
        }
        if disabled {
            self.revoke_tokens(id).await?;
        }
        self.user_changed(id);
        self.get(id).await
    }

    /// Sets a new password and signs the user out everywhere.
    pub async fn reset_password(&self, id: i64, password: &str) -> ServiceResult<EndUser> {
        password::validate("password", password)?;
        let hash = password::hash(password).await?;
        let mut update = Query::update();
        update.table(Alias::new(USERS)).value(Alias::new("password_hash"), hash).and_where(Expr::col(Alias::new("id")).eq(id));
        if self.writer.execute(&update).await?.rows_affected() == 0 {
            return Err(ServiceError::not_found(format!("no user {id}")));
        }
        self.revoke_tokens(id).await?;
        self.user_changed(id);
        self.get(id).await
    }

    pub async fn delete(&self, id: i64) -> ServiceResult<()> {
        self.revoke_tokens(id).await?;
        let mut delete = Query::delete();
        delete.from_table(Alias::new(USERS)).and_where(Expr::col(Alias::new("id")).eq(id));
        if self.writer.execute(&delete).await?.rows_affected() == 0 {
            return Err(ServiceError::not_found(format!("no user {id}")));
        }
        self.user_changed(id);
        Ok(())
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

async fn issue_token(db: &impl ConnectionTrait, user_id: i64, ttl_hours: u32) -> ServiceResult<String> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let expires = Utc::now() + chrono::Duration::hours(ttl_hours.into());
    let mut insert = Query::insert();
    insert.into_table(Alias::new(TOKENS)).columns(["token_hash", "user_id", "expires_at"].map(Alias::new)).values_panic([
        hash(&token).into(),
        user_id.into(),
        expires.into(),
    ]);
    db.execute(&insert).await?;
    Ok(token)
}
