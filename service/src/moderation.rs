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
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Notice};
use crate::pagination::{Direction, KeysetCursor, Page, PageRequest, keyset_page, ranked_page};
use crate::policy::{CaseView, Policy};
use crate::visibility::Scope;
use crate::{accounts, content as contents, rate_limit, social};

pub const MODERATORS: &[Role] = &[Role::Moderator, Role::Admin];
pub const CLAIM_TTL: Duration = Duration::minutes(10);
pub const REPORTS_PER_HOUR: u64 = 20;
pub const APPEAL_WINDOW: Duration = Duration::days(30);
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
    }
}

/// Priority without age: the worst reason, 5 per further reason, 10 per reporter.
pub fn priority_base(reasons: &[ReportReason], reporters: i32) -> i32 {
    let worst = reasons.iter().map(|r| severity(*r)).max().unwrap_or(0);
    let extra = i32::try_from(reasons.len().saturating_sub(1)).unwrap_or(0) * 5;
    worst + extra + 10 * reporters
}

/// Priority now: the base plus one point per hour the case has been open;
/// 0 in the redacted view.
pub fn priority(case: &case::Model, policy: &Policy) -> i32 {
    if policy.case_view() == CaseView::Redacted {
        return 0;
    }
    let hours = std::cmp::max((policy.now() - case.opened_at).num_hours(), 0);
    case.priority_base + i32::try_from(hours).unwrap_or(i32::MAX - case.priority_base)
}

fn queue_rank(base: i32, opened_at: DateTime<Utc>) -> i64 {
    i64::from(base) * SECONDS_PER_PRIORITY_POINT - opened_at.timestamp()
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

pub struct NewReport {
    pub target_type: ReportTargetType,
    pub target_id: Uuid,
    pub reason: ReportReason,
    pub details: Option<String>,
}

struct Target {
    user_id: Uuid,
    snapshot: Snapshot,
    content: Option<content::Model>,
}

fn not_found() -> AppError {
    AppError::NotFound("There is nothing like that to report".into())
}

fn snapshot_of(author: &user::Model) -> Snapshot {
    Snapshot {
        author_handle: Some(author.handle.clone()),
        author_display_name: Some(author.display_name.clone()),
        ..Snapshot::default()
    }
}

/// What is being reported, if the reporter can see it, and who answers for it.
async fn resolve_target(db: &impl ConnectionTrait, scope: &Scope, report: &NewReport) -> AppResult<Target> {
    let now = scope.now;
    let (user_id, snapshot, content) = match report.target_type {
        ReportTargetType::Content => {
            let content = contents::find_visible(db, scope, report.target_id).await?.ok_or_else(not_found)?;
            let author = social::find_active_user(db, content.author_id, now).await?;
            let snapshot = Snapshot {
                title: Some(content.title.clone()),
                caption: Some(content.caption.clone()),
                ..snapshot_of(&author)
            };
            (author.id, snapshot, Some(content))
        }
        ReportTargetType::User => {
            let user = social::find_active_user(db, report.target_id, now).await.map_err(|_| not_found())?;
            (user.id, snapshot_of(&user), None)
        }
        ReportTargetType::Comment => {
            let comment = comment::Entity::find_by_id(report.target_id)
                .filter(comment::Column::RemovedAt.is_null())
                .one(db)
                .await?
                .ok_or_else(not_found)?;
            contents::find_visible(db, scope, comment.content_id).await?.ok_or_else(not_found)?;
            let author = social::find_active_user(db, comment.author_id, now).await.map_err(|_| not_found())?;
            (author.id, Snapshot { body: Some(comment.body.clone()), ..snapshot_of(&author) }, None)
        }
    };
    if Some(user_id) == scope.viewer {
        return Err(AppError::field("targetId", "cannot be yourself or your own content"));
    }
    Ok(Target { user_id, snapshot, content })
}

/// Files a report; a repeat by the same reporter while the case is
/// undecided returns the first report.
pub async fn file_report(db: &DatabaseConnection, policy: &Policy, new: NewReport) -> AppResult<(report::Model, Uuid)> {
    let reporter = policy.member()?;
    let scope = &policy.visibility()?;
    if new.details.as_ref().is_some_and(|d| d.chars().count() > 1000) {
        return Err(AppError::field("details", "must be at most 1000 characters long"));
    }
    let details = new.details.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
    if new.reason == ReportReason::Other && details.is_none() {
        return Err(AppError::field("details", "are required when the reason is OTHER"));
    }
    let target = resolve_target(db, scope, &new).await?;
    let now = scope.now;
    // A concurrent first report on the same target may create the case
    // first; the unique key on undecided targets sends us round once more.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match file_in_transaction(db, reporter.user.id, &new, details.clone(), &target, now).await {
            Err(AppError::Duplicate) if attempts < 3 => continue,
            result => return result,
        }
    }
}

