//! A watch router's changes on a WebSocket, at the router's path: for
//! clients that would rather not ask for a ticket (the token goes in the
//! first message, never in the URL) or that cannot keep an event stream.
//!
//! The client's first message, within 10 s:
//! `{"type": "subscribe", "token": "ut_…" (optional), "after": "<cursor>" (optional)}`.
//! The server answers `{"type": "ready"}`, then one message per change:
//! `{"type": "insert" | "update" | "delete", "id": "<cursor>", "data": <row>}`,
//! or `{"type": "resync", "id": "<cursor>"}`. A refusal is
//! `{"type": "error", "error": {"code", "message"}}` and the socket closes
//! (1008). The server pings every 15 s of quiet; it closes with 4001 when
//! the caller's access ends (token expired or revoked, account disabled),
//! 1001 when it stops serving the stream.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Out, Subscriber, open};
use crate::{
    dataplane::{DataPlane, ErrorCode, recorded_stream::StreamTally, reply::error},
    engine::{compile::CompiledRouter, execute::RequestParts, feed::Cursor, runtime::Active, users::Caller},
    logs::StreamClose,
};

/// How long the client has to send its first message.
const FIRST_MESSAGE: Duration = Duration::from_secs(10);
/// Closing codes: a refusal, and access that ended while open.
const POLICY: u16 = 1008;
const ACCESS_ENDED: u16 = 4001;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
enum First {
    Subscribe {
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        after: Option<String>,
    },
}

/// Whether a request asks for a WebSocket.
pub fn wanted(parts: &Parts) -> bool {
    parts.headers.get(axum::http::header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Upgrades to a WebSocket carrying `router`'s changes. `caller` came with
/// the request's header, if it had one; else the first message's token says.
#[allow(clippy::too_many_arguments, reason = "one request and what serves it")]
pub async fn socket(
    state: &DataPlane,
    active: &Arc<Active>,
    router: Arc<CompiledRouter>,
    parts: &mut Parts,
    caller: (Option<Caller>, Option<String>),
    peer: std::net::SocketAddr,
    request: RequestParts,
) -> Response {
    let upgrade = match <WebSocketUpgrade as axum::extract::FromRequestParts<()>>::from_request_parts(parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, format!("not a WebSocket upgrade: {}", rejection.body_text())),
    };
    let tally = Arc::new(StreamTally::for_socket());
    let (state, active, headers) = (state.clone(), active.clone(), parts.headers.clone());
    let task_tally = tally.clone();
    let mut response = upgrade
        .on_upgrade(move |socket| async move {
            serve(socket, &state, &active, &router, caller, peer, &headers, request, task_tally.clone()).await;
            task_tally.finish();
        })
        .into_response();
    // The record is written when the socket closes (see `recorded_stream`).
    response.extensions_mut().insert(tally);
    response
}

fn text(value: Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

/// A refusal's `{"error": {"code", "message"}}`, from the response the stream would have had.
async fn refusal(response: Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap_or_default();
    serde_json::from_slice::<Value>(&bytes).ok().map(|body| body["error"].clone()).unwrap_or(json!({ "code": "INTERNAL", "message": "refused" }))
}

/// `{"code", "message"}` of a refusal, written by the error catalogue.
async fn refusal_of(code: ErrorCode, message: impl Into<String>) -> Value {
    refusal(error(StatusCode::BAD_REQUEST, code, message)).await
}

async fn refuse(mut socket: WebSocket, tally: &StreamTally, error: Value) {
    tally.close(StreamClose::Refused);
    let reason = error["code"].as_str().unwrap_or("REFUSED").to_owned();
    let _ = socket.send(text(json!({ "type": "error", "error": error }))).await;
    let _ = socket.send(Message::Close(Some(CloseFrame { code: POLICY, reason: Utf8Bytes::from(reason) }))).await;
}

#[allow(clippy::too_many_arguments, reason = "one socket and what serves it")]
async fn serve(
    mut socket: WebSocket,
    state: &DataPlane,
    active: &Arc<Active>,
    router: &CompiledRouter,
    (caller, token_hash): (Option<Caller>, Option<String>),
    peer: std::net::SocketAddr,
    headers: &axum::http::HeaderMap,
    request: RequestParts,
    tally: Arc<StreamTally>,
) {
    let first = match tokio::time::timeout(FIRST_MESSAGE, socket.recv()).await {
        Ok(Some(Ok(Message::Text(first)))) => serde_json::from_str::<First>(&first),
        Err(_) => return refuse(socket, &tally, refusal_of(ErrorCode::InvalidInput, "no subscribe message within 10 s").await).await,
        _ => return,
    };
    let (token, after) = match first {
        Ok(First::Subscribe { token, after }) => (token, after),
        Err(err) => {
            return refuse(
                socket,
                &tally,
                refusal_of(ErrorCode::InvalidInput, format!("the first message is `{{\"type\": \"subscribe\", \"token\"?, \"after\"?}}`: {err}")).await,
            )
            .await;
        }
    };
    let after = match after.as_deref().map(str::parse::<Cursor>) {
        None => None,
        Some(Ok(cursor)) => Some(cursor),
        Some(Err(())) => return refuse(socket, &tally, refusal_of(ErrorCode::InvalidInput, "`after` is not a cursor this stream gave").await).await,
    };
    let (caller, token_hash) = match (caller, token) {
        (Some(caller), _) => (Some(caller), token_hash),
        (None, None) => (None, None),
        (None, Some(token)) => match active.users.authenticate(&token).await {
            Ok(Some(caller)) => (Some(caller), Some(crate::engine::users::hash(&token))),
            Ok(None) => return refuse(socket, &tally, refusal_of(ErrorCode::Unauthenticated, "the token is invalid or expired").await).await,
            Err(err) => return refuse(socket, &tally, refusal(crate::dataplane::reply::service_error(err)).await).await,
        },
    };
    let who = Subscriber { caller, token_hash, peer, headers };
    let mut follower = match open(state, active, router, who, request, after, tally.clone()).await {
        Ok(follower) => follower,
        Err(refused) => return refuse(socket, &tally, refusal(refused).await).await,
    };
    let ready = text(json!({ "type": "ready" }));
    if socket.send(ready).await.is_err() {
        return;
    }
    // What the client sends after is read apart, so a message (a pong) never
    // interrupts an event on its way out; the socket ends when the client leaves.
    let (mut sink, mut incoming) = socket.split();
    let (left_tx, mut left) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        while let Some(Ok(message)) = incoming.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
        let _ = left_tx.send(());
    });
    loop {
        let out = tokio::select! {
            out = follower.next() => out,
            _ = &mut left => break,
        };
        let message = match out {
            None => {
                let (code, reason) = match tally.closed_by() {
                    Some(StreamClose::AccessEnded) => (ACCESS_ENDED, "access ended"),
                    Some(StreamClose::Error) => (1011, "the change feed could not be read"),
                    _ => (1001, "the server stopped the stream"),
                };
                let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))).await;
                break;
            }
            Some(Out::Heartbeat) => Message::Ping(Bytes::new()),
            Some(Out::Resync(now)) => text(json!({ "type": "resync", "id": now.to_string() })),
            Some(Out::Event { cursor, op, row }) => {
                Message::Text(Utf8Bytes::from(format!("{{\"type\":\"{}\",\"id\":\"{cursor}\",\"data\":{}}}", op.as_str(), row.text())))
            }
        };
        if let Message::Text(text) = &message {
            tally.wrote(text.len());
        }
        if sink.send(message).await.is_err() {
            break;
        }
    }
    reader.abort();
}
