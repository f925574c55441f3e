//! Sign-in sessions: each is a family of single-use refresh tokens. Using a
//! refresh token twice is taken as theft and ends the whole family.
use chrono::{DateTime, Utc};
use entity::{refresh_token, session, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::{self, AccessToken, REFRESH_TOKEN_TTL, TokenKeys};
use crate::error::{AppError, AppResult};

pub struct IssuedTokens {
    pub access: AccessToken,
    pub refresh_token: String,
}

fn session_ended() -> AppError {
    AppError::Unauthenticated("This session has ended; please sign in again".into())
}

/// Opens a new session for `user_id` with its first token pair.
pub async fn start(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<IssuedTokens> {
    let session = session::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    issue(db, keys, user_id, session.id, now).await
}

async fn issue(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<IssuedTokens> {
    let (refresh_token, token_hash) = auth::new_refresh_token();
    refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        session_id: Set(session_id),
        token_hash: Set(token_hash),
        expires_at: Set(now + REFRESH_TOKEN_TTL),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(IssuedTokens { access: keys.issue(user_id, session_id, now)?, refresh_token })
}

/// Trades a refresh token for a new pair in the same session. Using the old
/// token and storing the new one are one transaction: a request dropped in
/// between leaves the old token usable, not the user signed out.
pub async fn rotate(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    presented: &str,
    now: DateTime<Utc>,
) -> AppResult<(user::Model, IssuedTokens)> {
    let (token, session, user) = find(db, presented).await?;
    if session.revoked_at.is_some() || token.expires_at <= now {
        return Err(session_ended());
    }
    auth::ensure_active(&user, now)?;
    let txn = crate::begin_write(db).await?;
    // Mark it used only if nobody did first: of two concurrent uses exactly
    // one wins, and the loser is treated as a replay.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        txn.rollback().await?;
        revoke(db, session.id, now).await?;
        tracing::warn!(session = %session.id, "refresh token replayed; session revoked");
        return Err(AppError::Unauthenticated(
            "This sign-in was already used, so we signed this session out to keep your account safe".into(),
        ));
    }
    let tokens = issue(&txn, keys, user.id, session.id, now).await?;
    txn.commit().await?;
    Ok((user, tokens))
}

/// Ends the session a refresh token belongs to.
pub async fn end(db: &impl ConnectionTrait, presented: &str, now: DateTime<Utc>) -> AppResult<()> {
    let (_, session, _) = find(db, presented).await?;
    revoke(db, session.id, now).await
}

async fn find(
    db: &impl ConnectionTrait,
    presented: &str,
) -> AppResult<(refresh_token::Model, session::Model, user::Model)> {
    let token = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(auth::hash_refresh_token(presented)))
        .one(db)
        .await?
        .ok_or_else(session_ended)?;
    let (session, user) = session::Entity::find_by_id(token.session_id)
        .find_also_related(user::Entity)
        .one(db)
        .await?
        .ok_or_else(session_ended)?;
    Ok((token, session, user.ok_or_else(session_ended)?))
}

async fn revoke(db: &impl ConnectionTrait, session_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