async fn file_in_transaction(
    db: &DatabaseConnection,
    reporter: Uuid,
    new: &NewReport,
    details: Option<String>,
    target: &Target,
    now: DateTime<Utc>,
) -> AppResult<(report::Model, Uuid)> {
    let txn = crate::begin_write(db).await?;
    // Writing first serialises this reporter's reports: the duplicate check
    // and the hourly count below cannot race.
    accounts::lock_user(&txn, reporter).await?;
    // Then the undecided case's row, so that reports on one target from
    // different reporters count one after another, never from a stale read.
    case::Entity::update_many()
        .col_expr(case::Column::Version, Expr::col(case::Column::Version))
        .filter(case::Column::TargetType.eq(new.target_type))
        .filter(case::Column::ActiveTargetId.eq(new.target_id))
        .exec(&txn)
        .await?;
    let existing_case = case::Entity::find()
        .filter(case::Column::TargetType.eq(new.target_type))
        .filter(case::Column::ActiveTargetId.eq(new.target_id))
        .one(&txn)
        .await?;
    if let Some(existing) = &existing_case {
        let mine = report::Entity::find()
            .filter(report::Column::CaseId.eq(existing.id))
            .filter(report::Column::ReporterId.eq(reporter))
            .one(&txn)
            .await?;
        if let Some(mine) = mine {
            txn.commit().await?;
            return Ok((mine, existing.id));
        }
    }
    rate_limit::enforce(
        &txn,
        report::Entity::find().filter(report::Column::ReporterId.eq(reporter)),
        report::Column::CreatedAt,
        REPORTS_PER_HOUR,
        Duration::hours(1),
        now,
        &format!("You can file at most {REPORTS_PER_HOUR} reports an hour"),
    )
    .await?;

    let case = match existing_case {
        Some(case) => case,
        None => {
            case::ActiveModel {
                id: Set(Uuid::new_v4()),
                target_type: Set(new.target_type),
                target_id: Set(new.target_id),
                active_target_id: Set(Some(new.target_id)),
                target_user_id: Set(Some(target.user_id)),
                snapshot: Set(target.snapshot.clone()),
                status: Set(CaseStatus::Open),
                priority_base: Set(0),
                queue_rank: Set(queue_rank(0, now)),
                report_count: Set(0),
                reasons: Set("|".into()),
                assignee_id: Set(None),
                claimed_until: Set(None),
                version: Set(0),
                resolution: Set(None),
                resolved_by: Set(None),
                auto_hidden: Set(false),
                appealed_at: Set(None),
                suspended_until: Set(None),
                appeal_message: Set(None),
                opened_at: Set(now),
                last_reported_at: Set(now),
                resolved_at: Set(None),
            }
            .insert(&txn)
            .await?
        }
    };
    let filed = report::ActiveModel {
        id: Set(Uuid::new_v4()),
        case_id: Set(case.id),
        reporter_id: Set(Some(reporter)),
        target_type: Set(new.target_type),
        target_id: Set(new.target_id),
        reason: Set(new.reason),
        details: Set(details),
        status: Set(ReportStatus::Open),
        outcome_action: Set(None),
        created_at: Set(now),
        resolved_at: Set(None),
    }
    .insert(&txn)
    .await?;

    let mut all_reasons = reasons(&case);
    if !all_reasons.contains(&new.reason) {
        all_reasons.push(new.reason);
    }
    let reporters = case.report_count + 1;
    let base = priority_base(&all_reasons, reporters);
    let hide = target.content.as_ref().is_some_and(|c| c.status == ContentStatus::Published)
        && (matches!(new.reason, ReportReason::MinorSafety | ReportReason::SelfHarm)
            || reporters >= AUTO_HIDE_REPORTERS);
    let mut active: case::ActiveModel = case.clone().into();
    active.report_count = Set(reporters);
    active.reasons = Set(reasons_text(&all_reasons));
    active.priority_base = Set(base);
    active.queue_rank = Set(queue_rank(base, case.opened_at));
    active.last_reported_at = Set(now);
    active.version = Set(case.version + 1);
    if hide {
        active.auto_hidden = Set(true);
    }
    active.update(&txn).await?;
    record(&txn, case.id, Some(reporter), "REPORT", None, None, now).await?;
    if hide {
        set_content_status(&txn, new.target_id, ContentStatus::HiddenPendingReview).await?;
        record(
            &txn,
            case.id,
            None,
            "AUTO_HIDE",
            None,
            Some(format!("Hidden pending review after a {} report", new.reason.to_value())),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok((filed, case.id))
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
pub async fn get_case(db: &impl ConnectionTrait, policy: &Policy, id: Uuid) -> AppResult<case::Model> {
    policy.staff(MODERATORS)?;
    find_case(db, id).await
}

/// A case for moderators and admins, if `id` names one (a malformed id
/// names none); anyone else is refused either way.
pub async fn find_case_for_staff(
    db: &impl ConnectionTrait,
    policy: &Policy,
    id: Option<Uuid>,
) -> AppResult<Option<case::Model>> {
    policy.staff(MODERATORS)?;
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

/// The moderator who may act on the case now, before anything is written:
/// the policy's conflict-of-interest rules, then the workflow's.
async fn case_actor<'p>(db: &impl ConnectionTrait, policy: &'p Policy, case: &case::Model) -> AppResult<&'p Viewer> {
    let target_role = match case.target_user_id {
        Some(id) => user::Entity::find_by_id(id).one(db).await?.map(|u| u.role),
        None => None,
    };
    let moderator = policy.case_actor(case, target_role)?;
    let now = policy.now();
    if case.status == CaseStatus::Resolved {
        return Err(AppError::Conflict("This case is already resolved".into()));
    }
    if case.status == CaseStatus::Escalated && moderator.user.role != Role::Admin {
        return Err(AppError::Forbidden("Only an admin can decide an escalated case".into()));
    }
    if case.appealed_at.is_some() && case.resolved_by == Some(moderator.user.id) {
        return Err(AppError::Forbidden("An appeal must be decided by a different moderator".into()));
    }
    if live_claim(case, now).is_some_and(|holder| holder != moderator.user.id) {
        return Err(AppError::Conflict("Another moderator is reviewing this case".into()));
    }
    Ok(moderator)
}

pub async fn claim(db: &DatabaseConnection, policy: &Policy, id: Uuid) -> AppResult<case::Model> {
    let now = policy.now();
    let case = get_case(db, policy, id).await?;
    let moderator = case_actor(db, policy, &case).await?;
    let status = if case.status == CaseStatus::Open || case.status == CaseStatus::InReview {
        CaseStatus::InReview
    } else {
        case.status
    };
    let txn = crate::begin_write(db).await?;
    let claimed = update_if_version(&txn, id, case.version, |u| {
        u.col_expr(case::Column::AssigneeId, Expr::value(moderator.user.id))
            .col_expr(case::Column::ClaimedUntil, Expr::value(now + CLAIM_TTL))
            .col_expr(case::Column::Status, Expr::value(status))
    })
    .await?;
    if !claimed {
        return Err(AppError::Conflict("Another moderator claimed or changed this case first".into()));
    }
    record(&txn, id, Some(moderator.user.id), "CLAIM", None, None, now).await?;
    txn.commit().await?;
    find_case(db, id).await
}

pub async fn release(db: &DatabaseConnection, policy: &Policy, id: Uuid) -> AppResult<case::Model> {
    let now = policy.now();
    let moderator = policy.staff(MODERATORS)?;
    let case = get_case(db, policy, id).await?;
    if live_claim(&case, now) != Some(moderator.user.id) {
        return Err(AppError::Conflict("You do not hold a claim on this case".into()));
    }
    let status = if case.status == CaseStatus::InReview { CaseStatus::Open } else { case.status };
    let txn = crate::begin_write(db).await?;
    let released = update_if_version(&txn, id, case.version, |u| {
        u.col_expr(case::Column::AssigneeId, Expr::value(Option::<Uuid>::None))
            .col_expr(case::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(case::Column::Status, Expr::value(status))
    })
    .await?;
    if !released {
        return Err(stale());
    }
    record(&txn, id, Some(moderator.user.id), "RELEASE", None, None, now).await?;
    txn.commit().await?;
    find_case(db, id).await
}

pub struct Decision {
    pub case_id: Uuid,
    pub action: ModerationAction,
    pub note: String,
    pub expected_version: i32,
    pub suspend_days: Option<i32>,
}

pub async fn resolve(db: &DatabaseConnection, policy: &Policy, decision: Decision) -> AppResult<case::Model> {
    let now = policy.now();
    policy.staff(MODERATORS)?;
    let note = decision.note.trim().to_owned();
    if !(1..=2000).contains(&note.chars().count()) {
        return Err(AppError::field("note", "must be 1 to 2000 characters long"));
    }
    let case = get_case(db, policy, decision.case_id).await?;
    let moderator = case_actor(db, policy, &case).await?;
    if case.version != decision.expected_version {
        return Err(stale());
    }
    let action = decision.action;
    let suspend_until = match (action, decision.suspend_days) {
        (ModerationAction::SuspendUser, Some(days)) if (1..=365).contains(&days) => {
            Some(now + Duration::days(i64::from(days)))
        }
        (ModerationAction::SuspendUser, _) => {
            return Err(AppError::field("suspendDays", "must be 1 to 365 for SUSPEND_USER"));
        }
        _ => None,
    };
    match (action, case.target_type) {
        (ModerationAction::RemoveContent, ReportTargetType::User)
        | (ModerationAction::RestrictToAdults, ReportTargetType::User | ReportTargetType::Comment) => {
            return Err(AppError::field("action", "does not apply to this kind of target"));
        }
        _ => {}
    }
    // An appeal stays an appeal when it was escalated to an admin.
    let appeal = case.appealed_at.is_some();

    let txn = crate::begin_write(db).await?;
    let won = update_if_version(&txn, case.id, decision.expected_version, |u| {
        let u = u
            .col_expr(case::Column::AssigneeId, Expr::value(Option::<Uuid>::None))
            .col_expr(case::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None));
        if action == ModerationAction::Escalate {
            u.col_expr(case::Column::Status, Expr::value(CaseStatus::Escalated))
        } else {
            u.col_expr(case::Column::Status, Expr::value(CaseStatus::Resolved))
                .col_expr(case::Column::ActiveTargetId, Expr::value(Option::<Uuid>::None))
                .col_expr(case::Column::Resolution, Expr::value(action))
                .col_expr(case::Column::ResolvedBy, Expr::value(moderator.user.id))
                .col_expr(case::Column::ResolvedAt, Expr::value(now))
                .col_expr(case::Column::SuspendedUntil, Expr::value(suspend_until))
        }
    })
    .await?;
    if !won {
        return Err(stale());
    }
    if action == ModerationAction::Escalate {
        record(&txn, case.id, Some(moderator.user.id), "ESCALATION", Some(action), Some(note), now).await?;
        txn.commit().await?;
        return find_case(db, case.id).await;
    }
    if appeal {
        decide_appeal(&txn, &case, action, now).await?;
        record(&txn, case.id, Some(moderator.user.id), "APPEAL_DECISION", Some(action), Some(note), now).await?;
    } else {
        apply(&txn, &case, action, suspend_until, now).await?;
        record(&txn, case.id, Some(moderator.user.id), "ACTION", Some(action), Some(note), now).await?;
        close_reports(&txn, &case, action, now).await?;
    }
    txn.commit().await?;
    find_case(db, case.id).await
}

/// The decision's effects on the target and the responsible account.
async fn apply(
    db: &impl ConnectionTrait,
    case: &case::Model,
    action: ModerationAction,
    suspend_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let is_content = case.target_type == ReportTargetType::Content;
    let title = case.snapshot.title.clone().or_else(|| case.snapshot.body.clone()).unwrap_or_default();
    match action {
        ModerationAction::Dismiss | ModerationAction::WarnUser if is_content && case.auto_hidden => {
            restore_if_hidden(db, case.target_id).await?;
        }
        ModerationAction::RemoveContent | ModerationAction::SuspendUser | ModerationAction::BanUser => {
            match case.target_type {
                ReportTargetType::Content => set_content_status(db, case.target_id, ContentStatus::Removed).await?,
                ReportTargetType::Comment => {
                    comment::Entity::update_many()
                        .col_expr(comment::Column::RemovedAt, Expr::value(now))
                        .filter(comment::Column::Id.eq(case.target_id))
                        .exec(db)
                        .await?;
                }
                ReportTargetType::User => {}
            }
        }
        ModerationAction::RestrictToAdults => {
            content::Entity::update_many()
                .col_expr(content::Column::Audience, Expr::value(Audience::Mature))
                .col_expr(content::Column::Status, Expr::value(ContentStatus::Published))
                .filter(content::Column::Id.eq(case.target_id))
                .filter(content::Column::Status.ne(ContentStatus::Removed))
                .exec(db)
                .await?;
        }
        _ => {}
    }
    let Some(responsible) = case.target_user_id else { return Ok(()) };
    let content_id = is_content.then_some(case.target_id);
    match action {
        ModerationAction::RemoveContent if case.target_type != ReportTargetType::User => {
            notifications::notify_id(
                db,
                responsible,
                Notice::ContentRemoved { title: &title, case_id: case.id, content_id },
                now,
            )
            .await?;
        }
        ModerationAction::WarnUser => {
            notifications::notify_id(db, responsible, Notice::AccountWarned { case_id: case.id }, now).await?
        }
        ModerationAction::SuspendUser | ModerationAction::BanUser => {
            let mut lock = user::Entity::update_many().filter(user::Column::Id.eq(responsible));
            lock = match suspend_until {
                Some(until) => lock.col_expr(user::Column::SuspendedUntil, Expr::value(until)),
                None => lock.col_expr(user::Column::BannedAt, Expr::value(now)),
            };
            lock.exec(db).await?;
            notifications::notify_id(
                db,
                responsible,
                Notice::AccountSuspended { until: suspend_until, case_id: case.id },
                now,
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

async fn restore_if_hidden(db: &impl ConnectionTrait, content_id: Uuid) -> AppResult<()> {
    content::Entity::update_many()
        .col_expr(content::Column::Status, Expr::value(ContentStatus::Published))
        .filter(content::Column::Id.eq(content_id))
        .filter(content::Column::Status.eq(ContentStatus::HiddenPendingReview))
        .exec(db)
        .await?;
    Ok(())
}

/// Every open report on the case gets its outcome, and its reporter a notice.
async fn close_reports(
    db: &impl ConnectionTrait,
    case: &case::Model,
    action: ModerationAction,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let open = report::Entity::find()
        .filter(report::Column::CaseId.eq(case.id))
        .filter(report::Column::Status.eq(ReportStatus::Open))
        .all(db)
        .await?;
    let status = if action == ModerationAction::Dismiss { ReportStatus::Dismissed } else { ReportStatus::Actioned };
    report::Entity::update_many()
        .col_expr(report::Column::Status, Expr::value(status))
        .col_expr(report::Column::OutcomeAction, Expr::value(action))
        .col_expr(report::Column::ResolvedAt, Expr::value(now))
        .filter(report::Column::CaseId.eq(case.id))
        .filter(report::Column::Status.eq(ReportStatus::Open))
        .exec(db)
        .await?;
    for reporter in open.into_iter().filter_map(|r| r.reporter_id) {
        notifications::notify_id(db, reporter, Notice::ReportResolved { action, case_id: case.id }, now).await?;
    }
    Ok(())
}

/// DISMISS on an appeal reverses the decision; any other action upholds it.
async fn decide_appeal(
    db: &impl ConnectionTrait,
    case: &case::Model,
    action: ModerationAction,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let upheld = action != ModerationAction::Dismiss;
    if !upheld {
        match (case.resolution, case.target_type) {
            (
                Some(ModerationAction::RemoveContent | ModerationAction::SuspendUser | ModerationAction::BanUser),
                ReportTargetType::Content,
            ) => {
                set_content_status(db, case.target_id, ContentStatus::Published).await?;
            }
            (
                Some(ModerationAction::RemoveContent | ModerationAction::SuspendUser | ModerationAction::BanUser),
                ReportTargetType::Comment,
            ) => {
                comment::Entity::update_many()
                    .col_expr(comment::Column::RemovedAt, Expr::value(Option::<DateTime<Utc>>::None))
                    .filter(comment::Column::Id.eq(case.target_id))
                    .exec(db)
                    .await?;
            }
            (Some(ModerationAction::RestrictToAdults), _) => {
                content::Entity::update_many()
                    .col_expr(content::Column::Audience, Expr::value(Audience::General))
                    .filter(content::Column::Id.eq(case.target_id))
                    .exec(db)
                    .await?;
            }
            _ => {}
        }
        if matches!(case.resolution, Some(ModerationAction::SuspendUser | ModerationAction::BanUser))
            && let Some(responsible) = case.target_user_id
        {
            user::Entity::update_many()
                .col_expr(user::Column::SuspendedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(user::Column::BannedAt, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(user::Column::Id.eq(responsible))
                .exec(db)
                .await?;
        }
    }
    if let Some(appellant) = case.target_user_id {
        notifications::notify_id(db, appellant, Notice::AppealDecided { upheld, case_id: case.id }, now).await?;
    }
    Ok(())
}

/// Until when the affected user may appeal: 30 days after a decision that
/// acted on them, once; `None` for dismissals and appealed cases.
pub fn appealable_until(case: &case::Model) -> Option<DateTime<Utc>> {
    let acted =
        case.status == CaseStatus::Resolved && !matches!(case.resolution, Some(ModerationAction::Dismiss) | None);
    if !acted || case.appealed_at.is_some() {
        return None;
    }
    case.resolved_at.map(|at| at + APPEAL_WINDOW)
}

/// The affected author (or user) appeals a decision once, within 30 days.
pub async fn appeal(db: &DatabaseConnection, policy: &Policy, case_id: Uuid, message: &str) -> AppResult<case::Model> {
    let now = policy.now();
    let appellant = policy.appellant()?.id;
    let message = message.trim();
    if !(1..=1000).contains(&message.chars().count()) {
        return Err(AppError::field("message", "must be 1 to 1000 characters long"));
    }
    let case = find_case(db, case_id).await?;
    if case.target_user_id != Some(appellant) {
        return Err(AppError::NotFound("No such case".into()));
    }
    match appealable_until(&case) {
        None => return Err(AppError::Conflict("This decision cannot be appealed (again)".into())),
        Some(until) if now > until => {
            return Err(AppError::Forbidden("Decisions can be appealed within 30 days".into()));
        }
        Some(_) => {}
    }
    let txn = crate::begin_write(db).await?;
    let appealed = update_if_version(&txn, case.id, case.version, |u| {
        u.col_expr(case::Column::Status, Expr::value(CaseStatus::Appealed))
            .col_expr(case::Column::AppealedAt, Expr::value(now))
            .col_expr(case::Column::AppealMessage, Expr::value(message))
    })
    .await?;
    if !appealed {
        return Err(stale());
    }
    record(&txn, case.id, Some(appellant), "APPEAL", None, Some(message.to_owned()), now).await?;
    txn.commit().await?;
    find_case(db, case.id).await
}

/// The newest suspension or ban decided against the user, if any.
pub async fn latest_decision_against(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<Uuid>> {
    let latest = case::Entity::find()
        .filter(case::Column::TargetUserId.eq(user_id))
        .filter(case::Column::Resolution.is_in([ModerationAction::SuspendUser, ModerationAction::BanUser]))
        .order_by_desc(case::Column::ResolvedAt)
        .one(db)
        .await?;
    Ok(latest.map(|c| c.id))
}

/// Decided cases that acted on the caller (or that they appealed), newest
/// first: what a suspended user reads with an appeal token.
pub async fn my_decisions(
    db: &impl ConnectionTrait,
    policy: &Policy,
    page: &PageRequest,
) -> AppResult<Page<case::Model>> {
    let me = policy.appellant()?.id;
    let select = case::Entity::find().filter(case::Column::TargetUserId.eq(me)).filter(
        Condition::any()
            .add(
                Condition::all()
                    .add(case::Column::Resolution.is_not_null())
                    .add(case::Column::Resolution.ne(ModerationAction::Dismiss)),
            )
            .add(case::Column::AppealedAt.is_not_null()),
    );
    keyset_page(db, select, Direction::NewestFirst, page).await
}

#[derive(Debug, Default, Clone)]
pub struct QueueFilter {
    pub statuses: Option<Vec<CaseStatus>>,
    pub reason: Option<ReportReason>,
    pub target_type: Option<ReportTargetType>,
    pub assigned_to_me: bool,
}

/// Cases by priority, highest first, then oldest first.
pub async fn queue(
    db: &impl ConnectionTrait,
    policy: &Policy,
    filter: &QueueFilter,
    page: &PageRequest,
) -> AppResult<Page<case::Model>> {
    let me = policy.staff(MODERATORS)?.id();
    let now = policy.now();
    let mut select = case::Entity::find();
    let statuses = filter
        .statuses
        .clone()
        .unwrap_or_else(|| vec![CaseStatus::Open, CaseStatus::InReview, CaseStatus::Escalated, CaseStatus::Appealed]);
    // A lapsed review is open: OPEN finds it and IN_REVIEW does not.
    let mut status_rule = Condition::any();
    for status in &statuses {
        status_rule = match status {
            CaseStatus::Open => status_rule.add(case::Column::Status.eq(CaseStatus::Open)).add(
                Condition::all()
                    .add(case::Column::Status.eq(CaseStatus::InReview))
                    .add(case::Column::ClaimedUntil.lte(now)),
            ),
            CaseStatus::InReview => status_rule.add(
                Condition::all()
                    .add(case::Column::Status.eq(CaseStatus::InReview))
                    .add(case::Column::ClaimedUntil.gt(now)),
            ),
            other => status_rule.add(case::Column::Status.eq(*other)),
        };
    }
    select = select.filter(status_rule);
    if let Some(reason) = filter.reason {
        select = select.filter(case::Column::Reasons.like(format!("%|{}|%", reason.to_value())));
    }
    if let Some(target_type) = filter.target_type {
        select = select.filter(case::Column::TargetType.eq(target_type));
    }
    if filter.assigned_to_me {
        select = select.filter(case::Column::AssigneeId.eq(me)).filter(case::Column::ClaimedUntil.gt(now));
    }
    ranked_page(db, select, case::Column::QueueRank, case::Column::OpenedAt, case::Column::Id, page, |c| {
        (c.queue_rank, KeysetCursor { at: c.opened_at, id: c.id })
    })
    .await
}

/// Reports on a case, oldest first; none in the redacted view.
pub async fn case_reports(
    db: &impl ConnectionTrait,
    policy: &Policy,
    case_id: Uuid,
    page: &PageRequest,
) -> AppResult<Page<report::Model>> {
    if policy.case_view() == CaseView::Redacted {
        return Ok(Page { items: Vec::new(), has_next_page: false });
    }
    let select = report::Entity::find().filter(report::Column::CaseId.eq(case_id));
    keyset_page(db, select, Direction::OldestFirst, page).await
}

/// A reporter's own reports, newest first.
pub async fn my_reports(
    db: &impl ConnectionTrait,
    reporter: Uuid,
    page: &PageRequest,
) -> AppResult<Page<report::Model>> {
    let select = report::Entity::find().filter(report::Column::ReporterId.eq(reporter));
    keyset_page(db, select, Direction::NewestFirst, page).await
}

/// Every step of a case, oldest first; none in the redacted view.
pub async fn case_events(db: &impl ConnectionTrait, policy: &Policy, case_id: Uuid) -> AppResult<Vec<event::Model>> {
    if policy.case_view() == CaseView::Redacted {
        return Ok(Vec::new());
    }
    Ok(event::Entity::find()
        .filter(event::Column::CaseId.eq(case_id))
        .order_by_asc(event::Column::CreatedAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?)
}

/// The whole audit log, newest first.
pub async fn log(db: &impl ConnectionTrait, policy: &Policy, page: &PageRequest) -> AppResult<Page<event::Model>> {
    policy.staff(MODERATORS)?;
    keyset_page(db, event::Entity::find(), Direction::NewestFirst, page).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_grows_with_severity_reporters_and_age() {
        assert!(priority_base(&[ReportReason::MinorSafety], 1) > priority_base(&[ReportReason::HateSpeech], 1));
        assert!(priority_base(&[ReportReason::Spam], 3) > priority_base(&[ReportReason::Spam], 1));
        let opened = Utc::now();
        let older = queue_rank(50, opened - Duration::hours(5));
        assert!(older > queue_rank(50, opened), "older cases of equal weight rank higher");
        assert!(queue_rank(54, opened) > queue_rank(50, opened - Duration::hours(3)));
    }
}
