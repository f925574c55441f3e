//! Filing reports: what may be reported, and gathering reports into one case
//! per target, counted one after another.
use super::*;

pub struct NewReport {
    pub target_type: ReportTargetType,
    pub target_id: Uuid,
    pub reason: ReportReason,
    pub details: Option<String>,
    /// A teen asks for their guardians to be told that they reported.
    pub notify_guardian: bool,
}

pub(super) struct Target {
    user_id: Uuid,
    snapshot: Snapshot,
    content: Option<content::Model>,
}

pub(super) fn not_found() -> AppError {
    AppError::NotFound("There is nothing like that to report".into())
}

pub(super) fn snapshot_of(author: &user::Model) -> Snapshot {
    Snapshot {
        author_handle: Some(author.handle.clone()),
        author_display_name: Some(author.display_name.clone()),
        ..Snapshot::default()
    }
}

/// What is being reported, if the reporter can see it, and who answers for it.
pub(super) async fn resolve_target(
    db: &impl ConnectionTrait,
    checks: &TargetChecks,
    report: &NewReport,
) -> AppResult<Target> {
    let (now, viewer) = (checks.scope().now(), checks.scope().viewer());
    let (user_id, snapshot, content) = match report.target_type {
        ReportTargetType::Content => {
            let content = contents::get_target(db, checks, report.target_id).await.map_err(|_| not_found())?;
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
            let item = contents::get_target(db, checks, comment.content_id).await.map_err(|_| not_found())?;
            // A held or hidden comment is there only for its writer and the item's author.
            let sees_it = crate::comments::seen_by_all(&comment)
                || viewer.is_some_and(|viewer| viewer == comment.author_id || viewer == item.author_id);
            if !sees_it {
                return Err(not_found());
            }
            let author = social::find_active_user(db, comment.author_id, now).await.map_err(|_| not_found())?;
            (author.id, Snapshot { body: Some(comment.body.clone()), ..snapshot_of(&author) }, None)
        }
    };
    if Some(user_id) == viewer {
        return Err(AppError::field("targetId", "cannot be yourself or your own content"));
    }
    Ok(Target { user_id, snapshot, content })
}

/// Files a report; a repeat by the same reporter while the case is
/// undecided returns the first report.
pub async fn file_report(db: &DatabaseConnection, access: &Access, new: NewReport) -> AppResult<(report::Model, Uuid)> {
    let reporter = access.member()?;
    let checks = &access.target_checks()?;
    if new.details.as_ref().is_some_and(|d| d.chars().count() > 1000) {
        return Err(AppError::field("details", "must be at most 1000 characters long"));
    }
    let details = new.details.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
    if new.reason == ReportReason::Other && details.is_none() {
        return Err(AppError::field("details", "are required when the reason is OTHER"));
    }
    if new.reason == ReportReason::UnderageUser && new.target_type != ReportTargetType::User {
        return Err(AppError::field("reason", "UNDERAGE_USER is for reporting a user"));
    }
    // The same report again, even once its content is hidden by the reports
    // (and so no longer visible to the reporter), gives the first one back.
    if let Some(mine) = open_report(db, reporter.user.id, &new).await? {
        let case_id = mine.case_id;
        return Ok((mine, case_id));
    }
    let target = resolve_target(db, checks, &new).await?;
    let now = access.now();
    // A concurrent first report on the same target may create the case
    // first; the unique key on undecided targets sends us round once more.
    let mut attempts = 0;
    let filed = loop {
        attempts += 1;
        match file_in_transaction(db, reporter.user.id, &new, details.clone(), &target, now).await {
            Err(AppError::Duplicate) if attempts < 3 => continue,
            result => break result?,
        }
    };
    if new.notify_guardian {
        alert_guardians(db, &reporter.user, new.reason, now).await?;
    }
    Ok(filed)
}

/// Tells a teen's guardians that the teen reported something, and why; the
/// item itself stays between the teen and the moderators.
async fn alert_guardians(
    db: &impl ConnectionTrait,
    teen: &user::Model,
    reason: ReportReason,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for guardian in family::active_guardians(db, teen, now).await? {
        notifications::notify_id(db, guardian, Notice::TeenReported { teen, reason }, now).await?;
    }
    Ok(())
}

