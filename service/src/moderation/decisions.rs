//! Working a case: claims, decisions and their effects, appeals.
use super::*;
use crate::age_checks;

/// The moderator who may act on the case now, before anything is written:
/// the policy's rules, then the claim of whoever is reviewing it.
pub(super) async fn case_actor<'p>(
    db: &impl ConnectionTrait,
    access: &'p Access,
    case: &case::Model,
) -> AppResult<CaseActor<'p>> {
    let target_role = match case.target_user_id {
        Some(id) => user::Entity::find_by_id(id).one(db).await?.map(|u| u.role),
        None => None,
    };
    let moderator = access.case_actor(case, target_role)?;
    if live_claim(case, access.now()).is_some_and(|holder| holder != moderator.id()) {
        return Err(AppError::Conflict("Another moderator is reviewing this case".into()));
    }
    Ok(moderator)
}

pub async fn claim(db: &DatabaseConnection, access: &Access, id: Uuid) -> AppResult<case::Model> {
    let now = access.now();
    let case = get_case(db, access, id).await?;
    let moderator = case_actor(db, access, &case).await?;
    let status = if case.status == CaseStatus::Open || case.status == CaseStatus::InReview {
        CaseStatus::InReview
    } else {
        case.status
    };
    let txn = crate::begin_write(db).await?;
    let claimed = update_if_version(&txn, id, case.version, |u| {
        u.col_expr(case::Column::AssigneeId, Expr::value(moderator.id()))
            .col_expr(case::Column::ClaimedUntil, Expr::value(now + CLAIM_TTL))
            .col_expr(case::Column::Status, Expr::value(status))
    })
    .await?;
    if !claimed {
        return Err(AppError::Conflict("Another moderator claimed or changed this case first".into()));
    }
    record(&txn, id, Some(moderator.id()), "CLAIM", None, None, now).await?;
    txn.commit().await?;
    find_case(db, id).await
}

pub async fn release(db: &DatabaseConnection, access: &Access, id: Uuid) -> AppResult<case::Model> {
    let now = access.now();
    let moderator = access.staff(MODERATORS)?;
    let case = get_case(db, access, id).await?;
    if live_claim(&case, now) != Some(moderator.id()) {
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
    record(&txn, id, Some(moderator.id()), "RELEASE", None, None, now).await?;
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

pub async fn resolve(db: &DatabaseConnection, access: &Access, decision: Decision) -> AppResult<case::Model> {
    let now = access.now();
    access.staff(MODERATORS)?;
    let note = decision.note.trim().to_owned();
    if !(1..=2000).contains(&note.chars().count()) {
        return Err(AppError::field("note", "must be 1 to 2000 characters long"));
    }
    let case = get_case(db, access, decision.case_id).await?;
    let moderator = case_actor(db, access, &case).await?;
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
        | (ModerationAction::RestrictToAdults, ReportTargetType::User | ReportTargetType::Comment)
        | (ModerationAction::RequireAgeCheck, ReportTargetType::Content | ReportTargetType::Comment) => {
            return Err(AppError::field("action", "does not apply to this kind of target"));
        }
        _ => {}
    }
    // An appeal stays an appeal when it was escalated to an admin.
    let appeal = case.appealed_at.is_some();
    // An appeal reverses the decision (DISMISS), escalates, or upholds the
    // decision as it was: another action would be recorded but never done.
    if appeal
        && !matches!(action, ModerationAction::Dismiss | ModerationAction::Escalate)
        && case.resolution != Some(action)
    {
        return Err(AppError::field("action", "on an appeal must be DISMISS, ESCALATE or the decision appealed"));
    }

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
                .col_expr(case::Column::ResolvedBy, Expr::value(moderator.id()))
                .col_expr(case::Column::ResolvedAt, Expr::value(now))
                .col_expr(case::Column::SuspendedUntil, Expr::value(suspend_until))
        }
    })
    .await?;
    if !won {
        return Err(stale());
    }
    if action == ModerationAction::Escalate {
        record(&txn, case.id, Some(moderator.id()), "ESCALATION", Some(action), Some(note), now).await?;
        txn.commit().await?;
        return find_case(db, case.id).await;
    }
    if appeal {
        decide_appeal(&txn, &moderator, &case, action, now).await?;
        record(&txn, case.id, Some(moderator.id()), "APPEAL_DECISION", Some(action), Some(note), now).await?;
    } else {
        apply(&txn, &moderator, &case, action, suspend_until, now).await?;
        record(&txn, case.id, Some(moderator.id()), "ACTION", Some(action), Some(note), now).await?;
        close_reports(&txn, &case, action, now).await?;
    }
    txn.commit().await?;
    find_case(db, case.id).await
}

/// The decision's effects on the target and the responsible account.
pub(super) async fn apply(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case: &case::Model,
    action: ModerationAction,
    suspend_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    actor.acts_on(case)?;
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
                    recount_item_of(db, case.target_id).await?;
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
        // No notice: the account is locked, and signing in says why.
        ModerationAction::RequireAgeCheck => age_checks::require(db, case, responsible, now).await?,
        _ => {}
    }
    Ok(())
}

pub(super) async fn restore_if_hidden(db: &impl ConnectionTrait, content_id: Uuid) -> AppResult<()> {
    content::Entity::update_many()
        .col_expr(content::Column::Status, Expr::value(ContentStatus::Published))
        .filter(content::Column::Id.eq(content_id))
        .filter(content::Column::Status.eq(ContentStatus::HiddenPendingReview))
        .exec(db)
        .await?;
    Ok(())
}

/// Every open report on the case gets its outcome, and its reporter a notice.
pub(super) async fn close_reports(
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
pub(super) async fn decide_appeal(
    db: &impl ConnectionTrait,
    actor: &CaseActor<'_>,
    case: &case::Model,
    action: ModerationAction,
    now: DateTime<Utc>,
) -> AppResult<()> {
    actor.acts_on(case)?;
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
                recount_item_of(db, case.target_id).await?;
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
        if case.resolution == Some(ModerationAction::RequireAgeCheck)
            && let Some(responsible) = case.target_user_id
        {
            age_checks::withdraw(db, responsible).await?;
        }
    }
    if let Some(appellant) = case.target_user_id {
        notifications::notify_id(db, appellant, Notice::AppealDecided { upheld, case_id: case.id }, now).await?;
    }
    Ok(())
}

/// The affected author (or user) appeals a decision once, within 30 days.
pub async fn appeal(db: &DatabaseConnection, access: &Access, case_id: Uuid, message: &str) -> AppResult<case::Model> {
    let now = access.now();
    access.appellant()?;
    let message = message.trim();
    if !(1..=1000).contains(&message.chars().count()) {
        return Err(AppError::field("message", "must be 1 to 1000 characters long"));
    }
    let case = find_case(db, case_id).await?;
    let appellant = access.appellant_of(&case)?.user_id;
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

/// A comment removed or restored changes its item's count.
async fn recount_item_of(db: &impl ConnectionTrait, comment_id: Uuid) -> AppResult<()> {
    if let Some(removed) = comment::Entity::find_by_id(comment_id).one(db).await? {
        crate::comments::recount(db, removed.content_id).await?;
    }
    Ok(())
}
