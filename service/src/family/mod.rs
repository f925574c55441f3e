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
use crate::policy::Access;
use crate::policy::content::visible_account;
pub use crate::policy::family::ANSWER_WITHIN;
use crate::policy::family::{self as rules, NewLink, Unlink};
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
    rules::may_invite(&guardian.user, now)?;
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
    rules::may_accept(&teen.user, now)?;
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
    rules::may_pair(&teen.user, found.guardian_id)?;

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
    // A new link waits, powerless, while the teen has a guardian, or when
    // the last one left lately: a teen cannot swap them for an account of
    // their own making.
    let teen_settings = settings::get(&txn, teen.user.id).await?;
    let former_still_here = match teen_settings.former_guardian_id {
        // Still here, and still an adult (an age check may have found otherwise).
        Some(former) => user::Entity::find_by_id(former)
            .one(&txn)
            .await?
            .is_some_and(|u| u.deleted_at.is_none() && !settings::age_band(&u, now).is_teen()),
        None => false,
    };
    let wait = rules::new_link(&teen_settings, !active.is_empty(), found.guardian_id, former_still_here, now);
    let (status, approver) = match wait {
        NewLink::Active => (LinkStatus::Active, None),
        NewLink::WaitsForGuardians => (LinkStatus::Pending, None),
        NewLink::WaitsForFormer(former) => (LinkStatus::Pending, Some(former)),
    };
    let link = family_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        guardian_id: Set(found.guardian_id),
        teen_id: Set(teen.user.id),
        status: Set(status),
        created_at: Set(now),
        ended_at: Set(None),
        unlink_requested_at: Set(None),
        approver_id: Set(approver),
    }
    .insert(&txn)
    .await?;
    let adult = find_user(&txn, found.guardian_id).await?;
    let askers: Vec<Uuid> = match wait {
        NewLink::Active => Vec::new(),
        NewLink::WaitsForGuardians => active.iter().map(|l| l.guardian_id).collect(),
        NewLink::WaitsForFormer(former) => vec![former],
    };
    if status == LinkStatus::Active {
        tell_linked(&txn, &adult, &teen.user, link.id, now).await?;
    }
    for asked in askers {
        let former = approver.is_some();
        let notice = Notice::FamilyLinkPending { adult: &adult, teen: &teen.user, link_id: link.id, former };
        notifications::notify_id(&txn, asked, notice, now).await?;
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
    // Links that wait for a former guardian can still be answered by them.
    let waiting_for_guardians = pending_links().filter(family_link::Column::ApproverId.is_null());
    for link in waiting_for_guardians.filter(family_link::Column::TeenId.eq(teen_id)).all(db).await? {
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

/// Answers what waits on a link: a pending link (an existing guardian, or
/// the former guardian it waits for, approves or refuses it: not the teen,
/// and not the adult waiting), or a young teen's request to end it (its
/// guardian agrees, or keeps the link).
pub async fn answer_link(
    db: &DatabaseConnection,
    access: &Access,
    link_id: Uuid,
    approve: bool,
) -> AppResult<family_link::Model> {
    let me = access.member()?;
    let now = access.now();
    let not_found = || AppError::NotFound("No such family link".into());
    let link = family_link::Entity::find_by_id(link_id).one(db).await?.ok_or_else(not_found)?;
    let teen = find_user(db, link.teen_id).await?;
    if link.status == LinkStatus::Active && link.unlink_requested_at.is_some() {
        rules::may_answer_unlink(&link, me.id())?;
        return answer_unlink(db, &me.user, &teen, link, approve, now).await;
    }
    rules::may_answer_pending(&link, me.id(), &active_guardians(db, &teen, now).await?)?;
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
    find_link(db, link_id).await
}

/// The guardian agrees to a young teen's unlink (it ends), or keeps the
/// link (the request is dropped); the teen is told either way.
async fn answer_unlink(
    db: &DatabaseConnection,
    guardian: &user::Model,
    teen: &user::Model,
    link: family_link::Model,
    approve: bool,
    now: DateTime<Utc>,
) -> AppResult<family_link::Model> {
    let txn = crate::begin_write(db).await?;
    let answered = if approve {
        end_link(&txn, &link, now).await?
    } else {
        family_link::Entity::update_many()
            .col_expr(family_link::Column::UnlinkRequestedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(family_link::Column::Id.eq(link.id))
            .filter(family_link::Column::Status.eq(LinkStatus::Active))
            .filter(family_link::Column::UnlinkRequestedAt.is_not_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1
    };
    if !answered {
        return Err(AppError::Conflict("This request was already answered".into()));
    }
    let notice = if approve {
        Notice::FamilyUnlinked { other: guardian, link_id: link.id }
    } else {
        Notice::FamilyUnlinkDeclined { guardian, link_id: link.id }
    };
    notifications::notify(&txn, teen, notice, now).await?;
    if approve {
        drop_unanswerable(&txn, teen.id, now).await?;
    }
    txn.commit().await?;
    find_link(db, link.id).await
}

async fn find_link(db: &impl ConnectionTrait, id: Uuid) -> AppResult<family_link::Model> {
    family_link::Entity::find_by_id(id).one(db).await?.ok_or_else(|| AppError::NotFound("No such family link".into()))
}

/// Links the viewer is part of, on either side, and the pending links the
/// viewer may answer (as a teen's guardian, or as the former guardian a new
/// link waits for), newest first.
pub async fn links(db: &impl ConnectionTrait, viewer: Uuid) -> AppResult<Vec<family_link::Model>> {
    let guarded = Query::select()
        .column(family_link::Column::TeenId)
        .from(family_link::Entity)
        .and_where(Expr::col(family_link::Column::GuardianId).eq(viewer))
        .and_where(Expr::col(family_link::Column::Status).eq(LinkStatus::Active))
        .to_owned();
    let answerable = Condition::all().add(family_link::Column::Status.eq(LinkStatus::Pending)).add(
        Condition::any()
            .add(family_link::Column::ApproverId.eq(viewer))
            .add(family_link::Column::TeenId.in_subquery(guarded)),
    );
    Ok(family_link::Entity::find()
        .filter(
            Condition::any()
                .add(family_link::Column::GuardianId.eq(viewer))
                .add(family_link::Column::TeenId.eq(viewer))
                .add(answerable),
        )
        .order_by_desc(family_link::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Ends the link if it is still active; `false` when another request ended
/// it first, so that only one of them tells the other side. A guardian's
/// link that ends is remembered on the teen: for a while a new pairing
/// waits for them, and their controls stay.
async fn end_link(db: &impl ConnectionTrait, link: &family_link::Model, now: DateTime<Utc>) -> AppResult<bool> {
    let ended = family_link::Entity::update_many()
        .col_expr(family_link::Column::Status, Expr::value(LinkStatus::Revoked))
        .col_expr(family_link::Column::EndedAt, Expr::value(now))
        .filter(family_link::Column::Id.eq(link.id))
        .filter(family_link::Column::Status.ne(LinkStatus::Revoked))
        .exec(db)
        .await?;
    if ended.rows_affected == 1 && link.status == LinkStatus::Active {
        user_settings::Entity::update_many()
            .col_expr(user_settings::Column::FormerGuardianId, Expr::value(link.guardian_id))
            .col_expr(user_settings::Column::GuardianLeftAt, Expr::value(now))
            .filter(user_settings::Column::UserId.eq(link.teen_id))
            .exec(db)
            .await?;
    }
    Ok(ended.rows_affected == 1)
}

/// Either side ends the link, and the other side is told; but a teen of 13
/// to 15 only asks their guardian, and the link ends when the guardian
/// agrees or 7 days later (`settle_links`).
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
    match rules::unlink(&viewer.user, &link, now) {
        Unlink::AskGuardian => {
            let asked = family_link::Entity::update_many()
                .col_expr(family_link::Column::UnlinkRequestedAt, Expr::value(now))
                .filter(family_link::Column::Id.eq(link.id))
                .filter(family_link::Column::Status.eq(LinkStatus::Active))
                .filter(family_link::Column::UnlinkRequestedAt.is_null())
                .exec(&txn)
                .await?;
            if asked.rows_affected == 1 {
                let notice = Notice::FamilyUnlinkRequested { teen: &viewer.user, link_id: link.id };
                notifications::notify_id(&txn, other, notice, now).await?;
            }
        }
        Unlink::Now => {
            if end_link(&txn, &link, now).await? {
                let notice = Notice::FamilyUnlinked { other: &viewer.user, link_id: link.id };
                notifications::notify_id(&txn, other, notice, now).await?;
                drop_unanswerable(&txn, link.teen_id, now).await?;
            }
        }
    }
    txn.commit().await?;
    find_link(db, link_id).await
}

/// Ends every link of an account, as guardian or as teen, and tells both
/// sides: an account found to be a teen guards nobody, one found to be an
/// adult is nobody's teen, and a guardian who deletes their account leaves
/// (what waited on them ends too).
pub async fn end_links_of(db: &impl ConnectionTrait, account: &user::Model, now: DateTime<Utc>) -> AppResult<()> {
    let links = family_link::Entity::find()
        .filter(
            Condition::any()
                .add(family_link::Column::GuardianId.eq(account.id))
                .add(family_link::Column::TeenId.eq(account.id)),
        )
        .filter(family_link::Column::Status.ne(LinkStatus::Revoked))
        .all(db)
        .await?;
    for link in links {
        let as_guardian = link.guardian_id == account.id;
        let other = find_user(db, if as_guardian { link.teen_id } else { link.guardian_id }).await?;
        let (teen, guardian) = if as_guardian { (&other, account) } else { (account, &other) };
        if end_and_tell(db, &link, teen, guardian, now).await? {
            drop_unanswerable(db, link.teen_id, now).await?;
        }
    }
    Ok(())
}

/// Ends the link and tells both sides; `false` when another request ended
/// it first (and told them).
async fn end_and_tell(
    db: &impl ConnectionTrait,
    link: &family_link::Model,
    teen: &user::Model,
    guardian: &user::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if !end_link(db, link, now).await? {
        return Ok(false);
    }
    notifications::notify(db, teen, Notice::FamilyUnlinked { other: guardian, link_id: link.id }, now).await?;
    notifications::notify(db, guardian, Notice::FamilyUnlinked { other: teen, link_id: link.id }, now).await?;
    Ok(true)
}

/// What waited 7 days without an answer happens: a young teen's unlink ends
/// the link, and a pairing that waited for a former guardian becomes active.
/// Both sides are told. Run on a schedule; safe on several instances at once.
pub async fn settle_links(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let due = now - ANSWER_WITHIN;
    let unlinks = active_links().filter(family_link::Column::UnlinkRequestedAt.lte(due)).all(db).await?;
    let mut settled = 0;
    for link in unlinks {
        let txn = crate::begin_write(db).await?;
        let (teen, guardian) = (find_user(&txn, link.teen_id).await?, find_user(&txn, link.guardian_id).await?);
        if end_and_tell(&txn, &link, &teen, &guardian, now).await? {
            drop_unanswerable(&txn, link.teen_id, now).await?;
            settled += 1;
        }
        txn.commit().await?;
    }
    let waiting = pending_links()
        .filter(family_link::Column::ApproverId.is_not_null())
        .filter(family_link::Column::CreatedAt.lte(due))
        .all(db)
        .await?;
    for link in waiting {
        let txn = crate::begin_write(db).await?;
        let activated = family_link::Entity::update_many()
            .col_expr(family_link::Column::Status, Expr::value(LinkStatus::Active))
            .filter(family_link::Column::Id.eq(link.id))
            .filter(family_link::Column::Status.eq(LinkStatus::Pending))
            .exec(&txn)
            .await?;
        if activated.rows_affected == 1 {
            let (teen, adult) = (find_user(&txn, link.teen_id).await?, find_user(&txn, link.guardian_id).await?);
            tell_linked(&txn, &adult, &teen, link.id, now).await?;
            settled += 1;
        }
        txn.commit().await?;
    }
    Ok(settled)
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
    user::Entity::find_by_id(id).one(db).await?.ok_or_else(rules::not_your_teen)
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
    rules::may_see_teen(viewer.user.id, teen_id, &active_guardians(db, &teen, now).await?, teen_may)?;
    Ok(teen)
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
        if !end_and_tell(&txn, &link, &teen, &guardian, now).await? {
            continue;
        }
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
    access: &Access,
    link: &family_link::Model,
    circle: Circle,
    page: &PageRequest,
) -> AppResult<Page<user::Model>> {
    let guardian = access.member()?;
    let teen = find_user(db, link.teen_id).await?;
    rules::may_see_circle(link, guardian.id(), in_force(link, &teen, &guardian.user, access.now()))?;
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
    // Accounts hidden from everyone (suspended, banned, locked, deleted) are
    // hidden here too.
    let select =
        user::Entity::find().filter(user::Column::Id.in_subquery(people)).filter(visible_account(access.now()));
    keyset_page(db, select, Direction::OldestFirst, page).await
}
