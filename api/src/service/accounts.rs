//! Accounts: sign-up with the age gate, sign-in, roles.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{Role, login_failure, signup_lockout, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::auth::{self, PasswordHasher, TokenKeys};
use crate::domain::{self, AgeBand, DisplayName, Email, Handle, Locale, Password};
use crate::error::{AppError, AppResult};
use crate::service::sessions::{self, IssuedTokens};
use crate::service::{privacy, rate_limit, settings};

/// How long an email refused by the age gate stays refused.
pub const SIGNUP_LOCKOUT: Duration = Duration::hours(24);
/// Failed sign-ins allowed per email within `LOGIN_WINDOW`.
pub const MAX_LOGIN_FAILURES: u64 = 10;
pub const LOGIN_WINDOW: Duration = Duration::minutes(15);

pub struct NewAccount {
    pub handle: Handle,
    pub display_name: DisplayName,
    pub email: Email,
    pub password: Password,
    pub birth_date: NaiveDate,
    pub timezone: Tz,
    pub locale: Locale,
    pub role: Role,
    pub accepted_policy_version: i32,
}

/// Neutral on purpose: it must not teach anyone which birth date would pass.
fn age_gate_refusal() -> AppError {
    AppError::AgeRestricted("Sorry, we can't create an account for you right now.".into())
}

fn login_failed() -> AppError {
    AppError::Unauthenticated("The email or password is incorrect".into())
}

/// Creates an account with its age-band defaults and its consent to the
/// current policy, all in one transaction.
pub async fn sign_up(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    account: NewAccount,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    let today = now.with_timezone(&account.timezone).date_naive();
    let email_hash = auth::hash_email("signup-lockout", account.email.as_str());
    let locked = signup_lockout::Entity::find_by_id(email_hash.clone())
        .filter(signup_lockout::Column::LockedUntil.gt(now))
        .one(db)
        .await?;
    if locked.is_some() {
        return Err(age_gate_refusal());
    }
    domain::check_birth_date(account.birth_date, today)
        .map_err(|e| AppError::field("birthDate", e.message.map_or_else(|| "is invalid".into(), |m| m.to_string())))?;
    let Some(band) = AgeBand::for_age(domain::age_on(account.birth_date, today)) else {
        lock_out(db, email_hash, now + SIGNUP_LOCKOUT).await?;
        return Err(age_gate_refusal());
    };

    let policy = privacy::current(db).await?;
    if account.accepted_policy_version != policy.version {
        return Err(AppError::field(
            "acceptedPolicyVersion",
            format!("must be the current privacy policy version, {}", policy.version),
        ));
    }
    ensure_unique(db, &account.handle, &account.email).await?;

    let password_hash = hasher.hash(&account.password).await?;
    let txn = db.begin().await?;
    let user = user::ActiveModel {
        id: Set(Uuid::new_v4()),
        handle: Set(account.handle.as_str().to_owned()),
        display_name: Set(account.display_name.into_inner()),
        email: Set(account.email.as_str().to_owned()),
        password_hash: Set(password_hash),
        birth_date: Set(account.birth_date),
        role: Set(account.role),
        timezone: Set(account.timezone.name().to_owned()),
        locale: Set(account.locale.as_str().to_owned()),
        verified: Set(false),
        suspended_until: Set(None),
        banned_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(duplicate_account)?;
    settings::defaults_for(band, user.id, now).insert(&txn).await?;
    privacy::record_consent(&txn, user.id, policy.version, now).await?;
    txn.commit().await?;
    tracing::info!(user = %user.id, "account created");
    Ok(user)
}

/// A unique-constraint race that slipped past `ensure_unique`.
fn duplicate_account(err: sea_orm::DbErr) -> AppError {
    match AppError::from(err) {
        AppError::Duplicate => AppError::Conflict("That handle or email is already taken".into()),
        other => other,
    }
}

async fn ensure_unique(db: &impl ConnectionTrait, handle: &Handle, email: &Email) -> AppResult<()> {
    let taken = user::Entity::find()
        .filter(
            Condition::any().add(user::Column::Handle.eq(handle.as_str())).add(user::Column::Email.eq(email.as_str())),
        )
        .all(db)
        .await?;
    if taken.iter().any(|u| u.handle == handle.as_str()) {
        return Err(AppError::Conflict("That handle is already taken".into()));
    }
    if !taken.is_empty() {
        return Err(AppError::Conflict("An account with this email already exists".into()));
    }
    Ok(())
}

async fn lock_out(db: &impl ConnectionTrait, email_hash: String, until: DateTime<Utc>) -> AppResult<()> {
    signup_lockout::Entity::insert(signup_lockout::ActiveModel {
        email_hash: Set(email_hash),
        locked_until: Set(until),
    })
    .on_conflict(
        OnConflict::column(signup_lockout::Column::EmailHash)
            .update_column(signup_lockout::Column::LockedUntil)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Checks the password and opens a session. An unknown email and a wrong
/// password fail alike, and take as long.
pub async fn log_in(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    keys: &TokenKeys,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> AppResult<(user::Model, IssuedTokens)> {
    // Keyed by the email tried, known or not, so the limit reveals nothing.
    let key = auth::hash_email("login", &email.trim().to_lowercase());
    rate_limit::enforce(
        db,
        login_failure::Entity::find().filter(login_failure::Column::EmailHash.eq(key.as_str())),
        login_failure::Column::CreatedAt,
        MAX_LOGIN_FAILURES,
        LOGIN_WINDOW,
        now,
        "Too many failed sign-ins for this email; try again later",
    )
    .await?;
    let user = match Email::parse(email) {
        Ok(email) => user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    if !hasher.verify(password, stored).await? {
        login_failure::ActiveModel { id: Set(Uuid::new_v4()), email_hash: Set(key), created_at: Set(now) }
            .insert(db)
            .await?;
        return Err(login_failed());
    }
    let mut user = user.ok_or_else(login_failed)?;
    auth::ensure_active(&user, now)?;
    if user.deleted_at.is_some() {
        // Signing in within the grace period cancels the deletion.
        let mut restored: user::ActiveModel = user.into();
        restored.deleted_at = Set(None);
        restored.updated_at = Set(now);
        user = restored.update(db).await?;
        tracing::info!(user = %user.id, "account deletion cancelled by signing in");
    }
    let tokens = sessions::start(db, keys, user.id, now).await?;
    Ok((user, tokens))
}

pub async fn find_by_handle(db: &impl ConnectionTrait, handle: &str) -> AppResult<Option<user::Model>> {
    let Ok(handle) = Handle::parse(handle) else {
        return Ok(None);
    };
    Ok(user::Entity::find().filter(user::Column::Handle.eq(handle.as_str())).one(db).await?)
}

/// Changes a user's role. Admins cannot change their own, so the last admin
/// cannot lock everyone out by accident.
pub async fn set_role(
    db: &impl ConnectionTrait,
    actor_id: Uuid,
    user_id: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    if actor_id == user_id {
        return Err(AppError::Forbidden("You cannot change your own role".into()));
    }
    let user =
        user::Entity::find_by_id(user_id).one(db).await?.ok_or_else(|| AppError::NotFound("No such user".into()))?;
    let mut active: user::ActiveModel = user.into();
    active.role = Set(role);
    active.updated_at = Set(now);
    let user = active.update(db).await?;
    tracing::info!(actor = %actor_id, user = %user_id, ?role, "role changed");
    Ok(user)
}

/// Forgets failed sign-ins older than a day; run on a schedule.
pub async fn forget_old_login_failures(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::CreatedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}
