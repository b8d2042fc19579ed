//! A watch router's answer: the changes of its table that the caller may
//! see, as Server-Sent Events (`sse`) or on a WebSocket at the same path
//! (`socket`, the caller's token in its first message). Access is checked when the caller connects
//! and each event is checked as the caller: the router's filter and owner
//! rule against the row (for a delete, as it was), so a caller receives
//! exactly the rows the matching list would return to them. A row that
//! leaves what the caller sees arrives as a `delete`.
//!
//! `Last-Event-ID` (or `?after=`) resumes after an event; a cursor older
//! than the feed keeps gets `event: resync`. Browsers' `EventSource`
//! cannot send `Authorization`: `?ticket=` (from `POST /auth/ticket`)
//! stands in for it, once. The stream closes within a second of the
//! caller's token expiring or the caller being disabled.

mod socket;
mod sse;

use std::{sync::Arc, time::Duration};

use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::Utc;
use serde_json::Value;
pub use socket::{socket, wanted as wants_socket};
pub use sse::stream;

use super::{
    DataPlane, ErrorCode, Notes,
    recorded_stream::StreamTally,
    reply::{error, failure, service_error},
};
use crate::{
    engine::{
        compile::CompiledRouter,
        execute::{self, RequestParts, Watch},
        feed::{Cursor, Full, Item, Op, Row, Seat, Subject, Subscription, matches},
        runtime::Active,
        store::RowStore,
        users::Caller,
    },
    logs::StreamClose,
};

/// How often the caller's token and account are checked again.
const RECHECK: Duration = Duration::from_secs(1);
/// A comment this often keeps proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// The caller of a stream, from the bearer header or a ticket in the query,
/// and the hash of the token they came with (the stream checks it again).
pub async fn caller(active: &Active, headers: &HeaderMap, query: &[(String, String)], notes: &mut Notes) -> Result<(Option<Caller>, Option<String>), Response> {
    let hashed = match crate::web::bearer(headers) {
        Some(token) if token.starts_with(crate::engine::users::TOKEN_PREFIX) => Some(crate::engine::users::hash(token)),
        Some(_) => return Err(error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the token is invalid or expired")),
        None => match query.iter().find(|(k, _)| k == "ticket") {
            Some((_, ticket)) => match active.users.redeem(ticket).await {
                Ok(Some(hashed)) => Some(hashed),
                Ok(None) => {
                    return Err(error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the ticket is unknown, used or expired: ask for a new one"));
                }
                Err(err) => return Err(service_error(err)),
            },
            None => None,
        },
    };
    let Some(hashed) = hashed else { return Ok((None, None)) };
    match active.users.authenticate_hashed(hashed.clone()).await {
        Ok(Some(caller)) => {
            notes.user = Some((caller.id, caller.email.clone()));
            Ok((Some(caller), Some(hashed)))
        }
        Ok(None) => Err(error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "the token is invalid or expired")),
        Err(err) => Err(service_error(err)),
    }
}

/// Who is subscribing: the caller, the hash of the token they came with
/// (checked again while the stream is open), and their address.
pub struct Subscriber<'a> {
    pub caller: Option<Caller>,
    pub token_hash: Option<String>,
    pub peer: std::net::SocketAddr,
    pub headers: &'a HeaderMap,
}

/// The stream's own query parameters, which are not the router's input
/// (its query schema may be closed).
const STREAM_PARAMETERS: [&str; 2] = ["ticket", "after"];

