//! Follows. Following a public account takes effect at once; following a
//! private one makes a request its owner answers.
use chrono::{DateTime, Utc};
use entity::{FollowState, follow, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth;
use crate::error::{AppError, AppResult};
use crate::pagination::{Direction, Page, PageRequest, keyset_page};
use crate::policy::content::active_user;
use crate::settings;

/// An account others may see and follow: it exists and is not locked.
pub async fn find_active_user(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| auth::is_visible_account(u, now))
        .ok_or_else(|| AppError::NotFound("No such user".into()))
}

pub async fn follow(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    target: Uuid,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    if viewer == target {
        return Err(AppError::field("userId", "cannot be yourself"));
    }
    let user = find_active_user(db, target, now).await?;
    let exists = follow::Entity::find_by_id((viewer, target)).one(db).await?;
    if exists.is_none() {
        let state = if settings::get(db, target).await?.private_account {
            FollowState::Requested
        } else {
            FollowState::Accepted
        };
        follow::Entity::insert(follow::ActiveModel {
            follower_id: Set(viewer),
            followee_id: Set(target),
            status: Set(state),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([follow::Column::FollowerId, follow::Column::FolloweeId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(user)
}

/// Stops following, or withdraws a pending request.
pub async fn unfollow(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    target: Uuid,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    let user = find_active_user(db, target, now).await?;
    follow::Entity::delete_by_id((viewer, target)).exec(db).await?;
    Ok(user)
}

/// Pending requests to follow `owner`, oldest first, from accounts others
/// may see (not suspended, banned or deleted).
pub async fn pending_requests(
    db: &impl ConnectionTrait,
    owner: Uuid,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> AppResult<Page<follow::Model>> {
    let select = follow::Entity::find()
        .filter(follow::Column::FolloweeId.eq(owner))
        .filter(follow::Column::Status.eq(FollowState::Requested))
        .filter(active_user(Expr::col((follow::Entity, follow::Column::FollowerId)), now));
    keyset_page(db, select, Direction::OldestFirst, page).await
}

/// Ends another user's follow of `owner` (or their pending request): how a
/// private account drops a follower it no longer wants.
pub async fn remove_follower(db: &impl ConnectionTrait, owner: Uuid, follower: Uuid) -> AppResult<user::Model> {
    let removed = follow::Entity::delete_by_id((follower, owner)).exec(db).await?;
    if removed.rows_affected == 0 {
        return Err(AppError::NotFound("This user does not follow you".into()));
    }
    user::Entity::find_by_id(follower).one(db).await?.ok_or_else(|| AppError::NotFound("No such user".into()))
}

/// Accepts or declines one pending request.
pub async fn answer(
    db: &impl ConnectionTrait,
    owner: Uuid,
    requester: Uuid,
    accept: bool,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    let request = follow::Entity::find_by_id((requester, owner))
        .one(db)
        .await?
        .filter(|f| f.status == FollowState::Requested)
        .ok_or_else(|| AppError::NotFound("There is no pending request from this user".into()))?;
    if accept {
        let mut active: follow::ActiveModel = request.into();
        active.status = Set(FollowState::Accepted);
        active.updated_at = Set(now);
        active.update(db).await?;
    } else {
        follow::Entity::delete_by_id((requester, owner)).exec(db).await?;
    }
    user::Entity::find_by_id(requester).one(db).await?.ok_or_else(|| AppError::NotFound("No such user".into()))
}

/// Accepts every pending request, as making an account public does.
pub async fn accept_all(db: &impl ConnectionTrait, owner: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    follow::Entity::update_many()
        .col_expr(follow::Column::Status, Expr::value(FollowState::Accepted))
        .col_expr(follow::Column::UpdatedAt, Expr::value(now))
        .filter(follow::Column::FolloweeId.eq(owner))
        .filter(follow::Column::Status.eq(FollowState::Requested))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether `viewer` follows `target` (accepted).
pub async fn is_following(db: &impl ConnectionTrait, viewer: Uuid, target: Uuid) -> AppResult<bool> {
    Ok(follow::Entity::find_by_id((viewer, target)).one(db).await?.is_some_and(|f| f.status == FollowState::Accepted))
}
