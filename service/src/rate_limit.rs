//! Rate limits counted in the database, so they hold across instances.
use chrono::{DateTime, Duration, Utc};
use entity::attempt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Refuses with `RATE_LIMITED` when the caller's rows (`mine`) created in the
/// last `limit.window` already number `limit.max`; they may retry once the
/// oldest of them is `window` old. (`limit.bucket` only names the limit.)
pub async fn enforce<E: EntityTrait>(
    db: &impl ConnectionTrait,
    limit: &Limit,
    mine: Select<E>,
    created_at: impl ColumnTrait,
    now: DateTime<Utc>,
) -> AppResult<()>
where
    E::Model: Sync,
{
    let recent = mine.filter(created_at.gt(now - limit.window));
    if recent.clone().count(db).await? < limit.max {
        return Ok(());
    }
    Err(refusal(db, limit, recent, created_at, now).await)
}

/// `RATE_LIMITED`, with a retry once the oldest of the `recent` rows is
/// `window` old; counted by limit for operators (`/metrics`).
async fn refusal<E: EntityTrait>(
    db: &impl ConnectionTrait,
    limit: &Limit,
    recent: Select<E>,
    created_at: impl ColumnTrait,
    now: DateTime<Utc>,
) -> AppError {
    metrics::counter!("trustfeed_rate_limit_refusals_total", "limit" => limit.bucket).increment(1);
    let oldest: Result<Option<DateTime<Utc>>, _> =
        recent.select_only().column(created_at).order_by_asc(created_at).into_tuple().one(db).await;
    match oldest {
        Ok(oldest) => AppError::RateLimited {
            message: limit.message.to_owned(),
            retry_after_seconds: std::cmp::max((oldest.unwrap_or(now) + limit.window - now).num_seconds(), 1),
        },
        Err(err) => err.into(),
    }
}

/// A limit on attempts at something guessable (a password) or abusable (a
/// sign-up), per subject: an account, or a client address.
pub struct Limit {
    pub bucket: &'static str,
    pub max: u64,
    pub window: Duration,
    pub message: &'static str,
}

impl Limit {
    const fn per_quarter_hour(bucket: &'static str, max: u64, message: &'static str) -> Self {
        Self { bucket, max, window: Duration::minutes(15), message }
    }
}

/// Failed sign-ins per account (keyed by the email tried), for sign-ins
/// without a device token of the account.
pub const SIGN_IN_PER_ACCOUNT: Limit =
    Limit::per_quarter_hour("sign-in:account", 10, "Too many failed sign-ins for this email; try again later");
/// Failed sign-ins per device token: a device that signed in before has a
/// budget of its own, which failures from elsewhere cannot use up.
pub const SIGN_IN_PER_DEVICE: Limit =
    Limit::per_quarter_hour("sign-in:device", 10, "Too many failed sign-ins from this device; try again later");
/// Failed sign-ins per client address.
pub const SIGN_IN_PER_ADDRESS: Limit =
    Limit::per_quarter_hour("sign-in:address", 30, "Too many failed sign-ins from this address; try again later");
/// Sign-ups per client address, successful or not.
pub const SIGN_UP_PER_ADDRESS: Limit =
    Limit::per_quarter_hour("sign-up:address", 20, "Too many sign-ups from this address; try again later");
/// Wrong passwords re-entered by a signed-in user (deleting the account).
pub const PASSWORD_CHECK: Limit =
    Limit::per_quarter_hour("password:account", 10, "Too many wrong passwords; try again later");

/// An attempt written down before it is made; `forgive` takes it back,
/// `fail` counts it.
#[must_use]
pub struct Attempt(Uuid);

/// How long a password attempt waits for its turn before it is refused.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(8);
/// How long a waiting attempt waits at least before it tries again.
const TURN_POLL_MS: u64 = 10;

fn window_rows(limit: &Limit, subject: &str, now: DateTime<Utc>) -> Select<attempt::Entity> {
    attempt::Entity::find()
        .filter(attempt::Column::Bucket.eq(limit.bucket))
        .filter(attempt::Column::Subject.eq(subject))
        .filter(attempt::Column::CreatedAt.gt(now - limit.window))
}

