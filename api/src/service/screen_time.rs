//! Screen time: minutes come only from the viewer's own VIEW interactions,
//! timed by the server's clock and counted in the user's time zone.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use entity::{InteractionKind, interaction, user, user_settings};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::in_window;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenTime {
    pub date: NaiveDate,
    pub used_minutes: i32,
    pub limit_minutes: Option<i32>,
    pub extra_minutes: i32,
    pub remaining_minutes: Option<i32>,
    pub limit_reached: bool,
    pub in_time_away: bool,
}

pub fn timezone(user: &user::Model) -> Tz {
    user.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
}

/// The UTC instant at which the local `date` begins in `tz`.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// Milliseconds watched by `user_id` in [from, to).
async fn watched_ms(
    db: &impl ConnectionTrait,
    user_id: uuid::Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<i64> {
    let total: Option<Option<i64>> = interaction::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::sum(Expr::col(interaction::Column::WatchedMs))), "total")
        .filter(interaction::Column::UserId.eq(user_id))
        .filter(interaction::Column::Kind.eq(InteractionKind::View))
        .filter(interaction::Column::CreatedAt.gte(from))
        .filter(interaction::Column::CreatedAt.lt(to))
        .into_tuple()
        .one(db)
        .await?;
    Ok(total.flatten().unwrap_or(0))
}

/// Today's use against the limit, and whether a time-away window is open.
pub async fn status(
    db: &impl ConnectionTrait,
    user: &user::Model,
    settings: &user_settings::Model,
    now: DateTime<Utc>,
) -> AppResult<ScreenTime> {
    let tz = timezone(user);
    let local_now = now.with_timezone(&tz).naive_local();
    let date = local_now.date();
    let day_start = local_midnight(tz, date);
    let day_end = local_midnight(tz, date + Duration::days(1));
    let used_minutes = i32::try_from(watched_ms(db, user.id, day_start, day_end).await? / 60_000).unwrap_or(i32::MAX);
    let extra_minutes = 0;
    let limit_minutes = settings.daily_limit_minutes;
    let allowed = limit_minutes.map(|limit| limit + extra_minutes);
    Ok(ScreenTime {
        date,
        used_minutes,
        limit_minutes,
        extra_minutes,
        remaining_minutes: allowed.map(|allowed| (allowed - used_minutes).max(0)),
        limit_reached: allowed.is_some_and(|allowed| used_minutes >= allowed),
        in_time_away: settings.time_away.0.iter().any(|w| in_window(&w.days, w.start, w.end, local_now)),
    })
}
