//! The audit log: what admins did (admins and tokens created or revoked,
//! environments created, edited or deleted, console calls in production…),
//! who, when and from where. Details name what changed, never secret values.
//! Recording never fails the action it records: a lost entry is logged.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::Value;

use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
};

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Value,
    pub client_address: Option<String>,
}

#[derive(Clone)]
pub struct Audit {
    db: DatabaseConnection,
}

impl Audit {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Records that `actor` did `action` to `target`.
    pub async fn record(&self, actor: &Principal, client: Option<IpAddr>, action: &str, target: &str, detail: Value) {
        let entry = audit_entry::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            at: Set(Utc::now()),
            actor: Set(actor.email.clone()),
            action: Set(action.to_owned()),
            target: Set(target.to_owned()),
            detail: Set(detail.to_string()),
            client_address: Set(client.map(|ip| ip.to_string())),
        };
        if let Err(err) = entry.insert(&self.db).await {
            tracing::error!(action, target, error = %err, "could not write an audit entry");
        }
    }

    /// Newest first; owners only.
    pub async fn list(&self, actor: &Principal, action: Option<&str>, first: u64, after: Option<&str>) -> ServiceResult<(Vec<AuditEntry>, bool)> {
        actor.require(Role::Owner)?;
        let mut query = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Id).limit(first + 1);
        if let Some(action) = action {
            query = query.filter(audit_entry::Column::Action.eq(action));
        }
        if let Some(after) = after {
            query = query.filter(audit_entry::Column::Id.lt(after));
        }
        let mut entries: Vec<AuditEntry> = query
            .all(&self.db)
            .await
            .map_err(ServiceError::from)?
            .into_iter()
            .map(|m| AuditEntry {
                detail: serde_json::from_str(&m.detail).unwrap_or(Value::Null),
                id: m.id,
                at: m.at,
                actor: m.actor,
                action: m.action,
                target: m.target,
                client_address: m.client_address,
            })
            .collect();
        let more = entries.len() as u64 > first;
        entries.truncate(first as usize);
        Ok((entries, more))
    }
}
