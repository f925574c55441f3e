//! Family pairing, guardian controls and requests for more screen time.
use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use entity::user_settings::{Keywords, TimeWindow, TimeWindows};
use entity::{
    CommentPolicy, FollowState, LinkStatus, TimeRequestStatus, family_link, follow, pairing_attempt, pairing_code,
    time_request, user, user_settings,
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
use crate::pagination::{Direction, Page, PageRequest, keyset_page};
use crate::policy::Policy;
use crate::{accounts, rate_limit, settings};

mod controls;
mod time_requests;

pub use controls::*;
pub use time_requests::*;

/// No 0/O, 1/I/L: codes are read aloud and typed on phones.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LENGTH: usize = 8;
pub const CODE_TTL: Duration = Duration::minutes(15);
pub const MAX_GUARDIANS: u64 = 2;
/// Failed code entries allowed per user in `PAIRING_WINDOW`.
pub const MAX_FAILED_PAIRINGS: u64 = 5;
pub const PAIRING_WINDOW: Duration = Duration::minutes(15);
const PAIRING_CODES: rate_limit::Limit = rate_limit::Limit {
    bucket: "pairing:teen",
    max: MAX_FAILED_PAIRINGS,
    window: PAIRING_WINDOW,
    message: "Too many wrong codes; wait a little before trying again",
};
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
        &PAIRING_CODES,
        pairing_attempt::Entity::find().filter(pairing_attempt::Column::UserId.eq(teen.user.id)),
        pairing_attempt::Column::CreatedAt,
        now,
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
    let pending = pending_links().filter(family_link::Column::TeenId.eq(teen.user.id)).all(&txn).await?;
    if let Some(existing) = active.iter().chain(&pending).find(|l| l.guardian_id == found.guardian_id) {
        txn.commit().await?;
        return Ok(existing.clone());
    }
    if (active.len() + pending.len()) as u64 >= MAX_GUARDIANS {
        return Err(AppError::Conflict(format!("A teen can have at most {MAX_GUARDIANS} guardians")));
    }
    // A teen who already has a guardian cannot add another alone: the new
    // link waits, powerless, for an existing guardian's approval.
    let status = if active.is_empty() { LinkStatus::Active } else { LinkStatus::Pending };
    let link = family_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        guardian_id: Set(found.guardian_id),
        teen_id: Set(teen.user.id),
        status: Set(status),
        created_at: Set(now),
        ended_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let adult = find_user(&txn, found.guardian_id).await?;
    if status == LinkStatus::Active {
        tell_linked(&txn, &adult, &teen.user, link.id, now).await?;
    } else {
        for existing in &active {
            let notice = Notice::FamilyLinkPending { adult: &adult, teen: &teen.user, link_id: link.id };
            notifications::notify_id(&txn, existing.guardian_id, notice, now).await?;
        }
    }
    txn.commit().await?;
    Ok(link)
}

async fn tell_linked(
    db: &impl ConnectionTrait,
    guardian: &user::Model,
    teen: &user::Model,
    link_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    notifications::notify(db, guardian, Notice::FamilyLinked { other: teen, link_id }, now).await?;
    notifications::notify(db, teen, Notice::FamilyLinked { other: guardian, link_id }, now).await
}

/// Once a teen has no active guardian, nobody can answer their waiting links:
/// they end, and the waiting adults are told.
async fn drop_unanswerable(db: &impl ConnectionTrait, teen_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    let teen = find_user(db, teen_id).await?;
    if !active_guardians(db, &teen, now).await?.is_empty() {
        return Ok(());
    }
    for link in pending_links().filter(family_link::Column::TeenId.eq(teen_id)).all(db).await? {
        if end_link(db, &link, now).await? {
            let notice = Notice::FamilyLinkRefused { other: &teen, link_id: link.id };
            notifications::notify_id(db, link.guardian_id, notice, now).await?;
        }
    }
    Ok(())
}

/// Links waiting for a guardian's approval, from adults still here.
fn pending_links() -> Select<family_link::Entity> {
    family_link::Entity::find()
        .filter(family_link::Column::Status.eq(LinkStatus::Pending))
        .filter(family_link::Column::GuardianId.not_in_subquery(deleted_users()))
}

