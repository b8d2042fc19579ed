use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    admins::RoleValue,
    connection::{CountedConnection, from_page},
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::{Role, tokens},
    pagination::PageRequest,
};

pub struct ApiTokenObject(tokens::ApiToken);

#[Object(name = "ApiToken")]
impl ApiTokenObject {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The first characters of the token, to recognise it; the token itself is shown once.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// The most the token may do (never more than its owner can).
    async fn role(&self) -> RoleValue {
        self.0.role.into()
    }
    async fn owner_email(&self) -> &str {
        &self.0.owner_email
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// The secret, shown this once: send it as `Authorization: Bearer <token>`.
    token: String,
    api_token: ApiTokenObject,
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    name: String,
    /// Defaults to, and cannot exceed, your own role.
    role: Option<RoleValue>,
    /// Never expires when absent.
    expires_in_days: Option<i32>,
}

#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// Your API tokens; an owner sees everyone's.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn api_tokens(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<CountedConnection<ApiTokenObject>> {
        let page = tokens::list(&state(ctx).db, principal(ctx)?, &PageRequest::new(first, after)?).await?;
        Ok(from_page(page, |token| token.id.clone(), ApiTokenObject))
    }
}

#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn create_api_token(&self, ctx: &Context<'_>, input: CreateApiTokenInput) -> Result<CreatedApiToken> {
        let new = tokens::NewToken { name: input.name, role: input.role.map(Role::from), expires_in_days: input.expires_in_days };
        let (token, record) = tokens::create(&state(ctx).db, principal(ctx)?, new).await?;
        super::audit::record(ctx, "token.create", &record.name, serde_json::json!({ "id": record.id, "role": record.role.as_str() })).await;
        Ok(CreatedApiToken { token, api_token: ApiTokenObject(record) })
    }

    /// Revokes a token at once. Returns its id.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        tokens::revoke(&state(ctx).db, principal(ctx)?, &id).await?;
        super::audit::record(ctx, "token.revoke", &id, serde_json::json!({})).await;
        Ok(id)
    }
}
