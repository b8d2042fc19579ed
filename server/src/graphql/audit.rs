//! The audit log for owners, and the one way resolvers add to it.

use async_graphql::{
    Context, ID, Json, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    context::{principal, request, state},
    guard::RoleGuard,
};
use crate::{auth::Role, pagination::page_size};

#[derive(SimpleObject)]
pub struct AuditEntry {
    id: ID,
    at: DateTime<Utc>,
    /// The admin's email.
    actor: String,
    /// `admin.create`, `token.revoke`, `environment.update`, `console.call`…
    action: String,
    /// An email, a token's name, an environment's slug…
    target: String,
    /// What changed, by name (never a secret's value).
    detail: Json<Value>,
    client_address: Option<String>,
}

/// Records what the signed-in admin just did.
pub async fn record(ctx: &Context<'_>, action: &str, target: &str, detail: Value) {
    let (Ok(actor), Ok(request)) = (principal(ctx), request(ctx)) else { return };
    state(ctx).audit.record(actor, Some(request.client_ip), action, target, detail).await;
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// What admins did, newest first; of one action when given. Owners only.
    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn audit_log(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, action: Option<String>) -> Result<Connection<String, AuditEntry>> {
        let (entries, more) = state(ctx).audit.list(principal(ctx)?, action.as_deref(), page_size(first)?, after.as_deref()).await?;
        let mut connection = Connection::new(after.is_some(), more);
        connection.edges.extend(entries.into_iter().map(|e| {
            Edge::new(
                e.id.clone(),
                AuditEntry {
                    id: ID(e.id),
                    at: e.at,
                    actor: e.actor,
                    action: e.action,
                    target: e.target,
                    detail: Json(e.detail),
                    client_address: e.client_address,
                },
            )
        }));
        Ok(connection)
    }
}
