//! A watch router's changes as Server-Sent Events: `id`, `event`, `data`
//! per change, a comment as heartbeat. `Last-Event-ID` (or `?after=`)
//! resumes after an event.

use std::{convert::Infallible, sync::Arc};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::stream;
use serde_json::json;

use super::{Follower, Out, Subscriber, open};
use crate::{
    dataplane::{DataPlane, ErrorCode, recorded_stream::StreamTally, reply::error},
    engine::{compile::CompiledRouter, execute::RequestParts, feed::Cursor, runtime::Active},
};

/// Opens the stream of `router` for `who`.
pub async fn stream(state: &DataPlane, active: &Arc<Active>, router: &CompiledRouter, who: Subscriber<'_>, request: RequestParts) -> Response {
    let after = who
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.query.iter().find(|(k, _)| k == "after").map(|(_, v)| v.clone()));
    let after = match after.as_deref().map(str::parse::<Cursor>) {
        None => None,
        Some(Ok(cursor)) => Some(cursor),
        Some(Err(())) => return error(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, "Last-Event-ID (or `after`) is not a cursor this stream gave"),
    };
    let tally = Arc::new(StreamTally::default());
    let follower = match open(state, active, router, who, request, after, tally.clone()).await {
        Ok(follower) => follower,
        Err(refused) => return refused,
    };
    let frames = stream::unfold(Some(follower), |follower: Option<Follower>| async move {
        let mut follower = follower?;
        let frame = frame(follower.next().await?);
        Some((Ok::<_, Infallible>(frame), Some(follower)))
    });
    let mut response = Body::from_stream(frames).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies must pass events on as they come (nginx buffers otherwise).
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    // The stream's record, written when it closes, reads it.
    response.extensions_mut().insert(tally);
    response
}

fn frame(out: Out) -> Bytes {
    match out {
        // Written once for every stream the event goes to.
        Out::Event { cursor, op, row } => Bytes::from_owner(row.frame(cursor, op)),
        Out::Resync(now) => Bytes::from(format!("id: {now}\nevent: resync\ndata: {}\n\n", json!({ "cursor": now.to_string() }))),
        Out::Heartbeat => Bytes::from_static(b": heartbeat\n\n"),
    }
}
