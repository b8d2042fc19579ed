//! API tokens for scripts and CI: random, shown once, stored as a SHA-256 hash.
//! A token acts as its admin with at most the role it was created with.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use entity::{admin, api_token};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use sha2::{Digest, Sha256};

use super::{Principal, Role, principal::Credential};
use crate::{
    error::{ServiceError, ServiceResult},
    pagination::{Page, PageRequest},
};

const TOKEN_PREFIX: &str = "sk_";
/// How often `last_used_at` is written at most, so token use is not a write per request.
const LAST_USED_GRANULARITY: Duration = Duration::minutes(1);

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub role: Role,
    pub owner_email: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub struct NewToken {
    pub name: String,
    pub role: Option<Role>,
    pub expires_in_days: Option<i32>,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn to_domain(model: api_token::Model, owner_email: String) -> ServiceResult<ApiToken> {
    Ok(ApiToken {
        role: model.role.parse()?,
        id: model.id,
        name: model.name,
        prefix: model.prefix,
        owner_email,
        created_at: model.created_at,
        last_used_at: model.last_used_at,
        expires_at: model.expires_at,
    })
}

/// Creates a token for the caller; returns the secret (shown once) and the record.
pub async fn create(db: &DatabaseConnection, actor: &Principal, input: NewToken) -> ServiceResult<(String, ApiToken)> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::bad_input("name", "a token name has 1 to 100 characters"));
    }
    let role = input.role.unwrap_or(actor.role);
    if role > actor.role {
        return Err(ServiceError::bad_input("role", "a token cannot have more rights than you"));
    }
    let expires_at = match input.expires_in_days {
        None => None,
        Some(days) if (1..=3650).contains(&days) => Some(Utc::now() + Duration::days(days.into())),
        Some(_) => return Err(ServiceError::bad_input("expiresInDays", "between 1 and 3650 days")),
    };
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let model = api_token::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        admin_id: Set(actor.admin_id.clone()),
        name: Set(name),
        token_hash: Set(hash_token(&token)),
        prefix: Set(token.chars().take(10).collect()),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok((token, to_domain(model, actor.email.clone())?))
}

/// The principal a bearer token stands for, or `None` when it is unknown,
/// expired, or its admin is gone.
pub async fn authenticate(db: &DatabaseConnection, token: &str) -> ServiceResult<Option<Principal>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = api_token::Entity::find().filter(api_token::Column::TokenHash.eq(hash_token(token))).find_also_related(admin::Entity).one(db).await?;
    let Some((model, Some(owner))) = found else { return Ok(None) };
    let now = Utc::now();
    if model.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let token_role: Role = model.role.parse()?;
    let owner_role: Role = owner.role.parse()?;
    if model.last_used_at.is_none_or(|at| now - at > LAST_USED_GRANULARITY) {
        let mut active: api_token::ActiveModel = model.clone().into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    Ok(Some(Principal {
        admin_id: owner.id,
        email: owner.email,
        // The owner may have been demoted since the token was made.
        role: token_role.min(owner_role),
        credential: Credential::ApiToken { token_id: model.id },
    }))
}

/// The caller's tokens; an owner sees everyone's.
pub async fn list(db: &DatabaseConnection, actor: &Principal, page: &PageRequest) -> ServiceResult<Page<ApiToken>> {
    let visible = || -> Select<api_token::Entity> {
        let query = api_token::Entity::find();
        if actor.role == Role::Owner { query } else { query.filter(api_token::Column::AdminId.eq(&actor.admin_id)) }
    };
    let total = visible().count(db).await?;
    let mut query = visible().order_by_asc(api_token::Column::Id);
    if let Some(after) = &page.after {
        query = query.filter(api_token::Column::Id.gt(after.as_str()));
    }
    let mut rows = query.find_also_related(admin::Entity).limit(page.first + 1).all(db).await?;
    let has_next = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let items = rows.into_iter().map(|(token, owner)| to_domain(token, owner.map(|o| o.email).unwrap_or_default())).collect::<ServiceResult<_>>()?;
    Ok(Page { items, has_next, has_previous: page.after.is_some(), total })
}

/// Revokes one of the caller's tokens (an owner may revoke anyone's).
pub async fn revoke(db: &DatabaseConnection, actor: &Principal, id: &str) -> ServiceResult<()> {
    let token = api_token::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|token| actor.role == Role::Owner || token.admin_id == actor.admin_id)
        .ok_or_else(|| ServiceError::not_found(format!("no API token with id {id}")))?;
    api_token::Entity::delete_by_id(token.id).exec(db).await?;
    Ok(())
}
