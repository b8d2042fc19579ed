use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    environments::{
        Capabilities, CapabilitiesPatch, Environment, EnvironmentEvent, EnvironmentEventKind, EnvironmentKind, EnvironmentPatch, Limits, LimitsPatch,
        LogSettingsPatch, NewEnvironment,
    },
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "EnvironmentKind")]
pub enum EnvironmentKindValue {
    Test,
    Production,
}

#[derive(SimpleObject)]
#[graphql(name = "EnvironmentLimits")]
pub struct LimitsObject {
    max_concurrent_requests: i32,
    requests_per_second: i32,
    /// Largest request body accepted, in bytes.
    max_body_bytes: i64,
    request_timeout_ms: i32,
    /// Largest file accepted (admin uploads and file columns), in bytes.
    max_file_bytes: i64,
    /// All the environment's files together, in bytes; 0 for no quota.
    file_quota_bytes: i64,
    /// Watch routers' subscribers connected at once, in all (more get 503).
    max_subscribers: i32,
    /// … per end user, or per address for anonymous callers (more get 429).
    max_subscribers_per_user: i32,
    /// Events sent to one subscriber per second; more wait their turn, none is dropped.
    max_events_per_second: i32,
    /// The change feed keeps at most this many events …
    feed_retention_events: i64,
    /// … for at most this many hours; a subscriber resuming from older gets `resync`.
    feed_retention_hours: i32,
}

