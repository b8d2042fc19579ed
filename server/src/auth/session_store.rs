//! tower-sessions records in the control database through sea-orm: one pool,
//! the same code on SQLite and PostgreSQL, sessions that survive restarts and
//! are shared by replicas.

use std::collections::HashMap;

use async_trait::async_trait;
use entity::admin_session;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::OnConflict};
use time::OffsetDateTime;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn backend(err: sea_orm::DbErr) -> Error {
    Error::Backend(err.to_string())
}

fn to_model(record: &Record) -> Result<admin_session::ActiveModel> {
    Ok(admin_session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(serde_json::to_string(&record.data).map_err(|err| Error::Encode(err.to_string()))?),
        expires_at: Set(record.expiry_date.unix_timestamp()),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // Ids are 128 random bits; on the freak collision, draw again.
        loop {
            let exists = admin_session::Entity::find_by_id(record.id.to_string()).one(&self.db).await.map_err(backend)?.is_some();
            if !exists {
                break;
            }
            record.id = Id::default();
        }
        admin_session::Entity::insert(to_model(record)?).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        admin_session::Entity::insert(to_model(record)?)
            .on_conflict(
                OnConflict::column(admin_session::Column::Id).update_columns([admin_session::Column::Data, admin_session::Column::ExpiresAt]).to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(model) =
            admin_session::Entity::find_by_id(id.to_string()).filter(admin_session::Column::ExpiresAt.gt(now)).one(&self.db).await.map_err(backend)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> = serde_json::from_str(&model.data).map_err(|err| Error::Decode(err.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(model.expires_at).map_err(|err| Error::Decode(err.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        admin_session::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        admin_session::Entity::delete_many().filter(admin_session::Column::ExpiresAt.lte(now)).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    async fn store() -> (DbSessionStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("control.db").display());
        let db = crate::db::connect_control(&url).await.expect("control database");
        (DbSessionStore::new(db), dir)
    }

    fn record(expires_in: Duration) -> Record {
        let mut data = HashMap::new();
        data.insert("admin_id".to_owned(), serde_json::json!("a1"));
        Record { id: Id::default(), data, expiry_date: OffsetDateTime::now_utc() + expires_in }
    }

    #[tokio::test]
    async fn saves_loads_and_deletes() {
        let (store, _dir) = store().await;
        let mut live = record(Duration::hours(1));
        store.create(&mut live).await.expect("create");
        let loaded = store.load(&live.id).await.expect("load").expect("present");
        assert_eq!(loaded.data, live.data);
        live.data.insert("k".into(), serde_json::json!(1));
        store.save(&live).await.expect("save overwrites");
        assert_eq!(store.load(&live.id).await.expect("load").expect("present").data.len(), 2);
        store.delete(&live.id).await.expect("delete");
        assert!(store.load(&live.id).await.expect("load").is_none());
    }

    #[tokio::test]
    async fn expired_sessions_are_dead_and_swept() {
        let (store, _dir) = store().await;
        let mut idle = record(Duration::seconds(-1));
        store.create(&mut idle).await.expect("create");
        assert!(store.load(&idle.id).await.expect("load").is_none(), "an expired session does not load");
        store.delete_expired().await.expect("sweep");
        let left = admin_session::Entity::find().all(&store.db).await.expect("query");
        assert!(left.is_empty());
    }
}
