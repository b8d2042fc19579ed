//! Request logs and their live tail, where the environment keeps them
//! (`requestLogs` capability). Resolvers convert; `logs` does the work and
//! `Environments::scope` decides who may read.

use std::sync::Arc;

use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, Json, Object, Result, SimpleObject, Subscription,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;

use super::context::{principal, state};
use crate::{
    environments::Capability,
    error::ServiceError,
    logs::{LogFilter, RequestRecord, StreamClose, TraceStep},
    pagination::page_size,
};

#[derive(InputObject, Default, Clone)]
pub struct RequestLogFilter {
    /// The router's name.
    router: Option<String>,
    method: Option<String>,
    status: Option<i32>,
    /// 2, 3, 4 or 5: all statuses of that hundred.
    status_class: Option<i32>,
    /// The calling end user's id.
    user_id: Option<ID>,
    /// Part of the calling end user's email.
    user: Option<String>,
    path_contains: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl RequestLogFilter {
    fn into_domain(self) -> Result<LogFilter, ServiceError> {
        let status = self
            .status
            .map(|s| {
                u16::try_from(s).ok().filter(|s| (100..=599).contains(s)).ok_or_else(|| ServiceError::bad_input("filter.status", "an HTTP status, 100 to 599"))
            })
            .transpose()?;
        let status_class = self
            .status_class
            .map(|c| u16::try_from(c).ok().filter(|c| (1..=5).contains(c)).ok_or_else(|| ServiceError::bad_input("filter.statusClass", "1, 2, 3, 4 or 5")))
            .transpose()?;
        let user_id = self.user_id.map(|id| id.parse::<i64>().map_err(|_| ServiceError::bad_input("filter.userId", "an end user's id"))).transpose()?;
        Ok(LogFilter {
            router: self.router,
            method: self.method,
            status,
            status_class,
            user_id,
            user: self.user.filter(|u| !u.is_empty()),
            path_contains: self.path_contains.filter(|p| !p.is_empty()),
            since: self.since,
            until: self.until,
        })
    }
}

/// One step of the router as it ran.
#[derive(SimpleObject)]
#[graphql(name = "TraceStep")]
pub struct TraceStepObject {
    index: i32,
    /// list, get, insert, update, delete, count, set, check, script or respond.
    kind: String,
    name: Option<String>,
    duration_ms: f64,
    /// Rows read or written, for the steps that touch rows.
    rows: Option<i64>,
    error: Option<String>,
}

impl From<TraceStep> for TraceStepObject {
    fn from(step: TraceStep) -> Self {
        Self {
            index: step.index as i32,
            kind: step.kind.into_owned(),
            name: step.name,
            duration_ms: step.duration_us as f64 / 1000.0,
            rows: step.rows,
            error: step.error,
        }
    }
}

/// How a stream of events (a watch router's) went: its record is written
/// when it closes, `durationMs` and `responseBytes` covering the whole stream.
#[derive(SimpleObject)]
pub struct StreamSummary {
    /// Events sent (heartbeats not counted).
    events: i64,
    closed_by: StreamClosedBy,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum StreamClosedBy {
    /// The client went away.
    Client,
    /// The caller's token expired or was revoked, or their account was disabled.
    AccessEnded,
    /// The server stopped serving it.
    Server,
    /// The change feed could not be read.
    Error,
    /// Refused once open: a WebSocket whose first message's token, cursor or caller was refused.
    Refused,
}

impl From<StreamClose> for StreamClosedBy {
    fn from(close: StreamClose) -> Self {
        match close {
            StreamClose::Client => Self::Client,
            StreamClose::AccessEnded => Self::AccessEnded,
            StreamClose::Server => Self::Server,
            StreamClose::Error => Self::Error,
            StreamClose::Refused => Self::Refused,
        }
    }
}

pub struct RequestLogObject(Arc<RequestRecord>);

#[Object(name = "RequestLog")]
impl RequestLogObject {
    /// Also the `x-request-id` the response carried.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn environment(&self) -> &str {
        &self.0.environment
    }
    /// The router that served it (`auth/login` and the like for the built-in
    /// endpoints); null when no route matched.
    async fn router(&self) -> Option<&str> {
        self.0.router.as_deref()
    }
    /// The path template (`/posts/{id}`).
    async fn route(&self) -> Option<&str> {
        self.0.route.as_deref()
    }
    async fn method(&self) -> &str {
        &self.0.method
    }
    async fn path(&self) -> &str {
        &self.0.path
    }
    async fn query(&self) -> Option<&str> {
        self.0.query.as_deref()
    }
    async fn status(&self) -> i32 {
        i32::from(self.0.status)
    }
    async fn duration_ms(&self) -> f64 {
        self.0.duration_us as f64 / 1000.0
    }
    async fn request_bytes(&self) -> i64 {
        self.0.request_bytes as i64
    }
    async fn response_bytes(&self) -> i64 {
        self.0.response_bytes as i64
    }
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(|id| ID(id.to_string()))
    }
    async fn user_email(&self) -> Option<&str> {
        self.0.user_email.as_deref()
    }
    async fn client_address(&self) -> Option<&str> {
        self.0.client_address.as_deref()
    }
    /// `console` or `test-run:<id>` for requests the admin made; null for the network's.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// Secrets masked (`***`).
    async fn request_headers(&self) -> Option<Json<serde_json::Value>> {
        self.0.detail.as_ref().map(|d| Json(serde_json::Value::Object(crate::logs::redact::header_map(&d.request_headers))))
    }
    /// Secret fields masked, cut at the environment's `logBodyLimitBytes`.
    async fn request_body(&self) -> Option<&str> {
        self.0.detail.as_ref().and_then(|d| d.request_body.as_deref())
    }
    async fn response_headers(&self) -> Option<Json<serde_json::Value>> {
        self.0.detail.as_ref().map(|d| Json(serde_json::Value::Object(crate::logs::redact::header_map(&d.response_headers))))
    }
    async fn response_body(&self) -> Option<&str> {
        self.0.detail.as_ref().and_then(|d| d.response_body.as_deref())
    }
    /// A body was cut (`requestBytes` and `responseBytes` keep the full sizes).
    async fn truncated(&self) -> bool {
        self.0.detail.as_ref().is_some_and(|d| d.truncated)
    }
    /// For a stream of events: how it went; null for other requests.
    async fn stream(&self) -> Option<StreamSummary> {
        self.0.stream.as_ref().map(|s| StreamSummary { events: s.events as i64, closed_by: s.closed_by.into() })
    }
    /// The router's steps as they ran; null for requests no router served.
    async fn trace(&self) -> Option<Vec<TraceStepObject>> {
        let detail = self.0.detail.as_ref()?;
        self.0.router.as_ref().filter(|r| !r.starts_with("auth/"))?;
        Some(detail.trace.iter().cloned().map(TraceStepObject::from).collect())
    }
}