impl From<Limits> for LimitsObject {
    fn from(l: Limits) -> Self {
        Self {
            max_concurrent_requests: l.max_concurrent_requests,
            requests_per_second: l.requests_per_second,
            max_body_bytes: l.max_body_bytes,
            request_timeout_ms: l.request_timeout_ms,
            max_file_bytes: l.max_file_bytes,
            file_quota_bytes: l.file_quota_bytes,
            max_subscribers: l.max_subscribers,
            max_subscribers_per_user: l.max_subscribers_per_user,
            max_events_per_second: l.max_events_per_second,
            feed_retention_events: l.feed_retention_events,
            feed_retention_hours: l.feed_retention_hours,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "EnvironmentCapabilities")]
pub struct CapabilitiesObject {
    /// Metrics per router.
    monitoring: bool,
    request_logs: bool,
    api_test: bool,
    database_management: bool,
    user_management: bool,
    file_management: bool,
}

impl From<Capabilities> for CapabilitiesObject {
    fn from(c: Capabilities) -> Self {
        Self {
            monitoring: c.monitoring,
            request_logs: c.request_logs,
            api_test: c.api_test,
            database_management: c.database_management,
            user_management: c.user_management,
            file_management: c.file_management,
        }
    }
}

pub struct EnvironmentObject(pub Environment);

#[Object(name = "Environment")]
impl EnvironmentObject {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> EnvironmentKindValue {
        match self.0.kind {
            EnvironmentKind::Test => EnvironmentKindValue::Test,
            EnvironmentKind::Production => EnvironmentKindValue::Production,
        }
    }
    /// Where this environment's API is served, e.g. `http://127.0.0.1:8080/env/test`.
    async fn base_url(&self, ctx: &Context<'_>) -> String {
        format!("{}/env/{}", state(ctx).public_url, self.0.slug)
    }
    /// Where its data lives, e.g. `SQLite data/envs/test.db` (no credentials).
    async fn database(&self, ctx: &Context<'_>) -> String {
        state(ctx).environments.describe_database(&self.0.slug)
    }
    /// The file-store prefix holding its files.
    async fn storage_prefix(&self, ctx: &Context<'_>) -> String {
        state(ctx).environments.storage_prefix(&self.0.slug)
    }
    /// The workspace revision this environment serves (in a deploy target,
    /// the source's revision its release was made from); null before its first refresh or deploy.
    async fn served_revision(&self, ctx: &Context<'_>) -> Option<i64> {
        state(ctx).engine.active(&self.0.slug).await.map(|active| active.revision.revision)
    }
    /// The definitions this environment serves (its served revision of the
    /// workspace, which may be behind the current one); null before the first refresh.
    async fn served_workspace(&self, ctx: &Context<'_>) -> Option<super::workspace::WorkspaceObject> {
        let active = state(ctx).engine.active(&self.0.slug).await?;
        Some(super::workspace::WorkspaceObject(crate::workspace::Revision {
            number: active.revision.revision,
            document: active.revision.document.clone(),
            author_email: None,
            created_at: active.applied_at,
            restored_from: None,
        }))
    }
    /// What the saved workspace changes compared with what this environment
    /// serves: the routers, tables and groups added, changed or removed since
    /// its served revision (all of them before the first refresh); empty when
    /// it serves the current revision. Saved is not live until a refresh (a
    /// deploy, for a deploy target).
    async fn pending_changes(&self, ctx: &Context<'_>) -> Result<Vec<super::deploy::DefinitionChangeObject>> {
        Ok(state(ctx).deploys.pending_changes(&self.0.slug).await?.into_iter().map(Into::into).collect())
    }
    /// The release this deploy target serves; null before its first deploy
    /// (and in test environments, which are refreshed).
    async fn served_release(&self, ctx: &Context<'_>) -> Result<Option<super::deploy::ReleaseObject>> {
        let app = state(ctx);
        let Some(number) = app.engine.active(&self.0.slug).await.and_then(|a| a.release) else { return Ok(None) };
        Ok(app.deploys.release(&self.0.slug, number).await?.map(super::deploy::ReleaseObject))
    }
    /// Its secrets, by name: who set them and when, never their values.
    async fn secrets(&self, ctx: &Context<'_>) -> Result<Vec<super::settings::SecretInfoObject>> {
        Ok(state(ctx).environments.secrets(&self.0.slug).await?.into_iter().map(Into::into).collect())
    }
    /// The settings of each router it serves (and of those it kept settings for).
    async fn router_settings(&self, ctx: &Context<'_>) -> Result<Vec<super::settings::RouterSettingsObject>> {
        super::settings::router_settings_of(ctx, &self.0.slug).await
    }
    /// When the served revision was applied; null before the first refresh.
    async fn served_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        state(ctx).engine.active(&self.0.slug).await.and_then(|active| active.applied_at)
    }
    /// Browser origins allowed to call the API (CORS); `*` for any.
    async fn cors_origins(&self) -> &[String] {
        &self.0.cors_origins
    }
    /// Values routers read as `env.<name>`.
    async fn variables(&self) -> Json<serde_json::Value> {
        Json(serde_json::Value::Object(self.0.variables.clone()))
    }
    async fn limits(&self) -> LimitsObject {
        self.0.limits.into()
    }
    async fn capabilities(&self) -> CapabilitiesObject {
        self.0.capabilities.into()
    }
    /// Request logs keep at most this many records (older ones are deleted).
    async fn log_retention_records(&self) -> i64 {
        self.0.logs.retention_records
    }
    /// Request logs keep records for at most this many days.
    async fn log_retention_days(&self) -> i32 {
        self.0.logs.retention_days
    }
    /// Logged request and response bodies are cut at this many bytes.
    async fn log_body_limit_bytes(&self) -> i32 {
        self.0.logs.body_limit_bytes
    }
    /// Header and body field names masked in request logs, besides the
    /// built-in ones (authorization, cookie, and names containing password,
    /// token, secret or key).
    async fn log_redact_names(&self) -> &[String] {
        &self.0.logs.redact_names
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject, Default)]
pub struct EnvironmentLimitsInput {
    max_concurrent_requests: Option<i32>,
    requests_per_second: Option<i32>,
    max_body_bytes: Option<i64>,
    request_timeout_ms: Option<i32>,
    max_file_bytes: Option<i64>,
    /// 0 for no quota.
    file_quota_bytes: Option<i64>,
    max_subscribers: Option<i32>,
    max_subscribers_per_user: Option<i32>,
    max_events_per_second: Option<i32>,
    /// 100 or more.
    feed_retention_events: Option<i64>,
    feed_retention_hours: Option<i32>,
}

