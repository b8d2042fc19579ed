//! Replicas sharing one PostgreSQL database hear of each other's changes
//! through LISTEN/NOTIFY: an environment refreshed, edited or deleted, a
//! workspace revision saved, an end user changed or signed out. Each replica
//! publishes what happened through it, applies what the others publish to
//! what it serves, and relays it to its own subscribers (marked
//! `from_elsewhere`, so it is not published again). A refresh done through
//! one replica is served by all, and every admin sees it live whichever
//! replica their browser is connected to. The same connection hears each
//! environment's change feed commit (`_sk_feed`), which wakes its readers.
//! On SQLite there is one process and nothing to tell.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, sqlx::postgres::PgListener};
use serde::{Deserialize, Serialize};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};
use uuid::Uuid;

use crate::{
    deploy::{DeployEvent, Deploys, ReleaseStatus},
    engine::{
        Engine, RefreshEvent, RefreshReport, feed,
        schema::Plan,
        users::{Changed, UserChange},
    },
    environments::{EnvironmentEventKind, Environments},
    logs::{Logs, StoredBatch},
    workspace::{Workspace, service::WorkspaceChange},
};

const CHANNEL: &str = "serverkit_events";
/// How often a replica compares what it serves with what the database says
/// was last applied, in case it missed an event (its listener reconnecting).
const RECONCILE_EVERY: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Event {
    /// `environment` now serves workspace `revision` (its tables are
    /// migrated), as `release` in a deploy target.
    Activated {
        environment: String,
        revision: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        release: Option<i64>,
        routers: usize,
        author_email: String,
    },
    /// An environment was created, edited or deleted.
    Environment { slug: String, change: EnvironmentChange },
    /// A workspace revision was saved.
    Workspace { revision: i64, author_email: Option<String> },
    /// An end user's account or groups changed.
    EndUser { environment: String, user_id: i64 },
    /// An end user's token was signed out.
    TokenRevoked { environment: String, token_hash: String },
    /// A batch of request records was stored (ids `first` to `last` of the
    /// publishing replica): the others read it for their live tails.
    LogBatch { environment: String, first: String, last: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EnvironmentChange {
    Created,
    Updated,
    Deleted,
}

impl From<EnvironmentEventKind> for EnvironmentChange {
    fn from(kind: EnvironmentEventKind) -> Self {
        match kind {
            EnvironmentEventKind::Created => Self::Created,
            EnvironmentEventKind::Updated => Self::Updated,
            EnvironmentEventKind::Deleted => Self::Deleted,
        }
    }
}

impl From<EnvironmentChange> for EnvironmentEventKind {
    fn from(change: EnvironmentChange) -> Self {
        match change {
            EnvironmentChange::Created => Self::Created,
            EnvironmentChange::Updated => Self::Updated,
            EnvironmentChange::Deleted => Self::Deleted,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The replica that published it, which ignores its own events.
    from: Uuid,
    event: Event,
}

/// What a replica changes when another one tells it something.
#[derive(Clone)]
pub struct Replica {
    db: DatabaseConnection,
    environments: Environments,
    workspace: Workspace,
    engine: Engine,
    logs: Logs,
    deploys: Deploys,
    id: Uuid,
}

impl Replica {
    pub fn new(id: Uuid, db: DatabaseConnection, environments: Environments, workspace: Workspace, engine: Engine, logs: Logs, deploys: Deploys) -> Self {
        Self { db, environments, workspace, engine, logs, deploys, id }
    }

    /// Starts publishing this replica's changes and applying the others'
    /// (PostgreSQL only; `url` is the control database).
    pub fn start(self, url: &str) -> Vec<JoinHandle<()>> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Vec::new();
        }
        vec![tokio::spawn(self.clone().publish()), tokio::spawn(self.clone().reconcile()), tokio::spawn(self.listen(url.to_owned()))]
    }

    /// Serves what each environment last applied, with the settings it has
    /// now, when an event went missing.
    async fn reconcile(self) {
        let mut every = tokio::time::interval(RECONCILE_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            let Ok(environments) = self.environments.list().await else { continue };
            for env in environments {
                let active = self.engine.active(&env.slug).await;
                let served = active.as_ref().map(|a| (a.revision.revision, a.release));
                let Some(applied) = self.engine.last_applied(&env.slug).await else { continue };
                if served != Some((applied.revision, applied.release)) {
                    tracing::info!(environment = %env.slug, ?served, applied = applied.revision, release = ?applied.release, "catching up with what another replica applied");
                    if let Err(err) = self.deploys.resume(&env).await {
                        tracing::error!(environment = %env.slug, error = %err.message(), "could not serve what was applied");
                    }
                } else if active.is_some_and(|a| a.settings_at != env.updated_at) {
                    tracing::info!(environment = %env.slug, "catching up with settings changed through another replica");
                    self.engine.update_settings(&env).await;
                }
            }
        }
    }

    async fn notify(&self, event: Event) {
        let payload = match serde_json::to_string(&Envelope { from: self.id, event }) {
            Ok(payload) => payload,
            Err(err) => return tracing::error!(error = %err, "encoding a cluster event"),
        };
        let statement = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_notify($1, $2)", [CHANNEL.into(), payload.into()]);
        if let Err(err) = self.db.execute_raw(statement).await {
            tracing::warn!(error = %err, "could not tell the other replicas");
        }
    }

    /// Forwards what happens through this replica to the others.
    async fn publish(self) {
        let mut refreshes = self.engine.subscribe();
        let mut deploys = self.deploys.subscribe();
        let mut environments = self.environments.subscribe();
        let mut users = self.engine.subscribe_user_changes();
        let mut revisions = self.workspace.subscribe();
        // One event per stored batch, never one per request.
        let mut batches = self.logs.subscribe_batches();
        loop {
            // What was relayed from elsewhere is not published again.
            let event = tokio::select! {
                refresh = refreshes.recv() => match refresh {
                    Ok(RefreshEvent { from_elsewhere: true, .. }) => continue,
                    Ok(refresh) => match refresh.result {
                        Ok(report) => Event::Activated {
                            environment: refresh.environment,
                            revision: report.revision,
                            release: None,
                            routers: report.routers,
                            author_email: refresh.author_email,
                        },
                        Err(_) => continue,
                    },
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                deploy = deploys.recv() => match deploy {
                    Ok(DeployEvent { outcome: Some(release), .. }) if release.status == ReleaseStatus::Active => Event::Activated {
                        environment: release.environment.clone(),
                        revision: release.source_revision,
                        release: Some(release.number),
                        routers: release.document.routers.len(),
                        author_email: release.author.clone(),
                    },
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                change = environments.recv() => match change {
                    Ok(change) if change.from_elsewhere => continue,
                    Ok(change) => Event::Environment { change: change.kind.into(), slug: change.slug },
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                revision = revisions.recv() => match revision {
                    Ok(WorkspaceChange { from_elsewhere: true, .. }) => continue,
                    Ok(change) => Event::Workspace { revision: change.revision, author_email: change.author_email },
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                batch = batches.recv() => match batch {
                    Ok(StoredBatch { environment, first, last }) => Event::LogBatch { environment, first, last },
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                change = users.recv() => match change {
                    Ok(UserChange { environment, what: Changed::User(user_id) }) => Event::EndUser { environment, user_id },
                    Ok(UserChange { environment, what: Changed::Token(token_hash) }) => Event::TokenRevoked { environment, token_hash },
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
            };
            self.notify(event).await;
        }
    }

    /// Applies the other replicas' events; reconnects when the connection drops.
    async fn listen(self, url: String) {
        loop {
            match PgListener::connect(&url).await {
                Ok(mut listener) => match listener.listen_all([CHANNEL, feed::ddl::CHANNEL]).await {
                    Ok(()) => loop {
                        match listener.recv().await {
                            Ok(notification) if notification.channel() == feed::ddl::CHANNEL => self.committed(notification.payload()),
                            Ok(notification) => self.received(notification.payload()).await,
                            Err(err) => {
                                // sqlx reconnects by itself; what was sent meanwhile is lost.
                                tracing::warn!(error = %err, "cluster events: connection lost, reconnecting");
                                break;
                            }
                        }
                    },
                    Err(err) => tracing::warn!(error = %err, "cluster events: LISTEN failed"),
                },
                Err(err) => tracing::warn!(error = %err, "cluster events: cannot connect"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// A transaction that changed an environment's feed committed (through
    /// any replica): `<schema> <transaction id>`.
    fn committed(&self, payload: &str) {
        match payload.split_once(' ').and_then(|(schema, tx)| Some((schema, tx.parse().ok()?))) {
            Some((schema, tx)) => self.engine.feed_committed(schema, tx),
            None => tracing::warn!(payload, "change feed: unreadable notification"),
        }
    }

    async fn received(&self, payload: &str) {
        let envelope: Envelope = match serde_json::from_str(payload) {
            Ok(envelope) => envelope,
            Err(err) => return tracing::warn!(error = %err, "cluster events: unreadable payload"),
        };
        if envelope.from == self.id {
            return;
        }
        tracing::debug!(event = ?envelope.event, "applying another replica's change");
        match envelope.event {
            Event::Activated { environment, revision, release, routers, author_email } => {
                let Ok(env) = self.environments.get(&environment).await else {
                    return tracing::warn!(%environment, "another replica activated an environment this one cannot read");
                };
                let applied = crate::engine::Applied { revision, release, ..Default::default() };
                let served = match self.deploys.definition_of(&environment, &applied).await {
                    Ok(document) => self.engine.resume(&env, crate::engine::Target { revision, release, document: &document }).await,
                    Err(err) => Err(err),
                };
                match served {
                    Ok(()) => self.engine.relay(RefreshEvent {
                        environment,
                        author_email,
                        result: Ok(RefreshReport { revision, plan: Plan::default(), routers }),
                        from_elsewhere: true,
                    }),
                    Err(err) => tracing::error!(environment = %env.slug, error = %err.message(), "could not serve what another replica activated"),
                }
            }
            // Relayed as this replica's own environment events, which its
            // engine follows (see `app::follow_environment_changes`).
            Event::Environment { slug, change: EnvironmentChange::Deleted } => self.environments.relay(EnvironmentEventKind::Deleted, &slug, None),
            Event::Environment { slug, change } => match self.environments.get(&slug).await {
                Ok(env) => self.environments.relay(change.into(), &slug, Some(env)),
                Err(err) => tracing::warn!(%slug, error = %err.message(), "could not read a changed environment"),
            },
            Event::Workspace { revision, author_email } => self.workspace.relay(WorkspaceChange { revision, author_email, from_elsewhere: true }),
            Event::EndUser { environment, user_id } => {
                self.engine.forget_end_user_change(&UserChange { environment, what: Changed::User(user_id) }).await;
            }
            Event::TokenRevoked { environment, token_hash } => {
                self.engine.forget_end_user_change(&UserChange { environment, what: Changed::Token(token_hash) }).await;
            }
            Event::LogBatch { environment, first, last } => {
                let batch = StoredBatch { environment, first, last };
                if let Err(err) = self.logs.relay_batch(&envelope.from.to_string(), &batch).await {
                    tracing::warn!(environment = %batch.environment, error = %err.message(), "could not read another replica's log batch");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_back_as_written() {
        let event = Event::Activated { environment: "test".into(), revision: 7, release: None, routers: 8, author_email: "a@example.com".into() };
        let envelope = Envelope { from: Uuid::nil(), event };
        let text = serde_json::to_string(&envelope).expect("encodes");
        assert_eq!(
            text,
            r#"{"from":"00000000-0000-0000-0000-000000000000","event":{"kind":"activated","environment":"test","revision":7,"routers":8,"author_email":"a@example.com"}}"#
        );
        let change = serde_json::to_string(&Event::Environment { slug: "qa".into(), change: EnvironmentChange::Deleted }).expect("encodes");
        assert_eq!(change, r#"{"kind":"environment","slug":"qa","change":"deleted"}"#);
        let back: Envelope = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back.event, envelope.event);
    }
}
