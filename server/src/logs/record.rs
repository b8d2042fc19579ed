//! The one record of a request that logs, monitoring, the API test console and
//! test runs all read: what was asked, what was answered, by whom, how long it
//! took and, where the environment keeps request logs, the details.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Serialized only where it is kept whole: with a test run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// A UUID v7 (time-ordered), also sent back as `x-request-id`.
    pub id: String,
    pub at: DateTime<Utc>,
    pub environment: String,
    /// The router that served it; None when no route matched (or a built-in endpoint).
    pub router: Option<String>,
    /// The path template (`/posts/{id}`), never the raw path.
    pub route: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub duration_us: u64,
    pub request_bytes: u64,
    pub response_bytes: u64,
    pub user_id: Option<i64>,
    pub user_email: Option<String>,
    pub client_address: Option<String>,
    /// `console` or `test-run:<id>` for requests made from the admin; None from the network.
    pub source: Option<String>,
    /// Headers, bodies and the step trace: only where request logs are kept.
    pub detail: Option<Detail>,
    /// For a stream of events (a watch router's): how it ended. Its record is
    /// written when it closes, `duration_us` and `response_bytes` the whole stream's.
    pub stream: Option<StreamEnd>,
}

impl RequestRecord {
    /// `at` as stored: microseconds since the epoch.
    pub(super) fn at_us(&self) -> i64 {
        self.at.timestamp_micros()
    }

    /// The detail as the log's columns.
    pub(super) fn detail_cells(&self) -> DetailCells<'_> {
        let detail = self.detail.as_ref();
        DetailCells {
            request_headers: detail.map(|d| d.request_headers.as_str()),
            request_body: detail.and_then(|d| d.request_body.as_deref()),
            response_headers: detail.map(|d| d.response_headers.as_str()),
            response_body: detail.and_then(|d| d.response_body.as_deref()),
            truncated: detail.map(|d| d.truncated),
            trace: detail.and_then(|d| serde_json::to_string(&d.trace).ok()),
        }
    }
}

/// A record's detail as its columns: headers, bodies, whether one was cut, the trace as JSON.
pub(super) struct DetailCells<'a> {
    pub(super) request_headers: Option<&'a str>,
    pub(super) request_body: Option<&'a str>,
    pub(super) response_headers: Option<&'a str>,
    pub(super) response_body: Option<&'a str>,
    pub(super) truncated: Option<bool>,
    pub(super) trace: Option<String>,
}

/// How a stream of events went, recorded when it closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamEnd {
    /// Events sent (heartbeats not counted).
    pub events: u64,
    pub closed_by: StreamClose,
}

/// Why a stream closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamClose {
    /// The client went away.
    Client,
    /// The caller's token expired, was revoked, or their account was disabled.
    AccessEnded,
    /// The server stopped serving it (shutdown, the environment stopped).
    Server,
    /// The change feed could not be read.
    Error,
    /// Refused once open (a WebSocket's first message: its token, cursor or access).
    Refused,
}

impl StreamClose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::AccessEnded => "access_ended",
            Self::Server => "server",
            Self::Error => "error",
            Self::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Client, Self::AccessEnded, Self::Server, Self::Error, Self::Refused].into_iter().find(|c| c.as_str() == text)
    }
}

/// What is kept only where the environment keeps request logs, redacted and
/// truncated before it is stored or streamed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    /// `name: value` lines (see `redact::header_map`).
    pub request_headers: String,
    pub request_body: Option<String>,
    pub response_headers: String,
    pub response_body: Option<String>,
    /// A body was cut at the environment's `logBodyLimitBytes`.
    pub truncated: bool,
    pub trace: Vec<TraceStep>,
}

/// One step of a router as it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceStep {
    pub index: usize,
    /// list, get, insert, update, delete, count, set, check, script or respond
    /// (static when recorded: no allocation per step).
    pub kind: std::borrow::Cow<'static, str>,
    pub name: Option<String>,
    pub duration_us: u64,
    /// Rows read or written, for the steps that touch rows.
    pub rows: Option<i64>,
    pub error: Option<String>,
}