impl From<Option<EnvironmentLimitsInput>> for LimitsPatch {
    fn from(input: Option<EnvironmentLimitsInput>) -> Self {
        let i = input.unwrap_or_default();
        Self {
            max_concurrent_requests: i.max_concurrent_requests,
            requests_per_second: i.requests_per_second,
            max_body_bytes: i.max_body_bytes,
            request_timeout_ms: i.request_timeout_ms,
            max_file_bytes: i.max_file_bytes,
            file_quota_bytes: i.file_quota_bytes,
            max_subscribers: i.max_subscribers,
            max_subscribers_per_user: i.max_subscribers_per_user,
            max_events_per_second: i.max_events_per_second,
            feed_retention_events: i.feed_retention_events,
            feed_retention_hours: i.feed_retention_hours,
        }
    }
}

#[derive(InputObject, Default)]
pub struct EnvironmentCapabilitiesInput {
    monitoring: Option<bool>,
    request_logs: Option<bool>,
    api_test: Option<bool>,
    database_management: Option<bool>,
    user_management: Option<bool>,
    file_management: Option<bool>,
}

impl From<Option<EnvironmentCapabilitiesInput>> for CapabilitiesPatch {
    fn from(input: Option<EnvironmentCapabilitiesInput>) -> Self {
        let i = input.unwrap_or_default();
        Self {
            monitoring: i.monitoring,
            request_logs: i.request_logs,
            api_test: i.api_test,
            database_management: i.database_management,
            user_management: i.user_management,
            file_management: i.file_management,
        }
    }
}

#[derive(InputObject)]
pub struct CreateEnvironmentInput {
    /// 2–32 characters: lowercase letters, digits and `-`, starting with a letter.
    slug: String,
    name: Option<String>,
    /// TEST (the default) or PRODUCTION: another deploy target, such as a `staging`.
    kind: Option<EnvironmentKindValue>,
    /// Unset limits and capabilities take the defaults of the kind.
    limits: Option<EnvironmentLimitsInput>,
    capabilities: Option<EnvironmentCapabilitiesInput>,
}

#[derive(InputObject)]
pub struct UpdateEnvironmentInput {
    name: Option<String>,
    /// Replaces the list of allowed browser origins.
    cors_origins: Option<Vec<String>>,
    /// Replaces the variables (a JSON object).
    variables: Option<Json<serde_json::Value>>,
    limits: Option<EnvironmentLimitsInput>,
    capabilities: Option<EnvironmentCapabilitiesInput>,
    /// 100 to 100,000,000 records.
    log_retention_records: Option<i64>,
    /// 1 to 3,650 days.
    log_retention_days: Option<i32>,
    /// 0 (no bodies) to 1 MiB.
    log_body_limit_bytes: Option<i32>,
    /// Replaces the extra names to mask (matched case-insensitively).
    log_redact_names: Option<Vec<String>>,
}

#[derive(Default)]
pub struct EnvironmentQuery;

#[Object]
impl EnvironmentQuery {
    /// Every environment: those of kind test first, production last.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn environments(&self, ctx: &Context<'_>) -> Result<Vec<EnvironmentObject>> {
        Ok(state(ctx).environments.list().await?.into_iter().map(EnvironmentObject).collect())
    }

    /// One environment; NOT_FOUND when there is none with this slug.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn environment(&self, ctx: &Context<'_>, slug: String) -> Result<EnvironmentObject> {
        Ok(EnvironmentObject(state(ctx).environments.get(&slug).await?))
    }
}

#[derive(Default)]
pub struct EnvironmentMutation;

#[Object]
impl EnvironmentMutation {
    /// A new environment with its own database and files: of kind test, or of
    /// kind production (a deploy target). Owner only.
    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn create_environment(&self, ctx: &Context<'_>, input: CreateEnvironmentInput) -> Result<EnvironmentObject> {
        let kind = match input.kind {
            Some(EnvironmentKindValue::Production) => EnvironmentKind::Production,
            _ => EnvironmentKind::Test,
        };
        let new = NewEnvironment { slug: input.slug, name: input.name, kind, limits: input.limits.into(), capabilities: input.capabilities.into() };
        let env = state(ctx).environments.create(principal(ctx)?, new).await?;
        super::audit::record(ctx, "environment.create", &env.slug, serde_json::json!({})).await;
        Ok(EnvironmentObject(env))
    }

