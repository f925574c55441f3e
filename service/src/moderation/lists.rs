//! What moderators and affected users read: the queue, reports, events,
//! the audit log and the caller's own decisions.
use super::*;

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
    access: &Access,
    page: &PageRequest,
) -> AppResult<Page<case::Model>> {
    let me = access.appellant()?.id;
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
    access: &Access,
    filter: &QueueFilter,
    page: &PageRequest,
) -> AppResult<Page<case::Model>> {
    let me = access.staff(MODERATORS)?.id();
    let now = access.now();
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
    access: &Access,
    case: &case::Model,
    page: &PageRequest,
) -> AppResult<Page<report::Model>> {
    if access.case_view(case) == CaseView::Redacted {
        return Ok(Page { items: Vec::new(), has_next_page: false });
    }
    let select = report::Entity::find().filter(report::Column::CaseId.eq(case.id));
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
pub async fn case_events(
    db: &impl ConnectionTrait,
    access: &Access,
    case: &case::Model,
) -> AppResult<Vec<event::Model>> {
    if access.case_view(case) == CaseView::Redacted {
        return Ok(Vec::new());
    }
    Ok(event::Entity::find()
        .filter(event::Column::CaseId.eq(case.id))
        .order_by_asc(event::Column::CreatedAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?)
}

/// The audit log, newest first: every step but those of cases about the
/// reader themselves (who reported them, and what was noted, is not theirs
/// to read).
pub async fn log(db: &impl ConnectionTrait, access: &Access, page: &PageRequest) -> AppResult<Page<event::Model>> {
    let me = access.staff(MODERATORS)?.id();
    let about_me = Query::select()
        .column(case::Column::Id)
        .from(case::Entity)
        .and_where(Expr::col(case::Column::TargetUserId).eq(me))
        .to_owned();
    let select = event::Entity::find().filter(event::Column::CaseId.not_in_subquery(about_me));
    keyset_page(db, select, Direction::NewestFirst, page).await
}
