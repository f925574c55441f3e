//! Accounts: sign-up with the age gate, sign-in, roles.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{Role, signup_lockout, user};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::auth::{self, PasswordHasher, TokenKeys};
use crate::domain::{self, AgeBand, DisplayName, Email, Handle, Locale, Password};
use crate::error::{AgeCheckPass, AppError, AppResult, AppealPass};
use crate::policy::Access;
use crate::sessions::{self, IssuedTokens};
use crate::{age_checks, identity, moderation, privacy, rate_limit, settings};

/// How long an email refused by the age gate stays refused.
pub const SIGNUP_LOCKOUT: Duration = Duration::hours(24);
/// How long the email of an account an age check found under 13 stays refused.
pub const UNDER_13_LOCKOUT: Duration = Duration::days(365);

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

/// The age gate's refusal, counted for operators (`/metrics`). Neutral on
/// purpose: it must not teach anyone which birth date would pass.
fn refused_by_age_gate() -> AppError {
    metrics::counter!("trustfeed_signup_age_gate_refusals_total").increment(1);
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
    address: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    if let Some(address) = address {
        // Every sign-up counts, made or refused; none is taken back.
        let _counted = rate_limit::attempt(db, &rate_limit::SIGN_UP_PER_ADDRESS, address, now).await?;
    }
    let today = now.with_timezone(&account.timezone).date_naive();
    let email_hash = lockout_key(account.email.as_str());
    let locked = signup_lockout::Entity::find_by_id(email_hash.clone())
        .filter(signup_lockout::Column::LockedUntil.gt(now))
        .one(db)
        .await?;
    if locked.is_some() {
        return Err(refused_by_age_gate());
    }
    domain::check_birth_date(account.birth_date, today)
        .map_err(|e| AppError::field("birthDate", e.message.map_or_else(|| "is invalid".into(), |m| m.to_string())))?;
    let Some(band) = AgeBand::for_age(domain::age_on(account.birth_date, today)) else {
        lock_out(db, email_hash, now + SIGNUP_LOCKOUT).await?;
        return Err(refused_by_age_gate());
    };

    let policy = privacy::current(db).await?;
    if account.accepted_policy_version != policy.version {
        return Err(AppError::field(
            "acceptedPolicyVersion",
            format!("must be the current privacy policy version, {}", policy.version),
        ));
    }
    ensure_unique(db, &account.handle, &account.email).await?;
    let display_name = account.display_name.into_inner();
    let (handle_skeleton, name_skeleton) = identity::skeletons(account.handle.as_str(), &display_name);
    identity::refuse_look_alike(db, "handle", &handle_skeleton, None).await?;
    identity::refuse_look_alike(db, "displayName", &name_skeleton, None).await?;

    let password_hash = hasher.hash(&account.password).await?;
    let txn = crate::begin_write(db).await?;
    let user = user::ActiveModel {
        id: Set(crate::ids::new_id()),
        handle: Set(account.handle.as_str().to_owned()),
        display_name: Set(display_name),
        email: Set(account.email.as_str().to_owned()),
        password_hash: Set(password_hash),
        birth_date: Set(account.birth_date),
        role: Set(account.role),
        timezone: Set(account.timezone.name().to_owned()),
        locale: Set(account.locale.as_str().to_owned()),
        verified: Set(false),
        verified_kind: Set(None),
        bio: Set(None),
        handle_changed_at: Set(None),
        handle_skeleton: Set(Some(handle_skeleton)),
        name_skeleton: Set(Some(name_skeleton)),
        suspended_until: Set(None),
        banned_at: Set(None),
        age_check_required_at: Set(None),
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

/// The key under which a refused email is kept: a hash, never the address.
/// A `+tag` is dropped from the address first, so `bong+2@…` is `bong@…`
/// (most providers deliver both to one mailbox).
pub(crate) fn lockout_key(email: &str) -> String {
    let email = email.trim().to_lowercase();
    let mailbox = match email.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split_once('+').map_or(local, |(base, _)| base)),
        None => email,
    };
    auth::hash_email("signup-lockout", &mailbox)
}

