//! Screen time: minutes come only from the viewer's own VIEW interactions,
//! timed by the server's clock and counted in the user's time zone, so no
//! client can inflate, rewind or move the day.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::auth::Viewer;
use entity::{InteractionKind, TimeRequestStatus, interaction, time_request, user, user_settings};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::{in_window, window_end};
use crate::error::{AppError, AppResult};
use crate::settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenTime {
    pub date: NaiveDate,
    pub used_minutes: i32,
    pub limit_minutes: Option<i32>,
    pub extra_minutes: i32,
    pub remaining_minutes: Option<i32>,
    pub limit_reached: bool,
    pub in_time_away: bool,
    /// The next local midnight, when the day's count resets.
    pub resets_at: DateTime<Utc>,
    /// When the open time-away window closes.
    pub away_until: Option<DateTime<Utc>>,
}

pub fn timezone(user: &user::Model) -> Tz {
    user.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
}

/// The UTC instant of a local date and time in `tz` (the earlier one when
/// clocks fall back, the moment after the gap when they spring forward).
fn local_to_utc(tz: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(tz, date.and_time(NaiveTime::MIN))
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

/// Minutes guardians granted for the local `date`.
async fn extra_minutes(db: &impl ConnectionTrait, user_id: uuid::Uuid, date: NaiveDate) -> AppResult<i32> {
    let total: Option<Option<i64>> = time_request::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::sum(Expr::col(time_request::Column::GrantedMinutes))), "total")
        .filter(time_request::Column::TeenId.eq(user_id))
        .filter(time_request::Column::Status.eq(TimeRequestStatus::Approved))
        .filter(time_request::Column::GrantedFor.eq(date))
        .into_tuple()
        .one(db)
        .await?;
    Ok(i32::try_from(total.flatten().unwrap_or(0)).unwrap_or(i32::MAX))
}

