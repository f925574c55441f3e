//! Teen controls and the types they are made of.
use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

use super::scalars::Date;
use crate::service::screen_time::ScreenTime;
use entity::{CommentPolicy, user_settings};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl From<chrono::Weekday> for Weekday {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => Weekday::Mon,
            chrono::Weekday::Tue => Weekday::Tue,
            chrono::Weekday::Wed => Weekday::Wed,
            chrono::Weekday::Thu => Weekday::Thu,
            chrono::Weekday::Fri => Weekday::Fri,
            chrono::Weekday::Sat => Weekday::Sat,
            chrono::Weekday::Sun => Weekday::Sun,
        }
    }
}

/// A daily window, `HH:MM` to `HH:MM`; it crosses midnight when end < start.
#[derive(SimpleObject)]
pub struct TimeWindow {
    days: Vec<Weekday>,
    start: String,
    end: String,
}

impl From<&user_settings::TimeWindow> for TimeWindow {
    fn from(window: &user_settings::TimeWindow) -> Self {
        Self {
            days: window.days.iter().copied().map(Weekday::from).collect(),
            start: window.start.format("%H:%M").to_string(),
            end: window.end.format("%H:%M").to_string(),
        }
    }
}

#[derive(SimpleObject)]
pub struct TeenControls {
    daily_limit_minutes: Option<i32>,
    /// Always true for teens.
    restricted_mode: bool,
    search_enabled: bool,
    comment_policy: CommentPolicy,
    private_account: bool,
    time_away: Vec<TimeWindow>,
    blocked_keywords: Vec<String>,
    locked_by_guardian: bool,
    updated_at: DateTime<Utc>,
}

impl From<user_settings::Model> for TeenControls {
    fn from(row: user_settings::Model) -> Self {
        Self {
            daily_limit_minutes: row.daily_limit_minutes,
            restricted_mode: true,
            search_enabled: row.search_enabled,
            comment_policy: row.comment_policy,
            private_account: row.private_account,
            time_away: row.time_away.0.iter().map(TimeWindow::from).collect(),
            blocked_keywords: row.blocked_keywords.0,
            locked_by_guardian: row.locked_by_guardian,
            updated_at: row.updated_at,
        }
    }
}

/// Today's screen time in the user's time zone.
#[derive(SimpleObject)]
pub struct ScreenTimeStatus {
    date: Date,
    used_minutes: i32,
    limit_minutes: Option<i32>,
    extra_minutes: i32,
    remaining_minutes: Option<i32>,
    limit_reached: bool,
    in_time_away: bool,
}

impl From<ScreenTime> for ScreenTimeStatus {
    fn from(s: ScreenTime) -> Self {
        Self {
            date: Date(s.date),
            used_minutes: s.used_minutes,
            limit_minutes: s.limit_minutes,
            extra_minutes: s.extra_minutes,
            remaining_minutes: s.remaining_minutes,
            limit_reached: s.limit_reached,
            in_time_away: s.in_time_away,
        }
    }
}