async fn write_down(
    db: &impl ConnectionTrait,
    limit: &Limit,
    subject: &str,
    now: DateTime<Utc>,
    pending: bool,
) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    attempt::ActiveModel {
        id: Set(id),
        bucket: Set(limit.bucket.to_owned()),
        subject: Set(subject.to_owned()),
        created_at: Set(now),
        pending: Set(pending),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Writes the attempt first and counts after, so that of any number of
/// parallel attempts at most `max` are let through: each one counts itself
/// and every attempt committed before it. A refused attempt is removed, so
/// refusals do not fill the table. For actions that count whether or not
/// they succeed (a sign-up).
pub async fn attempt(
    db: &impl ConnectionTrait,
    limit: &Limit,
    subject: &str,
    now: DateTime<Utc>,
) -> AppResult<Attempt> {
    let id = write_down(db, limit, subject, now, false).await?;
    let recent = window_rows(limit, subject, now);
    if recent.clone().count(db).await? <= limit.max {
        return Ok(Attempt(id));
    }
    forgive(db, Attempt(id)).await?;
    Err(refusal(db, limit, recent, attempt::Column::CreatedAt, now).await)
}

/// A password guess: only failures use up the budget, and guesses take
/// turns. A guess is written down, then counts every guess of its subject
/// in the window, failed or still being checked: at most `max`, and it goes
/// ahead. Otherwise it steps back (its row removed, so it holds nobody up)
/// and tries again a moment later, until `max` failures have settled or
/// its wait is over. Of any number of guesses, the last to count sees every
/// one let through before it, so at most `max` are ever checked in a
/// window: 30 parallel wrong guesses check 10, while 50 parallel right
/// passwords are all checked, `max` at a time. Settle a guess with `fail`
/// or `forgive`; one never settled (its request was stopped) counts as a
/// failure.
pub async fn guess(db: &impl ConnectionTrait, limit: &Limit, subject: &str, now: DateTime<Utc>) -> AppResult<Attempt> {
    let recent = window_rows(limit, subject, now);
    let waited = tokio::time::Instant::now();
    for round in 0_u64.. {
        let id = write_down(db, limit, subject, now, true).await?;
        if recent.clone().count(db).await? <= limit.max {
            return Ok(Attempt(id));
        }
        forgive(db, Attempt(id)).await?;
        let failed = recent.clone().filter(attempt::Column::Pending.eq(false));
        if failed.clone().count(db).await? >= limit.max || waited.elapsed() >= TURN_WAIT {
            return Err(refusal(db, limit, failed, attempt::Column::CreatedAt, now).await);
        }
        // Spread out, so guesses stepping back together do not meet again.
        let spread = rand::random_range(0..=TURN_POLL_MS * (1 + round.min(4)));
        tokio::time::sleep(std::time::Duration::from_millis(TURN_POLL_MS + spread)).await;
    }
    Err(AppError::internal("a guess never had its turn"))
}

/// Counts a guess that failed against its budget.
pub async fn fail(db: &impl ConnectionTrait, attempt: Attempt) -> AppResult<()> {
    attempt::Entity::update_many()
        .col_expr(attempt::Column::Pending, sea_orm::sea_query::Expr::value(false))
        .filter(attempt::Column::Id.eq(attempt.0))
        .exec(db)
        .await?;
    Ok(())
}

/// How a guess ended.
#[derive(Clone, Copy)]
pub enum Outcome {
    Succeeded,
    Failed,
}

/// Settles the guesses of one attempt (say, its account's and its address's) alike.
pub async fn settle(db: &impl ConnectionTrait, guesses: Vec<Attempt>, outcome: Outcome) -> AppResult<()> {
    for guess in guesses {
        match outcome {
            Outcome::Succeeded => forgive(db, guess).await?,
            Outcome::Failed => fail(db, guess).await?,
        }
    }
    Ok(())
}

/// Takes back an attempt that succeeded, so that only failures count.
pub async fn forgive(db: &impl ConnectionTrait, attempt: Attempt) -> AppResult<()> {
    attempt::Entity::delete_by_id(attempt.0).exec(db).await?;
    Ok(())
}

/// Attempts older than any window, removed on a schedule.
pub async fn forget_old_attempts(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
    attempt::Entity::delete_many().filter(attempt::Column::CreatedAt.lt(now - Duration::days(1))).exec(db).await?;
    Ok(())
}
