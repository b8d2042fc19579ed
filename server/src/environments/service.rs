use chrono::Utc;
use entity::environment;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, SqlErr};
use tokio::sync::broadcast;

use super::{
    Capabilities, CapabilitiesPatch, Environment, EnvironmentEvent, EnvironmentEventKind, EnvironmentKind, Limits, LimitsPatch, LogSettings, LogSettingsPatch,
    provision::{self, DataPlacement},
};
use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
    storage::Store,
};

pub struct NewEnvironment {
    pub slug: String,
    pub name: Option<String>,
    /// Test (refreshed, tested) or production (a deploy target, such as a `staging`).
    pub kind: EnvironmentKind,
    pub limits: LimitsPatch,
    pub capabilities: CapabilitiesPatch,
}

#[derive(Default)]
pub struct EnvironmentPatch {
    pub name: Option<String>,
    pub cors_origins: Option<Vec<String>>,
    pub variables: Option<serde_json::Map<String, serde_json::Value>>,
    pub limits: LimitsPatch,
    pub capabilities: CapabilitiesPatch,
    pub logs: LogSettingsPatch,
}

/// The environment service: the records in the control database, their data
/// placement and the change feed.
#[derive(Clone)]
pub struct Environments {
    pub(super) db: DatabaseConnection,
    placement: DataPlacement,
    store: Store,
    events: broadcast::Sender<EnvironmentEvent>,
    pub(super) sealer: std::sync::Arc<super::Sealer>,
}

fn validate_slug(slug: &str) -> ServiceResult<()> {
    let mut chars = slug.chars();
    let valid = (2..=32).contains(&slug.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.ends_with('-');
    if valid { Ok(()) } else { Err(ServiceError::bad_input("slug", "2–32 characters: lowercase letters, digits and '-', starting with a letter")) }
}

fn validate_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::bad_input("name", "a name has 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// `*`, or origins such as `https://app.example.com` (scheme, host, optional port).
fn validate_origins(origins: &[String]) -> ServiceResult<String> {
    for origin in origins {
        let valid = origin == "*"
            || url::Url::parse(origin).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && u.path() == "/" && !origin.ends_with('/') && u.query().is_none()
            });
        if !valid {
            return Err(ServiceError::bad_input("corsOrigins", format!("`{origin}` is not an origin like https://app.example.com (or *)")));
        }
    }
    serde_json::to_string(origins).map_err(ServiceError::internal)
}

