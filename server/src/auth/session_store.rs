//! tower-sessions records in the control database through sea-orm: one pool,
//! the same code on SQLite and PostgreSQL, sessions that survive restarts and
//! are shared by replicas.

use std::collections::HashMap;

use async_trait::async_trait;
use entity::admin_session;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::OnConflict,
};
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
            let exists = admin_session::Entity::find_by_id(record.id.to_string())
                .one(&self.db)
                .await
                .map_err(backend)?
                .is_some();
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
                OnConflict::column(admin_session::Column::Id)
                    .update_columns([admin_session::Column::Data, admin_session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let Some(model) = admin_session::Entity::find_by_id(id.to_string())
            .filter(admin_session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&model.data).map_err(|err| Error::Decode(err.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(model.expires_at)
            .map_err(|err| Error::Decode(err.to_string()))?;
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
        admin_session::Entity::delete_many()
            .filter(admin_session::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
