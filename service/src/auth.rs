//! Who is calling: password hashing, access tokens (JWT), opaque refresh
//! tokens, and the one function that turns an `Authorization` header into a
//! `Caller`. Every authorisation decision starts from a `Caller`.
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm as ArgonAlgorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::{Role, session, user, user_settings};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, Value};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, Iterable, QueryFilter, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::Password;
use crate::error::{AppError, AppResult};
use crate::rows::{self, with_columns};

pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);
/// How long a locked account's token (to appeal, or to answer an age check) lasts.
pub const APPEAL_TOKEN_TTL: Duration = Duration::hours(1);
/// How long a device token opens its own sign-in budget.
pub const DEVICE_TOKEN_TTL: Duration = Duration::days(365);
const ISSUER: &str = "trustfeed";
const AUDIENCE: &str = "trustfeed-api";
const ACCESS_TOKEN_TYPE: &str = "access";
/// Reads and appeals a suspended user's decisions, and nothing else.
const APPEAL_TOKEN_TYPE: &str = "appeal";
/// Names a device that once signed in to an account (OWASP's "device
/// cookie"); it opens nothing but that device's own sign-in budget.
const DEVICE_TOKEN_TYPE: &str = "device";

/// Argon2id with the contract's parameters (m = 19 MiB, t = 2, p = 1).
fn argon2() -> AppResult<Argon2<'static>> {
    let params = Params::new(19_456, 2, 1, None).map_err(AppError::internal)?;
    Ok(Argon2::new(ArgonAlgorithm::Argon2id, Version::V0x13, params))
}

/// Hashes on `concurrency` threads of its own, so a burst of sign-ins
/// queues up instead of starving every other request of CPU. Threads of its
/// own, not the blocking pool: each hash takes 19 MiB, and the allocator
/// keeps such blocks in each thread's arena, so hashing on the blocking
/// pool's many threads grew the process by hundreds of megabytes under load.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: std::sync::mpsc::Sender<Job>,
    /// Verified against when the email is unknown, so both failures take as long.
    decoy_hash: Arc<str>,
}

type Job = Box<dyn FnOnce() + Send>;

impl PasswordHasher {
    pub fn new(concurrency: usize) -> AppResult<Self> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..concurrency.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    // Ends once every hasher is dropped.
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => break,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                })
                .map_err(AppError::internal)?;
        }
        let decoy = URL_SAFE_NO_PAD.encode(random_bytes::<16>());
        Ok(Self { jobs, decoy_hash: hash_now(&decoy)?.into() })
    }

    /// One fewer than the cores, so one core always serves other requests.
    pub fn default_concurrency() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
    }

    pub async fn hash(&self, password: &Password) -> AppResult<String> {
        let password = password.expose().to_owned();
        self.run(move || hash_now(&password)).await
    }

    /// Checks `password` against `stored`, or against a decoy when there is no
    /// account, and says whether it matched.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> AppResult<bool> {
        let password = password.to_owned();
        let known = stored.is_some();
        let hash = stored.map_or_else(|| self.decoy_hash.to_string(), str::to_owned);
        let matched = self
            .run(move || {
                let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
                Ok(argon2()?.verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .await?;
        Ok(known && matched)
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The asker may have gone (its request timed out): nothing to tell.
                let _ = answer.send(job());
            }))
            .map_err(|_| AppError::internal("the password threads have stopped"))?;
        answered.await.map_err(AppError::internal)?
    }
}