/// An existing guardian of the teen approves or refuses a pending link. Not
/// the teen, and not the adult waiting: that is the whole point.
pub async fn answer_link(
    db: &DatabaseConnection,
    policy: &Policy,
    link_id: Uuid,
    approve: bool,
) -> AppResult<family_link::Model> {
    let me = policy.member()?;
    let now = policy.now();
    let not_found = || AppError::NotFound("No such family link".into());
    let link = family_link::Entity::find_by_id(link_id).one(db).await?.ok_or_else(not_found)?;
    let teen = find_user(db, link.teen_id).await?;
    if !active_guardians(db, &teen, now).await?.contains(&me.id()) {
        return Err(if me.id() == link.teen_id || me.id() == link.guardian_id {
            AppError::Forbidden("Only a guardian already linked to this teen can answer".into())
        } else {
            not_found()
        });
    }
    if link.status != LinkStatus::Pending {
        return Err(AppError::Conflict("This link was already answered".into()));
    }
    let adult = find_user(db, link.guardian_id).await?;
    let txn = crate::begin_write(db).await?;
    accounts::lock_user(&txn, teen.id).await?;
    let status = if approve { LinkStatus::Active } else { LinkStatus::Revoked };
    let mut answer = family_link::Entity::update_many()
        .col_expr(family_link::Column::Status, Expr::value(status))
        .filter(family_link::Column::Id.eq(link.id))
        .filter(family_link::Column::Status.eq(LinkStatus::Pending));
    if !approve {
        answer = answer.col_expr(family_link::Column::EndedAt, Expr::value(now));
    }
    if answer.exec(&txn).await?.rows_affected == 0 {
        return Err(AppError::Conflict("This link was already answered".into()));
    }
    if approve {
        tell_linked(&txn, &adult, &teen, link.id, now).await?;
    } else {
        notifications::notify(&txn, &adult, Notice::FamilyLinkRefused { other: &teen, link_id: link.id }, now).await?;
        notifications::notify(&txn, &teen, Notice::FamilyLinkRefused { other: &adult, link_id: link.id }, now).await?;
    }
    txn.commit().await?;
    family_link::Entity::find_by_id(link_id).one(db).await?.ok_or_else(not_found)
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
    drop_unanswerable(&txn, link.teen_id, now).await?;
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
    family_link::Entity::find()
        .filter(family_link::Column::Status.eq(LinkStatus::Active))
        .filter(family_link::Column::GuardianId.not_in_subquery(deleted_users()))
}

/// Accounts deleted, in their grace period or not.
fn deleted_users() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(Expr::col(user::Column::DeletedAt).is_not_null())
        .to_owned()
}

/// The status a link shows: `PENDING` while it waits (and could still be
/// approved), `ACTIVE` while in force, `REVOKED` otherwise.
pub fn status(link: &family_link::Model, teen: &user::Model, guardian: &user::Model, now: DateTime<Utc>) -> LinkStatus {
    let possible = settings::controls_apply(teen, now) && guardian.deleted_at.is_none();
    match link.status {
        LinkStatus::Pending if possible => LinkStatus::Pending,
        _ if in_force(link, teen, guardian, now) => LinkStatus::Active,
        _ => LinkStatus::Revoked,
    }
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

/// Which side of a teen's follows a guardian looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Circle {
    /// The accounts the teen follows.
    Following,
    /// The accounts that follow the teen.
    Followers,
}

/// The teen's circle, oldest account first, for that link's guardian while
/// the link is in force; anyone else, the teen included, is refused.
pub async fn teen_circle(
    db: &impl ConnectionTrait,
    policy: &Policy,
    link: &family_link::Model,
    circle: Circle,
    page: &PageRequest,
) -> AppResult<Page<user::Model>> {
    let guardian = policy.member()?;
    let teen = find_user(db, link.teen_id).await?;
    if link.guardian_id != guardian.id() || !in_force(link, &teen, &guardian.user, policy.now()) {
        return Err(AppError::Forbidden("Only this teen's guardian can see whom they follow".into()));
    }
    let (side, other) = match circle {
        Circle::Following => (follow::Column::FollowerId, follow::Column::FolloweeId),
        Circle::Followers => (follow::Column::FolloweeId, follow::Column::FollowerId),
    };
    let people = Query::select()
        .column(other)
        .from(follow::Entity)
        .and_where(Expr::col(side).eq(teen.id))
        .and_where(Expr::col(follow::Column::Status).eq(FollowState::Accepted))
        .to_owned();
    let select = user::Entity::find().filter(user::Column::Id.in_subquery(people));
    keyset_page(db, select, Direction::OldestFirst, page).await
}