fn title_case(slug: &str) -> String {
    let mut chars = slug.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl Environments {
    pub fn new(db: DatabaseConnection, placement: DataPlacement, store: Store, sealer: super::Sealer) -> Self {
        let (events, _) = broadcast::channel(64);
        Self { db, placement, store, events, sealer: std::sync::Arc::new(sealer) }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EnvironmentEvent> {
        self.events.subscribe()
    }

    pub fn describe_database(&self, slug: &str) -> String {
        self.placement.describe(slug)
    }

    pub fn storage_prefix(&self, slug: &str) -> String {
        provision::storage_prefix(slug).to_string()
    }

    /// Creates `test` and `production` when they are missing (first start).
    pub async fn ensure_builtin(&self) -> ServiceResult<()> {
        for (slug, name, kind, limits, capabilities) in [
            ("test", "Test server", EnvironmentKind::Test, Limits::TEST, Capabilities::TEST),
            ("production", "Production", EnvironmentKind::Production, Limits::PRODUCTION, Capabilities::PRODUCTION),
        ] {
            if self.find(slug).await?.is_none() {
                self.insert(slug, name.to_owned(), kind, limits, capabilities).await?;
            }
        }
        Ok(())
    }

    pub async fn list(&self) -> ServiceResult<Vec<Environment>> {
        // Environments of kind test first (by creation), production last: the order of the flow.
        let rows = environment::Entity::find().order_by_asc(environment::Column::Kind).order_by_asc(environment::Column::CreatedAt).all(&self.db).await?;
        let mut envs = rows.into_iter().map(Environment::try_from).collect::<ServiceResult<Vec<_>>>()?;
        envs.sort_by_key(|env| env.kind != EnvironmentKind::Test);
        Ok(envs)
    }

    pub async fn find(&self, slug: &str) -> ServiceResult<Option<Environment>> {
        environment::Entity::find().filter(environment::Column::Slug.eq(slug)).one(&self.db).await?.map(Environment::try_from).transpose()
    }

    pub async fn get(&self, slug: &str) -> ServiceResult<Environment> {
        self.find(slug).await?.ok_or_else(|| ServiceError::not_found(format!("no environment `{slug}`")))
    }

    /// Owners create further environments: of kind test, or of kind
    /// production (another deploy target, with production's defaults).
    pub async fn create(&self, actor: &Principal, input: NewEnvironment) -> ServiceResult<Environment> {
        actor.require(Role::Owner)?;
        let slug = input.slug.trim().to_owned();
        validate_slug(&slug)?;
        let name = validate_name(&input.name.unwrap_or_else(|| title_case(&slug)))?;
        let (limits, capabilities) = match input.kind {
            EnvironmentKind::Test => (Limits::TEST, Capabilities::TEST),
            EnvironmentKind::Production => (Limits::PRODUCTION, Capabilities::PRODUCTION),
        };
        let limits = input.limits.apply(limits);
        limits.validate()?;
        let capabilities = input.capabilities.apply(capabilities);
        if self.find(&slug).await?.is_some() {
            return Err(ServiceError::conflict("slug", format!("an environment `{slug}` exists")));
        }
        let env = self.insert(&slug, name, input.kind, limits, capabilities).await?;
        self.publish(EnvironmentEventKind::Created, &slug, Some(env.clone()));
        Ok(env)
    }

    async fn insert(&self, slug: &str, name: String, kind: EnvironmentKind, limits: Limits, capabilities: Capabilities) -> ServiceResult<Environment> {
        self.placement.create(slug).await.map_err(ServiceError::internal)?;
        let now = Utc::now();
        let model = environment::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            slug: Set(slug.to_owned()),
            name: Set(name),
            kind: Set(kind.as_str().to_owned()),
            cors_origins: Set("[]".into()),
            variables: Set("{}".into()),
            created_at: Set(now),
            ..settings_model(&limits, &capabilities, &LogSettings::default(), now)
        };
        match model.insert(&self.db).await {
            Ok(model) => model.try_into(),
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Err(ServiceError::conflict("slug", format!("an environment `{slug}` exists")))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Developers edit environments of kind test; production needs an owner.
    pub async fn update(&self, actor: &Principal, slug: &str, patch: EnvironmentPatch) -> ServiceResult<Environment> {
        actor.require(Role::Developer)?;
        let current = self.get(slug).await?;
        if current.kind == EnvironmentKind::Production {
            actor.require(Role::Owner)?;
        }
        let limits = patch.limits.apply(current.limits);
        limits.validate()?;
        let capabilities = patch.capabilities.apply(current.capabilities);
        let logs = patch.logs.apply(&current.logs);
        logs.validate()?;
        let name = patch.name.as_deref().map(validate_name).transpose()?;
        let cors = patch.cors_origins.as_deref().map(validate_origins).transpose()?;
        if let Some(variables) = &patch.variables
            && let Some(bad) = variables.keys().find(|k| !crate::workspace::validate::is_identifier(&k.to_lowercase()))
        {
            return Err(ServiceError::bad_input(format!("variables.{bad}"), "a variable name has letters, digits and `_`, starting with a letter"));
        }
        let model = environment::ActiveModel {
            id: Set(current.id.clone()),
            name: name.map_or(sea_orm::ActiveValue::NotSet, Set),
            cors_origins: cors.map_or(sea_orm::ActiveValue::NotSet, Set),
            variables: patch.variables.map(|v| serde_json::to_string(&v).unwrap_or_else(|_| "{}".into())).map_or(sea_orm::ActiveValue::NotSet, Set),
            ..settings_model(&limits, &capabilities, &logs, Utc::now())
        };
        let env: Environment = model.update(&self.db).await?.try_into()?;
        self.publish(EnvironmentEventKind::Updated, slug, Some(env.clone()));
        Ok(env)
    }

    /// Owners delete environments they created; the built-in two stay.
    pub async fn delete(&self, actor: &Principal, slug: &str) -> ServiceResult<()> {
        actor.require(Role::Owner)?;
        let env = self.get(slug).await?;
        if env.is_builtin() {
            return Err(ServiceError::bad_input("slug", format!("the built-in `{slug}` environment cannot be deleted")));
        }
        environment::Entity::delete_by_id(env.id).exec(&self.db).await?;
        // The record goes first: a failure below leaves orphaned data, never a
        // record pointing at nothing. Orphans are logged for the operator.
        if let Err(err) = self.placement.remove(slug).await {
            tracing::warn!(slug, error = ?err, "environment deleted but its database was not removed");
        }
        if let Err(err) = provision::remove_files(&self.store, slug).await {
            tracing::warn!(slug, error = ?err, "environment deleted but its files were not removed");
        }
        self.publish(EnvironmentEventKind::Deleted, slug, None);
        Ok(())
    }

    /// Tells this replica's subscribers (and its engine) of a change made
    /// through another replica.
    pub fn relay(&self, kind: EnvironmentEventKind, slug: &str, environment: Option<Environment>) {
        let _ = self.events.send(EnvironmentEvent { kind, slug: slug.to_owned(), environment, from_elsewhere: true });
    }

    /// Marks the environment's settings as changed now (secrets, router settings).
    pub(super) async fn touch(&self, slug: &str) -> ServiceResult<Environment> {
        let current = self.get(slug).await?;
        let model = environment::ActiveModel { id: Set(current.id), updated_at: Set(Utc::now()), ..Default::default() };
        model.update(&self.db).await?.try_into()
    }

    pub(super) fn publish(&self, kind: EnvironmentEventKind, slug: &str, environment: Option<Environment>) {
        // No subscriber is not an error.
        let _ = self.events.send(EnvironmentEvent { kind, slug: slug.to_owned(), environment, from_elsewhere: false });
    }
}

/// The columns of an environment's limits, capabilities and log settings,
/// as a new environment and an edited one both write them.
fn settings_model(limits: &Limits, capabilities: &Capabilities, logs: &LogSettings, updated_at: chrono::DateTime<Utc>) -> environment::ActiveModel {
    environment::ActiveModel {
        max_concurrent_requests: Set(limits.max_concurrent_requests),
        requests_per_second: Set(limits.requests_per_second),
        max_body_bytes: Set(limits.max_body_bytes),
        request_timeout_ms: Set(limits.request_timeout_ms),
        max_file_bytes: Set(limits.max_file_bytes),
        file_quota_bytes: Set(limits.file_quota_bytes),
        max_subscribers: Set(limits.max_subscribers),
        max_subscribers_per_user: Set(limits.max_subscribers_per_user),
        max_events_per_second: Set(limits.max_events_per_second),
        feed_retention_events: Set(limits.feed_retention_events),
        feed_retention_hours: Set(limits.feed_retention_hours),
        cap_monitoring: Set(capabilities.monitoring),
        cap_request_logs: Set(capabilities.request_logs),
        cap_api_test: Set(capabilities.api_test),
        cap_database_management: Set(capabilities.database_management),
        cap_user_management: Set(capabilities.user_management),
        cap_file_management: Set(capabilities.file_management),
        log_retention_records: Set(logs.retention_records),
        log_retention_days: Set(logs.retention_days),
        log_body_limit_bytes: Set(logs.body_limit_bytes),
        log_redact_names: Set(serde_json::to_string(&logs.redact_names).unwrap_or_else(|_| "[]".into())),
        updated_at: Set(updated_at),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_identifiers() {
        for good in ["qa", "staging", "feature-42", "a1"] {
            validate_slug(good).unwrap_or_else(|_| panic!("{good} is fine"));
        }
        for bad in ["", "a", "Staging", "1st", "a_b", "a-", "a b", "é1", "x\"; drop schema public; --", &"a".repeat(33)] {
            assert!(validate_slug(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
