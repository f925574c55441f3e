//! Comment controls for everyone: hold what the check flags, hold chosen
//! keywords, and for a while hold comments from strangers and newcomers.
//! Held comments wait for the content author; the writer is not told.
use chrono::{DateTime, Duration, Utc};
use entity::user_settings::{self, Keywords};
use entity::{comment_block, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::policy::Access;
use crate::text::{refuse_hidden, skeleton};
use crate::{settings, social};

pub const MAX_KEYWORDS: usize = 100;
const KEYWORD_CHARS: std::ops::RangeInclusive<usize> = 1..=50;
const LIMIT_DAYS: std::ops::RangeInclusive<i32> = 1..=30;
/// Accounts younger than this are newcomers while a limit is on.
pub const NEWCOMER: Duration = Duration::days(7);

/// A change to the caller's comment controls; what is absent stays.
#[derive(Debug, Default)]
pub struct ControlsChange {
    pub filter_unkind: Option<bool>,
    pub filter_keywords: Option<Vec<String>>,
    pub limit_days: Option<i32>,
    pub end_limit: Option<bool>,
}

/// Sets the caller's comment controls.
pub async fn set(db: &DatabaseConnection, access: &Access, change: ControlsChange) -> AppResult<user_settings::Model> {
    let viewer = access.member()?;
    let now = access.now();
    if change.limit_days.is_some() && change.end_limit == Some(true) {
        return Err(AppError::field("limitDays", "cannot be given with endLimit"));
    }
    let mut row: user_settings::ActiveModel = settings::get(db, viewer.id()).await?.into();
    if let Some(on) = change.filter_unkind {
        row.filter_unkind = Set(on);
    }
    if let Some(keywords) = change.filter_keywords {
        row.filter_keywords = Set(Keywords(checked_keywords(keywords)?));
    }
    if let Some(days) = change.limit_days {
        if !LIMIT_DAYS.contains(&days) {
            return Err(AppError::field("limitDays", "must be 1 to 30"));
        }
        row.comments_limited_until = Set(Some(now + Duration::days(i64::from(days))));
    }
    if change.end_limit == Some(true) {
        row.comments_limited_until = Set(None);
    }
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

/// At most 100 keywords of 1 to 50 characters, nothing hidden, one of each skeleton.
fn checked_keywords(keywords: Vec<String>) -> AppResult<Vec<String>> {
    if keywords.len() > MAX_KEYWORDS {
        return Err(AppError::field("filterKeywords", "may hold at most 100 keywords"));
    }
    let mut kept: Vec<String> = Vec::with_capacity(keywords.len());
    for keyword in keywords {
        let keyword = keyword.trim().to_owned();
        if !KEYWORD_CHARS.contains(&keyword.chars().count()) || skeleton(&keyword).is_empty() {
            return Err(AppError::field("filterKeywords", "must each be 1 to 50 characters with a letter or digit"));
        }
        refuse_hidden(&keyword).map_err(|e| AppError::invalid("filterKeywords", &e))?;
        if !kept.iter().any(|k| skeleton(k) == skeleton(&keyword)) {
            kept.push(keyword);
        }
    }
    Ok(kept)
}

/// Whether the content author's controls hold a comment by `writer`.
pub(crate) async fn holds(
    db: &impl ConnectionTrait,
    author: &user_settings::Model,
    writer: &user::Model,
    body: &str,
    flagged: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if author.user_id == writer.id {
        return Ok(false);
    }
    if flagged && author.filter_unkind {
        return Ok(true);
    }
    if author.filter_keywords.0.iter().any(|keyword| super::contains_words(body, keyword)) {
        return Ok(true);
    }
    let limited = author.comments_limited_until.is_some_and(|until| until > now);
    Ok(limited && (writer.created_at > now - NEWCOMER || !social::is_following(db, writer.id, author.user_id).await?))
}

/// Whether `owner` stopped `writer` commenting on their content.
pub(crate) async fn blocked(db: &impl ConnectionTrait, owner: Uuid, writer: Uuid) -> AppResult<bool> {
    Ok(comment_block::Entity::find_by_id((owner, writer)).one(db).await?.is_some())
}

/// `owner` stops these accounts commenting on their content.
pub(crate) async fn block(
    db: &impl ConnectionTrait,
    owner: Uuid,
    writers: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let rows: Vec<comment_block::ActiveModel> = writers
        .iter()
        .filter(|w| **w != owner)
        .map(|w| comment_block::ActiveModel { owner_id: Set(owner), blocked_id: Set(*w), created_at: Set(now) })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    comment_block::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([comment_block::Column::OwnerId, comment_block::Column::BlockedId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
