use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "environments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// `test` or `production`.
    pub kind: String,
    pub max_concurrent_requests: i32,
    pub requests_per_second: i32,
    pub max_body_bytes: i64,
    pub request_timeout_ms: i32,
    /// The largest file accepted, in bytes.
    pub max_file_bytes: i64,
    /// All files of the environment together, in bytes; 0 for no quota.
    pub file_quota_bytes: i64,
    pub max_subscribers: i32,
    pub max_subscribers_per_user: i32,
    pub max_events_per_second: i32,
    pub feed_retention_events: i64,
    pub feed_retention_hours: i32,
    pub cap_monitoring: bool,
    pub cap_request_logs: bool,
    pub cap_api_test: bool,
    pub cap_database_management: bool,
    pub cap_user_management: bool,
    pub cap_file_management: bool,
    /// JSON array of browser origins allowed by CORS (`*` for any).
    pub cors_origins: String,
    /// JSON object of variables, `env.*` in routers' expressions.
    pub variables: String,
    /// Request logs keep at most this many records…
    pub log_retention_records: i64,
    /// …for at most this many days.
    pub log_retention_days: i32,
    /// Logged bodies are cut at this many bytes.
    pub log_body_limit_bytes: i32,
    /// JSON array of extra header and body field names masked in request logs.
    pub log_redact_names: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