/// The follower of `router`'s changes after `after` for `who`, within the
/// environment's limits on subscribers; the refusal as a response.
async fn open(
    state: &DataPlane,
    active: &Arc<Active>,
    router: &CompiledRouter,
    who: Subscriber<'_>,
    mut request: RequestParts,
    after: Option<Cursor>,
    tally: Arc<StreamTally>,
) -> Result<Follower, Response> {
    let Subscriber { caller, token_hash, peer, headers } = who;
    request.query.retain(|(name, _)| !STREAM_PARAMETERS.contains(&name.as_str()));
    let groups = active.routers.get(&router.name).and_then(|s| s.groups.as_deref());
    let watch = match execute::watch(router, caller.as_ref(), groups, &active.vars, request) {
        Ok(watch) => watch,
        Err(f) => return Err(failure(f)),
    };
    let expires_at = match &token_hash {
        Some(hashed) => match active.users.expires_at(hashed).await {
            Ok(at) => at,
            Err(err) => return Err(service_error(err)),
        },
        None => None,
    };
    let limits = active.guards.limits;
    let feed = active.feed(&state.engine);
    // Anonymous callers count per address.
    let who = match &caller {
        Some(caller) => format!("user:{}", caller.id),
        None => format!("address:{}", crate::web::client_ip::client_ip(&state.trusted_proxies, peer.ip(), headers)),
    };
    let seat = match feed.seat(&who, usize::try_from(limits.max_subscribers).unwrap_or(1), usize::try_from(limits.max_subscribers_per_user).unwrap_or(1)) {
        Ok(seat) => seat,
        Err(Full::Environment(most)) => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Overloaded,
                format!("this environment has {most} streams open, the most it takes; retry shortly"),
            ));
        }
        Err(Full::Caller(most)) => {
            return Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("{most} streams are open for this caller, the most one may have: close one first"),
            ));
        }
    };
    let subscription = match feed.subscribe(after).await {
        Ok(subscription) => subscription,
        Err(err) => {
            tracing::error!(environment = %active.slug, error = %err, "opening the change feed");
            return Err(error(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "internal error"));
        }
    };
    let case_sensitive = matches!(active.db.rows, RowStore::Sql { .. });
    // A test run's streams are not the environment's traffic.
    let counted = (!state.is_sandbox() && active.guards.capabilities.monitoring).then(|| state.monitor.realtime().subscribe(&active.slug, &router.name));
    let pace = Pace::new(limits.max_events_per_second);
    Ok(Follower {
        tally,
        subscription,
        watch,
        case_sensitive,
        active: active.clone(),
        token_hash,
        expires_at,
        checked: tokio::time::Instant::now(),
        counted,
        pace,
        sent_at: tokio::time::Instant::now(),
        alarm: Box::pin(tokio::time::sleep(RECHECK)),
        _seat: seat,
    })
}

struct Follower {
    /// Events sent, and why the server ended the stream.
    tally: Arc<StreamTally>,
    subscription: Subscription,
    watch: Watch,
    case_sensitive: bool,
    active: Arc<Active>,
    token_hash: Option<String>,
    expires_at: Option<chrono::DateTime<Utc>>,
    checked: tokio::time::Instant,
    /// Counted in the router's figures while connected.
    counted: Option<crate::monitoring::realtime::Subscriber>,
    pace: Pace,
    /// When the last frame went: a heartbeat follows `HEARTBEAT` after it.
    sent_at: tokio::time::Instant,
    /// Wakes the stream for its checks and heartbeats: one timer for the
    /// stream's life, moved rather than made again per event.
    alarm: std::pin::Pin<Box<tokio::time::Sleep>>,
    /// Its place among the environment's subscribers, given back on close.
    _seat: Seat,
}

/// At most `per_second` events a second to one subscriber: the next waits
/// for the next second (it stays in the feed; nothing is dropped).
struct Pace {
    per_second: u32,
    second: tokio::time::Instant,
    sent: u32,
}

impl Pace {
    fn new(per_second: i32) -> Self {
        Self { per_second: u32::try_from(per_second).unwrap_or(1).max(1), second: tokio::time::Instant::now(), sent: 0 }
    }