/// Refuses sign-ups with this email (hashed with `lockout_key`) until `until`.
pub(crate) async fn lock_out(db: &impl ConnectionTrait, email_hash: String, until: DateTime<Utc>) -> AppResult<()> {
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
/// password fail alike, and take as long. With a valid device token of the
/// account, the guess counts against that device's own budget, so failures
/// from elsewhere never refuse the owner's device; without one, against the
/// account's and the address's.
pub async fn log_in(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    keys: &TokenKeys,
    credentials: &Credentials<'_>,
    address: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<SignedIn> {
    let user = match Email::parse(credentials.email) {
        Ok(email) => user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await?,
        Err(_) => None,
    };
    let device = credentials
        .device_token
        .and_then(|token| keys.device(token, now))
        .filter(|(account, _)| user.as_ref().is_some_and(|u| u.id == *account));
    let mut guesses = Vec::with_capacity(2);
    match device {
        Some((_, device_id)) => {
            guesses.push(rate_limit::guess(db, &rate_limit::SIGN_IN_PER_DEVICE, &device_id.to_string(), now).await?);
        }
        None => {
            // Keyed by the email tried, known or not, so the limit reveals nothing.
            let account_key = auth::hash_email("login", &credentials.email.trim().to_lowercase());
            guesses.push(rate_limit::guess(db, &rate_limit::SIGN_IN_PER_ACCOUNT, &account_key, now).await?);
            if let Some(address) = address {
                match rate_limit::guess(db, &rate_limit::SIGN_IN_PER_ADDRESS, address, now).await {
                    Ok(guess) => guesses.push(guess),
                    Err(refused) => {
                        rate_limit::settle(db, guesses, rate_limit::Outcome::Succeeded).await?;
                        return Err(refused);
                    }
                }
            }
        }
    }
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    if !hasher.verify(credentials.password, stored).await? {
        rate_limit::settle(db, guesses, rate_limit::Outcome::Failed).await?;
        return Err(login_failed());
    }
    rate_limit::settle(db, guesses, rate_limit::Outcome::Succeeded).await?;
    let mut user = user.ok_or_else(login_failed)?;
    match auth::ensure_active(&user, now) {
        // The right password earns the way to read and appeal the decision.
        Err(AppError::AccountSuspended { until, .. }) => {
            let case_id = moderation::latest_decision_against(db, user.id).await?;
            let token = keys.issue_appeal(user.id, now)?.token;
            return Err(AppError::AccountSuspended { until, appeal: Some(Box::new(AppealPass { case_id, token })) });
        }
        // And, for an age check, the way to answer it.
        Err(AppError::AgeCheckRequired { .. }) => {
            let waiting = age_checks::waiting_for(db, user.id).await?;
            let token = keys.issue_appeal(user.id, now)?.token;
            let pass = AgeCheckPass {
                token,
                case_id: waiting.as_ref().and_then(|check| check.case_id),
                submitted_at: waiting.and_then(|check| check.submitted_at),
            };
            return Err(AppError::AgeCheckRequired { pass: Some(Box::new(pass)) });
        }
        _ => {}
    }
    let deletion_cancelled = user.deleted_at.is_some();
    if deletion_cancelled {
        // Signing in within the grace period cancels the deletion.
        let mut restored: user::ActiveModel = user.into();
        restored.deleted_at = Set(None);
        restored.updated_at = Set(now);
        user = restored.update(db).await?;
        tracing::info!(user = %user.id, "account deletion cancelled by signing in");
    }
    let tokens = sessions::start(db, keys, user.id, now).await?;
    Ok(SignedIn { user, tokens, deletion_cancelled })
}

/// A session opened by signing in.
pub struct SignedIn {
    pub user: user::Model,
    pub tokens: IssuedTokens,
    /// Whether this sign-in cancelled the account's pending deletion, which
    /// the person must be told in so many words.
    pub deletion_cancelled: bool,
}

/// Changes the language the account reads in: the app's words, the feed's
/// reasons and notifications, already sent ones included.
pub async fn set_locale(db: &impl ConnectionTrait, access: &Access, locale: &str) -> AppResult<user::Model> {
    let viewer = access.member()?;
    let locale = Locale::parse(locale).map_err(|_| AppError::field("locale", "must be \"vi\" or \"en\""))?;
    let mut account: user::ActiveModel = viewer.user.clone().into();
    account.locale = Set(locale.as_str().to_owned());
    account.updated_at = Set(access.now());
    Ok(account.update(db).await?)
}

/// What a person types to sign in, and the device token their device kept.
pub struct Credentials<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub device_token: Option<&'a str>,
}

/// A public profile: `None` for unknown, suspended, banned and deleted
/// accounts (a bad token is still an error).
pub async fn find_visible_by_handle(
    db: &impl ConnectionTrait,
    access: &Access,
    handle: &str,
) -> AppResult<Option<user::Model>> {
    access.viewer()?;
    Ok(find_by_handle(db, handle).await?.filter(|u| auth::is_visible_account(u, access.now())))
}

pub async fn find_by_handle(db: &impl ConnectionTrait, handle: &str) -> AppResult<Option<user::Model>> {
    let Ok(handle) = Handle::parse(handle) else {
        return Ok(None);
    };
    Ok(user::Entity::find().filter(user::Column::Handle.eq(handle.as_str())).one(db).await?)
}

/// Changes a user's role. Admins cannot change their own, so the last admin
/// cannot lock everyone out by accident.
pub async fn set_role(db: &impl ConnectionTrait, access: &Access, user_id: Uuid, role: Role) -> AppResult<user::Model> {
    let actor_id = access.staff(&[Role::Admin])?.id();
    let now = access.now();
    crate::policy::accounts::may_set_role(actor_id, user_id)?;
    let user =
        user::Entity::find_by_id(user_id).one(db).await?.ok_or_else(|| AppError::NotFound("No such user".into()))?;
    let mut active: user::ActiveModel = user.into();
    active.role = Set(role);
    active.updated_at = Set(now);
    let user = active.update(db).await?;
    tracing::info!(actor = %actor_id, user = %user_id, ?role, "role changed");
    Ok(user)
}

/// A no-op write to the user's row: on PostgreSQL it holds the row lock to
/// the end of the transaction, on SQLite it takes the write lock.
pub async fn lock_user(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::UpdatedAt, Expr::col(user::Column::UpdatedAt))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
