//! End users of an environment, for admins: listing and editing need the
//! environment's user management (checked by `EndUsers`); the groups are
//! always visible, their sizes where user management is on.

use async_graphql::{
    Context, ID, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};

use super::{
    connection::TotalCount,
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{auth::Role, end_users::EndUsers, engine::users::EndUser, error::ServiceError, pagination::page_size};

fn end_users<'a>(ctx: &Context<'a>) -> &'a EndUsers {
    &state(ctx).end_users
}

#[derive(SimpleObject)]
#[graphql(name = "EndUser")]
pub struct EndUserObject {
    id: ID,
    email: String,
    groups: Vec<String>,
    disabled: bool,
    created_at: DateTime<Utc>,
    /// One of the test runner's fixture users (`…@fixtures.serverkit.invalid`).
    fixture: bool,
}

impl From<EndUser> for EndUserObject {
    fn from(u: EndUser) -> Self {
        let fixture = u.email.ends_with(&format!("@{}", crate::testing::run::FIXTURE_DOMAIN));
        Self { id: ID(u.id.to_string()), email: u.email, groups: u.groups, disabled: u.disabled, created_at: u.created_at, fixture }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "EndUserGroup")]
pub struct GroupObject {
    name: String,
    description: String,
    /// How many users the group has; null where user management is off
    /// (how many users an environment has is part of its private data).
    members: Option<i64>,
}

fn user_id(id: &ID) -> Result<i64, ServiceError> {
    id.parse().map_err(|_| ServiceError::not_found("no such user"))
}

#[derive(Default)]
pub struct EndUserQuery;

#[Object]
impl EndUserQuery {
    /// End users, newest first; of one group, or whose email contains `search`.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        environment: String,
        group: Option<String>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, EndUserObject, TotalCount>> {
        let users = end_users(ctx).managed(principal(ctx)?, &environment, Role::Viewer).await?.users;
        let first = page_size(first)?;
        let after_id = after.as_deref().map(|a| a.parse::<i64>().map_err(|_| ServiceError::bad_input("after", "not a cursor"))).transpose()?;
        let (page, has_more, total) = users.list(group.as_deref(), search.as_deref(), first, after_id).await?;
        let mut connection = Connection::with_additional_fields(after.is_some(), has_more, TotalCount { total_count: total.max(0) as u64 });
        connection.edges.extend(page.into_iter().map(|u| Edge::new(u.id.to_string(), EndUserObject::from(u))));
        Ok(connection)
    }

    /// The end-user groups with how many users each has.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn groups(&self, ctx: &Context<'_>, environment: String) -> Result<Vec<GroupObject>> {
        let directory = end_users(ctx).unmanaged(principal(ctx)?, &environment, Role::Viewer).await?;
        let sizes = if directory.managed() { Some(directory.users.group_sizes().await?) } else { None };
        Ok(directory
            .groups
            .into_iter()
            .map(|g| GroupObject { members: sizes.as_ref().map(|s| s.get(&g.name).copied().unwrap_or(0)), name: g.name, description: g.description })
            .collect())
    }
}

#[derive(Default)]
pub struct EndUserMutation;

#[Object]
impl EndUserMutation {
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn create_user(&self, ctx: &Context<'_>, environment: String, email: String, password: String, groups: Option<Vec<String>>) -> Result<EndUserObject> {
        let directory = end_users(ctx).managed(principal(ctx)?, &environment, Role::Developer).await?;
        let groups = groups.unwrap_or_default();
        directory.check_groups(&groups)?;
        Ok(directory.users.create(&email, &password, &groups).await?.into())
    }

    /// Replaces a user's groups; takes effect on their next request.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn set_user_groups(&self, ctx: &Context<'_>, environment: String, user_id: ID, groups: Vec<String>) -> Result<EndUserObject> {
        let directory = end_users(ctx).managed(principal(ctx)?, &environment, Role::Developer).await?;
        directory.check_groups(&groups)?;
        let id = self::user_id(&user_id)?;
        directory.users.set_groups(id, &groups).await?;
        Ok(directory.users.get(id).await?.into())
    }

    /// Replaces the groups of the user with this email, even where user
    /// management (listing users) is off: how production's first editors
    /// are appointed. NOT_FOUND for an unknown email, naming nobody else.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn set_user_groups_by_email(&self, ctx: &Context<'_>, environment: String, email: String, groups: Vec<String>) -> Result<EndUserObject> {
        let directory = end_users(ctx).unmanaged(principal(ctx)?, &environment, Role::Developer).await?;
        directory.check_groups(&groups)?;
        let users = &directory.users;
        let id = users.id_by_email(&email).await?;
        users.set_groups(id, &groups).await?;
        super::audit::record(ctx, "end_user.groups", &format!("{environment}/{}", email.trim().to_lowercase()), serde_json::json!({ "groups": groups })).await;
        Ok(users.get(id).await?.into())
    }

    /// Disables (or with `disabled: false` re-enables) a user; disabling signs them out.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn disable_user(&self, ctx: &Context<'_>, environment: String, user_id: ID, disabled: Option<bool>) -> Result<EndUserObject> {
        let users = end_users(ctx).managed(principal(ctx)?, &environment, Role::Developer).await?.users;
        Ok(users.set_disabled(self::user_id(&user_id)?, disabled.unwrap_or(true)).await?.into())
    }

    /// Sets a new password and signs the user out everywhere.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn reset_user_password(&self, ctx: &Context<'_>, environment: String, user_id: ID, password: String) -> Result<EndUserObject> {
        let users = end_users(ctx).managed(principal(ctx)?, &environment, Role::Developer).await?.users;
        Ok(users.reset_password(self::user_id(&user_id)?, &password).await?.into())
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_user(&self, ctx: &Context<'_>, environment: String, user_id: ID) -> Result<ID> {
        let users = end_users(ctx).managed(principal(ctx)?, &environment, Role::Developer).await?.users;
        users.delete(self::user_id(&user_id)?).await?;
        Ok(user_id)
    }
}