#[derive(SimpleObject)]
pub struct RequestLogStats {
    /// Records kept now.
    stored: i64,
    /// Records dropped since this server started because the log writer fell behind.
    dropped: i64,
    /// When the oldest kept record was served.
    oldest: Option<DateTime<Utc>>,
    retention_records: i64,
    retention_days: i32,
}

#[derive(Default)]
pub struct LogQuery;

#[Object]
impl LogQuery {
    /// The environment's request log, newest first.
    async fn request_logs(
        &self,
        ctx: &Context<'_>,
        environment: String,
        filter: Option<RequestLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, RequestLogObject>> {
        let app = state(ctx);
        app.environments.scope(principal(ctx)?, &environment, Capability::RequestLogs).await?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let first = page_size(first)?;
        let store = app.logs.store(&environment).await?;
        let (records, more) = store.page(&filter, first, after.as_deref()).await.map_err(ServiceError::from)?;
        let mut connection = Connection::new(after.is_some(), more);
        connection.edges.extend(records.into_iter().map(|r| Edge::new(r.id.clone(), RequestLogObject(Arc::new(r)))));
        Ok(connection)
    }

    /// One record, with its headers, bodies and trace.
    async fn request_log(&self, ctx: &Context<'_>, environment: String, id: ID) -> Result<Option<RequestLogObject>> {
        let app = state(ctx);
        app.environments.scope(principal(ctx)?, &environment, Capability::RequestLogs).await?;
        let store = app.logs.store(&environment).await?;
        let record = match store.get(&id).await.map_err(ServiceError::from)? {
            Some(record) => Some(record),
            // A test run's requests are kept with the run, not in the log.
            None => app.tests.record(&environment, &id).await?,
        };
        Ok(record.map(|r| RequestLogObject(Arc::new(r))))
    }

    /// How much the log holds and keeps.
    async fn request_log_stats(&self, ctx: &Context<'_>, environment: String) -> Result<RequestLogStats> {
        let app = state(ctx);
        let env = app.environments.scope(principal(ctx)?, &environment, Capability::RequestLogs).await?;
        let (stored, oldest) = app.logs.store(&environment).await?.stored().await.map_err(ServiceError::from)?;
        Ok(RequestLogStats {
            stored,
            dropped: app.logs.dropped(&environment) as i64,
            oldest,
            retention_records: env.logs.retention_records,
            retention_days: env.logs.retention_days,
        })
    }
}

#[derive(Default)]
pub struct LogSubscription;

#[Subscription]
impl LogSubscription {
    /// Requests as they are served (by this server or, on PostgreSQL, any
    /// replica), filtered like `requestLogs`. A subscriber that falls behind
    /// gets an error with code `LAGGED` and `extensions.missed`, then the stream goes on.
    async fn request_log_tail(
        &self,
        ctx: &Context<'_>,
        environment: String,
        filter: Option<RequestLogFilter>,
    ) -> Result<impl Stream<Item = Result<RequestLogObject>> + use<>> {
        let app = state(ctx);
        app.environments.scope(principal(ctx)?, &environment, Capability::RequestLogs).await?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let receiver = app.logs.subscribe();
        Ok(stream::unfold((receiver, environment, filter), |(mut receiver, environment, filter)| async move {
            loop {
                match receiver.recv().await {
                    Ok(record) if record.environment == environment && filter.matches(&record) => {
                        return Some((Ok(RequestLogObject(record)), (receiver, environment, filter)));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => {
                        let error = async_graphql::Error::new(format!("the tail fell behind and missed {missed} records")).extend_with(|_, ext| {
                            ext.set("code", crate::error::AdminCode::Lagged.as_str());
                            ext.set("missed", missed);
                        });
                        return Some((Err(error), (receiver, environment, filter)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        })
        .boxed())
    }
}
