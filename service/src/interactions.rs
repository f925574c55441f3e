//! Recording what viewers do. Counters change in the same transaction as the
//! signal, with `SET n = n + 1`, so they stay exact under concurrency, and so
//! do the feed's learned weights (`feed::tastes`).
use chrono::{DateTime, Utc};
use entity::{InteractionKind, content, content_tag, interaction, like, tag};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use crate::content as contents;
use crate::error::{AppError, AppResult};
use crate::feed::tastes::{self, Lesson};
use crate::policy::Access;
use crate::taxonomy::Taxonomy;

async fn bump(db: &impl ConnectionTrait, id: Uuid, column: content::Column, by: i32) -> AppResult<()> {
    content::Entity::update_many()
        .col_expr(column, Expr::col(column).add(by))
        .filter(content::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn insert(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    content_id: Option<Uuid>,
    kind: InteractionKind,
    watched_ms: Option<i32>,
    query: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    interaction::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        content_id: Set(content_id),
        kind: Set(kind),
        watched_ms: Set(watched_ms),
        query: Set(query),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records one interaction with visible content and returns the content as
/// it is afterwards.
pub async fn record(
    db: &DatabaseConnection,
    access: &Access,
    content_id: Uuid,
    kind: InteractionKind,
    watched_ms: Option<i32>,
) -> AppResult<content::Model> {
    let viewer_id = access.member()?.id();
    let now = access.now();
    // Returning the content is a read, which the teen gate guards. Time
    // watched is still counted when the gate is already closed (a video
    // started before the limit or the window), and then refused.
    let reads = access.content_reads(db).await;
    let counts_time = matches!(kind, InteractionKind::View | InteractionKind::SwipeAway);
    if !counts_time {
        reads.clone()?;
    }
    let content = contents::get_target(db, &access.target_checks()?, content_id).await?;
    let watched_ms = match (kind, watched_ms) {
        (InteractionKind::View, None) => return Err(AppError::field("watchedMs", "is required for a VIEW")),
        (_, Some(ms)) if ms < 0 => return Err(AppError::field("watchedMs", "may not be negative")),
        // Longer than the video is clamped: nobody watches more than all of it.
        (InteractionKind::View, Some(ms)) => Some(std::cmp::min(ms, content.duration_seconds.saturating_mul(1000))),
        (InteractionKind::Search, _) => return Err(AppError::field("kind", "cannot be SEARCH")),
        _ => None,
    };

    // A quick swipe past a video the viewer likes (moving on after liking
    // it) is no sign against it, and is not kept: it never undoes the like.
    if kind == InteractionKind::SwipeAway && like::Entity::find_by_id((viewer_id, content_id)).one(db).await?.is_some()
    {
        return contents::reread(db, &reads?, &content).await;
    }

    let txn = crate::begin_write(db).await?;
    match kind {
        InteractionKind::View => bump(&txn, content_id, content::Column::ViewCount, 1).await?,
        InteractionKind::Share => bump(&txn, content_id, content::Column::ShareCount, 1).await?,
        InteractionKind::Like => {
            let added = like::Entity::insert(like::ActiveModel {
                user_id: Set(viewer_id),
                content_id: Set(content_id),
                created_at: Set(now),
            })
            .on_conflict(OnConflict::columns([like::Column::UserId, like::Column::ContentId]).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await?;
            if added > 0 {
                bump(&txn, content_id, content::Column::LikeCount, 1).await?;
            }
        }
        InteractionKind::Unlike => {
            let removed = like::Entity::delete_many()
                .filter(like::Column::UserId.eq(viewer_id))
                .filter(like::Column::ContentId.eq(content_id))
                .exec(&txn)
                .await?;
            if removed.rows_affected > 0 {
                bump(&txn, content_id, content::Column::LikeCount, -1).await?;
            }
        }
        InteractionKind::SwipeAway | InteractionKind::NotInterested | InteractionKind::Search => {}
    }
    insert(&txn, viewer_id, Some(content_id), kind, watched_ms, None, now).await?;
    let tags: Vec<String> = content_tag::Entity::find()
        .select_only()
        .column(content_tag::Column::TagSlug)
        .filter(content_tag::Column::ContentId.eq(content_id))
        .into_tuple()
        .all(&txn)
        .await?;
    let lesson = Lesson::of(kind, watched_ms, content.duration_seconds);
    tastes::learn(&txn, viewer_id, lesson, content.author_id, &tags, now).await?;
    txn.commit().await?;
    contents::reread(db, &reads?, &content).await
}

/// A signed-in viewer's first page of a search is a signal for their feed.
/// Called once the search has been read, by the operation that ran it.
pub async fn remember_search(
    db: &impl ConnectionTrait,
    access: &Access,
    search: &str,
    first_page: bool,
    taxonomy: &Taxonomy,
) -> AppResult<()> {
    let terms = contents::search_terms(search);
    match access.viewer()? {
        Some(viewer) if first_page && !terms.is_empty() => {
            record_search(db, viewer.id(), &terms, taxonomy.all(), access.now()).await
        }
        _ => Ok(()),
    }
}

/// A search repeated within this time counts once.
const SEARCH_REPEAT_WINDOW: chrono::Duration = chrono::Duration::minutes(30);

/// Remembers a search, so the feed can learn from it.
pub async fn record_search(
    db: &impl ConnectionTrait,
    viewer_id: Uuid,
    terms: &[String],
    tags: &[tag::Model],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let query: String = terms.join(" ").chars().take(400).collect();
    // The same search again soon after (a page drawn twice, a refresh) is
    // not a second sign of a taste.
    let repeated = interaction::Entity::find()
        .filter(interaction::Column::UserId.eq(viewer_id))
        .filter(interaction::Column::Kind.eq(InteractionKind::Search))
        .filter(interaction::Column::Query.eq(query.as_str()))
        .filter(interaction::Column::CreatedAt.gte(now - SEARCH_REPEAT_WINDOW))
        .one(db)
        .await?;
    if repeated.is_some() {
        return Ok(());
    }
    // Searches run on a read path, without a transaction: the history row
    // comes second, so a failure never leaves history the weights missed.
    tastes::learn_search(db, viewer_id, terms, tags, now).await?;
    insert(db, viewer_id, None, InteractionKind::Search, None, Some(query), now).await
}
