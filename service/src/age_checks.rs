//! Age checks, for children who slipped past the age gate: a moderator's
//! `REQUIRE_AGE_CHECK` decision locks the account and hides its content;
//! its owner answers with the token that signing in gives them; an admin
//! confirms a birth date, which unlocks the account as an adult, unlocks it
//! as a teen under that band's defaults, or, under 13, deletes and purges it
//! at once and refuses its email for a year. Evidence is erased once decided.
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use entity::moderation_case as case;
use entity::{AgeCheckStatus, Role, age_check, user, user_settings};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::accounts::{UNDER_13_LOCKOUT, lock_out, lockout_key};
use crate::domain::{self, AgeBand};
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Notice};
use crate::pagination::{Direction, Page, PageRequest, keyset_page};
use crate::policy::Access;
use crate::text::refuse_hidden;
use crate::{data_rights, family, moderation, settings};

/// What an account may write to show its age, and an admin's note.
pub const EVIDENCE: RangeInclusive<usize> = 1..=2000;
pub const NOTE: RangeInclusive<usize> = 1..=2000;

fn not_found() -> AppError {
    AppError::NotFound("No such age check".into())
}

/// Locks the account for an age check, inside the decision's transaction.
/// A second decision while one waits keeps the first check.
pub(crate) async fn require(
    db: &impl ConnectionTrait,
    case: &case::Model,
    account: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::AgeCheckRequiredAt, Expr::value(now))
        .filter(user::Column::Id.eq(account))
        .filter(user::Column::AgeCheckRequiredAt.is_null())
        .exec(db)
        .await?;
    age_check::Entity::insert(age_check::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(account)),
        pending_user_id: Set(Some(account)),
        case_id: Set(Some(case.id)),
        status: Set(AgeCheckStatus::Pending),
        claimed_birth_date: Set(None),
        evidence: Set(None),
        submitted_at: Set(None),
        decided_by: Set(None),
        created_at: Set(now),
        decided_at: Set(None),
    })
    .on_conflict(OnConflict::column(age_check::Column::PendingUserId).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// An appeal that reverses the decision unlocks the account; the check that
/// waited goes with its evidence.
pub(crate) async fn withdraw(db: &impl ConnectionTrait, account: Uuid) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::AgeCheckRequiredAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(user::Column::Id.eq(account))
        .exec(db)
        .await?;
    age_check::Entity::delete_many().filter(age_check::Column::PendingUserId.eq(account)).exec(db).await?;
    Ok(())
}

/// The account's check that waits, if any.
pub async fn waiting_for(db: &impl ConnectionTrait, account: Uuid) -> AppResult<Option<age_check::Model>> {
    Ok(age_check::Entity::find().filter(age_check::Column::PendingUserId.eq(account)).one(db).await?)
}

/// The locked account's answer: a birth date and what shows it. Once: an
/// admin then decides.
pub async fn submit(
    db: &impl ConnectionTrait,
    access: &Access,
    birth_date: NaiveDate,
    evidence: &str,
) -> AppResult<age_check::Model> {
    let account = access.age_check_subject()?;
    let now = access.now();
    let evidence = evidence.trim();
    if !EVIDENCE.contains(&evidence.chars().count()) {
        return Err(AppError::field("evidence", "must be 1 to 2000 characters long"));
    }
    refuse_hidden(evidence).map_err(|e| AppError::invalid("evidence", &e))?;
    domain::check_birth_date(birth_date, settings::local_today(account, now))
        .map_err(|e| AppError::invalid("birthDate", &e))?;
    let answered = age_check::Entity::update_many()
        .col_expr(age_check::Column::ClaimedBirthDate, Expr::value(birth_date))
        .col_expr(age_check::Column::Evidence, Expr::value(evidence))
        .col_expr(age_check::Column::SubmittedAt, Expr::value(now))
        .filter(age_check::Column::PendingUserId.eq(account.id))
        .filter(age_check::Column::SubmittedAt.is_null())
        .exec(db)
        .await?;
    if answered.rows_affected == 0 {
        return Err(AppError::Conflict("Your answer is already with us; an admin will decide soon".into()));
    }
    waiting_for(db, account.id).await?.ok_or_else(not_found)
}

/// Checks that wait, oldest first: admins only.
pub async fn queue(
    db: &impl ConnectionTrait,
    access: &Access,
    page: &PageRequest,
) -> AppResult<Page<age_check::Model>> {
    access.staff(&[Role::Admin])?;
    let select = age_check::Entity::find().filter(age_check::Column::Status.eq(AgeCheckStatus::Pending));
    keyset_page(db, select, Direction::OldestFirst, page).await
}

/// An admin's decision, and the account as it was when decided (an account
/// found under 13 exists no more).
pub struct Decided {
    pub check: age_check::Model,
    pub account: user::Model,
}