    /// Changes name, limits or capabilities. Developers may edit environments of
    /// kind test; production needs an owner.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn update_environment(&self, ctx: &Context<'_>, slug: String, input: UpdateEnvironmentInput) -> Result<EnvironmentObject> {
        let variables = match input.variables.map(|v| v.0) {
            None => None,
            Some(serde_json::Value::Object(map)) => Some(map),
            Some(_) => return Err(crate::error::ServiceError::bad_input("variables", "variables are a JSON object").into()),
        };
        // Which settings changed, by name: variables' values may be secrets.
        let changed: Vec<&str> = [
            input.name.as_ref().map(|_| "name"),
            input.cors_origins.as_ref().map(|_| "corsOrigins"),
            variables.as_ref().map(|_| "variables"),
            input.limits.as_ref().map(|_| "limits"),
            input.capabilities.as_ref().map(|_| "capabilities"),
            input.log_retention_records.map(|_| "logRetentionRecords"),
            input.log_retention_days.map(|_| "logRetentionDays"),
            input.log_body_limit_bytes.map(|_| "logBodyLimitBytes"),
            input.log_redact_names.as_ref().map(|_| "logRedactNames"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let patch = EnvironmentPatch {
            name: input.name,
            cors_origins: input.cors_origins,
            variables,
            limits: input.limits.into(),
            capabilities: input.capabilities.into(),
            logs: LogSettingsPatch {
                retention_records: input.log_retention_records,
                retention_days: input.log_retention_days,
                body_limit_bytes: input.log_body_limit_bytes,
                redact_names: input.log_redact_names,
            },
        };
        let env = state(ctx).environments.update(principal(ctx)?, &slug, patch).await?;
        state(ctx).engine.update_settings(&env).await;
        super::audit::record(ctx, "environment.update", &slug, serde_json::json!({ "changed": changed })).await;
        Ok(EnvironmentObject(env))
    }

    /// Deletes an environment with its data and files (not `test` or
    /// `production`). Owner only. Returns the slug.
    #[graphql(guard = "RoleGuard::new(Role::Owner)")]
    async fn delete_environment(&self, ctx: &Context<'_>, slug: String) -> Result<String> {
        state(ctx).environments.delete(principal(ctx)?, &slug).await?;
        super::audit::record(ctx, "environment.delete", &slug, serde_json::json!({})).await;
        Ok(slug)
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "EnvironmentEventKind")]
pub enum EnvironmentEventKindValue {
    Created,
    Updated,
    Deleted,
}

#[derive(SimpleObject)]
#[graphql(name = "EnvironmentEvent")]
pub struct EnvironmentEventObject {
    kind: EnvironmentEventKindValue,
    slug: String,
    /// The environment after the change; null once deleted.
    environment: Option<EnvironmentObject>,
}

impl From<EnvironmentEvent> for EnvironmentEventObject {
    fn from(event: EnvironmentEvent) -> Self {
        Self {
            kind: match event.kind {
                EnvironmentEventKind::Created => EnvironmentEventKindValue::Created,
                EnvironmentEventKind::Updated => EnvironmentEventKindValue::Updated,
                EnvironmentEventKind::Deleted => EnvironmentEventKindValue::Deleted,
            },
            slug: event.slug,
            environment: event.environment.map(EnvironmentObject),
        }
    }
}

#[derive(Default)]
pub struct EnvironmentSubscription;

#[Subscription]
impl EnvironmentSubscription {
    /// Every create, update and delete of an environment, by anyone.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn environment_events(&self, ctx: &Context<'_>) -> impl Stream<Item = EnvironmentEventObject> {
        // A subscriber that falls more than the channel's capacity behind skips
        // the missed events rather than ending the stream.
        BroadcastStream::new(state(ctx).environments.subscribe()).filter_map(|event| async move { event.ok().map(EnvironmentEventObject::from) })
    }
}
