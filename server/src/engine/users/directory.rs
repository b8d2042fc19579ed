//! The directory of an environment's end users, as admins keep it: listing
//! and finding users, creating them, their groups, disabling, passwords and
//! deleting. Who may do which is `end_users::EndUsers`'s to check.

use sea_orm::{
    ConnectionTrait, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
};

use super::{Caller, EndUser, USER_GROUPS, USERS, Users};
use crate::{
    auth::{admins::canonical_email, password},
    error::{ServiceError, ServiceResult},
};

impl Users {
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
}
