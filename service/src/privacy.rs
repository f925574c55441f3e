//! Privacy-policy versions and the consent each user has given.
use chrono::{DateTime, Utc};
use entity::{Role, consent, privacy_policy};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::notifications::{self, Notice};
use crate::policy::Access;

pub struct NewPolicy {
    pub summary: String,
    pub summary_vi: String,
    pub body: String,
    pub body_vi: String,
}

/// Publishes the next version (admins only) and tells everyone.
pub async fn publish(db: &DatabaseConnection, access: &Access, new: NewPolicy) -> AppResult<privacy_policy::Model> {
    access.staff(&[Role::Admin])?;
    let now = access.now();
    let checks = [
        ("summary", &new.summary, 2000),
        ("summaryVi", &new.summary_vi, 2000),
        ("body", &new.body, 100_000),
        ("bodyVi", &new.body_vi, 100_000),
    ];
    for (field, text, max) in checks {
        if !(1..=max).contains(&text.trim().chars().count()) {
            return Err(AppError::field(field, format!("must be 1 to {max} characters long")));
        }
    }
    let txn = crate::begin_write(db).await?;
    let version = current(&txn).await?.version + 1;
    let policy = privacy_policy::ActiveModel {
        version: Set(version),
        published_at: Set(now),
        summary: Set(new.summary.trim().to_owned()),
        summary_vi: Set(new.summary_vi.trim().to_owned()),
        body: Set(new.body.trim().to_owned()),
        body_vi: Set(new.body_vi.trim().to_owned()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    // The new version is in force from here (the consent gate reads it);
    // telling everyone is a batch per 500 accounts, outside the transaction,
    // so it finishes however many accounts there are.
    notifications::notify_everyone(db, Notice::PolicyUpdated { version }, now).await?;
    Ok(policy)
}

/// Records acceptance of the current version; any other version is refused.
pub async fn accept(db: &impl ConnectionTrait, user_id: Uuid, version: i32, now: DateTime<Utc>) -> AppResult<()> {
    let current = current(db).await?.version;
    if version != current {
        return Err(AppError::field("version", format!("must be the current version, {current}")));
    }
    if history(db, user_id).await?.iter().all(|c| c.version != current) {
        record_consent(db, user_id, current, now).await?;
    }
    Ok(())
}

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
