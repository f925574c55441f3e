//! Comments, under the content author's comment policy and comment
//! controls, with a nudge before an unkind one is posted.
use chrono::{DateTime, Duration, Utc};
use entity::{CommentPolicy, comment, content, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::kindness::{self, controls, nudges};
use crate::notifications::{self, Notice};
use crate::pagination::{Direction, Page, PageRequest, keyset_page};
use crate::policy::Access;
use crate::policy::content::{self as rules, active_user, visible_comments};
use crate::text::fold;
use crate::{content as contents, settings, social};

/// At most this many ids per `hideComments`.
pub const HIDE_AT_ONCE: usize = 100;
/// Flagged comments on one item within the hour that make a storm.
const STORM: u64 = 10;
const STORM_WINDOW: Duration = Duration::hours(1);
/// A creator hears of a storm on an item at most this often.
const STORM_TOLD_EVERY: Duration = Duration::days(1);

/// Locks the item's row for this transaction (`FOR UPDATE` on PostgreSQL;
/// SQLite's write lock is already held), so changes to its comments and
/// their count happen one after another.
async fn lock_item(db: &impl ConnectionTrait, content_id: Uuid) -> AppResult<()> {
    content::Entity::find_by_id(content_id).lock_exclusive().one(db).await?;
    Ok(())
}

/// Sets the item's `commentCount` from its comments: every one not removed
/// by moderation nor hidden by the creator, held ones included, so a hold
/// changes no count its writer could watch. Called under `lock_item`.
pub async fn recount(db: &impl ConnectionTrait, content_id: Uuid) -> AppResult<()> {
    let counted = sea_orm::sea_query::Query::select()
        .expr(Expr::col((comment::Entity, comment::Column::Id)).count())
        .from(comment::Entity)
        .and_where(Expr::col((comment::Entity, comment::Column::ContentId)).eq(content_id))
        .and_where(Expr::col((comment::Entity, comment::Column::RemovedAt)).is_null())
        .and_where(Expr::col((comment::Entity, comment::Column::HiddenAt)).is_null())
        .to_owned();
    content::Entity::update_many()
        .col_expr(content::Column::CommentCount, Expr::SubQuery(None, Box::new(counted.into())))
        .filter(content::Column::Id.eq(content_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A new comment's row: shown, not held or flagged.
pub fn row(content_id: Uuid, author_id: Uuid, body: &str, at: DateTime<Utc>) -> comment::ActiveModel {
    comment::ActiveModel {
        id: Set(Uuid::new_v4()),
        content_id: Set(content_id),
        author_id: Set(author_id),
        body: Set(body.to_owned()),
        body_folded: Set(fold(body)),
        created_at: Set(at),
        removed_at: Set(None),
        held_at: Set(None),
        approved_at: Set(None),
        hidden_at: Set(None),
        flagged: Set(false),
    }
}

/// Whether everyone who may see the item sees the comment.
pub(crate) fn seen_by_all(comment: &comment::Model) -> bool {
    (comment.held_at.is_none() || comment.approved_at.is_some()) && comment.hidden_at.is_none()
}

/// Comments on content the viewer may read now: a teen in time away or
/// past today's limit cannot. An unkind comment is answered with a nudge
/// and not posted, unless `post_anyway`.
pub async fn add(
    db: &DatabaseConnection,
    access: &Access,
    content_id: Uuid,
    body: &str,
    post_anyway: bool,
) -> AppResult<comment::Model> {
    let writer = &access.member()?.user;
    let reads = access.content_reads(db).await?;
    let now = access.now();
    let body = body.trim();
    if !(1..=500).contains(&body.chars().count()) {
        return Err(AppError::field("body", "must be 1 to 500 characters long"));
    }
    crate::text::refuse_hidden(body).map_err(|e| AppError::invalid("body", &e))?;
    let content = contents::get_visible(db, &reads, content_id).await?;
    let author_settings = settings::get(db, content.author_id).await?;
    let policy = author_settings.comment_policy;
    let others = writer.id != content.author_id;
    let follows =
        others && policy == CommentPolicy::Followers && social::is_following(db, writer.id, content.author_id).await?;
    let stopped = others && controls::blocked(db, content.author_id, writer.id).await?;
    rules::may_comment(writer.id, &content, policy, follows, stopped)?;
    let unkind = kindness::check(body);
    if let (Some(found), false) = (&unkind, post_anyway) {
        nudges::record(db, writer.id, content_id, &found.words, now).await?;
        return Err(AppError::KindnessNudge {
            words: found.words.clone(),
            suggestion: nudges::suggestion(found.harm, access.vietnamese()),
        });
    }
    let flagged = unkind.is_some();
    let held = controls::holds(db, &author_settings, writer, body, flagged, now).await?;
    let txn = crate::begin_write(db).await?;
    lock_item(&txn, content_id).await?;
    let row = comment::ActiveModel {
        held_at: Set(held.then_some(now)),
        flagged: Set(flagged),
        ..row(content_id, writer.id, body, now)
    }
    .insert(&txn)
    .await?;
    recount(&txn, content_id).await?;
    nudges::settle_by_comment(&txn, writer.id, content_id, flagged, now).await?;
    if flagged {
        tell_of_storm(&txn, &content, now).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Ten flagged comments on the item within the hour: its author hears of
/// it, once a day at most (the conditional update decides who tells).
async fn tell_of_storm(db: &impl ConnectionTrait, content: &content::Model, now: DateTime<Utc>) -> AppResult<()> {
    let flagged = comment::Entity::find()
        .filter(comment::Column::ContentId.eq(content.id))
        .filter(comment::Column::Flagged.eq(true))
        .filter(comment::Column::CreatedAt.gt(now - STORM_WINDOW))
        .count(db)
        .await?;
    if flagged < STORM {
        return Ok(());
    }
    let told = content::Entity::update_many()
        .col_expr(content::Column::StormToldAt, Expr::value(now))
        .filter(content::Column::Id.eq(content.id))
        .filter(
            sea_orm::Condition::any()
                .add(content::Column::StormToldAt.is_null())
                .add(content::Column::StormToldAt.lte(now - STORM_TOLD_EVERY)),
        )
        .exec(db)
        .await?;
    if told.rows_affected > 0 {
        let notice = Notice::CommentStorm { title: &content.title, content_id: content.id };
        notifications::notify_id(db, content.author_id, notice, now).await?;
    }
    Ok(())
}

/// Its writer or the content's author may delete a comment.
pub async fn delete(db: &DatabaseConnection, access: &Access, comment_id: Uuid) -> AppResult<()> {
    let viewer = access.member()?.id();
    let not_found = || AppError::NotFound("No such comment".into());
    let comment = comment::Entity::find_by_id(comment_id).one(db).await?.ok_or_else(not_found)?;
    let content =
        contents::get_target(db, &access.target_checks()?, comment.content_id).await.map_err(|_| not_found())?;
    rules::may_delete_comment(&comment, &content, viewer)?;
    let txn = crate::begin_write(db).await?;
    lock_item(&txn, comment.content_id).await?;
    comment::Entity::delete_by_id(comment_id).exec(&txn).await?;
    recount(&txn, comment.content_id).await?;
    txn.commit().await?;
    Ok(())
}

/// One comment, if the reader may see it where it stands.
pub async fn read(db: &impl ConnectionTrait, access: &Access, comment_id: Uuid) -> AppResult<Option<comment::Model>> {
    let Some(comment) = comment::Entity::find_by_id(comment_id).one(db).await? else { return Ok(None) };
    let reads = access.content_reads(db).await?;
    let Some(content) = contents::find_visible(db, &reads, comment.content_id).await? else { return Ok(None) };
    let author_keywords = settings::get(db, content.author_id).await?.blocked_keywords.0;
    let visible = visible_comments(&reads, content.id, &author_keywords).filter(comment::Column::Id.eq(comment.id));
    Ok(visible.one(db).await?)
}

/// Visible comments on one content, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    content: &content::Model,
    page: &PageRequest,
) -> AppResult<Page<comment::Model>> {
    let reads = access.content_reads(db).await?;
    let author_keywords = settings::get(db, content.author_id).await?.blocked_keywords.0;
    let select = visible_comments(&reads, content.id, &author_keywords);
    keyset_page(db, select, Direction::NewestFirst, page).await
}

/// The content's author, and the content, or why not.
async fn own_content(db: &impl ConnectionTrait, access: &Access, content_id: Uuid) -> AppResult<content::Model> {
    let viewer = access.member()?.id();
    let reads = access.content_reads(db).await?;
    let content = contents::get_visible(db, &reads, content_id).await?;
    rules::may_manage_comments(&content, viewer)?;
    Ok(content)
}

/// Comments held on the caller's content, oldest first.
pub async fn held(
    db: &impl ConnectionTrait,
    access: &Access,
    content_id: Uuid,
    page: &PageRequest,
) -> AppResult<Page<comment::Model>> {
    own_content(db, access, content_id).await?;
    let writer_here = active_user(Expr::col((comment::Entity, comment::Column::AuthorId)), access.now());
    let select = comment::Entity::find()
        .filter(comment::Column::ContentId.eq(content_id))
        .filter(writer_here)
        .filter(comment::Column::HeldAt.is_not_null())
        .filter(comment::Column::ApprovedAt.is_null())
        .filter(comment::Column::HiddenAt.is_null())
        .filter(comment::Column::RemovedAt.is_null());
    keyset_page(db, select, Direction::OldestFirst, page).await
}

/// The content's author shows a held comment to everyone.
pub async fn approve(db: &DatabaseConnection, access: &Access, comment_id: Uuid) -> AppResult<comment::Model> {
    let not_found = || AppError::NotFound("No such comment".into());
    let waiting = comment::Entity::find_by_id(comment_id).one(db).await?.ok_or_else(not_found)?;
    own_content(db, access, waiting.content_id).await?;
    // A writer hidden from everyone (banned, suspended, locked, deleted) is
    // hidden here too.
    social::find_active_user(db, waiting.author_id, access.now()).await.map_err(|_| not_found())?;
    // Held comments are counted already: approving changes no count.
    let approved = comment::Entity::update_many()
        .col_expr(comment::Column::ApprovedAt, Expr::value(access.now()))
        .filter(comment::Column::Id.eq(comment_id))
        .filter(comment::Column::HeldAt.is_not_null())
        .filter(comment::Column::ApprovedAt.is_null())
        .filter(comment::Column::HiddenAt.is_null())
        .filter(comment::Column::RemovedAt.is_null())
        .exec(db)
        .await?;
    if approved.rows_affected == 0 {
        return Err(AppError::Conflict("This comment is not waiting for approval".into()));
    }
    comment::Entity::find_by_id(comment_id).one(db).await?.ok_or_else(not_found)
}

/// The caller hides up to 100 comments on their own content (others' ids
/// are passed over) and may stop their writers commenting on their content.
/// Returns how many it hid.
pub async fn hide(db: &DatabaseConnection, access: &Access, ids: &[Uuid], block_writers: bool) -> AppResult<u64> {
    let owner = access.member()?.id();
    let now = access.now();
    if !(1..=HIDE_AT_ONCE).contains(&ids.len()) {
        return Err(AppError::field("ids", "must hold 1 to 100 comment ids"));
    }
    let own = sea_orm::sea_query::Query::select()
        .column(content::Column::Id)
        .from(content::Entity)
        .and_where(Expr::col(content::Column::AuthorId).eq(owner))
        .to_owned();
    let txn = crate::begin_write(db).await?;
    let found = comment::Entity::find()
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .filter(comment::Column::ContentId.in_subquery(own))
        .filter(comment::Column::HiddenAt.is_null())
        .all(&txn)
        .await?;
    let mut items: Vec<Uuid> = found.iter().map(|c| c.content_id).collect();
    items.sort();
    items.dedup();
    // In one order, so two hides at once never wait on each other.
    for item in &items {
        lock_item(&txn, *item).await?;
    }
    let hidden = comment::Entity::update_many()
        .col_expr(comment::Column::HiddenAt, Expr::value(now))
        .filter(comment::Column::Id.is_in(found.iter().map(|c| c.id)))
        .filter(comment::Column::HiddenAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    for item in &items {
        recount(&txn, *item).await?;
    }
    if block_writers {
        let writers: Vec<Uuid> = found.iter().map(|c| c.author_id).collect();
        controls::block(&txn, owner, &writers, now).await?;
    }
    txn.commit().await?;
    Ok(hidden)
}

/// Whether the viewer is told a comment is held: only the content's author
/// (its writer is not told).
pub fn held_for(comment: &comment::Model, viewer: Option<&user::Model>) -> bool {
    comment.held_at.is_some()
        && comment.approved_at.is_none()
        && viewer.is_some_and(|viewer| viewer.id != comment.author_id)
}
