//! How the kind-words features did: nudges shown and what people did after
//! them, and comments held for their creators. Counted in the database over
//! a period; public and campaign figures alike hide small numbers (see
//! `campaign::transparency`).
use chrono::{DateTime, Utc};
use entity::{NudgeOutcome, comment, nudge};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::campaign::stats::{shown, shown_share};
use crate::error::AppResult;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindnessFigures {
    pub nudges_shown: u64,
    /// Shares of the nudges settled in the period; all three hidden if any
    /// one is, since the three add up to one.
    pub rewritten_share: Option<f64>,
    pub withdrawn_share: Option<f64>,
    pub posted_anyway_share: Option<f64>,
    pub comments_held: u64,
}

/// The figures of nudges shown and comments held in `[from, to)`.
pub async fn over(db: &impl ConnectionTrait, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<KindnessFigures> {
    let nudges_shown = nudge::Entity::find()
        .filter(nudge::Column::CreatedAt.gte(from))
        .filter(nudge::Column::CreatedAt.lt(to))
        .count(db)
        .await?;
    let outcomes: Vec<(Option<NudgeOutcome>, i64)> = nudge::Entity::find()
        .select_only()
        .column(nudge::Column::Outcome)
        .column_as(nudge::Column::Id.count(), "count")
        .filter(nudge::Column::CreatedAt.gte(from))
        .filter(nudge::Column::CreatedAt.lt(to))
        .filter(nudge::Column::Outcome.is_not_null())
        .group_by(nudge::Column::Outcome)
        .into_tuple()
        .all(db)
        .await?;
    let count = |outcome: NudgeOutcome| -> u64 {
        outcomes.iter().filter(|(o, _)| *o == Some(outcome)).map(|(_, n)| u64::try_from(*n).unwrap_or(0)).sum()
    };
    let settled: u64 = outcomes.iter().map(|(_, n)| u64::try_from(*n).unwrap_or(0)).sum();
    let shares = [NudgeOutcome::Rewritten, NudgeOutcome::Withdrawn, NudgeOutcome::PostedAnyway]
        .map(|outcome| shown_share(count(outcome), settled));
    let shares = if shares.iter().all(Option::is_some) { shares } else { [None; 3] };
    let comments_held = comment::Entity::find()
        .filter(comment::Column::HeldAt.gte(from))
        .filter(comment::Column::HeldAt.lt(to))
        .count(db)
        .await?;
    Ok(KindnessFigures {
        nudges_shown: shown(nudges_shown),
        rewritten_share: shares[0],
        withdrawn_share: shares[1],
        posted_anyway_share: shares[2],
        comments_held: shown(comments_held),
    })
}
