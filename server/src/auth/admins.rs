//! Admin accounts: creation, sign-in, listing, role changes and removal.

use chrono::{DateTime, Utc};
use entity::admin;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr};

use super::{Principal, Role, password};
use crate::{
    error::{ServiceError, ServiceResult},
    pagination::{Page, PageRequest},
};

#[derive(Debug, Clone)]
pub struct Admin {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl TryFrom<admin::Model> for Admin {
    type Error = ServiceError;

    fn try_from(model: admin::Model) -> ServiceResult<Self> {
        Ok(Self {
            role: model.role.parse().map_err(|_| ServiceError::internal(anyhow::anyhow!("admin {} has role {:?}", model.id, model.role)))?,
            id: model.id,
            email: model.email,
            created_at: model.created_at,
            last_login_at: model.last_login_at,
        })
    }
}

/// The one form of an email that is stored and compared, for admins and end
/// users alike: trimmed and lowercased.
pub fn canonical_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The canonical form of an email, checked against RFC 5322's address
/// syntax (by the email_address crate): a local part, `@`, a domain; no
/// display name, no `[IP]` literal, no NUL or other control characters.
pub fn normalize_email(field: &str, email: &str) -> ServiceResult<String> {
    let email = canonical_email(email);
    let options = email_address::Options::default().without_display_text().without_domain_literal();
    let valid = email.len() <= 254 && !email.contains(char::is_control) && email_address::EmailAddress::parse_with_options(&email, options).is_ok();
    if valid { Ok(email) } else { Err(ServiceError::bad_input(field, "not a valid email address")) }
}

pub async fn count(db: &DatabaseConnection) -> ServiceResult<u64> {
    Ok(admin::Entity::find().count(db).await?)
}

/// A new admin made by an owner (the first owner, made by the setup link,
/// the configuration or the command line, goes through `create`).
pub async fn invite(db: &DatabaseConnection, actor: &Principal, email: &str, password: &str, role: Role) -> ServiceResult<Admin> {
    actor.require(Role::Owner)?;
    create(db, email, password, role).await
}

pub async fn create(db: &DatabaseConnection, email: &str, password: &str, role: Role) -> ServiceResult<Admin> {
    let email = normalize_email("email", email)?;
    password::validate("password", password)?;
    if admin::Entity::find().filter(admin::Column::Email.eq(&email)).one(db).await?.is_some() {
        return Err(ServiceError::conflict("email", "an admin with this email exists"));
    }
    let hash = password::hash(password).await?;
    let now = Utc::now();
    let model = admin::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        email: Set(email),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    };
    match model.insert(db).await {
        Ok(model) => model.try_into(),
        // Two creations raced past the check above.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ServiceError::conflict("email", "an admin with this email exists"))
        }
        Err(err) => Err(err.into()),
    }
}

/// The admin with these credentials, or `None`; records the sign-in time.
pub async fn authenticate(db: &DatabaseConnection, email: &str, password: &str) -> ServiceResult<Option<Admin>> {
    let email = canonical_email(email);
    let found = admin::Entity::find().filter(admin::Column::Email.eq(&email)).one(db).await?;
    let stored = found.as_ref().map(|model| model.password_hash.clone());
    if !password::verify(password, stored).await? {
        return Ok(None);
    }
    let Some(model) = found else { return Ok(None) };
    let mut active: admin::ActiveModel = model.into();
    active.last_login_at = Set(Some(Utc::now()));
    Ok(Some(active.update(db).await?.try_into()?))
}

pub async fn get(db: &DatabaseConnection, id: &str) -> ServiceResult<Option<Admin>> {
    admin::Entity::find_by_id(id.to_owned()).one(db).await?.map(Admin::try_from).transpose()
}

pub async fn list(db: &DatabaseConnection, actor: &Principal, page: &PageRequest) -> ServiceResult<Page<Admin>> {
    actor.require(Role::Owner)?;
    let total = admin::Entity::find().count(db).await?;
    let mut query = admin::Entity::find().order_by_asc(admin::Column::Id);
    if let Some(after) = &page.after {
        query = query.filter(admin::Column::Id.gt(after.as_str()));
    }
    let mut rows = query.limit(page.first + 1).all(db).await?;
    let has_next = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    Ok(Page { items: rows.into_iter().map(Admin::try_from).collect::<ServiceResult<_>>()?, has_next, has_previous: page.after.is_some(), total })
}

pub async fn update(db: &DatabaseConnection, actor: &Principal, id: &str, role: Option<Role>, new_password: Option<&str>) -> ServiceResult<Admin> {
    actor.require(Role::Owner)?;
    set(db, id, role, new_password).await
}

async fn set(db: &DatabaseConnection, id: &str, role: Option<Role>, new_password: Option<&str>) -> ServiceResult<Admin> {
    let model = find_model(db, id).await?;
    if let Some(role) = role
        && role != Role::Owner
        && model.role == Role::Owner.as_str()
    {
        ensure_another_owner(db, id).await?;
    }
    let mut active: admin::ActiveModel = model.into();
    if let Some(role) = role {
        active.role = Set(role.as_str().to_owned());
    }
    if let Some(new_password) = new_password {
        password::validate("password", new_password)?;
        active.password_hash = Set(password::hash(new_password).await?);
    }
    active.updated_at = Set(Utc::now());
    active.update(db).await?.try_into()
}

pub async fn delete(db: &DatabaseConnection, actor: &Principal, id: &str) -> ServiceResult<()> {
    actor.require(Role::Owner)?;
    if actor.admin_id == id {
        return Err(ServiceError::bad_input("id", "you cannot delete your own account"));
    }
    let model = find_model(db, id).await?;
    if model.role == Role::Owner.as_str() {
        ensure_another_owner(db, id).await?;
    }
    admin::Entity::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(())
}

pub async fn change_password(db: &DatabaseConnection, id: &str, current: &str, new: &str) -> ServiceResult<()> {
    let model = find_model(db, id).await?;
    if !password::verify(current, Some(model.password_hash.clone())).await? {
        return Err(ServiceError::bad_input("currentPassword", "the current password is wrong"));
    }
    set(db, id, None, Some(new)).await.map(|_| ())
}

async fn find_model(db: &DatabaseConnection, id: &str) -> ServiceResult<admin::Model> {
    admin::Entity::find_by_id(id.to_owned()).one(db).await?.ok_or_else(|| ServiceError::not_found(format!("no admin with id {id}")))
}

/// Refuses changes that would leave nobody able to manage admins.
async fn ensure_another_owner(db: &DatabaseConnection, except: &str) -> ServiceResult<()> {
    let others = admin::Entity::find().filter(admin::Column::Role.eq(Role::Owner.as_str())).filter(admin::Column::Id.ne(except)).count(db).await?;
    if others == 0 {
        return Err(ServiceError::bad_input("role", "the last owner must stay an owner"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(normalize_email("email", "  Ann@Example.COM ").ok().as_deref(), Some("ann@example.com"));
        for bad in
            ["", "ann", "@example.com", "ann@", "ann@.com", "a nn@example.com", "a\u{0}@x.com", "Ann <ann@example.com>", "ann@[127.0.0.1]", "ann@@example.com"]
        {
            assert!(normalize_email("email", bad).is_err(), "{bad:?}");
        }
    }
}
