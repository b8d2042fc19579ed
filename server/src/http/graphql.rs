//! `/graphql`: POST for queries and mutations, GET for GraphiQL, and
//! subscriptions (graphql-transport-ws) on a WebSocket opened at `/graphql/ws`
//! or, as Apollo and graphql-ws clients pointed at the GraphQL URL do, at
//! `/graphql` itself. The caller is worked out here, at the edge, and handed
//! to resolvers in a `RequestContext`.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, State, WebSocketUpgrade, ws::rejection::WebSocketUpgradeRejection},
    http::{HeaderMap, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use tower_sessions::{Session, SessionStore, session::Id};

use super::csrf;
use crate::{
    auth::{Principal, SESSION_ADMIN_KEY, admins, principal::Credential, session_store::DbSessionStore, tokens},
    error::{AdminCode, ServiceError, ServiceResult},
    graphql::{AppSchema, RequestContext},
    state::AppState,
};

#[derive(Clone)]
struct Endpoint {
    state: AppState,
    schema: AppSchema,
}

pub fn router(state: AppState, schema: AppSchema) -> Router {
    Router::new()
        .route("/graphql", get(graphiql_or_subscribe).post(execute).route_layer(middleware::from_fn_with_state(state.clone(), csrf::guard_post)))
        .route("/graphql/ws", get(subscribe))
        .with_state(Endpoint { state, schema })
}

/// GraphiQL, with its scripts from the embedded SPA build (no CDN).
async fn graphiql() -> Html<&'static str> {
    Html(include_str!("graphiql.html"))
}

/// A GET of `/graphql`: a WebSocket upgrade is a subscription socket, served
/// as on `/graphql/ws`; anything else is GraphiQL.
async fn graphiql_or_subscribe(
    endpoint: State<Endpoint>,
    peer: ConnectInfo<SocketAddr>,
    session: Session,
    headers: HeaderMap,
    protocol: Result<GraphQLProtocol, StatusCode>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if !headers.contains_key(header::UPGRADE) {
        return graphiql().await.into_response();
    }
    match (upgrade, protocol) {
        (Ok(upgrade), Ok(protocol)) => subscribe(endpoint, peer, session, headers, protocol, upgrade).await,
        (Err(rejection), _) => rejection.into_response(),
        (Ok(_), Err(status)) => status.into_response(),
    }
}

async fn session_principal(state: &AppState, session: &Session) -> ServiceResult<Option<Principal>> {
    let admin_id: Option<String> = session.get(SESSION_ADMIN_KEY).await.map_err(ServiceError::internal)?;
    let Some(admin_id) = admin_id else { return Ok(None) };
    // Read the account on every request: a deleted or demoted admin loses rights at once.
    Ok(admins::get(&state.db, &admin_id).await?.map(|admin| Principal {
        admin_id: admin.id,
        email: admin.email,
        role: admin.role,
        credential: Credential::Session,
    }))
}

/// A bearer token wins over a cookie; a bad token is not silently ignored
/// (the caller would get a confusing mix of rights), it is UNAUTHENTICATED.
pub(super) async fn resolve_principal(state: &AppState, headers: &HeaderMap, session: &Session) -> ServiceResult<Option<Principal>> {
    match super::bearer(headers) {
        Some(token) => tokens::authenticate(&state.db, token).await?.map(Some).ok_or(ServiceError::Unauthenticated),
        None => session_principal(state, session).await,
    }
}

