//! Privacy-policy versions and the consent each user has given.
use chrono::{DateTime, Utc};
use entity::{consent, privacy_policy};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub async fn current(db: &impl ConnectionTrait) -> AppResult<privacy_policy::Model> {
    privacy_policy::Entity::find()
        .order_by_desc(privacy_policy::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("no privacy policy has been published"))
}

/// A given version, or the current one when `version` is `None`.
pub async fn version(db: &impl ConnectionTrait, version: Option<i32>) -> AppResult<privacy_policy::Model> {
    match version {
        None => current(db).await,
        Some(v) => privacy_policy::Entity::find_by_id(v)
            .one(db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("There is no privacy policy version {v}"))),
    }
}

/// Every version, newest first.
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<privacy_policy::Model>> {
    Ok(privacy_policy::Entity::find().order_by_desc(privacy_policy::Column::Version).all(db).await?)
}

pub async fn record_consent(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    version: i32,
    now: DateTime<Utc>,
) -> AppResult<consent::Model> {
    let row = consent::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        version: Set(version),
        accepted_at: Set(now),
    };
    Ok(row.insert(db).await?)
}

/// A user's consents, oldest first.
pub async fn history(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<consent::Model>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::UserId.eq(user_id))
        .order_by_asc(consent::Column::AcceptedAt)
        .all(db)
        .await?)
}
