//! What people did during a campaign, from the product's own records, to
//! set beside what they said in the surveys.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    InteractionKind, LinkStatus, ReportStatus, campaign, content, family_link, interaction, moderation_case,
    moderation_event, report, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::stats::median;
use crate::domain::age_on;
use crate::error::AppResult;
use crate::kindness::figures::{self, KindnessFigures};

/// How many of a newcomer's first videos are looked at.
const FIRST_ITEMS: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Accounts created during the campaign.
    pub newcomers: u64,
    /// Share of them who, among the first 10 videos they met, watched one to
    /// the end or liked one.
    pub newcomers_finding_useful: Option<f64>,
    /// Reports filed during the campaign.
    pub reports_filed: u64,
    /// Median hours from a case opening to its first decision, for cases
    /// opened during the campaign.
    pub median_hours_to_decision: Option<f64>,
    /// Share of those reports whose reporter has been told the outcome.
    pub reporters_told_outcome: Option<f64>,
    /// Share of the teens who joined during the campaign with a guardian linked now.
    pub teens_with_guardian: Option<f64>,
    /// Content entered in the campaign.
    pub entries: u64,
    /// Nudges and held comments over the campaign's dates.
    pub kindness: KindnessFigures,
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

pub(super) async fn over(db: &impl ConnectionTrait, campaign: &campaign::Model) -> AppResult<Behaviour> {
    let (starts, ends) = (campaign.starts_at, campaign.ends_at);
    let newcomers = user::Entity::find()
        .filter(user::Column::CreatedAt.gte(starts))
        .filter(user::Column::CreatedAt.lt(ends))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = newcomers.iter().map(|u| u.id).collect();
    let finding_useful = finding_useful(db, &ids).await?;

    let teens: Vec<Uuid> = newcomers
        .iter()
        .filter(|u| (13..18).contains(&age_on(u.birth_date, u.created_at.date_naive())))
        .map(|u| u.id)
        .collect();
    let guarded: HashSet<Uuid> = family_link::Entity::find()
        .filter(family_link::Column::Status.eq(LinkStatus::Active))
        .filter(family_link::Column::TeenId.is_in(teens.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.teen_id)
        .collect();

    let reports = report::Entity::find()
        .filter(report::Column::CreatedAt.gte(starts))
        .filter(report::Column::CreatedAt.lt(ends))
        .all(db)
        .await?;
    let told = reports.iter().filter(|r| r.status != ReportStatus::Open).count();

    let entries = content::Entity::find().filter(content::Column::CampaignId.eq(campaign.id)).count(db).await?;
    Ok(Behaviour {
        newcomers: newcomers.len() as u64,
        newcomers_finding_useful: share(finding_useful, newcomers.len()),
        reports_filed: reports.len() as u64,
        median_hours_to_decision: median(&mut decision_hours(db, Some((starts, ends)), None).await?),
        reporters_told_outcome: share(told, reports.len()),
        teens_with_guardian: share(guarded.len(), teens.len()),
        entries,
        kindness: figures::over(db, starts, ends).await?,
    })
}

#[derive(Debug, FromQueryResult)]
struct Met {
    user_id: Uuid,
    content_id: Option<Uuid>,
    kind: InteractionKind,
    watched_ms: Option<i32>,
    duration_seconds: Option<i32>,
}

/// How many of `users` watched to the end, or liked, one of the first ten
/// videos they met (their first ten distinct videos, in the order met).
async fn finding_useful(db: &impl ConnectionTrait, users: &[Uuid]) -> AppResult<usize> {
    let mut found = 0;
    for chunk in users.chunks(500) {
        let rows = interaction::Entity::find()
            .select_only()
            .column(interaction::Column::UserId)
            .column(interaction::Column::ContentId)
            .column(interaction::Column::Kind)
            .column(interaction::Column::WatchedMs)
            .column(content::Column::DurationSeconds)
            .join(JoinType::InnerJoin, interaction::Relation::Content.def())
            .filter(interaction::Column::UserId.is_in(chunk.iter().copied()))
            .order_by_asc(interaction::Column::CreatedAt)
            .order_by_asc(interaction::Column::Id)
            .into_model::<Met>()
            .all(db)
            .await?;
        let mut first: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        let mut useful: HashSet<Uuid> = HashSet::new();
        for row in rows {
            let Some(content) = row.content_id else { continue };
            let met = first.entry(row.user_id).or_default();
            if !met.contains(&content) {
                if met.len() == FIRST_ITEMS {
                    continue;
                }
                met.push(content);
            }
            let to_the_end = row.kind == InteractionKind::View
                && row.watched_ms.zip(row.duration_seconds).is_some_and(|(ms, s)| i64::from(ms) >= i64::from(s) * 1000);
            if to_the_end || row.kind == InteractionKind::Like {
                useful.insert(row.user_id);
            }
        }
        found += useful.len();
    }
    Ok(found)
}

#[derive(Debug, FromQueryResult)]
struct Decision {
    opened_at: DateTime<Utc>,
    decided_at: DateTime<Utc>,
}

/// Hours from opening to the first decision, for cases opened in `opened`
/// or decided in `decided` (each a half-open range).
pub(super) async fn decision_hours(
    db: &impl ConnectionTrait,
    opened: Option<(DateTime<Utc>, DateTime<Utc>)>,
    decided: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> AppResult<Vec<f64>> {
    let mut query = moderation_event::Entity::find()
        .select_only()
        .column_as(moderation_case::Column::OpenedAt, "opened_at")
        .column_as(moderation_event::Column::CreatedAt, "decided_at")
        .join(JoinType::InnerJoin, moderation_event::Relation::Case.def())
        .filter(moderation_event::Column::Kind.eq("ACTION"));
    if let Some((from, to)) = opened {
        query =
            query.filter(moderation_case::Column::OpenedAt.gte(from)).filter(moderation_case::Column::OpenedAt.lt(to));
    }
    if let Some((from, to)) = decided {
        query = query
            .filter(moderation_event::Column::CreatedAt.gte(from))
            .filter(moderation_event::Column::CreatedAt.lt(to));
    }
    let rows = query.into_model::<Decision>().all(db).await?;
    Ok(rows.iter().map(|d| (d.decided_at - d.opened_at).num_seconds() as f64 / 3600.0).collect())
}