fn error_response(err: ServiceError) -> Response {
    let status = match err {
        ServiceError::Unauthenticated => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let err: async_graphql::Error = err.into();
    let body = async_graphql::Response::from_errors(vec![err.into_server_error(Default::default())]);
    (status, axum::Json(body)).into_response()
}

async fn execute(
    State(Endpoint { state, schema }): State<Endpoint>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let principal = match resolve_principal(&state, &headers, &session).await {
        Ok(principal) => principal,
        Err(err) => return error_response(err),
    };
    // Files are spooled to disk as they arrive: only for a signed-in admin.
    if principal.is_none() && crate::web::is_multipart(&headers) {
        return error_response(ServiceError::Unauthenticated);
    }
    let request = match super::graphql_body::read(body, &headers, state.config.admin_max_body_bytes).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    let client_ip = crate::web::client_ip::client_ip(&state.trusted_proxies, peer.ip(), &headers);
    let context = RequestContext { principal, session: Some(session), client_ip };
    GraphQLResponse::from(schema.execute(request.data(context)).await).into_response()
}

/// The token a WebSocket client may send in `connection_init`:
/// `{"token": "sk_…"}` or `{"Authorization": "Bearer sk_…"}`.
fn init_token(payload: &serde_json::Value) -> Option<String> {
    if let Some(token) = payload.get("token").and_then(|v| v.as_str()) {
        return Some(token.to_owned());
    }
    let auth = payload.get("Authorization").or_else(|| payload.get("authorization"))?.as_str()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

async fn subscribe(
    State(Endpoint { state, schema }): State<Endpoint>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    // Browsers send cookies on cross-site WebSocket upgrades and CORS does not
    // apply to them: the Origin check is the only protection.
    if !csrf::same_origin(&state, &headers) {
        return super::json_error(StatusCode::FORBIDDEN, AdminCode::Forbidden, "cross-site WebSocket refused");
    }
    let principal = match session_principal(&state, &session).await {
        Ok(principal) => principal,
        Err(err) => {
            err.log_if_internal();
            return super::json_error(StatusCode::INTERNAL_SERVER_ERROR, AdminCode::Internal, "internal error");
        }
    };
    let signed_in = Credentials { session: principal.as_ref().and(session.id()), token: Arc::default() };
    let client_ip = crate::web::client_ip::client_ip(&state.trusted_proxies, peer.ip(), &headers);
    let cookie_context = RequestContext { principal, session: None, client_ip };
    // A subscription message is a small document: the same bound as a POST body.
    let limit = state.config.admin_max_body_bytes;
    upgrade.max_message_size(limit).max_frame_size(limit).protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| async move {
        let mut data = Data::default();
        data.insert(cookie_context.clone());
        let (init_state, token_slot) = (state.clone(), signed_in.token.clone());
        let serving = GraphQLWebSocket::new(socket, schema, protocol)
            .with_data(data)
            .on_connection_init(move |payload| async move {
                let mut data = Data::default();
                if let Some(token) = init_token(&payload) {
                    let principal = tokens::authenticate(&init_state.db, &token)
                        .await
                        .map_err(async_graphql::Error::from)?
                        .ok_or_else(|| async_graphql::Error::from(ServiceError::Unauthenticated))?;
                    data.insert(RequestContext { principal: Some(principal), ..cookie_context });
                    *token_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(token);
                }
                Ok(data)
            })
            .serve();
        tokio::select! {
            () = serving => {}
            () = signed_in.revoked(&state) => tracing::info!("closed a subscription socket: its sign-in ended"),
        }
    })
}

/// How often an open subscription socket checks that its sign-in still holds.
const RECHECK_EVERY: Duration = Duration::from_secs(3);

/// What a subscription socket is signed in with, checked again while it is
/// open: a logout, a revoked token or a deleted admin ends its streams.
struct Credentials {
    /// The session of the cookie, when the cookie signed in an admin.
    session: Option<Id>,
    /// The API token of `connection_init`, once accepted.
    token: Arc<Mutex<Option<String>>>,
}

impl Credentials {
    /// Resolves once the sign-in no longer holds; never for an anonymous
    /// socket (its subscriptions are refused anyway).
    async fn revoked(&self, state: &AppState) {
        let mut every = tokio::time::interval(RECHECK_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            // A database hiccup is not a revocation: only a definite "no" ends the socket.
            if let Ok(false) = self.still_valid(state).await {
                return;
            }
        }
    }

    async fn still_valid(&self, state: &AppState) -> ServiceResult<bool> {
        let token = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(token) = token {
            return Ok(tokens::authenticate(&state.db, &token).await?.is_some());
        }
        let Some(id) = self.session else { return Ok(true) };
        let record = DbSessionStore::new(state.db.clone()).load(&id).await.map_err(ServiceError::internal)?;
        let admin_id = record.and_then(|r| r.data.get(SESSION_ADMIN_KEY).and_then(|v| v.as_str().map(str::to_owned)));
        match admin_id {
            Some(admin_id) => Ok(admins::get(&state.db, &admin_id).await?.is_some()),
            None => Ok(false),
        }
    }
}