/// Today's use against the limit, and whether a time-away window is open.
/// Limits and windows apply while the user is a teen.
pub async fn status(
    db: &impl ConnectionTrait,
    user: &user::Model,
    settings_row: &user_settings::Model,
    now: DateTime<Utc>,
) -> AppResult<ScreenTime> {
    let tz = timezone(user);
    let local_now = now.with_timezone(&tz).naive_local();
    let date = local_now.date();
    let day_start = local_midnight(tz, date);
    let resets_at = local_midnight(tz, date + Duration::days(1));
    let used_minutes = i32::try_from(watched_ms(db, user.id, day_start, resets_at).await? / 60_000).unwrap_or(i32::MAX);
    let controlled = settings::controls_apply(user, now);
    // Saturday and Sunday in the teen's zone have their own limit, when set.
    let weekend = matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
    let limit = match (weekend, settings_row.weekend_limit_minutes) {
        (true, Some(weekend_limit)) => Some(weekend_limit),
        _ => settings_row.daily_limit_minutes,
    };
    let limit_minutes = limit.filter(|_| controlled);
    let extra_minutes = if limit_minutes.is_some() { extra_minutes(db, user.id, date).await? } else { 0 };
    let allowed = limit_minutes.map(|limit| limit + extra_minutes);
    let windows = if controlled { settings_row.time_away.0.as_slice() } else { &[] };
    let away_until = windows.iter().filter_map(|w| window_end(&w.days, w.start, w.end, local_now)).max();
    Ok(ScreenTime {
        date,
        used_minutes,
        limit_minutes,
        extra_minutes,
        remaining_minutes: allowed.map(|allowed| (allowed - used_minutes).max(0)),
        limit_reached: allowed.is_some_and(|allowed| used_minutes >= allowed),
        in_time_away: windows.iter().any(|w| in_window(&w.days, w.start, w.end, local_now)),
        resets_at,
        away_until: away_until.map(|end| local_to_utc(tz, end)),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyUsage {
    pub date: NaiveDate,
    pub minutes: i32,
    pub views: i32,
    pub late_night_minutes: i32,
}

/// The days a `screenTimeReport` may ask for: 1..=28, default 7.
pub fn report_days(days: Option<i32>) -> AppResult<u32> {
    match days.unwrap_or(7) {
        days @ 1..=28 => Ok(days.unsigned_abs()),
        _ => Err(AppError::field("days", "must be between 1 and 28")),
    }
}

/// Use per local day for the last `days` days (today included, oldest
/// first), days without use as zeros. Late night is 22:00–06:00 local.
pub async fn report(
    db: &impl ConnectionTrait,
    user: &user::Model,
    days: u32,
    now: DateTime<Utc>,
) -> AppResult<Vec<DailyUsage>> {
    let tz = timezone(user);
    let today = now.with_timezone(&tz).date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let views = interaction::Entity::find()
        .filter(interaction::Column::UserId.eq(user.id))
        .filter(interaction::Column::Kind.eq(InteractionKind::View))
        .filter(interaction::Column::CreatedAt.gte(local_midnight(tz, first)))
        .filter(interaction::Column::CreatedAt.lt(local_midnight(tz, today + Duration::days(1))))
        .all(db)
        .await?;
    let mut usage: Vec<(NaiveDate, i64, i32, i64)> =
        first.iter_days().take(days as usize).map(|d| (d, 0, 0, 0)).collect();
    for view in views {
        let local = view.created_at.with_timezone(&tz);
        let Some(day) = usage.iter_mut().find(|(d, ..)| *d == local.date_naive()) else { continue };
        let ms = i64::from(view.watched_ms.unwrap_or(0));
        day.1 += ms;
        day.2 += 1;
        if local.hour() >= 22 || local.hour() < 6 {
            day.3 += ms;
        }
    }
    let minutes = |ms: i64| i32::try_from(ms / 60_000).unwrap_or(i32::MAX);
    Ok(usage
        .into_iter()
        .map(|(date, ms, views, late)| DailyUsage {
            date,
            minutes: minutes(ms),
            views,
            late_night_minutes: minutes(late),
        })
        .collect())
}

/// How long a dismissed wind-down prompt stays away.
pub const WIND_DOWN_SNOOZE: Duration = Duration::minutes(30);

/// The wind-down prompt shown in the feed of a 13–15-year-old late at night.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindDown {
    /// 1 at first, 2 once it has been dismissed and come back.
    pub level: i32,
    pub message: String,
}

/// 22:00 to 06:00 in the teen's zone: the start of the night `local_now` is
/// in, if it is in one.
fn night_start(local_now: chrono::NaiveDateTime) -> Option<chrono::NaiveDateTime> {
    let ten_pm = NaiveTime::from_hms_opt(22, 0, 0)?;
    let six_am = NaiveTime::from_hms_opt(6, 0, 0)?;
    let time = local_now.time();
    if time >= ten_pm {
        Some(local_now.date().and_time(ten_pm))
    } else if time < six_am {
        Some((local_now.date() - Duration::days(1)).and_time(ten_pm))
    } else {
        None
    }
}

/// The prompt the viewer should see now, if any: only for 13–15-year-olds,
/// only at night in their zone, hidden for 30 minutes after a dismissal and
/// back at level 2 after that, in their language.
pub fn wind_down(user: &user::Model, settings_row: &user_settings::Model, now: DateTime<Utc>) -> Option<WindDown> {
    if settings::age_band(user, now) != crate::domain::AgeBand::Teen13To15 {
        return None;
    }
    let tz = timezone(user);
    let night = local_to_utc(tz, night_start(now.with_timezone(&tz).naive_local())?);
    let level = match settings_row.wind_down_dismissed_at.filter(|at| *at >= night) {
        Some(dismissed) if now - dismissed < WIND_DOWN_SNOOZE => return None,
        Some(_) => 2,
        None => 1,
    };
    let vietnamese = user.locale != "en";
    let message = match (level, vietnamese) {
        (1, true) => "Đã khuya rồi. Nghỉ ngơi một chút để mai thật tỉnh táo nhé!",
        (1, false) => "It's getting late. Time to wind down so you feel fresh tomorrow!",
        (_, true) => "Vẫn còn thức à? Tắt máy và đi ngủ thôi, mai mình xem tiếp nhé.",
        (_, false) => "Still up? Put the phone down and get some sleep; the feed will be here tomorrow.",
    };
    Some(WindDown { level, message: message.to_owned() })
}

/// Hides the prompt for 30 minutes; `false` when none was showing.
pub async fn dismiss_wind_down(db: &impl ConnectionTrait, viewer: &Viewer, now: DateTime<Utc>) -> AppResult<bool> {
    if wind_down(&viewer.user, &viewer.settings, now).is_none() {
        return Ok(false);
    }
    user_settings::Entity::update_many()
        .col_expr(user_settings::Column::WindDownDismissedAt, Expr::value(now))
        .filter(user_settings::Column::UserId.eq(viewer.id()))
        .exec(db)
        .await?;
    Ok(true)
}
