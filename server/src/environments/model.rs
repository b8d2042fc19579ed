use chrono::{DateTime, Utc};
use entity::environment;

use crate::error::{ServiceError, ServiceResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentKind {
    Test,
    Production,
}

impl EnvironmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Production => "production",
        }
    }

    fn parse(s: &str) -> ServiceResult<Self> {
        match s {
            "test" => Ok(Self::Test),
            "production" => Ok(Self::Production),
            other => Err(ServiceError::internal(anyhow::anyhow!("environment kind {other:?}"))),
        }
    }
}

/// Performance limits the data plane enforces for an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_concurrent_requests: i32,
    pub requests_per_second: i32,
    pub max_body_bytes: i64,
    pub request_timeout_ms: i32,
    /// The largest file accepted (admin uploads and file columns).
    pub max_file_bytes: i64,
    /// All the environment's files together; 0 for no quota.
    pub file_quota_bytes: i64,
    /// Watch routers' subscribers connected at once, in all.
    pub max_subscribers: i32,
    /// … and per end user (anonymous callers count as one per address).
    pub max_subscribers_per_user: i32,
    /// Events sent to one subscriber per second; more wait their turn (none is dropped).
    pub max_events_per_second: i32,
    /// The change feed keeps at most this many events …
    pub feed_retention_events: i64,
    /// … for at most this many hours.
    pub feed_retention_hours: i32,
}

const MIB: i64 = 1024 * 1024;

impl Limits {
    /// The test server is deliberately limited (the seed's table).
    pub const TEST: Limits = Limits {
        max_concurrent_requests: 32,
        requests_per_second: 100,
        max_body_bytes: MIB,
        request_timeout_ms: 10_000,
        max_file_bytes: 100 * MIB,
        file_quota_bytes: 1024 * MIB,
        max_subscribers: 10_000,
        max_subscribers_per_user: 10,
        max_events_per_second: 1_000,
        feed_retention_events: 100_000,
        feed_retention_hours: 24,
    };
    /// Production runs at the plan's capacity.
    pub const PRODUCTION: Limits = Limits {
        max_concurrent_requests: 1024,
        requests_per_second: 10_000,
        max_body_bytes: 10 * MIB,
        request_timeout_ms: 30_000,
        max_file_bytes: 1024 * MIB,
        file_quota_bytes: 0,
        max_subscribers: 10_000,
        max_subscribers_per_user: 10,
        max_events_per_second: 1_000,
        feed_retention_events: 100_000,
        feed_retention_hours: 24,
    };

    pub fn validate(&self) -> ServiceResult<()> {
        let check = |field: &str, value: i64, min: i64, max: i64| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(ServiceError::bad_input(format!("limits.{field}"), format!("must be between {min} and {max}")))
            }
        };
        check("maxConcurrentRequests", self.max_concurrent_requests.into(), 1, 100_000)?;
        check("requestsPerSecond", self.requests_per_second.into(), 1, 1_000_000)?;
        check("maxBodyBytes", self.max_body_bytes, 1, 1024 * 1024 * 1024)?;
        check("requestTimeoutMs", self.request_timeout_ms.into(), 100, 600_000)?;
        check("maxFileBytes", self.max_file_bytes, 1, 5 * 1024 * 1024 * MIB)?;
        check("fileQuotaBytes", self.file_quota_bytes, 0, 1024 * 1024 * 1024 * MIB)?;
        check("maxSubscribers", self.max_subscribers.into(), 1, 1_000_000)?;
        check("maxSubscribersPerUser", self.max_subscribers_per_user.into(), 1, 10_000)?;
        check("maxEventsPerSecond", self.max_events_per_second.into(), 1, 1_000_000)?;
        check("feedRetentionEvents", self.feed_retention_events, 100, 100_000_000)?;
        check("feedRetentionHours", self.feed_retention_hours.into(), 1, 24 * 366)
    }
}

/// Which admin features an environment offers (the seed's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub monitoring: bool,
    pub request_logs: bool,
    pub api_test: bool,
    pub database_management: bool,
    pub user_management: bool,
    pub file_management: bool,
}

