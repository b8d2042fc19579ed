//! The settings of an environment that change with no redeploy and
//! survive deploys and rollbacks: secrets and per-router settings.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    environments::{RouterSettings, RouterSettingsPatch, SecretInfo},
    error::ServiceError,
};

#[derive(SimpleObject)]
#[graphql(name = "SecretInfo")]
pub struct SecretInfoObject {
    name: String,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

impl From<SecretInfo> for SecretInfoObject {
    fn from(s: SecretInfo) -> Self {
        Self { name: s.name, updated_at: s.updated_at, updated_by: s.updated_by }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "RouterSettings")]
pub struct RouterSettingsObject {
    router: String,
    enabled: bool,
    /// What the router answers while switched off: 404 or 503.
    disabled_status: i32,
    /// The router's own limit, besides the environment's; null for none.
    rate_limit_per_minute: Option<i32>,
    /// The only groups admitted, in place of the definition's access rule; null keeps it.
    groups: Option<Vec<String>>,
    updated_at: Option<DateTime<Utc>>,
    updated_by: Option<String>,
}

impl From<RouterSettings> for RouterSettingsObject {
    fn from(s: RouterSettings) -> Self {
        let set = !s.updated_by.is_empty();
        Self {
            router: s.router,
            enabled: s.enabled,
            disabled_status: i32::from(s.disabled_status),
            rate_limit_per_minute: s.rate_limit_per_minute.map(|l| l as i32),
            groups: s.groups,
            updated_at: set.then_some(s.updated_at),
            updated_by: set.then_some(s.updated_by),
        }
    }
}

/// The settings of every router `environment` serves (defaults for those without).
pub async fn router_settings_of(ctx: &Context<'_>, environment: &str) -> Result<Vec<RouterSettingsObject>> {
    let app = state(ctx);
    let mut stored = app.environments.router_settings(environment).await?;
    let served: Vec<String> =
        app.engine.active(environment).await.map(|a| a.revision.document.routers.iter().map(|r| r.name.clone()).collect()).unwrap_or_default();
    let mut out: Vec<RouterSettingsObject> =
        served.iter().map(|name| stored.remove(name).unwrap_or_else(|| RouterSettings::default_for(name)).into()).collect();
    // Settings of routers not served now stay, for a later release that has them.
    out.extend(stored.into_values().map(RouterSettingsObject::from));
    Ok(out)
}

/// Serves the environment's new settings before the mutation answers, so
/// the next request sees them (the change event applies them elsewhere too).
pub async fn serve_settings_now(ctx: &Context<'_>, environment: &str) -> Result<(), ServiceError> {
    let app = state(ctx);
    app.engine.update_settings(&app.environments.get(environment).await?).await;
    Ok(())
}

#[derive(InputObject)]
pub struct RouterSettingsInput {
    /// false switches the router off.
    enabled: Option<bool>,
    /// 404 (as if it did not exist) or 503 while switched off.
    disabled_status: Option<i32>,
    /// The router's own limit; 0 removes it.
    rate_limit_per_minute: Option<i32>,
    /// The only groups admitted; `[]` goes back to the definition's access rule.
    groups: Option<Vec<String>>,
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Sets a secret routers read as `env.<name>`; write-only: no API returns
    /// its value. Owners for production, developers for test environments.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn set_secret(&self, ctx: &Context<'_>, environment: String, name: String, value: String) -> Result<SecretInfoObject> {
        let info = state(ctx).environments.set_secret(principal(ctx)?, &environment, &name, &value).await?;
        serve_settings_now(ctx, &environment).await?;
        super::audit::record(ctx, "secret.set", &environment, serde_json::json!({ "name": name })).await;
        Ok(info.into())
    }

    /// Deletes a secret. Returns its name.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_secret(&self, ctx: &Context<'_>, environment: String, name: String) -> Result<String> {
        state(ctx).environments.delete_secret(principal(ctx)?, &environment, &name).await?;
        serve_settings_now(ctx, &environment).await?;
        super::audit::record(ctx, "secret.delete", &environment, serde_json::json!({ "name": name })).await;
        Ok(name)
    }

    /// Changes one router's settings in one environment, with no redeploy;
    /// they survive later deploys and rollbacks.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn set_router_settings(&self, ctx: &Context<'_>, environment: String, router: String, input: RouterSettingsInput) -> Result<RouterSettingsObject> {
        let app = state(ctx);
        let served = app.engine.active(&environment).await.is_some_and(|a| a.revision.document.routers.iter().any(|r| r.name == router));
        let drafted = app.workspace.current().await?.document.routers.iter().any(|r| r.name == router);
        if !served && !drafted {
            return Err(ServiceError::not_found(format!("no router `{router}` in `{environment}` or the workspace")).into());
        }
        let number =
            |field: &str, value: Option<i32>| value.map(|v| u32::try_from(v).map_err(|_| ServiceError::bad_input(field, "must not be negative"))).transpose();
        let patch = RouterSettingsPatch {
            enabled: input.enabled,
            disabled_status: number("disabledStatus", input.disabled_status)?.map(|v| v.min(u32::from(u16::MAX)) as u16),
            rate_limit_per_minute: number("rateLimitPerMinute", input.rate_limit_per_minute)?,
            groups: input.groups,
        };
        let settings = app.environments.set_router_settings(principal(ctx)?, &environment, &router, patch).await?;
        serve_settings_now(ctx, &environment).await?;
        let detail = serde_json::json!({
            "router": router, "enabled": settings.enabled, "disabledStatus": settings.disabled_status,
            "rateLimitPerMinute": settings.rate_limit_per_minute, "groups": settings.groups,
        });
        super::audit::record(ctx, "router.settings", &environment, detail).await;
        Ok(settings.into())
    }
}
