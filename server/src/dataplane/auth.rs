//! The end-user endpoints every environment has under `/auth`: sign-up and
//! sign-in (throttled per address and per email), sign-out, `me`, and
//! tickets for streams opened without headers.

use std::net::SocketAddr;

use axum::{
    Json,
    body::Body,
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    DataPlane, ErrorCode, Notes,
    reply::{error, service_error},
};
use crate::engine::runtime::Active;

/// `POST /auth/signup`, `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`, `POST /auth/ticket`.
#[allow(clippy::too_many_arguments, reason = "the parts of one request, taken apart once")]
pub async fn auth(
    state: &DataPlane,
    active: &Active,
    endpoint: &'static str,
    method: &Method,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    peer: SocketAddr,
    notes: &mut Notes,
) -> Response {
    let settings = &active.revision.document.auth;
    let slug = &active.slug;
    match (method.clone(), endpoint) {
        (Method::POST, "signup" | "login") => {
            if endpoint == "signup" && !settings.signup_open {
                return error(StatusCode::FORBIDDEN, ErrorCode::SignupClosed, "sign-up is closed here");
            }
            let body = match super::request::read_body(body, limit, headers, &active.guards.logs.redact_names, notes).await {
                Ok(body) => body,
                Err(response) => return response,
            };
            let email = body.get("email").and_then(Value::as_str).unwrap_or_default();
            let password = body.get("password").and_then(Value::as_str).unwrap_or_default();
            // Guessing passwords or mass sign-ups: attempts count per address and per email.
            let address = crate::web::client_ip::client_ip(&state.trusted_proxies, peer.ip(), headers);
            if let Err(err) = state.end_user_throttle.check(address, &format!("{slug}/{email}")) {
                return service_error(err);
            }
            let signed = if endpoint == "signup" {
                active.users.signup(email, password, settings.default_group.as_deref(), settings.token_ttl_hours).await
            } else {
                active.users.login(email, password, settings.token_ttl_hours).await
            };
            match signed {
                Ok((token, user)) => {
                    notes.user = Some((user.id, user.email.clone()));
                    let status = if endpoint == "signup" { StatusCode::CREATED } else { StatusCode::OK };
                    (status, Json(json!({ "token": token, "user": user.to_json() }))).into_response()
                }
                Err(err) => service_error(err),
            }
        }
        (Method::POST, "logout") => match crate::web::bearer(headers) {
            Some(token) => match active.users.logout(token).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(err) => service_error(err),
            },
            None => error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in first"),
        },
        // A stand-in for the bearer token, for a stream a browser opens with
        // `EventSource` (which cannot send headers): `?ticket=` once, soon.
        (Method::POST, "ticket") => match crate::web::bearer(headers) {
            Some(token) => match active.users.ticket(token).await {
                Ok(Some(ticket)) => Json(json!({ "ticket": ticket, "expiresIn": crate::engine::users::TICKET_TTL.as_secs() })).into_response(),
                Ok(None) => error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the token is invalid or expired"),
                Err(err) => service_error(err),
            },
            None => error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in first"),
        },
        (Method::GET, "me") => match super::request::caller(active, headers, notes).await {
            Ok(Some(caller)) => Json(caller.to_json()).into_response(),
            Ok(None) => error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "sign in first"),
            Err(response) => response,
        },
        _ => error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed, format!("{method} is not served on /auth/{endpoint}")),
    }
}
