//! Family pairing, guardian controls and requests for more screen time.
use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use entity::user_settings::{Keywords, TimeWindow, TimeWindows};
use entity::{
    CommentPolicy, LinkStatus, TimeRequestStatus, family_link, pairing_attempt, pairing_code, time_request, user,
    user_settings,
};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Select, Set,
};
use uuid::Uuid;

use crate::auth::{self, Viewer};
use crate::domain::parse_clock_time;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Notice};
use crate::{accounts, rate_limit, settings};

/// No 0/O, 1/I/L: codes are read aloud and typed on phones.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LENGTH: usize = 8;
pub const CODE_TTL: Duration = Duration::minutes(15);
pub const MAX_GUARDIANS: u64 = 2;
/// Failed code entries allowed per user in `PAIRING_WINDOW`.
pub const MAX_FAILED_PAIRINGS: u64 = 5;
pub const PAIRING_WINDOW: Duration = Duration::minutes(15);
pub const MAX_PENDING_REQUESTS: u64 = 3;

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH).map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())])).collect()
}

fn code_hash(code: &str) -> String {
    auth::hash_refresh_token(&format!("pairing:{code}"))
}

pub async fn create_code(
    db: &impl ConnectionTrait,
    guardian: &Viewer,
    now: DateTime<Utc>,
) -> AppResult<(String, DateTime<Utc>)> {
    if settings::age_band(&guardian.user, now).is_teen() {
        return Err(AppError::Forbidden("Only adults can invite a teen to pair".into()));
    }
    let code = new_code();
    let expires_at = now + CODE_TTL;
    pairing_code::ActiveModel {
        id: Set(Uuid::new_v4()),
        guardian_id: Set(guardian.user.id),
        code_hash: Set(code_hash(&code)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((code, expires_at))
}

fn no_such_code() -> AppError {
    AppError::NotFound("That code is wrong, used or expired".into())
}

pub async fn accept_code(
    db: &DatabaseConnection,
    teen: &Viewer,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<family_link::Model> {
    if !settings::age_band(&teen.user, now).is_teen() {
        return Err(AppError::Forbidden("Pairing codes are for accounts of 13 to 17 year olds".into()));
    }
    rate_limit::enforce(
        db,
        pairing_attempt::Entity::find().filter(pairing_attempt::Column::UserId.eq(teen.user.id)),
        pairing_attempt::Column::CreatedAt,
        MAX_FAILED_PAIRINGS,
        PAIRING_WINDOW,
        now,
        "Too many wrong codes; wait a little before trying again",
    )
    .await?;
    let normalised: String =
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
    let well_formed = normalised.len() == CODE_LENGTH && normalised.bytes().all(|b| CODE_ALPHABET.contains(&b));
    let found = if well_formed {
        pairing_code::Entity::find()
            .filter(pairing_code::Column::CodeHash.eq(code_hash(&normalised)))
            .filter(pairing_code::Column::UsedAt.is_null())
            .filter(pairing_code::Column::ExpiresAt.gt(now))
            .one(db)
            .await?
    } else {
        None
    };
    let Some(found) = found else {
        pairing_attempt::ActiveModel { id: Set(Uuid::new_v4()), user_id: Set(teen.user.id), created_at: Set(now) }
            .insert(db)
            .await?;
        return Err(no_such_code());
    };
    if found.guardian_id == teen.user.id {
        return Err(AppError::Forbidden("You cannot pair with yourself".into()));
    }

    let txn = crate::begin_write(db).await?;
    // Using the code is the first write: of two teens racing, one gets it.
    let used = pairing_code::Entity::update_many()
        .col_expr(pairing_code::Column::UsedAt, Expr::value(now))
        .filter(pairing_code::Column::Id.eq(found.id))
        .filter(pairing_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected == 0 {
        return Err(no_such_code());
    }
    // Then the teen's row: two codes accepted at once queue here, so the
    // second sees the first's link when it counts the guardians.
    accounts::lock_user(&txn, teen.user.id).await?;
    let active = active_links().filter(family_link::Column::TeenId.eq(teen.user.id)).all(&txn).await?;
    if let Some(existing) = active.iter().find(|l| l.guardian_id == found.guardian_id) {
        txn.commit().await?;
        return Ok(existing.clone());
    }
    if active.len() as u64 >= MAX_GUARDIANS {
        return Err(AppError::Conflict(format!("A teen can have at most {MAX_GUARDIANS} guardians")));
    }
    let link = family_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        guardian_id: Set(found.guardian_id),
        teen_id: Set(teen.user.id),
        status: Set(LinkStatus::Active),
        created_at: Set(now),
        ended_at: Set(None),
    }
    .insert(&txn)
    .await?;
    if let Some(guardian) = user::Entity::find_by_id(found.guardian_id).one(&txn).await? {
        notifications::notify(&txn, &guardian, Notice::FamilyLinked { other: &teen.user, link_id: link.id }, now)
            .await?;
        notifications::notify(&txn, &teen.user, Notice::FamilyLinked { other: &guardian, link_id: link.id }, now)
            .await?;
    }
    txn.commit().await?;
    Ok(link)
}

/// Links the viewer is part of, on either side, newest first.
pub async fn links(db: &impl ConnectionTrait, viewer: Uuid) -> AppResult<Vec<family_link::Model>> {
    Ok(family_link::Entity::find()
        .filter(
            Condition::any()
                .add(family_link::Column::GuardianId.eq(viewer))
                .add(family_link::Column::TeenId.eq(viewer)),
        )
        .order_by_desc(family_link::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Ends the link if it is still active; `false` when another request ended
/// it first, so that only one of them tells the other side.
async fn end_link(db: &impl ConnectionTrait, link: &family_link::Model, now: DateTime<Utc>) -> AppResult<bool> {
    let ended = family_link::Entity::update_many()
        .col_expr(family_link::Column::Status, Expr::value(LinkStatus::Revoked))
        .col_expr(family_link::Column::EndedAt, Expr::value(now))
        .filter(family_link::Column::Id.eq(link.id))
        .filter(family_link::Column::Status.ne(LinkStatus::Revoked))
        .exec(db)
        .await?;
    Ok(ended.rows_affected == 1)
}

/// Either side ends the link; the other side is told.
pub async fn unlink(
    db: &DatabaseConnection,
    viewer: &Viewer,
    link_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<family_link::Model> {
    let me = viewer.user.id;
    let link = family_link::Entity::find_by_id(link_id)
        .one(db)
        .await?
        .filter(|l| l.guardian_id == me || l.teen_id == me)
        .ok_or_else(|| AppError::NotFound("No such family link".into()))?;
    if link.status == LinkStatus::Revoked {
        return Ok(link);
    }
    let other = if link.guardian_id == me { link.teen_id } else { link.guardian_id };
    let txn = crate::begin_write(db).await?;
    if !end_link(&txn, &link, now).await? {
        txn.commit().await?;
        return Ok(link);
    }
    notifications::notify_id(&txn, other, Notice::FamilyUnlinked { other: &viewer.user, link_id: link.id }, now)
        .await?;
    txn.commit().await?;
    family_link::Entity::find_by_id(link_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such family link".into()))
}

/// The one definition of a link in force: `ACTIVE`, while the teen is under
/// 18 (checked by `in_force`, since age is computed in the teen's zone) and
/// the guardian has not deleted their account (grace period included).
fn active_links() -> Select<family_link::Entity> {
    let deleted = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(Expr::col(user::Column::DeletedAt).is_not_null())
        .to_owned();
    family_link::Entity::find()
        .filter(family_link::Column::Status.eq(LinkStatus::Active))
        .filter(family_link::Column::GuardianId.not_in_subquery(deleted))
}

/// Whether a link gives its guardian powers over the teen now.
pub fn in_force(link: &family_link::Model, teen: &user::Model, guardian: &user::Model, now: DateTime<Utc>) -> bool {
    link.status == LinkStatus::Active && settings::controls_apply(teen, now) && guardian.deleted_at.is_none()
}

/// The teen's active guardians. None once the teen is 18: the links end.
pub async fn active_guardians(
    db: &impl ConnectionTrait,
    teen: &user::Model,
    now: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    if !settings::controls_apply(teen, now) {
        return Ok(Vec::new());
    }
    let links = active_links().filter(family_link::Column::TeenId.eq(teen.id)).all(db).await?;
    Ok(links.into_iter().map(|l| l.guardian_id).collect())
}

async fn find_user(db: &impl ConnectionTrait, id: Uuid) -> AppResult<user::Model> {
    user::Entity::find_by_id(id).one(db).await?.ok_or_else(|| AppError::Forbidden("That is not your teen".into()))
}

/// The teen, if the viewer is the teen or one of their active guardians.
pub async fn readable_teen(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    teen_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    teen_for(db, viewer, teen_id, now, true).await
}

/// The teen, if the viewer is one of their active guardians.
pub async fn guarded_teen(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    teen_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    teen_for(db, viewer, teen_id, now, false).await
}

async fn teen_for(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    teen_id: Uuid,
    now: DateTime<Utc>,
    teen_may: bool,
) -> AppResult<user::Model> {
    let teen = find_user(db, teen_id).await?;
    let is_teen = teen_may && viewer.user.id == teen_id;
    if is_teen || active_guardians(db, &teen, now).await?.contains(&viewer.user.id) {
        return Ok(teen);
    }
    Err(AppError::Forbidden(if teen_may {
        "Only the teen and their guardians can see this".into()
    } else {
        "Only the teen's guardians can change this".into()
    }))
}

#[derive(Debug, Default, Clone)]
pub struct ControlsChange {
    pub daily_limit_minutes: Option<i32>,
    pub clear_daily_limit: bool,
    pub search_enabled: Option<bool>,
    pub comment_policy: Option<CommentPolicy>,
    pub private_account: Option<bool>,
    pub time_away: Option<Vec<(Vec<Weekday>, String, String)>>,
    pub blocked_keywords: Option<Vec<String>>,
}

fn parse_windows(windows: &[(Vec<Weekday>, String, String)]) -> AppResult<Vec<TimeWindow>> {
    if windows.len() > 20 {
        return Err(AppError::field("timeAway", "may hold at most 20 windows"));
    }
    windows
        .iter()
        .map(|(days, start, end)| {
            let bad = || AppError::field("timeAway", "needs at least one day and times written HH:MM that differ");
            let (start, end): (NaiveTime, NaiveTime) =
                (parse_clock_time(start).ok_or_else(bad)?, parse_clock_time(end).ok_or_else(bad)?);
            if days.is_empty() || start == end {
                return Err(bad());
            }
            let mut days = days.clone();
            days.sort_by_key(Weekday::num_days_from_monday);
            days.dedup();
            Ok(TimeWindow { days, start, end })
        })
        .collect()
}

fn parse_keywords(keywords: &[String]) -> AppResult<Vec<String>> {
    if keywords.len() > 100 {
        return Err(AppError::field("blockedKeywords", "may hold at most 100 keywords"));
    }
    let mut cleaned: Vec<String> = Vec::new();
    for keyword in keywords {
        let keyword = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
        if !(1..=50).contains(&keyword.chars().count()) {
            return Err(AppError::field("blockedKeywords", "must each be 1 to 50 characters long"));
        }
        if !cleaned.iter().any(|k| k.to_lowercase() == keyword.to_lowercase()) {
            cleaned.push(keyword);
        }
    }
    Ok(cleaned)
}

/// A guardian sets the teen's controls; from then on they are locked and
/// the teen may only tighten them.
pub async fn set_controls(
    db: &DatabaseConnection,
    guardian: &Viewer,
    teen_id: Uuid,
    change: ControlsChange,
    now: DateTime<Utc>,
) -> AppResult<user_settings::Model> {
    let teen = guarded_teen(db, guardian, teen_id, now).await?;
    if let Some(limit) = change.daily_limit_minutes
        && !(15..=480).contains(&limit)
    {
        return Err(AppError::field("dailyLimitMinutes", "must be between 15 and 480"));
    }
    if change.clear_daily_limit && change.daily_limit_minutes.is_some() {
        return Err(AppError::field("clearDailyLimit", "cannot go with a new dailyLimitMinutes"));
    }
    let windows = change.time_away.as_deref().map(parse_windows).transpose()?;
    let keywords = change.blocked_keywords.as_deref().map(parse_keywords).transpose()?;

    let txn = crate::begin_write(db).await?;
    accounts::lock_user(&txn, teen.id).await?;
    let mut active: user_settings::ActiveModel = settings::get(&txn, teen.id).await?.into();
    if let Some(limit) = change.daily_limit_minutes {
        active.daily_limit_minutes = Set(Some(limit));
    }
    if change.clear_daily_limit {
        active.daily_limit_minutes = Set(None);
    }
    if let Some(value) = change.search_enabled {
        active.search_enabled = Set(value);
    }
    if let Some(value) = change.comment_policy {
        active.comment_policy = Set(value);
    }
    if let Some(value) = change.private_account {
        active.private_account = Set(value);
    }
    if let Some(windows) = windows {
        active.time_away = Set(TimeWindows(windows));
    }
    if let Some(keywords) = keywords {
        active.blocked_keywords = Set(Keywords(keywords));
    }
    active.locked_by_guardian = Set(true);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    notify_controls_changed(&txn, &teen, Some(guardian.user.id), now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Tells the teen and their guardians, except whoever made the change.
pub async fn notify_controls_changed(
    db: &impl ConnectionTrait,
    teen: &user::Model,
    changed_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut recipients = active_guardians(db, teen, now).await?;
    recipients.push(teen.id);
    for recipient in recipients.into_iter().filter(|r| Some(*r) != changed_by) {
        notifications::notify_id(db, recipient, Notice::ControlsChanged { teen }, now).await?;
    }
    Ok(())
}

/// Ends the links of teens who turned 18 and tells both sides; run on a
/// schedule (reads already treat such links as ended).
pub async fn end_links_of_adults(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let active = family_link::Entity::find().filter(family_link::Column::Status.eq(LinkStatus::Active)).all(db).await?;
    let mut ended = 0;
    for link in active {
        let (Some(teen), Some(guardian)) = (
            user::Entity::find_by_id(link.teen_id).one(db).await?,
            user::Entity::find_by_id(link.guardian_id).one(db).await?,
        ) else {
            continue;
        };
        if settings::controls_apply(&teen, now) {
            continue;
        }
        let txn = crate::begin_write(db).await?;
        if !end_link(&txn, &link, now).await? {
            continue;
        }
        notifications::notify(&txn, &teen, Notice::FamilyUnlinked { other: &guardian, link_id: link.id }, now).await?;
        notifications::notify(&txn, &guardian, Notice::FamilyUnlinked { other: &teen, link_id: link.id }, now).await?;
        txn.commit().await?;
        ended += 1;
    }
    Ok(ended)
}

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
    if guardians.is_empty() {
        return Err(AppError::Forbidden("Only a teen paired with a guardian can ask for more time".into()));
    }
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
