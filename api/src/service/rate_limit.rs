//! Rate limits counted in the database, so they hold across instances.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::error::{AppError, AppResult};

/// Refuses with `RATE_LIMITED` when the caller's rows (`mine`) created in the
/// last `window` already number `max`; they may retry once the oldest of
/// them is `window` old.
pub async fn enforce<E: EntityTrait>(
    db: &impl ConnectionTrait,
    mine: Select<E>,
    created_at: impl ColumnTrait,
    max: u64,
    window: Duration,
    now: DateTime<Utc>,
    message: &str,
) -> AppResult<()>
where
    E::Model: Sync,
{
    let recent = mine.filter(created_at.gt(now - window));
    if recent.clone().count(db).await? < max {
        return Ok(());
    }
    let oldest: Option<DateTime<Utc>> =
        recent.select_only().column(created_at).order_by_asc(created_at).into_tuple().one(db).await?;
    Err(AppError::RateLimited {
        message: message.to_owned(),
        retry_after_seconds: std::cmp::max((oldest.unwrap_or(now) + window - now).num_seconds(), 1),
    })
}
