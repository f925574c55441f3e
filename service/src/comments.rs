//! Comments, under the content author's comment policy.
use entity::{CommentPolicy, comment, content};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::pagination::{Direction, Page, PageRequest, keyset_page};
use crate::policy::Policy;
use crate::text::fold;
use crate::visibility::{Scope, visible_comments};
use crate::{content as contents, settings, social};

async fn bump_count(db: &impl ConnectionTrait, content_id: Uuid, by: i32) -> AppResult<()> {
    content::Entity::update_many()
        .col_expr(content::Column::CommentCount, Expr::col(content::Column::CommentCount).add(by))
        .filter(content::Column::Id.eq(content_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Comments on content the viewer may read now: a teen in time away or
/// past today's limit cannot.
pub async fn add(db: &DatabaseConnection, policy: &Policy, content_id: Uuid, body: &str) -> AppResult<comment::Model> {
    let viewer = policy.member()?.id();
    let reads = policy.content_reads(db).await?;
    let scope = reads.scope();
    let body = body.trim();
    if !(1..=500).contains(&body.chars().count()) {
        return Err(AppError::field("body", "must be 1 to 500 characters long"));
    }
    crate::text::refuse_hidden(body).map_err(|e| AppError::invalid("body", &e))?;
    let content = contents::get_visible(db, scope, content_id).await?;
    let author_settings = settings::get(db, content.author_id).await?;
    let allowed = viewer == content.author_id
        || match author_settings.comment_policy {
            CommentPolicy::Everyone => true,
            CommentPolicy::Followers => social::is_following(db, viewer, content.author_id).await?,
            CommentPolicy::Nobody => false,
        };
    if !allowed {
        return Err(AppError::Forbidden("The author does not accept comments from you on this content".into()));
    }
    let txn = crate::begin_write(db).await?;
    let row = comment::ActiveModel {
        id: Set(Uuid::new_v4()),
        content_id: Set(content_id),
        author_id: Set(viewer),
        body: Set(body.to_owned()),
        body_folded: Set(fold(body)),
        created_at: Set(scope.now),
        removed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    bump_count(&txn, content_id, 1).await?;
    txn.commit().await?;
    Ok(row)
}

/// Its writer or the content's author may delete a comment.
pub async fn delete(db: &DatabaseConnection, scope: &Scope, viewer: Uuid, comment_id: Uuid) -> AppResult<()> {
    let not_found = || AppError::NotFound("No such comment".into());
    let comment = comment::Entity::find_by_id(comment_id).one(db).await?.ok_or_else(not_found)?;
    let content = contents::find_visible(db, scope, comment.content_id).await?.ok_or_else(not_found)?;
    if viewer != comment.author_id && viewer != content.author_id {
        return Err(AppError::Forbidden("Only its writer or the content's author can delete this comment".into()));
    }
    let txn = crate::begin_write(db).await?;
    let deleted = comment::Entity::delete_by_id(comment_id).exec(&txn).await?;
    if deleted.rows_affected > 0 {
        bump_count(&txn, comment.content_id, -1).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Visible comments on one content, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    policy: &Policy,
    content: &content::Model,
    page: &PageRequest,
) -> AppResult<Page<comment::Model>> {
    let reads = policy.content_reads(db).await?;
    let author_keywords = settings::get(db, content.author_id).await?.blocked_keywords.0;
    let select = visible_comments(reads.scope(), content.id, &author_keywords);
    keyset_page(db, select, Direction::NewestFirst, page).await
}
