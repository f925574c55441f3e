//! What the moderation team did, for the public: counts from the
//! moderation records, small ones hidden so no case can be singled out.
//!
//! Figures that cannot be differenced: the windows are fixed (7, 30, 90 or
//! 365 days) and end at the last full UTC day, so two answers never differ
//! by one day or by one new report; a share is shown only when its
//! numerator, its denominator and their difference are each large enough.
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{ModerationAction, ReportReason, moderation_event, report};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Iterable, QueryFilter, QuerySelect};

use super::behaviour::decision_hours;
use super::precomputed::Precomputed;
use super::stats::median;
use crate::error::{AppError, AppResult};
use crate::policy::Policy;

/// Counts below this are shown as 0, and what they would divide as null.
pub const SMALLEST_SHOWN: u64 = 10;
pub const DEFAULT_DAYS: i32 = 30;
/// The windows one may ask for, in days.
pub const WINDOWS: [i32; 4] = [7, 30, 90, 365];

/// A window's figures are known by its length and the day after its last
/// (the UTC day it ends at, exclusive).
pub type WindowKey = (i32, NaiveDate);

#[derive(Debug, Clone, PartialEq)]
pub struct Transparency {
    pub days: i32,
    pub reports_received: u64,
    pub cases_decided: u64,
    pub actioned_share: Option<f64>,
    pub median_hours_to_decision: Option<f64>,
    pub appeals_decided: u64,
    pub overturned_share: Option<f64>,
    /// Every reason, in the contract's order.
    pub by_reason: Vec<(ReportReason, u64)>,
}

fn shown(count: u64) -> u64 {
    if count < SMALLEST_SHOWN { 0 } else { count }
}

/// `part / whole`, unless the part, the whole or what the part leaves out
/// is too small to show (a share of 7 in 10 would reveal a hidden 3).
fn shown_share(part: u64, whole: u64) -> Option<f64> {
    let large = |count: u64| count >= SMALLEST_SHOWN;
    (large(part) && large(whole) && large(whole.saturating_sub(part))).then(|| part as f64 / whole as f64)
}

/// The window of `days` (7, 30, 90 or 365) that ends at the last full UTC
/// day before `now`.
pub fn window(days: Option<i32>, now: DateTime<Utc>) -> AppResult<WindowKey> {
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !WINDOWS.contains(&days) {
        return Err(AppError::field("days", "must be 7, 30, 90 or 365"));
    }
    Ok((days, now.date_naive()))
}

/// For anyone: the window of `days` (default 30), from the figures worked
/// out once for it (see `precomputed`).
pub async fn safety_transparency(
    db: &impl ConnectionTrait,
    policy: &Policy,
    days: Option<i32>,
    figures: &Precomputed<WindowKey, Transparency>,
) -> AppResult<Arc<Transparency>> {
    // Anyone may read it, but a token that was sent must be good.
    policy.viewer()?;
    let key = window(days, policy.now())?;
    figures.get(key, policy.now(), work_out(db, key)).await
}

/// Works out the figures of a window (see `window`).
pub async fn work_out(db: &impl ConnectionTrait, (days, end): WindowKey) -> AppResult<Transparency> {
    let to = end.and_time(chrono::NaiveTime::MIN).and_utc();
    let from = to - Duration::days(i64::from(days));
    // Counted in the database: the window may hold a year of records.
    let by_reason: Vec<(ReportReason, i64)> = report::Entity::find()
        .select_only()
        .column(report::Column::Reason)
        .column_as(report::Column::Id.count(), "count")
        .filter(report::Column::CreatedAt.gte(from))
        .filter(report::Column::CreatedAt.lt(to))
        .group_by(report::Column::Reason)
        .into_tuple()
        .all(db)
        .await?;
    let decisions: Vec<(String, Option<ModerationAction>, i64)> = moderation_event::Entity::find()
        .select_only()
        .column(moderation_event::Column::Kind)
        .column(moderation_event::Column::Action)
        .column_as(moderation_event::Column::Id.count(), "count")
        .filter(moderation_event::Column::Kind.is_in(["ACTION", "APPEAL_DECISION"]))
        .filter(moderation_event::Column::CreatedAt.gte(from))
        .filter(moderation_event::Column::CreatedAt.lt(to))
        .group_by(moderation_event::Column::Kind)
        .group_by(moderation_event::Column::Action)
        .into_tuple()
        .all(db)
        .await?;
    let count = |kind: &str, overturning: bool| -> u64 {
        decisions
            .iter()
            .filter(|(k, action, _)| k == kind && (!overturning || *action == Some(ModerationAction::Dismiss)))
            .map(|(_, _, n)| u64::try_from(*n).unwrap_or(0))
            .sum()
    };
    let decided = count("ACTION", false);
    let dismissed = count("ACTION", true);
    let appeals = count("APPEAL_DECISION", false);
    let overturned = count("APPEAL_DECISION", true);
    let reported = |reason: ReportReason| -> u64 {
        by_reason.iter().filter(|(r, _)| *r == reason).map(|(_, n)| u64::try_from(*n).unwrap_or(0)).sum()
    };
    let median_hours =
        if decided >= SMALLEST_SHOWN { median(&mut decision_hours(db, None, Some((from, to))).await?) } else { None };
    let reports_received = ReportReason::iter().map(reported).sum();
    Ok(Transparency {
        days,
        reports_received: shown(reports_received),
        cases_decided: shown(decided),
        actioned_share: shown_share(decided - dismissed, decided),
        median_hours_to_decision: median_hours,
        appeals_decided: shown(appeals),
        overturned_share: shown_share(overturned, appeals),
        by_reason: ReportReason::iter().map(|reason| (reason, shown(reported(reason)))).collect(),
    })
}
