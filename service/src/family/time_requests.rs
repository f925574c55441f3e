//! Requests for more screen time, and their answers.
use super::*;

pub async fn request_more_time(
    db: &DatabaseConnection,
    teen: &Viewer,
    minutes: i32,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<time_request::Model> {
    if ![15, 30, 60].contains(&minutes) {
        return Err(AppError::field("minutes", "must be 15, 30 or 60"));
    }
    let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 200) {
        return Err(AppError::field("reason", "must be at most 200 characters long"));
    }
    let guardians = active_guardians(db, &teen.user, now).await?;
    rules::may_ask_for_time(&guardians)?;
    let txn = crate::begin_write(db).await?;
    // Serialise this teen's requests so the pending count holds.
    user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::col(user::Column::UpdatedAt))
        .filter(user::Column::Id.eq(teen.user.id))
        .exec(&txn)
        .await?;
    let pending = time_request::Entity::find()
        .filter(time_request::Column::TeenId.eq(teen.user.id))
        .filter(time_request::Column::Status.eq(TimeRequestStatus::Pending))
        .count(&txn)
        .await?;
    if pending >= MAX_PENDING_REQUESTS {
        return Err(AppError::Conflict(format!(
            "You already have {MAX_PENDING_REQUESTS} requests waiting for an answer"
        )));
    }
    let request = time_request::ActiveModel {
        id: Set(Uuid::new_v4()),
        teen_id: Set(teen.user.id),
        minutes: Set(minutes),
        reason: Set(reason),
        status: Set(TimeRequestStatus::Pending),
        granted_minutes: Set(None),
        granted_for: Set(None),
        answered_by: Set(None),
        created_at: Set(now),
        answered_at: Set(None),
    }
    .insert(&txn)
    .await?;
    for guardian in guardians {
        notifications::notify_id(
            &txn,
            guardian,
            Notice::TimeRequested { teen: &teen.user, minutes, request_id: request.id },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(request)
}

/// The viewer's own requests and those of the teens they guard, newest first.
pub async fn time_requests(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    status: Option<TimeRequestStatus>,
    now: DateTime<Utc>,
) -> AppResult<Vec<time_request::Model>> {
    let links = active_links().filter(family_link::Column::GuardianId.eq(viewer.user.id)).all(db).await?;
    let teens = user::Entity::find().filter(user::Column::Id.is_in(links.iter().map(|l| l.teen_id))).all(db).await?;
    let guarded: Vec<Uuid> = links
        .iter()
        .filter(|link| teens.iter().any(|teen| teen.id == link.teen_id && in_force(link, teen, &viewer.user, now)))
        .map(|link| link.teen_id)
        .collect();
    let mut select = time_request::Entity::find().filter(
        Condition::any()
            .add(time_request::Column::TeenId.eq(viewer.user.id))
            .add(time_request::Column::TeenId.is_in(guarded)),
    );
    if let Some(status) = status {
        select = select.filter(time_request::Column::Status.eq(status));
    }
    Ok(select.order_by_desc(time_request::Column::CreatedAt).all(db).await?)
}

/// An active guardian approves (with the asked or other minutes) or denies.
pub async fn answer_time_request(
    db: &DatabaseConnection,
    guardian: &Viewer,
    request_id: Uuid,
    approve: bool,
    minutes: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<time_request::Model> {
    let not_found = || AppError::NotFound("No such request".into());
    let request = time_request::Entity::find_by_id(request_id).one(db).await?.ok_or_else(not_found)?;
    let teen = guarded_teen(db, guardian, request.teen_id, now).await.map_err(|_| not_found())?;
    let granted = match (approve, minutes) {
        (false, _) => None,
        (true, Some(m)) if !(5..=120).contains(&m) => {
            return Err(AppError::field("minutes", "must be between 5 and 120"));
        }
        (true, given) => Some(given.unwrap_or(request.minutes)),
    };
    let today = settings::local_today(&teen, now);
    let txn = crate::begin_write(db).await?;
    let mut answer = time_request::Entity::update_many()
        .col_expr(
            time_request::Column::Status,
            Expr::value(if approve { TimeRequestStatus::Approved } else { TimeRequestStatus::Denied }),
        )
        .col_expr(time_request::Column::AnsweredBy, Expr::value(guardian.user.id))
        .col_expr(time_request::Column::AnsweredAt, Expr::value(now))
        .filter(time_request::Column::Id.eq(request_id))
        .filter(time_request::Column::Status.eq(TimeRequestStatus::Pending));
    if let Some(granted) = granted {
        answer = answer
            .col_expr(time_request::Column::GrantedMinutes, Expr::value(granted))
            .col_expr(time_request::Column::GrantedFor, Expr::value(today));
    }
    if answer.exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::Conflict("This request was already answered".into()));
    }
    notifications::notify(&txn, &teen, Notice::TimeRequestAnswered { granted, request_id }, now).await?;
    txn.commit().await?;
    time_request::Entity::find_by_id(request_id).one(db).await?.ok_or_else(not_found)
}
