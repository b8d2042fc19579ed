use std::net::IpAddr;

use async_graphql::Context;
use tower_sessions::Session;

use crate::{auth::Principal, error::ServiceError, state::AppState};

/// What the HTTP edge learned about a request, handed to resolvers.
#[derive(Clone)]
pub struct RequestContext {
    pub principal: Option<Principal>,
    /// The cookie session (absent on WebSocket connections, which cannot set cookies).
    pub session: Option<Session>,
    pub client_ip: IpAddr,
}

pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, ServiceError> {
    ctx.data::<RequestContext>().map_err(|_| ServiceError::internal(anyhow::anyhow!("request context missing")))
}

/// The signed-in admin, or UNAUTHENTICATED.
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal, ServiceError> {
    request(ctx)?.principal.as_ref().ok_or(ServiceError::Unauthenticated)
}

pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    // Registered on the schema in `graphql::schema`; every executed request has it.
    ctx.data_unchecked::<AppState>()
}