fn hash_now(password: &str) -> AppResult<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(AppError::internal)?;
    Ok(argon2()?.hash_password(password.as_bytes(), &salt).map_err(AppError::internal)?.to_string())
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A new opaque refresh token and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// SHA-256 of a normalised email for one `purpose`, for records that must
/// not keep the address.
pub fn hash_email(purpose: &str, email: &str) -> String {
    hex(&Sha256::digest(format!("{purpose}:{email}").as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    aud: String,
    sub: Uuid,
    /// The session (refresh-token family) this token belongs to.
    sid: Uuid,
    exp: i64,
    iat: i64,
    jti: Uuid,
    typ: String,
}

/// Signs and checks access tokens. HS256 is pinned: a token naming any other
/// algorithm, `none` included, is refused.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> AppResult<Self> {
        crate::hmac_tokens::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the app's clock below, not the system's.
        validation.validate_exp = false;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(AppError::internal)?,
            decoding: DecodingKey::from_secret(secret).map_err(AppError::internal)?,
            validation,
        })
    }

    pub fn issue(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> AppResult<AccessToken> {
        self.sign(user_id, session_id, ACCESS_TOKEN_TYPE, now + ACCESS_TOKEN_TTL, now)
    }

    /// A token with which a suspended or banned user may read and appeal
    /// their decisions; it belongs to no session.
    pub fn issue_appeal(&self, user_id: Uuid, now: DateTime<Utc>) -> AppResult<AccessToken> {
        self.sign(user_id, Uuid::nil(), APPEAL_TOKEN_TYPE, now + APPEAL_TOKEN_TTL, now)
    }

    /// A token for the device that just signed in to `user_id`.
    pub fn issue_device(&self, user_id: Uuid, now: DateTime<Utc>) -> AppResult<AccessToken> {
        self.sign(user_id, Uuid::nil(), DEVICE_TOKEN_TYPE, now + DEVICE_TOKEN_TTL, now)
    }

    /// The account a valid, unexpired device token was issued for, and the
    /// token's own id (its budget's key).
    pub fn device(&self, token: &str, now: DateTime<Utc>) -> Option<(Uuid, Uuid)> {
        let claims = decode::<AccessClaims>(token, &self.decoding, &self.validation).ok()?.claims;
        (claims.typ == DEVICE_TOKEN_TYPE && claims.exp > now.timestamp()).then_some((claims.sub, claims.jti))
    }

    fn sign(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        typ: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> AppResult<AccessToken> {
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id,
            sid: session_id,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: Uuid::new_v4(),
            typ: typ.into(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(AppError::internal)?;
        Ok(AccessToken { token, expires_at })
    }

    /// What a valid, unexpired token names.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> AppResult<Verified> {
        let rejected = || AppError::Unauthenticated("Your sign-in is invalid or has expired".into());
        let claims = decode::<AccessClaims>(token, &self.decoding, &self.validation).map_err(|_| rejected())?.claims;
        if claims.exp <= now.timestamp() {
            return Err(rejected());
        }
        match claims.typ.as_str() {
            ACCESS_TOKEN_TYPE => Ok(Verified::Session { user_id: claims.sub, session_id: claims.sid }),
            APPEAL_TOKEN_TYPE => Ok(Verified::Appeal { user_id: claims.sub }),
            _ => Err(rejected()),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Verified {
    Session { user_id: Uuid, session_id: Uuid },
    Appeal { user_id: Uuid },
}

/// A signed-in user with their settings, checked against the database for
/// this request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: user::Model,
    pub settings: user_settings::Model,
}

impl Viewer {
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    pub fn has_role(&self, roles: &[Role]) -> bool {
        roles.contains(&self.user.role)
    }
}

/// Who made a request. A token that was sent but is bad is kept as `Rejected`
/// so that any resolver reading the caller reports it instead of silently
/// treating the request as anonymous.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    Signed(Box<Viewer>),
    /// A suspended, banned or age-check-locked user holding the token that
    /// signing in gave them.
    Appealing(Box<user::Model>),
    Rejected(AppError),
}

impl Caller {
    /// The viewer, if any; an error when a bad token was sent.
    pub fn viewer(&self) -> AppResult<Option<&Viewer>> {
        match self {
            Caller::Anonymous => Ok(None),
            Caller::Signed(viewer) => Ok(Some(viewer)),
            // An appeal token opens the appeal and nothing else.
            Caller::Appealing(user) => Err(suspension(user.as_ref()).unwrap_or_else(AppError::unauthenticated)),
            Caller::Rejected(err) => Err(err.clone()),
        }
    }
}

/// The columns that say whether an account is locked or gone, which the
/// account and its public profile both carry.
pub trait Standing {
    fn banned_at(&self) -> Option<DateTime<Utc>>;
    fn age_check_required_at(&self) -> Option<DateTime<Utc>>;
    fn suspended_until(&self) -> Option<DateTime<Utc>>;
    fn deleted_at(&self) -> Option<DateTime<Utc>>;
}

macro_rules! standing {
    ($($account:ty),*) => {$(
        impl Standing for $account {
            fn banned_at(&self) -> Option<DateTime<Utc>> {
                self.banned_at
            }
            fn age_check_required_at(&self) -> Option<DateTime<Utc>> {
                self.age_check_required_at
            }
            fn suspended_until(&self) -> Option<DateTime<Utc>> {
                self.suspended_until
            }
            fn deleted_at(&self) -> Option<DateTime<Utc>> {
                self.deleted_at
            }
        }
    )*};
}

standing!(user::Model, user::Profile);

/// Refuses suspended, banned and age-check-locked accounts; every sign-in
/// path calls this.
pub fn ensure_active(user: &impl Standing, now: DateTime<Utc>) -> AppResult<()> {
    match suspension(user) {
        Some(AppError::AccountSuspended { until: Some(until), .. }) if until <= now => Ok(()),
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// What locks the account: a ban, then an age check, then a (possibly
/// lapsed) suspension. The age check comes before a suspension because it
/// must be answered either way, and its token opens the appeal too.
fn suspension(user: &impl Standing) -> Option<AppError> {
    if user.banned_at().is_some() {
        return Some(AppError::suspended(None));
    }
    if user.age_check_required_at().is_some() {
        return Some(AppError::AgeCheckRequired { pass: None });
    }
    user.suspended_until().map(|until| AppError::suspended(Some(until)))
}

/// Whether others may see and reach this account: active and not deleted.
pub fn is_visible_account(user: &impl Standing, now: DateTime<Utc>) -> bool {
    user.deleted_at().is_none() && ensure_active(user, now).is_ok()
}

/// Resolves the `Authorization` header: the token must verify, its session
/// must be live and its account active.
pub async fn resolve_caller(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    now: DateTime<Utc>,
    authorization: Option<&str>,
) -> Caller {
    let Some(header) = authorization else {
        return Caller::Anonymous;
    };
    check_bearer(db, keys, now, header).await.unwrap_or_else(Caller::Rejected)
}

async fn check_bearer(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    now: DateTime<Utc>,
    header: &str,
) -> AppResult<Caller> {
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| AppError::Unauthenticated("Send the token as `Authorization: Bearer <token>`".into()))?;
    let (user_id, session_id) = match keys.verify(token.trim(), now)? {
        Verified::Session { user_id, session_id } => (user_id, session_id),
        Verified::Appeal { user_id } => {
            return appellant(db, user_id).await.map(|user| Caller::Appealing(Box::new(user)));
        }
    };
    let rows = db.query_all_raw(caller_statement(db.get_database_backend(), user_id, session_id)).await?;
    let found =
        rows::read_all(&rows, |columns| Ok((rows::user(columns, "caller_")?, rows::settings(columns, "settings_")?)))?;
    let Some((user, settings)) = found.into_iter().next() else {
        return Err(AppError::Unauthenticated("This session has ended; please sign in again".into()));
    };
    ensure_active(&user, now)?;
    Ok(Caller::Signed(Box::new(Viewer { user, settings })))
}

/// One statement: the user and their settings, if the session is live, read
/// by position as listings are (every signed-in request reads it).
fn caller_query(user_id: Uuid, session_id: Uuid) -> SelectStatement {
    let live_session = Query::select()
        .expr(Expr::val(1))
        .from(session::Entity)
        .and_where(Expr::col((session::Entity, session::Column::Id)).eq(session_id))
        .and_where(Expr::col((session::Entity, session::Column::UserId)).equals((user::Entity, user::Column::Id)))
        .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
        .to_owned();
    let mut caller = Query::select()
        .from(user::Entity)
        .inner_join(
            user_settings::Entity,
            Expr::col((user_settings::Entity, user_settings::Column::UserId)).equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        .and_where(Expr::exists(live_session))
        .to_owned();
    with_columns(&mut caller, user::Column::iter(), "caller_");
    with_columns(&mut caller, user_settings::Column::iter(), "settings_");
    caller
}

/// Stand-ins for the caller's ids in the statement built once.
const USER_MARK: Uuid = Uuid::from_u128(1);
const SESSION_MARK: Uuid = Uuid::from_u128(2);

/// `caller_query` for `backend`. Its text is the same on every request, and
/// building it (41 columns, each aliased) was a sixteenth of a signed-in
/// page's instructions: it is built once per backend with stand-in ids,
/// which each request's values replace.
fn caller_statement(backend: DatabaseBackend, user_id: Uuid, session_id: Uuid) -> Statement {
    static POSTGRES: OnceLock<Statement> = OnceLock::new();
    static SQLITE: OnceLock<Statement> = OnceLock::new();
    let built = match backend {
        DatabaseBackend::Postgres => &POSTGRES,
        DatabaseBackend::Sqlite => &SQLITE,
        _ => return backend.build(&caller_query(user_id, session_id)),
    };
    let mut statement = built.get_or_init(|| backend.build(&caller_query(USER_MARK, SESSION_MARK))).clone();
    for value in statement.values.iter_mut().flat_map(|values| values.0.iter_mut()) {
        if *value == Value::from(USER_MARK) {
            *value = Value::from(user_id);
        } else if *value == Value::from(SESSION_MARK) {
            *value = Value::from(session_id);
        }
    }
    statement
}

/// The holder of an appeal token: an existing account that is not deleted.
async fn appellant(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::Unauthenticated("This appeal token is no longer valid".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_statement_built_once_equals_one_built_for_the_request() {
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            for _ in 0..2 {
                let (user_id, session_id) = (Uuid::new_v4(), Uuid::new_v4());
                let reused = caller_statement(backend, user_id, session_id);
                let fresh = backend.build(&caller_query(user_id, session_id));
                assert_eq!(reused.sql, fresh.sql);
                assert_eq!(reused.values, fresh.values);
            }
        }
    }

    #[test]
    fn access_tokens_expire_on_the_app_clock() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let now = Utc::now();
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let token = keys.issue(user, session, now).unwrap();
        assert_eq!(keys.verify(&token.token, now).unwrap(), Verified::Session { user_id: user, session_id: session });
        assert!(keys.verify(&token.token, now + ACCESS_TOKEN_TTL).is_err());
    }

    #[test]
    fn tokens_signed_with_another_key_are_refused() {
        let now = Utc::now();
        let token =
            TokenKeys::new(b"another-secret-another-secret-xx").unwrap().issue(Uuid::new_v4(), Uuid::new_v4(), now);
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        assert!(keys.verify(&token.unwrap().token, now).is_err());
    }

    #[test]
    fn appeal_tokens_are_not_session_tokens() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let now = Utc::now();
        let user = Uuid::new_v4();
        let token = keys.issue_appeal(user, now).unwrap();
        assert_eq!(keys.verify(&token.token, now).unwrap(), Verified::Appeal { user_id: user });
        assert!(keys.verify(&token.token, now + APPEAL_TOKEN_TTL).is_err());
    }

    #[test]
    fn refresh_tokens_are_stored_hashed() {
        let (token, hash) = new_refresh_token();
        assert_ne!(token, hash);
        assert_eq!(hash, hash_refresh_token(&token));
        assert_eq!(hash.len(), 64);
    }
}