/// The admin confirms a birth date, and the account gets what that age
/// means; see the module's comment.
pub async fn decide(
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
    birth_date: NaiveDate,
    note: &str,
) -> AppResult<Decided> {
    let admin = access.staff(&[Role::Admin])?.id();
    let now = access.now();
    let note = note.trim();
    if !NOTE.contains(&note.chars().count()) {
        return Err(AppError::field("note", "must be 1 to 2000 characters long"));
    }
    let txn = crate::begin_write(db).await?;
    let waiting = age_check::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    let already_decided = || AppError::Conflict("This age check is already decided".into());
    if waiting.status != AgeCheckStatus::Pending {
        return Err(already_decided());
    }
    let account_id = waiting.user_id.ok_or_else(already_decided)?;
    // A waiting check's account goes only with a decision that purged it.
    let account = user::Entity::find_by_id(account_id).one(&txn).await?.ok_or_else(already_decided)?;
    domain::check_birth_date(birth_date, settings::local_today(&account, now))
        .map_err(|e| AppError::invalid("birthDate", &e))?;
    let band = AgeBand::for_age(domain::age_on(birth_date, settings::local_today(&account, now)));
    let status = match band {
        None => AgeCheckStatus::Under13,
        Some(AgeBand::Adult) => AgeCheckStatus::ConfirmedAdult,
        Some(_) => AgeCheckStatus::ConfirmedTeen,
    };
    // Conditional on still waiting: of two admins at once, one decides.
    let decided = age_check::Entity::update_many()
        .col_expr(age_check::Column::Status, Expr::value(status))
        .col_expr(age_check::Column::PendingUserId, Expr::value(Option::<Uuid>::None))
        .col_expr(age_check::Column::Evidence, Expr::value(Option::<String>::None))
        .col_expr(age_check::Column::DecidedBy, Expr::value(admin))
        .col_expr(age_check::Column::DecidedAt, Expr::value(now))
        .filter(age_check::Column::Id.eq(id))
        .filter(age_check::Column::Status.eq(AgeCheckStatus::Pending))
        .exec(&txn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(already_decided());
    }
    if let Some(case_id) = waiting.case_id {
        moderation::record_age_check(&txn, case_id, admin, note, now).await?;
    }
    let check = age_check::Model {
        status,
        pending_user_id: None,
        evidence: None,
        decided_by: Some(admin),
        decided_at: Some(now),
        ..waiting
    };
    match band {
        Some(band) => {
            let was_adult = settings::age_band(&account, now) == AgeBand::Adult;
            let mut unlocked: user::ActiveModel = account.clone().into();
            unlocked.birth_date = Set(birth_date);
            unlocked.age_check_required_at = Set(None);
            unlocked.updated_at = Set(now);
            let account = unlocked.update(&txn).await?;
            // An "adult" found to be a teen starts under the band's defaults,
            // and guards nobody; a "teen" found to be an adult is nobody's
            // teen. A teen confirmed a teen keeps the controls a guardian
            // set, and what a former guardian left behind.
            if band.is_teen() && was_adult {
                start_teen_defaults(&txn, band, account.id, now).await?;
            }
            if band.is_teen() == was_adult {
                family::end_links_of(&txn, &account, now).await?;
            }
            notifications::notify(&txn, &account, Notice::AgeCheckDecided { status, case_id: check.case_id }, now)
                .await?;
        }
        None => {
            lock_out(&txn, lockout_key(&account.email), now + UNDER_13_LOCKOUT).await?;
            remove_child(&txn, account.id, now).await?;
        }
    }
    let check = age_check::Model {
        user_id: band.map(|_| account.id),
        claimed_birth_date: band.and(check.claimed_birth_date),
        ..check
    };
    txn.commit().await?;
    let account = match band {
        Some(_) => user::Entity::find_by_id(account.id).one(db).await?.unwrap_or(account),
        None => account,
    };
    tracing::info!(check = %id, status = ?status, "age check decided");
    Ok(Decided { check, account })
}

/// The confirmed teen's settings become the band's defaults, as if they had
/// signed up with the right birth date.
async fn start_teen_defaults(
    db: &impl ConnectionTrait,
    band: AgeBand,
    account: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    user_settings::Entity::delete_by_id(account).exec(db).await?;
    settings::defaults_for(band, account, now).insert(db).await?;
    Ok(())
}

/// Deleted and purged at once: no grace period for a child's account (its
/// sessions go with it).
async fn remove_child(db: &impl ConnectionTrait, account: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::DeletedAt, Expr::value(now))
        .filter(user::Column::Id.eq(account))
        .exec(db)
        .await?;
    if !data_rights::erase(db, account, now).await? {
        return Err(AppError::internal(format!("the under-13 account {account} was not purged")));
    }
    tracing::info!(user = %account, "account of a child under 13 deleted and purged");
    Ok(())
}
