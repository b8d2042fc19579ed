//! Signing in and out, the first-owner setup, and who the caller is.

use async_graphql::{Context, Object, Result};

use super::{
    admins::AdminObject,
    context::{principal, request, state},
    guard::RoleGuard,
};
use crate::{
    auth::{Role, SESSION_ADMIN_KEY, admins},
    error::ServiceError,
};

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// Public: true while no admin exists (the admin then shows the setup page).
    async fn setup_required(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(admins::count(&state(ctx).db).await? == 0)
    }

    /// The signed-in admin.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn viewer(&self, ctx: &Context<'_>) -> Result<AdminObject> {
        let me = principal(ctx)?;
        let admin = admins::get(&state(ctx).db, &me.admin_id).await?.ok_or(ServiceError::Unauthenticated)?;
        Ok(AdminObject(admin))
    }
}

#[derive(Default)]
pub struct SessionMutation;

/// Starts a fresh session for `admin`: a new id, so a session id planted before
/// sign-in is worthless after it.
async fn start_session(ctx: &Context<'_>, admin: &admins::Admin) -> Result<(), ServiceError> {
    let session = request(ctx)?.session.as_ref().ok_or_else(|| ServiceError::bad_input("session", "sign in over HTTP, not a WebSocket"))?;
    session.cycle_id().await.map_err(ServiceError::internal)?;
    session.insert(SESSION_ADMIN_KEY, &admin.id).await.map_err(ServiceError::internal)?;
    Ok(())
}

#[Object]
impl SessionMutation {
    /// Public, only while no admin exists: needs the one-time token printed at
    /// first start. Creates the first owner and signs them in.
    async fn setup(&self, ctx: &Context<'_>, token: String, email: String, password: String) -> Result<AdminObject> {
        let app = state(ctx);
        let admin = app.setup.complete(&app.db, &token, &email, &password).await?;
        start_session(ctx, &admin).await?;
        Ok(AdminObject(admin))
    }

    /// Public. Signs in with a session cookie. Attempts are throttled per
    /// address and per email.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<AdminObject> {
        let app = state(ctx);
        app.throttle.check(request(ctx)?.client_ip, &email)?;
        let Some(admin) = admins::authenticate(&app.db, &email, &password).await? else {
            tracing::info!(client = %request(ctx)?.client_ip, "failed admin login");
            return Err(ServiceError::WrongCredentials.into());
        };
        start_session(ctx, &admin).await?;
        Ok(AdminObject(admin))
    }

    /// Ends the session (the cookie stops working everywhere).
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        if let Some(session) = &request(ctx)?.session {
            session.flush().await.map_err(ServiceError::internal)?;
        }
        Ok(true)
    }

    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn change_password(&self, ctx: &Context<'_>, current_password: String, new_password: String) -> Result<bool> {
        let me = principal(ctx)?;
        admins::change_password(&state(ctx).db, &me.admin_id, &current_password, &new_password).await?;
        Ok(true)
    }
}