    async fn wait_turn(&mut self) {
        let now = tokio::time::Instant::now();
        if now >= self.second + Duration::from_secs(1) {
            (self.second, self.sent) = (now, 0);
        } else if self.sent >= self.per_second {
            tokio::time::sleep_until(self.second + Duration::from_secs(1)).await;
            (self.second, self.sent) = (tokio::time::Instant::now(), 0);
        }
        self.sent += 1;
    }
}

/// What a stream sends next.
enum Out {
    /// A row the caller may see, under its event's name.
    Event { cursor: Cursor, op: Op, row: Arc<Row> },
    /// The cursor asked for is older than the feed keeps: read again, then follow from here.
    Resync(Cursor),
    /// Nothing for a while: a sign of life.
    Heartbeat,
}

impl Follower {
    /// What to send this caller next; None ends the stream.
    async fn next(&mut self) -> Option<Out> {
        let out = self.next_out().await?;
        self.sent_at = tokio::time::Instant::now();
        if !matches!(out, Out::Heartbeat) {
            self.tally.sent();
        }
        Some(out)
    }

    async fn next_out(&mut self) -> Option<Out> {
        loop {
            // Checked at least every second, events flowing or not.
            let now = tokio::time::Instant::now();
            if now >= self.checked + RECHECK {
                if !self.still_allowed().await {
                    self.tally.close(StreamClose::AccessEnded);
                    return None;
                }
                self.checked = tokio::time::Instant::now();
            }
            if now >= self.sent_at + HEARTBEAT {
                return Some(Out::Heartbeat);
            }
            let wake = (self.checked + RECHECK).min(self.sent_at + HEARTBEAT);
            if self.alarm.deadline() != wake {
                self.alarm.as_mut().reset(wake);
            }
            let item = tokio::select! {
                biased;
                item = self.subscription.next() => item,
                () = self.alarm.as_mut() => continue,
            };
            let item = match item {
                Err(err) => {
                    tracing::warn!(environment = %self.active.slug, error = %err, "a watch stream could not read the change feed");
                    self.tally.close(StreamClose::Error);
                    return None;
                }
                Ok(None) => {
                    self.tally.close(StreamClose::Server);
                    return None;
                }
                Ok(Some(item)) => item,
            };
            let change = match item {
                Item::Resync { now } => return Some(Out::Resync(now)),
                Item::Change(change) => change,
            };
            if !matches!(&change.subject, Subject::Row(table) if *table == self.watch.table.name) {
                continue;
            }
            // Decoded once per event for every subscriber; checked as this caller.
            let decoded = change.decoded(&self.watch.table);
            let seen = |row: Option<Arc<Row>>| row.filter(|row| self.visible(&row.value));
            let (op, row) = match change.op {
                Op::Insert => (Op::Insert, seen(decoded.new)),
                Op::Update => match seen(decoded.new) {
                    Some(row) => (Op::Update, Some(row)),
                    // It left what the caller sees: for them, it is gone.
                    None => (Op::Delete, seen(decoded.old)),
                },
                Op::Delete => (Op::Delete, seen(decoded.old)),
            };
            if let Some(row) = row {
                self.pace.wait_turn().await;
                if let Some(counted) = &self.counted {
                    counted.delivered((Utc::now() - change.at).to_std().unwrap_or_default());
                }
                return Some(Out::Event { cursor: change.cursor, op, row });
            }
        }
    }

    /// Whether the caller may see `row`: the router's filter and owner rule.
    fn visible(&self, row: &Value) -> bool {
        matches::matches(&self.watch.table, &self.watch.filter, row, self.case_sensitive)
            && self.watch.owner.is_none_or(|owner| row.get("owner").and_then(Value::as_i64) == Some(owner))
    }

    /// The caller's token still valid and their account still enabled.
    async fn still_allowed(&self) -> bool {
        let Some(hashed) = &self.token_hash else { return true };
        if self.expires_at.is_some_and(|at| at <= Utc::now()) {
            return false;
        }
        matches!(self.active.users.authenticate_hashed(hashed.clone()).await, Ok(Some(_)))
    }
}