impl Capabilities {
    pub const TEST: Capabilities =
        Capabilities { monitoring: true, request_logs: true, api_test: true, database_management: true, user_management: true, file_management: true };
    /// Real users' data stays private by default.
    pub const PRODUCTION: Capabilities =
        Capabilities { monitoring: false, request_logs: false, api_test: true, database_management: false, user_management: false, file_management: false };
}

/// How an environment's request logs are kept: what to store and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    pub retention_records: i64,
    pub retention_days: i32,
    /// Request and response bodies are cut at this many bytes.
    pub body_limit_bytes: i32,
    /// Header and body field names to mask besides the built-in ones.
    pub redact_names: Vec<String>,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { retention_records: 100_000, retention_days: 7, body_limit_bytes: 16 * 1024, redact_names: Vec::new() }
    }
}

impl LogSettings {
    pub fn validate(&self) -> ServiceResult<()> {
        let check = |field: &str, value: i64, min: i64, max: i64| {
            if (min..=max).contains(&value) { Ok(()) } else { Err(ServiceError::bad_input(field, format!("must be between {min} and {max}"))) }
        };
        check("logRetentionRecords", self.retention_records, 100, 100_000_000)?;
        check("logRetentionDays", self.retention_days.into(), 1, 3650)?;
        check("logBodyLimitBytes", self.body_limit_bytes.into(), 0, 1024 * 1024)?;
        if self.redact_names.len() > 100 || self.redact_names.iter().any(|n| n.trim().is_empty() || n.len() > 100 || n.contains('\0')) {
            return Err(ServiceError::bad_input("logRedactNames", "at most 100 names of 1 to 100 characters"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default)]
pub struct LogSettingsPatch {
    pub retention_records: Option<i64>,
    pub retention_days: Option<i32>,
    pub body_limit_bytes: Option<i32>,
    pub redact_names: Option<Vec<String>>,
}

impl LogSettingsPatch {
    pub fn apply(&self, to: &LogSettings) -> LogSettings {
        LogSettings {
            retention_records: self.retention_records.unwrap_or(to.retention_records),
            retention_days: self.retention_days.unwrap_or(to.retention_days),
            body_limit_bytes: self.body_limit_bytes.unwrap_or(to.body_limit_bytes),
            redact_names: self
                .redact_names
                .clone()
                .map(|names| names.into_iter().map(|n| n.trim().to_lowercase()).collect())
                .unwrap_or_else(|| to.redact_names.clone()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct LimitsPatch {
    pub max_concurrent_requests: Option<i32>,
    pub requests_per_second: Option<i32>,
    pub max_body_bytes: Option<i64>,
    pub request_timeout_ms: Option<i32>,
    pub max_file_bytes: Option<i64>,
    pub file_quota_bytes: Option<i64>,
    pub max_subscribers: Option<i32>,
    pub max_subscribers_per_user: Option<i32>,
    pub max_events_per_second: Option<i32>,
    pub feed_retention_events: Option<i64>,
    pub feed_retention_hours: Option<i32>,
}

impl LimitsPatch {
    pub fn apply(&self, to: Limits) -> Limits {
        Limits {
            max_concurrent_requests: self.max_concurrent_requests.unwrap_or(to.max_concurrent_requests),
            requests_per_second: self.requests_per_second.unwrap_or(to.requests_per_second),
            max_body_bytes: self.max_body_bytes.unwrap_or(to.max_body_bytes),
            request_timeout_ms: self.request_timeout_ms.unwrap_or(to.request_timeout_ms),
            max_file_bytes: self.max_file_bytes.unwrap_or(to.max_file_bytes),
            file_quota_bytes: self.file_quota_bytes.unwrap_or(to.file_quota_bytes),
            max_subscribers: self.max_subscribers.unwrap_or(to.max_subscribers),
            max_subscribers_per_user: self.max_subscribers_per_user.unwrap_or(to.max_subscribers_per_user),
            max_events_per_second: self.max_events_per_second.unwrap_or(to.max_events_per_second),
            feed_retention_events: self.feed_retention_events.unwrap_or(to.feed_retention_events),
            feed_retention_hours: self.feed_retention_hours.unwrap_or(to.feed_retention_hours),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CapabilitiesPatch {
    pub monitoring: Option<bool>,
    pub request_logs: Option<bool>,
    pub api_test: Option<bool>,
    pub database_management: Option<bool>,
    pub user_management: Option<bool>,
    pub file_management: Option<bool>,
}

impl CapabilitiesPatch {
    pub fn apply(&self, to: Capabilities) -> Capabilities {
        Capabilities {
            monitoring: self.monitoring.unwrap_or(to.monitoring),
            request_logs: self.request_logs.unwrap_or(to.request_logs),
            api_test: self.api_test.unwrap_or(to.api_test),
            database_management: self.database_management.unwrap_or(to.database_management),
            user_management: self.user_management.unwrap_or(to.user_management),
            file_management: self.file_management.unwrap_or(to.file_management),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub kind: EnvironmentKind,
    pub limits: Limits,
    pub capabilities: Capabilities,
    /// Browser origins allowed to call the API (`*` for any); none by default.
    pub cors_origins: Vec<String>,
    /// Values routers read as `env.<name>` (API keys, feature flags…).
    pub variables: serde_json::Map<String, serde_json::Value>,
    pub logs: LogSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Environment {
    /// The environments every installation has; they cannot be deleted.
    pub fn is_builtin(&self) -> bool {
        self.slug == "test" || self.slug == "production"
    }
}

impl TryFrom<environment::Model> for Environment {
    type Error = ServiceError;

    fn try_from(m: environment::Model) -> ServiceResult<Self> {
        Ok(Self {
            kind: EnvironmentKind::parse(&m.kind)?,
            limits: Limits {
                max_concurrent_requests: m.max_concurrent_requests,
                requests_per_second: m.requests_per_second,
                max_body_bytes: m.max_body_bytes,
                request_timeout_ms: m.request_timeout_ms,
                max_file_bytes: m.max_file_bytes,
                file_quota_bytes: m.file_quota_bytes,
                max_subscribers: m.max_subscribers,
                max_subscribers_per_user: m.max_subscribers_per_user,
                max_events_per_second: m.max_events_per_second,
                feed_retention_events: m.feed_retention_events,
                feed_retention_hours: m.feed_retention_hours,
            },
            capabilities: Capabilities {
                monitoring: m.cap_monitoring,
                request_logs: m.cap_request_logs,
                api_test: m.cap_api_test,
                database_management: m.cap_database_management,
                user_management: m.cap_user_management,
                file_management: m.cap_file_management,
            },
            cors_origins: serde_json::from_str(&m.cors_origins).unwrap_or_default(),
            variables: serde_json::from_str(&m.variables).unwrap_or_default(),
            logs: LogSettings {
                retention_records: m.log_retention_records,
                retention_days: m.log_retention_days,
                body_limit_bytes: m.log_body_limit_bytes,
                redact_names: serde_json::from_str(&m.log_redact_names).unwrap_or_default(),
            },
            id: m.id,
            slug: m.slug,
            name: m.name,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_test_is_the_limited_one() {
        Limits::TEST.validate().expect("test defaults");
        Limits::PRODUCTION.validate().expect("production defaults");
        const { assert!(Limits::TEST.requests_per_second < Limits::PRODUCTION.requests_per_second) };
        const { assert!(Limits::TEST.max_concurrent_requests < Limits::PRODUCTION.max_concurrent_requests) };
    }

    #[test]
    fn out_of_range_limits_name_their_field() {
        let patch = LimitsPatch { max_body_bytes: Some(0), ..Default::default() };
        let err = patch.apply(Limits::TEST).validate().expect_err("zero body size");
        assert_eq!(err.field(), Some("limits.maxBodyBytes"));
    }

    #[test]
    fn patches_change_only_what_they_name() {
        let patch = CapabilitiesPatch { request_logs: Some(true), ..Default::default() };
        let after = patch.apply(Capabilities::PRODUCTION);
        assert!(after.request_logs);
        assert_eq!(Capabilities { request_logs: false, ..after }, Capabilities::PRODUCTION);
    }
}
