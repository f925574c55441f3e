//! Kind words: everyone's comment controls, and a creator's held and hidden comments.
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::user_settings;
use validator::Validate;

use super::content::Comment;
use super::{access, app, parse_id};
use crate::error::AppResult;
use crate::service::comments;
use crate::service::kindness::controls::{self, ControlsChange};

/// Your comment controls: what holds comments on your content for your approval.
#[derive(SimpleObject)]
pub struct CommentControls {
    /// Comments the kindness check flags are held.
    filter_unkind: bool,
    /// Comments containing one of these (compared by skeleton: look-alike letters and separators do not
    /// get past) are held.
    filter_keywords: Vec<String>,
    /// Until then, comments from accounts that do not follow you, or are younger than 7 days, are held.
    limited_until: Option<DateTime<Utc>>,
}

impl CommentControls {
    pub fn new(settings: &user_settings::Model, now: DateTime<Utc>) -> Self {
        Self {
            filter_unkind: settings.filter_unkind,
            filter_keywords: settings.filter_keywords.0.clone(),
            limited_until: settings.comments_limited_until.filter(|until| *until > now),
        }
    }
}

/// Changes to your comment controls; fields left out stay as they are.
#[derive(InputObject, Validate)]
pub struct CommentControlsInput {
    /// Hold comments the kindness check flags.
    filter_unkind: Option<bool>,
    /// Replaces the list. At most 100 items, each 1..=50 characters.
    #[validate(length(max = 100))]
    filter_keywords: Option<Vec<String>>,
    /// Turns on a limit for this many days, 1..=30.
    limit_days: Option<i32>,
    /// Ends the limit now.
    end_limit: Option<bool>,
}

#[derive(Default)]
pub struct KindnessMutation;

#[Object]
impl KindnessMutation {
    /// Sets your comment controls.
    async fn set_comment_controls(&self, ctx: &Context<'_>, input: CommentControlsInput) -> AppResult<CommentControls> {
        input.validate()?;
        let change = ControlsChange {
            filter_unkind: input.filter_unkind,
            filter_keywords: input.filter_keywords,
            limit_days: input.limit_days,
            end_limit: input.end_limit,
        };
        let access = access(ctx)?;
        let settings = controls::set(&app(ctx)?.db, access, change).await?;
        Ok(CommentControls::new(&settings, access.now()))
    }

    /// Shows a held comment on your content to everyone (CONFLICT when it is not waiting).
    async fn approve_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The held comment.")] id: ID,
    ) -> AppResult<Comment> {
        let id = parse_id(&id, "comment")?;
        Ok(Comment(comments::approve(&app(ctx)?.db, access(ctx)?, id).await?))
    }

    /// Hides comments on your content from everyone but their writers; ids of comments on others'
    /// content are passed over. Returns how many were hidden.
    async fn hide_comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comments' ids, 1..=100 items.")] ids: Vec<ID>,
        #[graphql(desc = "Also stop their writers commenting on your content.", default_with = "Some(false)")]
        block_authors: Option<bool>,
    ) -> AppResult<i32> {
        let ids = ids.iter().map(|id| parse_id(id, "comment")).collect::<Result<Vec<_>, _>>()?;
        let hidden = comments::hide(&app(ctx)?.db, access(ctx)?, &ids, block_authors.unwrap_or(false)).await?;
        Ok(i32::try_from(hidden).unwrap_or(i32::MAX))
    }
}
