//! Per-user settings and the age-band rules that shape them.
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use entity::user_settings::{self, Keywords, TimeWindow, TimeWindows};
use entity::{CommentPolicy, user};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::domain::{AgeBand, age_on};
use crate::error::{AppError, AppResult};

pub const TEEN_DAILY_LIMIT_MINUTES: i32 = 60;

/// The user's local calendar date at `now`.
pub fn local_today(user: &user::Model, now: DateTime<Utc>) -> NaiveDate {
    let tz: Tz = user.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    now.with_timezone(&tz).date_naive()
}

/// The age band today: computed from the birth date on every read, so a
/// birthday moves a teen into the next band without any job running.
pub fn age_band(user: &user::Model, now: DateTime<Utc>) -> AgeBand {
    AgeBand::for_age(age_on(user.birth_date, local_today(user, now))).unwrap_or(AgeBand::Teen13To15)
}

/// Guardian-style controls (limit, time away, blocked keywords, search
/// off) apply while the user is a teen and stop at 18.
pub fn controls_apply(user: &user::Model, now: DateTime<Utc>) -> bool {
    age_band(user, now).is_teen()
}

/// Whether the viewer may search: a guardian can turn search off for a teen.
pub fn search_allowed(viewer: &crate::auth::Viewer, now: DateTime<Utc>) -> bool {
    viewer.settings.search_enabled || !controls_apply(&viewer.user, now)
}

/// Restricted mode is always on for teens, whatever was stored.
pub fn restricted_mode(settings: &user_settings::Model, band: AgeBand) -> bool {
    band.is_teen() || settings.restricted_mode
}

fn every_day() -> Vec<Weekday> {
    vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
}

fn time(hour: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// The contract's defaults for a new account of the given age band.
pub fn defaults_for(band: AgeBand, user_id: Uuid, now: DateTime<Utc>) -> user_settings::ActiveModel {
    let (private, limit, comments, time_away) = match band {
        AgeBand::Teen13To15 => (
            true,
            Some(TEEN_DAILY_LIMIT_MINUTES),
            CommentPolicy::Followers,
            vec![TimeWindow { days: every_day(), start: time(21), end: time(8) }],
        ),
        AgeBand::Teen16To17 => (
            true,
            Some(TEEN_DAILY_LIMIT_MINUTES),
            CommentPolicy::Everyone,
            vec![TimeWindow { days: every_day(), start: time(22), end: time(8) }],
        ),
        AgeBand::Adult => (false, None, CommentPolicy::Everyone, vec![]),
    };
    user_settings::ActiveModel {
        user_id: Set(user_id),
        private_account: Set(private),
        personalized_feed: Set(true),
        comment_policy: Set(comments),
        // Teens are restricted whatever this says; storing false means the
        // setting reads as off once they turn 18.
        restricted_mode: Set(false),
        daily_limit_minutes: Set(limit),
        weekend_limit_minutes: Set(None),
        wind_down_dismissed_at: Set(None),
        controls_set_by: Set(None),
        search_enabled: Set(true),
        time_away: Set(TimeWindows(time_away)),
        blocked_keywords: Set(Keywords::default()),
        locked_by_guardian: Set(false),
        filter_unkind: Set(false),
        filter_keywords: Set(Keywords::default()),
        comments_limited_until: Set(None),
        former_guardian_id: Set(None),
        guardian_left_at: Set(None),
        updated_at: Set(now),
    }
}

pub async fn get(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<user_settings::Model> {
    user_settings::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("settings missing for user {user_id}")))
}
