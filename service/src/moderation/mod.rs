//! In-app reports and the moderation workflow.
//!
//! Every state change starts its transaction with a write (the reporter's
//! row, or the case row guarded by its version), so concurrent requests
//! queue on PostgreSQL row locks and on SQLite's write lock instead of
//! acting on stale reads. Every step appends a `ModerationEvent`.
use chrono::{DateTime, Duration, Utc};
use entity::moderation_case::{self as case, Snapshot};
use entity::{
    Audience, CaseStatus, ContentStatus, ModerationAction, ReportReason, ReportStatus, ReportTargetType, Role, comment,
    content, moderation_event as event, report, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::notifications::{self, Notice};
use crate::pagination::{Direction, KeysetCursor, Page, PageRequest, keyset_page, ranked_page};
use crate::policy::Access;
use crate::policy::TargetChecks;
pub use crate::policy::cases::{APPEAL_WINDOW, appealable_until};
use crate::policy::cases::{CaseActor, CaseView};
use crate::{accounts, content as contents, family, rate_limit, social};

mod decisions;
mod lists;
mod reports;

pub use decisions::*;
pub use lists::*;
pub use reports::*;

pub const MODERATORS: &[Role] = &[Role::Moderator, Role::Admin];
pub const CLAIM_TTL: Duration = Duration::minutes(10);
pub const REPORTS_PER_HOUR: u64 = 20;
const REPORTS: rate_limit::Limit = rate_limit::Limit {
    bucket: "reports:reporter",
    max: REPORTS_PER_HOUR,
    window: Duration::hours(1),
    message: "You can file at most 20 reports an hour",
};
/// Distinct reporters that hide content at once.
pub const AUTO_HIDE_REPORTERS: i32 = 5;
const SECONDS_PER_PRIORITY_POINT: i64 = 3600;

/// How serious a reason is; the most serious reason of a case counts in full.
pub fn severity(reason: ReportReason) -> i32 {
    match reason {
        ReportReason::MinorSafety | ReportReason::SelfHarm => 100,
        ReportReason::ViolenceDangerousActs => 60,
        ReportReason::HateSpeech | ReportReason::NuditySexual => 50,
        ReportReason::BullyingHarassment | ReportReason::ScamFraud => 40,
        ReportReason::PrivacyViolation => 30,
        ReportReason::Impersonation => 25,
        ReportReason::Misinformation => 20,
        ReportReason::IntellectualProperty => 10,
        ReportReason::Spam | ReportReason::Other => 5,
        ReportReason::UnderageUser => 60,
    }
}

pub use entity::moderation_case::LOWEST_TIER;
/// Impersonation of a verified account (see `identity::resembles`).
pub const VERIFIED_LOOK_ALIKE_TIER: i32 = 2;

/// A case's tier: that of its most severe reason. Tier 1: a child's safety
/// and self-harm; tier 2: violence, nudity, hate, bullying, a child under
/// 13 on the app; tier 3: the rest. Impersonation by an account that
/// resembles a verified one is raised to `VERIFIED_LOOK_ALIKE_TIER` where
/// the account is known (`reports`).
pub fn tier(reasons: &[ReportReason]) -> i32 {
    reasons
        .iter()
        .map(|reason| match reason {
            ReportReason::MinorSafety | ReportReason::SelfHarm => 1,
            ReportReason::ViolenceDangerousActs
            | ReportReason::NuditySexual
            | ReportReason::HateSpeech
            | ReportReason::BullyingHarassment
            | ReportReason::UnderageUser => 2,
            _ => LOWEST_TIER,
        })
        .min()
        .unwrap_or(LOWEST_TIER)
}

/// Priority without age: the worst reason, 5 per further reason, 10 per reporter.
pub fn priority_base(reasons: &[ReportReason], reporters: i32) -> i32 {
    let worst = reasons.iter().map(|r| severity(*r)).max().unwrap_or(0);
    let extra = i32::try_from(reasons.len().saturating_sub(1)).unwrap_or(0) * 5;
    worst + extra + 10 * reporters
}

/// Priority now: the base plus one point per hour the case has been open;
/// 0 in the redacted view.
pub fn priority(case: &case::Model, access: &Access) -> i32 {
    if access.case_view(case) == CaseView::Redacted {
        return 0;
    }
    let hours = std::cmp::max((access.now() - case.opened_at).num_hours(), 0);
    case.priority_base + i32::try_from(hours).unwrap_or(i32::MAX - case.priority_base)
}

/// More than any priority within a tier can add up to (a priority point is
/// an hour, about 4e5 points would take 45 years).
const TIER_SPAN: i64 = 100_000_000_000;

/// The queue's order, highest first: the tier, then priority, the older
/// first among equals.
pub fn queue_rank(tier: i32, base: i32, opened_at: DateTime<Utc>) -> i64 {
    i64::from(LOWEST_TIER - tier) * TIER_SPAN + i64::from(base) * SECONDS_PER_PRIORITY_POINT - opened_at.timestamp()
}

pub fn reasons(case: &case::Model) -> Vec<ReportReason> {
    case.reasons.split('|').filter_map(|r| ReportReason::try_from_value(&r.to_owned()).ok()).collect()
}

fn reasons_text(reasons: &[ReportReason]) -> String {
    format!("|{}|", reasons.iter().map(|r| r.to_value()).collect::<Vec<_>>().join("|"))
}

/// A claim that has run out counts as no claim.
pub fn live_claim(case: &case::Model, now: DateTime<Utc>) -> Option<Uuid> {
    case.assignee_id.filter(|_| case.claimed_until.is_some_and(|until| until > now))
}

/// The status as of `now`: a review whose claim lapsed is open again.
pub fn status(case: &case::Model, now: DateTime<Utc>) -> CaseStatus {
    match case.status {
        CaseStatus::InReview if live_claim(case, now).is_none() => CaseStatus::Open,
        other => other,
    }
}

async fn record(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    actor: Option<Uuid>,
    kind: &str,
    action: Option<ModerationAction>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    event::ActiveModel {
        // Time-ordered ids keep the steps of one transaction in order.
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        actor_id: Set(actor),
        kind: Set(kind.to_owned()),
        action: Set(action),
        note: Set(note),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An admin's age-check decision, in the audit log of the case that asked for it.
pub(crate) async fn record_age_check(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    admin: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(db, case_id, Some(admin), "AGE_CHECK", None, Some(note.to_owned()), now).await
}

async fn set_content_status(db: &impl ConnectionTrait, id: Uuid, status: ContentStatus) -> AppResult<()> {
    content::Entity::update_many()
        .col_expr(content::Column::Status, Expr::value(status))
        .filter(content::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A case, for moderators and admins.
pub async fn get_case(db: &impl ConnectionTrait, access: &Access, id: Uuid) -> AppResult<case::Model> {
    access.staff(MODERATORS)?;
    find_case(db, id).await
}

/// A case for moderators and admins, if `id` names one (a malformed id
/// names none); anyone else is refused either way.
pub async fn find_case_for_staff(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Option<Uuid>,
) -> AppResult<Option<case::Model>> {
    access.staff(MODERATORS)?;
    let Some(id) = id else { return Ok(None) };
    Ok(case::Entity::find_by_id(id).one(db).await?)
}

async fn find_case(db: &impl ConnectionTrait, id: Uuid) -> AppResult<case::Model> {
    case::Entity::find_by_id(id).one(db).await?.ok_or_else(|| AppError::NotFound("No such case".into()))
}

/// Applies `change` to the case if its version is still `version`, bumping
/// it; `false` when someone else changed it first. Always the first write of
/// its transaction.
async fn update_if_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    change: impl FnOnce(sea_orm::UpdateMany<case::Entity>) -> sea_orm::UpdateMany<case::Entity>,
) -> AppResult<bool> {
    let update = case::Entity::update_many()
        .col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1))
        .filter(case::Column::Id.eq(id))
        .filter(case::Column::Version.eq(version));
    Ok(change(update).exec(db).await?.rows_affected == 1)
}

fn stale() -> AppError {
    AppError::Conflict("Someone else changed this case first; reload it and try again".into())
}

/// The size of the moderation backlog, for operators' metrics: cases not
/// yet resolved, and when the oldest of them was opened.
pub async fn backlog(db: &impl ConnectionTrait) -> AppResult<(i64, Option<DateTime<Utc>>)> {
    let row: Option<(i64, Option<DateTime<Utc>>)> = case::Entity::find()
        .select_only()
        .column_as(Expr::col(case::Column::Id).count(), "open")
        .column_as(Expr::col(case::Column::OpenedAt).min(), "oldest")
        .filter(case::Column::Status.ne(CaseStatus::Resolved))
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_report_limit_says_its_number() {
        assert!(REPORTS.message.contains(&REPORTS_PER_HOUR.to_string()));
    }

    #[test]
    fn priority_grows_with_severity_reporters_and_age() {
        assert!(priority_base(&[ReportReason::MinorSafety], 1) > priority_base(&[ReportReason::HateSpeech], 1));
        assert!(priority_base(&[ReportReason::Spam], 3) > priority_base(&[ReportReason::Spam], 1));
        let opened = Utc::now();
        let older = queue_rank(3, 50, opened - Duration::hours(5));
        assert!(older > queue_rank(3, 50, opened), "older cases of equal weight rank higher");
        assert!(queue_rank(3, 54, opened) > queue_rank(3, 50, opened - Duration::hours(3)));
    }

    /// The finding: a fresh MINOR_SAFETY case sat below a month-old
    /// bullying case with two reporters and a misinformation case.
    #[test]
    fn a_higher_tier_comes_first_whatever_the_age_and_reporters() {
        use ReportReason::*;
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        let month_ago = now - Duration::days(30);
        let rank = |reasons: &[ReportReason], reporters, opened| {
            queue_rank(tier(reasons), priority_base(reasons, reporters), opened)
        };
        let child = rank(&[MinorSafety], 1, now);
        let bullying = rank(&[BullyingHarassment], 2, month_ago);
        let rumour = rank(&[Misinformation], 1, month_ago);
        let spam = rank(&[Spam], 40, month_ago - Duration::days(300));
        assert!(child > bullying && bullying > rumour, "tiers first");
        assert!(bullying > spam, "forty reporters and a year do not lift spam out of its tier");
        assert_eq!(tier(&[Spam, SelfHarm]), 1, "the most severe reason decides");
        assert_eq!(tier(&[UnderageUser]), 2);
        assert_eq!(tier(&[Impersonation]), 3);
        assert_eq!(tier(&[]), LOWEST_TIER);
    }
}
