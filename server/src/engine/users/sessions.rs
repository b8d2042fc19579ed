//! Signing end users in and out: sign-up, sign-in, the bearer tokens that
//! the data plane checks on every request (cached), and the tokens the test
//! runner and the API console act with.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{
    ConnectionTrait, SqlErr, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};

use super::{Caller, Changed, TICKETS, TOKEN_PREFIX, TOKENS, USER_GROUPS, USERS, Users, hash};
use crate::{
    auth::{
        admins::{canonical_email, normalize_email},
        password,
    },
    error::{ServiceError, ServiceResult},
};

/// How long a ticket (`Users::ticket`) can be redeemed.
pub const TICKET_TTL: std::time::Duration = std::time::Duration::from_secs(30);

impl Users {
    pub async fn signup(&self, email: &str, password: &str, group: Option<&str>, ttl_hours: u32) -> ServiceResult<(String, Caller)> {
        let email = normalize_email("email", email)?;
        password::validate("password", password)?;
        let password_hash = password::hash(password).await?;
        let groups: Vec<String> = group.into_iter().map(str::to_owned).collect();
        self.register(email, password_hash, groups, ttl_hours).await
    }

    /// Inserts a user with their groups and signs them in, in one transaction.
    async fn register(&self, email: String, password_hash: String, groups: Vec<String>, ttl_hours: u32) -> ServiceResult<(String, Caller)> {
        let txn = self.writer.begin().await?;
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(USERS))
            .columns(["email", "password_hash", "disabled", "created_at"].map(Alias::new))
            .values_panic([email.clone().into(), password_hash.into(), false.into(), Utc::now().into()])
            .returning_col(Alias::new("id"));
        let id: i64 = match crate::engine::rows::returning(&txn, &insert).await {
            Ok(Some(row)) => row.try_get("", "id")?,
            Ok(None) => return Err(ServiceError::internal(anyhow::anyhow!("insert returned no id"))),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(ServiceError::conflict("email", "an account with this email exists"));
            }
            Err(err) => return Err(err.into()),
        };
        for group in &groups {
            let mut member = Query::insert();
            member.into_table(Alias::new(USER_GROUPS)).columns(["user_id", "group_name"].map(Alias::new)).values_panic([id.into(), group.as_str().into()]);
            txn.execute(&member).await?;
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

    /// A ticket standing for `token` (checked first) for `TICKET_TTL`, once.
    /// Only its hash is kept, in the environment's database: any replica redeems it.
    pub async fn ticket(&self, token: &str) -> ServiceResult<Option<String>> {
        if self.authenticate(token).await?.is_none() {
            return Ok(None);
        }
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        let ticket = format!("tk_{}", hex::encode(bytes));
        let now = Utc::now();
        let mut expired = Query::delete();
        expired.from_table(Alias::new(TICKETS)).and_where(Expr::col(Alias::new("expires_at")).lt(now));
        self.writer.execute(&expired).await?;
        let expires_at = now + chrono::Duration::from_std(TICKET_TTL).unwrap_or_default();
        let mut insert = Query::insert();
        insert.into_table(Alias::new(TICKETS)).columns(["ticket_hash", "token_hash", "expires_at"].map(Alias::new)).values_panic([
            hash(&ticket).into(),
            hash(token).into(),
            expires_at.into(),
        ]);
        self.writer.execute(&insert).await?;
        Ok(Some(ticket))
    }

    /// The hash of the token a ticket stands for, once: a second use (on
    /// any replica) finds nothing.
    pub async fn redeem(&self, ticket: &str) -> ServiceResult<Option<String>> {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(TICKETS))
            .and_where(Expr::col(Alias::new("ticket_hash")).eq(hash(ticket)))
            .returning(Query::returning().columns(["token_hash", "expires_at"].map(Alias::new)));
        let Some(row) = self.writer.query_one(&delete).await? else { return Ok(None) };
        let expires_at: DateTime<Utc> = row.try_get("", "expires_at")?;
        Ok((expires_at > Utc::now()).then(|| row.try_get("", "token_hash")).transpose()?)
    }

    /// When the token of hash `hashed` expires; None for one that is not (or no longer) valid.
    pub async fn expires_at(&self, hashed: &str) -> ServiceResult<Option<DateTime<Utc>>> {
        let mut select = Query::select();
        select.column(Alias::new("expires_at")).from(Alias::new(TOKENS)).and_where(Expr::col(Alias::new("token_hash")).eq(hashed));
        Ok(self.db.query_one(&select).await?.map(|row| row.try_get("", "expires_at")).transpose()?)
    }

    /// The caller a bearer token stands for, if it is valid.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Option<Caller>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        self.authenticate_hashed(hash(token)).await
    }

    /// The caller the token of hash `hashed` stands for, if it is valid.
    pub async fn authenticate_hashed(&self, hashed: String) -> ServiceResult<Option<Caller>> {
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
            // Nobody signs in as a fixture by password: its hash is of a
            // secret nobody has, made once (a sandbox makes them every run).
            None => return Ok(self.register(canonical_email(email), password::sealed_hash().await?, groups.to_vec(), 1).await?.0),
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