pub(super) async fn file_in_transaction(
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
    // Then the undecided case's row, read and locked in one statement
    // (`FOR UPDATE` on PostgreSQL; SQLite's write lock is already held), so
    // reports on one target from different reporters count one after
    // another. A case created meanwhile is seen once it commits; one not yet
    // committed makes our insert below fail, and the caller tries again.
    let existing_case = case::Entity::find()
        .filter(case::Column::TargetType.eq(new.target_type))
        .filter(case::Column::ActiveTargetId.eq(new.target_id))
        .lock_exclusive()
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
        &REPORTS,
        report::Entity::find().filter(report::Column::ReporterId.eq(reporter)),
        report::Column::CreatedAt,
        now,
    )
    .await?;

    let case = match existing_case {
        Some(case) => case,
        None => {
            new_case(new.target_type, new.target_id, target.user_id, target.snapshot.clone(), now).insert(&txn).await?
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
    let tier = if impersonates_verified(&txn, new, &all_reasons, target.user_id).await? {
        std::cmp::min(tier(&all_reasons), VERIFIED_LOOK_ALIKE_TIER)
    } else {
        tier(&all_reasons)
    };
    let serious = matches!(new.reason, ReportReason::MinorSafety | ReportReason::SelfHarm);
    // Hidden by whichever report gets there first: the update only changes
    // published content, so racing reports record one AUTO_HIDE.
    let hide = target.content.is_some()
        && (serious || reporters >= AUTO_HIDE_REPORTERS)
        && hide_if_published(&txn, new.target_id).await?;
    let mut active: case::ActiveModel = case.clone().into();
    active.report_count = Set(reporters);
    active.reasons = Set(reasons_text(&all_reasons));
    active.priority_base = Set(base);
    active.tier = Set(tier);
    active.queue_rank = Set(queue_rank(tier, base, case.opened_at));
    active.last_reported_at = Set(now);
    active.version = Set(case.version + 1);
    if hide {
        active.auto_hidden = Set(true);
    }
    active.update(&txn).await?;
    record(&txn, case.id, Some(reporter), "REPORT", None, None, now).await?;
    if hide {
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

/// A case with no report yet on a target of `target_user`'s: open, at the
/// bottom of the lowest tier until its reasons are counted.
fn new_case(
    target_type: ReportTargetType,
    target_id: Uuid,
    target_user: Uuid,
    snapshot: Snapshot,
    now: DateTime<Utc>,
) -> case::ActiveModel {
    case::ActiveModel {
        id: Set(Uuid::new_v4()),
        target_type: Set(target_type),
        target_id: Set(target_id),
        active_target_id: Set(Some(target_id)),
        target_user_id: Set(Some(target_user)),
        snapshot: Set(snapshot),
        status: Set(CaseStatus::Open),
        priority_base: Set(0),
        tier: Set(LOWEST_TIER),
        queue_rank: Set(queue_rank(LOWEST_TIER, 0, now)),
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
}

/// An `IMPERSONATION` report on an account that resembles a verified one.
async fn impersonates_verified(
    db: &impl ConnectionTrait,
    new: &NewReport,
    reasons: &[ReportReason],
    target_user: Uuid,
) -> AppResult<bool> {
    if new.target_type != ReportTargetType::User || !reasons.contains(&ReportReason::Impersonation) {
        return Ok(false);
    }
    let Some(account) = user::Entity::find_by_id(target_user).one(db).await? else { return Ok(false) };
    Ok(crate::identity::resembles(db, &account).await?.is_some())
}

/// The reporter's report on the target's undecided case, if any.
async fn open_report(db: &impl ConnectionTrait, reporter: Uuid, new: &NewReport) -> AppResult<Option<report::Model>> {
    let undecided = Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .and_where(Expr::col(case::Column::TargetType).eq(new.target_type))
        .and_where(Expr::col(case::Column::ActiveTargetId).eq(new.target_id))
        .to_owned();
    Ok(report::Entity::find()
        .filter(report::Column::ReporterId.eq(reporter))
        .filter(report::Column::CaseId.in_subquery(undecided))
        .one(db)
        .await?)
}

/// Hides the content pending review if it is published; whether it did.
pub(super) async fn hide_if_published(db: &impl ConnectionTrait, content_id: Uuid) -> AppResult<bool> {
    let hidden = content::Entity::update_many()
        .col_expr(content::Column::Status, Expr::value(ContentStatus::HiddenPendingReview))
        .filter(content::Column::Id.eq(content_id))
        .filter(content::Column::Status.eq(ContentStatus::Published))
        .exec(db)
        .await?;
    Ok(hidden.rows_affected == 1)
}

/// A case the system opens with no reporter: an account that wears the
/// name of a verified one. It sits in tier 2 (impersonation of a verified
/// account); an undecided case on the account gains the reason instead.
pub async fn open_system_case(
    db: &impl ConnectionTrait,
    account: &user::Model,
    reason: ReportReason,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing = case::Entity::find()
        .filter(case::Column::TargetType.eq(ReportTargetType::User))
        .filter(case::Column::ActiveTargetId.eq(account.id))
        .one(db)
        .await?;
    let case = match existing {
        Some(case) => case,
        None => new_case(ReportTargetType::User, account.id, account.id, snapshot_of(account), now).insert(db).await?,
    };
    let mut all_reasons = reasons(&case);
    if !all_reasons.contains(&reason) {
        all_reasons.push(reason);
    }
    let tier = std::cmp::min(tier(&all_reasons), VERIFIED_LOOK_ALIKE_TIER);
    let base = priority_base(&all_reasons, case.report_count);
    let mut active: case::ActiveModel = case.clone().into();
    active.reasons = Set(reasons_text(&all_reasons));
    active.priority_base = Set(base);
    active.tier = Set(tier);
    active.queue_rank = Set(queue_rank(tier, base, case.opened_at));
    active.last_reported_at = Set(now);
    active.version = Set(case.version + 1);
    active.update(db).await?;
    let note = "Opened by the system: this account wears the name of a verified account";
    record(db, case.id, None, "REPORT", None, Some(note.into()), now).await
}
