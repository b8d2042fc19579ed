//! Per-router settings of an environment, kept apart from the definition so
//! they survive deploys and rollbacks: a router switched off (answering 404
//! or 503), its own rate limit, and the groups it admits in place of those
//! its definition names (the seed's "user kit").

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::router_setting;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::OnConflict};

use super::Environments;
use crate::{
    auth::Principal,
    error::{ServiceError, ServiceResult},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterSettings {
    pub router: String,
    pub enabled: bool,
    /// What a switched-off router answers: 404 (as if it did not exist) or 503.
    pub disabled_status: u16,
    pub rate_limit_per_minute: Option<u32>,
    /// Replaces the groups the definition admits; None keeps its access rule.
    pub groups: Option<Vec<String>>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl RouterSettings {
    /// What a router without settings has.
    pub fn default_for(router: &str) -> Self {
        Self {
            router: router.to_owned(),
            enabled: true,
            disabled_status: 404,
            rate_limit_per_minute: None,
            groups: None,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_by: String::new(),
        }
    }
}

/// A change: each field set replaces the current one. `groups: Some([])`
/// goes back to the definition's own access rule; `rate_limit_per_minute:
/// Some(0)` removes the router's own limit.
#[derive(Debug, Clone, Default)]
pub struct RouterSettingsPatch {
    pub enabled: Option<bool>,
    pub disabled_status: Option<u16>,
    pub rate_limit_per_minute: Option<u32>,
    pub groups: Option<Vec<String>>,
}

impl RouterSettingsPatch {
    fn apply(self, to: RouterSettings) -> ServiceResult<RouterSettings> {
        if let Some(status) = self.disabled_status
            && status != 404
            && status != 503
        {
            return Err(ServiceError::bad_input("disabledStatus", "a switched-off router answers 404 or 503"));
        }
        if let Some(limit) = self.rate_limit_per_minute
            && limit > 1_000_000
        {
            return Err(ServiceError::bad_input("rateLimitPerMinute", "at most 1,000,000 requests per minute (0 removes the limit)"));
        }
        if let Some(groups) = &self.groups
            && let Some(bad) = groups.iter().find(|g| !crate::workspace::validate::is_identifier(g))
        {
            return Err(ServiceError::bad_input("groups", format!("`{bad}` is not a group name")));
        }
        Ok(RouterSettings {
            enabled: self.enabled.unwrap_or(to.enabled),
            disabled_status: self.disabled_status.unwrap_or(to.disabled_status),
            rate_limit_per_minute: match self.rate_limit_per_minute {
                Some(0) => None,
                Some(limit) => Some(limit),
                None => to.rate_limit_per_minute,
            },
            groups: match self.groups {
                Some(groups) if groups.is_empty() => None,
                Some(groups) => Some(groups),
                None => to.groups,
            },
            ..to
        })
    }
}

fn from_model(m: router_setting::Model) -> RouterSettings {
    RouterSettings {
        router: m.router,
        enabled: m.enabled,
        disabled_status: u16::try_from(m.disabled_status).unwrap_or(404),
        rate_limit_per_minute: m.rate_limit_per_minute.and_then(|l| u32::try_from(l).ok()),
        groups: m.groups.and_then(|g| serde_json::from_str(&g).ok()),
        updated_at: m.updated_at,
        updated_by: m.updated_by,
    }
}

impl Environments {
    /// The settings of every router that has some, by router name.
    pub async fn router_settings(&self, slug: &str) -> ServiceResult<HashMap<String, RouterSettings>> {
        let rows = router_setting::Entity::find()
            .filter(router_setting::Column::Environment.eq(slug))
            .order_by_asc(router_setting::Column::Router)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(from_model).map(|s| (s.router.clone(), s)).collect())
    }

    /// Changes one router's settings; served from the next request on, by every replica.
    pub async fn set_router_settings(&self, actor: &Principal, slug: &str, router: &str, patch: RouterSettingsPatch) -> ServiceResult<RouterSettings> {
        self.may_change_settings(actor, slug).await?;
        let current = self.router_settings(slug).await?.remove(router).unwrap_or_else(|| RouterSettings::default_for(router));
        let next = RouterSettings { updated_at: Utc::now(), updated_by: actor.email.clone(), ..patch.apply(current)? };
        let model = router_setting::ActiveModel {
            environment: Set(slug.to_owned()),
            router: Set(router.to_owned()),
            enabled: Set(next.enabled),
            disabled_status: Set(i32::from(next.disabled_status)),
            rate_limit_per_minute: Set(next.rate_limit_per_minute.map(|l| l as i32)),
            groups: Set(next.groups.as_ref().map(|g| serde_json::to_string(g).unwrap_or_else(|_| "[]".into()))),
            updated_at: Set(next.updated_at),
            updated_by: Set(next.updated_by.clone()),
        };
        router_setting::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([router_setting::Column::Environment, router_setting::Column::Router])
                    .update_columns([
                        router_setting::Column::Enabled,
                        router_setting::Column::DisabledStatus,
                        router_setting::Column::RateLimitPerMinute,
                        router_setting::Column::Groups,
                        router_setting::Column::UpdatedAt,
                        router_setting::Column::UpdatedBy,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        self.settings_changed(slug).await?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_replace_what_they_name_and_empty_values_reset() {
        let base = RouterSettings::default_for("getPost");
        let off =
            RouterSettingsPatch { enabled: Some(false), disabled_status: Some(503), rate_limit_per_minute: Some(60), groups: Some(vec!["editors".into()]) };
        let changed = off.apply(base.clone()).expect("valid");
        assert!(!changed.enabled);
        assert_eq!((changed.disabled_status, changed.rate_limit_per_minute), (503, Some(60)));
        assert_eq!(changed.groups.as_deref(), Some(&["editors".to_owned()][..]));
        let reset = RouterSettingsPatch { rate_limit_per_minute: Some(0), groups: Some(Vec::new()), ..Default::default() }.apply(changed).expect("valid");
        assert_eq!((reset.rate_limit_per_minute, reset.groups, reset.enabled), (None, None, false));
        assert!(RouterSettingsPatch { disabled_status: Some(500), ..Default::default() }.apply(base).is_err());
    }
}
