use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::{
    connection::{CountedConnection, from_page},
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::{Role, admins},
    pagination::PageRequest,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleValue {
    Owner,
    Developer,
    Viewer,
}

impl From<Role> for RoleValue {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Developer => Self::Developer,
            Role::Viewer => Self::Viewer,
        }
    }
}

impl From<RoleValue> for Role {
    fn from(role: RoleValue) -> Self {
        match role {
            RoleValue::Owner => Self::Owner,
            RoleValue::Developer => Self::Developer,
            RoleValue::Viewer => Self::Viewer,
        }
    }
}

pub struct AdminObject(pub admins::Admin);

#[Object(name = "Admin")]
impl AdminObject {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> RoleValue {
        self.0.role.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
}

#[derive(InputObject)]
pub struct CreateAdminInput {
    pub email: String,
    pub password: String,
    pub role: RoleValue,
}

#[derive(InputObject)]
pub struct UpdateAdminInput {
    pub role: Option<RoleValue>,
    /// Sets a new password for the admin.
    pub password: Option<String>,
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// All admin accounts. Owner only.
    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn admins(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<CountedConnection<AdminObject>> {
        let page = admins::list(&state(ctx).db, principal(ctx)?, &PageRequest::new(first, after)?).await?;
        Ok(from_page(page, |admin| admin.id.clone(), AdminObject))
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn create_admin(&self, ctx: &Context<'_>, input: CreateAdminInput) -> Result<AdminObject> {
        let admin = admins::invite(&state(ctx).db, principal(ctx)?, &input.email, &input.password, input.role.into()).await?;
        super::audit::record(ctx, "admin.create", &admin.email, serde_json::json!({ "role": admin.role.as_str() })).await;
        Ok(AdminObject(admin))
    }

    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn update_admin(&self, ctx: &Context<'_>, id: ID, input: UpdateAdminInput) -> Result<AdminObject> {
        let role = input.role.map(Role::from);
        let changed: Vec<&str> = [role.map(|_| "role"), input.password.as_ref().map(|_| "password")].into_iter().flatten().collect();
        let admin = admins::update(&state(ctx).db, principal(ctx)?, &id, role, input.password.as_deref()).await?;
        super::audit::record(ctx, "admin.update", &admin.email, serde_json::json!({ "changed": changed })).await;
        Ok(AdminObject(admin))
    }

    /// Removes an admin and their API tokens. Returns the id.
    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn delete_admin(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        admins::delete(&state(ctx).db, principal(ctx)?, &id).await?;
        super::audit::record(ctx, "admin.delete", &id, serde_json::json!({})).await;
        Ok(id)
    }
}
