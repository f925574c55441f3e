//! What the moderation team did, for the public: counts from the
//! moderation records, small ones hidden so no case can be singled out.
//!
//! Figures that cannot be differenced (API revision 3): the windows are
//! fixed (7, 30, 90 or 365 days) and end at the last full UTC day, so no two
//! lengths are a day apart and a new report changes nothing until its day
//! ends; a share is shown only when its numerator, its denominator and their
//! difference are each large enough; and reasons are hidden until the total
//! minus the shown ones is nothing or large enough too.
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{ModerationAction, ReportReason, moderation_event, report};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Iterable, QueryFilter, QuerySelect};

use super::behaviour::decision_hours;
use super::precomputed::Precomputed;
use super::stats::{SMALLEST_SHOWN, median};
pub use super::stats::{shown, shown_share};
use crate::error::{AppError, AppResult};
use crate::kindness::{self, figures::KindnessFigures};
use crate::policy::Access;

/// A day's figures count from this long after it ends: a record stamped
/// just before midnight may commit just after (requests stop at their time
/// limit, 10 s by default), and every instance must count it alike.
const SETTLE: Duration = Duration::minutes(5);
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
    pub kindness: KindnessFigures,
}

/// The window of `days` (7, 30, 90 or 365) that ends at the last full UTC
/// day before `now` (from `SETTLE` after midnight).
pub fn window(days: Option<i32>, now: DateTime<Utc>) -> AppResult<WindowKey> {
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !WINDOWS.contains(&days) {
        return Err(AppError::field("days", "must be 7, 30, 90 or 365"));
    }
    Ok((days, (now - SETTLE).date_naive()))
}

/// For anyone: the window of `days` (default 30), from the figures worked
/// out once for it (see `precomputed`).
pub async fn safety_transparency(
    db: &impl ConnectionTrait,
    access: &Access,
    days: Option<i32>,
    figures: &Precomputed<WindowKey, Transparency>,
) -> AppResult<Arc<Transparency>> {
    // Anyone may read it, but a token that was sent must be good.
    access.viewer()?;
    let key = window(days, access.now())?;
    figures.get(key, access.now(), work_out(db, key)).await
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
        by_reason: shown_by_reason(ReportReason::iter().map(|reason| (reason, reported(reason))).collect()),
        kindness: kindness::figures::over(db, from, to).await?,
    })
}

/// Each reason's count, those under 10 hidden; then, while the hidden ones
/// add up to 1–9 (the total minus the shown counts would reveal them), the
/// smallest shown one is hidden too.
fn shown_by_reason(counts: Vec<(ReportReason, u64)>) -> Vec<(ReportReason, u64)> {
    let mut shown: Vec<bool> = counts.iter().map(|(_, n)| *n >= SMALLEST_SHOWN).collect();
    let mut hidden: u64 = counts.iter().zip(&shown).filter(|(_, s)| !**s).map(|((_, n), _)| *n).sum();
    while (1..SMALLEST_SHOWN).contains(&hidden) {
        let Some(smallest) = (0..counts.len()).filter(|i| shown[*i]).min_by_key(|i| counts[*i].1) else { break };
        shown[smallest] = false;
        hidden += counts[smallest].1;
    }
    counts.into_iter().zip(shown).map(|((reason, n), s)| (reason, if s { n } else { 0 })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_never_reveals_a_hidden_reason() {
        use ReportReason::*;
        let shown = |counts: &[(ReportReason, u64)]| shown_by_reason(counts.to_vec());
        // 9 spam hidden: 30 − 21 would give them back, so 21 goes too.
        assert_eq!(
            shown(&[(Spam, 9), (ScamFraud, 21), (HateSpeech, 40)]),
            [(Spam, 0), (ScamFraud, 0), (HateSpeech, 40)]
        );
        // Hidden ones adding up to 10 or more reveal no single reason.
        assert_eq!(
            shown(&[(Spam, 6), (ScamFraud, 4), (HateSpeech, 40)]),
            [(Spam, 0), (ScamFraud, 0), (HateSpeech, 40)]
        );
        assert_eq!(shown(&[(Spam, 14), (ScamFraud, 21)]), [(Spam, 14), (ScamFraud, 21)]);
        assert_eq!(shown(&[(Spam, 3), (ScamFraud, 12)]), [(Spam, 0), (ScamFraud, 0)]);
        assert_eq!(shown(&[(Spam, 0), (ScamFraud, 12)]), [(Spam, 0), (ScamFraud, 12)]);
    }

    #[test]
    fn a_window_ends_at_the_last_full_day_once_it_has_settled() {
        let at = |hms: &str| format!("2026-12-06T{hms}Z").parse::<DateTime<Utc>>().unwrap_or_default();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default();
        assert_eq!(window(None, at("00:04:59")).ok(), Some((30, day(5))));
        assert_eq!(window(Some(7), at("00:05:00")).ok(), Some((7, day(6))));
        assert!(window(Some(8), at("12:00:00")).is_err());
    }
}
