//! Who may see what content: the one place the contract's visibility rules
//! live. Every read path (`feed`, `contents`, `content`, `campaign.contents`,
//! comments) starts from `visible_contents` or `visible_comments`, which take
//! a [`ContentReads`]; acting on an item without showing it (a report, a
//! deletion, a view's minutes) takes a [`TargetChecks`]. Only [`Access`]
//! makes either, so no path can read content without the rules, and no path
//! can show content without the teen gate.
//!
//! [`Access`]: super::Access
use chrono::{DateTime, Utc};
use entity::{
    Audience, CommentPolicy, ContentStatus, FollowState, InteractionKind, comment, content, follow, interaction, user,
    user_settings,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, Value};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::settings;
use crate::text::fold;

/// What the rules need to know about the viewer. Its fields are private and
/// only this module builds one, so a scope always says what the policy says.
#[derive(Debug, Clone)]
pub struct Scope {
    viewer: Option<Uuid>,
    /// Moderators and admins also see hidden and removed content, and
    /// content of suspended authors, so that they can review it.
    moderator: bool,
    /// Signed-in adults without restricted mode may see `MATURE` content.
    mature_allowed: bool,
    /// The viewer's blocked keywords, folded.
    blocked_keywords: Vec<String>,
    now: DateTime<Utc>,
}

impl Scope {
    pub(super) fn of(viewer: Option<&Viewer>, now: DateTime<Utc>) -> Self {
        let Some(viewer) = viewer else {
            return Self { viewer: None, moderator: false, mature_allowed: false, blocked_keywords: Vec::new(), now };
        };
        let band = settings::age_band(&viewer.user, now);
        Self {
            viewer: Some(viewer.user.id),
            moderator: viewer.user.role.moderates(),
            mature_allowed: !settings::restricted_mode(&viewer.settings, band),
            blocked_keywords: if band.is_teen() {
                viewer.settings.blocked_keywords.0.iter().map(|k| fold(k)).collect()
            } else {
                Vec::new()
            },
            now,
        }
    }

    /// The signed-in viewer the rules are for; `None` for anonymous callers.
    pub fn viewer(&self) -> Option<Uuid> {
        self.viewer
    }

    /// The operation's one reading of the clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }
}

/// Proof that the teen gate (time away, daily limit) passed for this
/// operation: content may be shown. Made only by `Access::content_reads`.
#[derive(Debug, Clone)]
pub struct ContentReads(Scope);

/// Proof of the visibility rules for acting on an item without showing it:
/// a report, a deletion, the minutes of a view already started. The teen
/// gate does not apply (reports work in time away). Made only by
/// `Access::target_checks`.
#[derive(Debug, Clone)]
pub struct TargetChecks(Scope);

impl ContentReads {
    pub(super) fn new(scope: Scope) -> Self {
        Self(scope)
    }

    pub fn scope(&self) -> &Scope {
        &self.0
    }
}

impl TargetChecks {
    pub(super) fn new(scope: Scope) -> Self {
        Self(scope)
    }

    pub fn scope(&self) -> &Scope {
        &self.0
    }
}

/// A constant of the rules, written into the SQL rather than bound. With
/// only the viewer, the time and the cursor left as parameters, PostgreSQL
/// plans each prepared statement once, instead of on every execution.
fn fixed(value: impl Into<Value>) -> Expr {
    Expr::Constant(value.into())
}

/// `SELECT 1 FROM <table>`, for EXISTS subqueries.
fn exists_in(table: impl sea_orm::sea_query::IntoTableRef) -> SelectStatement {
    Query::select().expr(fixed(1)).from(table).to_owned()
}

/// Users neither banned, nor suspended right now, nor locked for an age
/// check, nor deleted. Said
/// positively, so the database probes the users' primary key once per row
/// (a negated form over the same columns made PostgreSQL scan every user).
pub fn active_user(user_id: impl Into<Expr>, now: DateTime<Utc>) -> Expr {
    Expr::exists(
        exists_in(user::Entity)
            .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id.into()))
            .cond_where(visible_account(now))
            .to_owned(),
    )
}

/// The rule itself, on the users table: for lists of accounts, and inside
/// `active_user`.
pub fn visible_account(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(user::Column::BannedAt.is_null())
        .add(user::Column::DeletedAt.is_null())
        .add(user::Column::AgeCheckRequiredAt.is_null())
        .add(Condition::any().add(user::Column::SuspendedUntil.is_null()).add(user::Column::SuspendedUntil.lte(now)))
}

/// The viewer follows `user_id` (an accepted follow).
pub fn follows(viewer: Uuid, user_id: impl Into<Expr>) -> Expr {
    Expr::exists(
        exists_in(follow::Entity)
            .and_where(Expr::col((follow::Entity, follow::Column::FollowerId)).eq(viewer))
            .and_where(Expr::col((follow::Entity, follow::Column::FolloweeId)).eq(user_id.into()))
            .and_where(Expr::col((follow::Entity, follow::Column::Status)).eq(fixed(FollowState::Accepted)))
            .to_owned(),
    )
}

fn private_account(user_id: impl Into<Expr>) -> Expr {
    Expr::exists(
        exists_in(user_settings::Entity)
            .and_where(Expr::col((user_settings::Entity, user_settings::Column::UserId)).eq(user_id.into()))
            .and_where(Expr::col((user_settings::Entity, user_settings::Column::PrivateAccount)).eq(fixed(true)))
            .to_owned(),
    )
}

/// `column NOT LIKE '%keyword%'` for each keyword, on folded text.
fn without_keywords(column: impl ColumnTrait, keywords: &[String]) -> Condition {
    keywords.iter().fold(Condition::all(), |all, keyword| all.add(column.not_like(format!("%{}%", like_safe(keyword)))))
}

/// Drops LIKE's wildcards from user text, so it matches only literally.
pub fn like_safe(text: &str) -> String {
    text.replace(['%', '_', '\\'], "")
}

/// Where the rule on the author's account is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AuthorRule {
    /// In an `EXISTS` of its own.
    Exists,
    /// On the author's row, which the statement joins (`with_authors`).
    OnJoinedRow,
}

fn condition(scope: &Scope, author_rule: AuthorRule) -> Condition {
    let author = Expr::col((content::Entity, content::Column::AuthorId));
    // `rule OR the viewer's own`; just `rule` for anonymous viewers, so the
    // statement has no constant branches for the planner to trip over.
    let or_own = |rule: Condition| match scope.viewer {
        Some(id) => Condition::any().add(rule).add(content::Column::AuthorId.eq(id)),
        None => rule,
    };
    let mut rules = Condition::all().add(content::Column::DeletedAt.is_null());
    if !scope.moderator {
        rules = rules.add(or_own(
            Condition::all()
                .add(Expr::col((content::Entity, content::Column::Status)).eq(fixed(ContentStatus::Published))),
        ));
        if author_rule == AuthorRule::Exists {
            rules = rules.add(active_user(author.clone(), scope.now));
        }
    }
    if !scope.mature_allowed {
        rules = rules.add(or_own(
            Condition::all().add(Expr::col((content::Entity, content::Column::Audience)).eq(fixed(Audience::General))),
        ));
    }
    let mut public_or_followed = Condition::any().add(private_account(author.clone()).not());
    if let Some(viewer) = scope.viewer {
        public_or_followed = public_or_followed.add(content::Column::AuthorId.eq(viewer)).add(follows(viewer, author));
        rules = rules.add(
            Expr::exists(
                exists_in(interaction::Entity)
                    .and_where(Expr::col((interaction::Entity, interaction::Column::UserId)).eq(viewer))
                    .and_where(
                        Expr::col((interaction::Entity, interaction::Column::ContentId))
                            .equals((content::Entity, content::Column::Id)),
                    )
                    .and_where(
                        Expr::col((interaction::Entity, interaction::Column::Kind))
                            .eq(fixed(InteractionKind::NotInterested)),
                    )
                    .to_owned(),
            )
            .not(),
        );
    }
    rules.add(public_or_followed).add(without_keywords(content::Column::SearchText, &scope.blocked_keywords))
}

/// Content the reader may see; every content read starts here.
pub fn visible_contents(reads: &ContentReads) -> Select<content::Entity> {
    content::Entity::find().filter(condition(&reads.0, AuthorRule::Exists))
}

/// The same content with each item's author joined, so that a page and its
/// authors are one statement: the author's account rule is then the join's
/// condition, checked once per row on the row the page reads anyway.
pub fn visible_contents_with_authors(reads: &ContentReads) -> Select<content::Entity> {
    let scope = &reads.0;
    let mut author_row = Condition::all()
        .add(Expr::col((user::Entity, user::Column::Id)).equals((content::Entity, content::Column::AuthorId)));
    if !scope.moderator {
        author_row = author_row.add(visible_account(scope.now));
    }
    let mut select = content::Entity::find().filter(condition(scope, AuthorRule::OnJoinedRow));
    QueryTrait::query(&mut select).inner_join(user::Entity, author_row);
    select
}

/// The same rules for an item acted on rather than shown.
pub fn target_contents(checks: &TargetChecks) -> Select<content::Entity> {
    content::Entity::find().filter(condition(&checks.0, AuthorRule::Exists))
}

/// Comments the viewer may see on a content they may see. A comment that
/// matches the content author's blocked keywords is shown only to its writer.
pub fn visible_comments(
    reads: &ContentReads,
    content_id: Uuid,
    content_author_keywords: &[String],
) -> Select<comment::Entity> {
    let scope = &reads.0;
    let visible_content = visible_contents(reads)
        .select_only()
        .column(content::Column::Id)
        .filter(content::Column::Id.eq(content_id))
        .into_query();
    let author_keywords: Vec<String> = content_author_keywords.iter().map(|k| fold(k)).collect();
    let mut author_rule = Condition::any().add(without_keywords(comment::Column::BodyFolded, &author_keywords));
    if let Some(viewer) = scope.viewer {
        author_rule = author_rule.add(comment::Column::AuthorId.eq(viewer));
    }
    // Held (until approved) and hidden comments: only their writer sees them
    // here; the content's author finds the held ones in `heldComments`.
    let mut shown = Condition::all()
        .add(Condition::any().add(comment::Column::HeldAt.is_null()).add(comment::Column::ApprovedAt.is_not_null()))
        .add(comment::Column::HiddenAt.is_null());
    if let Some(viewer) = scope.viewer {
        shown = Condition::any().add(shown).add(comment::Column::AuthorId.eq(viewer));
    }
    let mut select = comment::Entity::find()
        .filter(comment::Column::ContentId.eq(content_id))
        .filter(Expr::exists(visible_content))
        .filter(shown)
        .filter(author_rule)
        .filter(without_keywords(comment::Column::BodyFolded, &scope.blocked_keywords));
    if !scope.moderator {
        select = select
            .filter(comment::Column::RemovedAt.is_null())
            .filter(active_user(Expr::col((comment::Entity, comment::Column::AuthorId)), scope.now));
    }
    select
}

/// Content for adults is published by adults only.
pub fn may_publish(author: &user::Model, audience: Audience, now: DateTime<Utc>) -> AppResult<()> {
    if audience == Audience::Mature && settings::age_band(author, now).is_teen() {
        return Err(AppError::Forbidden("Accounts under 18 cannot publish content for adults".into()));
    }
    Ok(())
}

/// Only its author deletes an item.
pub fn may_delete_content(item: &content::Model, me: Uuid) -> AppResult<()> {
    if item.author_id != me {
        return Err(AppError::Forbidden("Only its author can delete this content".into()));
    }
    Ok(())
}

/// Only the item's author reviews its comments (held ones, approvals).
pub fn may_manage_comments(item: &content::Model, me: Uuid) -> AppResult<()> {
    if item.author_id != me {
        return Err(AppError::Forbidden("Only the content's author can do this".into()));
    }
    Ok(())
}

/// Its writer or the item's author deletes a comment.
pub fn may_delete_comment(written: &comment::Model, item: &content::Model, me: Uuid) -> AppResult<()> {
    if me != written.author_id && me != item.author_id {
        return Err(AppError::Forbidden("Only its writer or the content's author can delete this comment".into()));
    }
    Ok(())
}

/// Whether the writer may comment on the author's item: the author always;
/// anyone else as the author's comment policy says, unless the author
/// stopped them. (`follows` and `stopped` are asked only when they matter.)
pub fn may_comment(
    writer: Uuid,
    item: &content::Model,
    policy: CommentPolicy,
    follows: bool,
    stopped: bool,
) -> AppResult<()> {
    let by_policy = match policy {
        CommentPolicy::Everyone => true,
        CommentPolicy::Followers => follows,
        CommentPolicy::Nobody => false,
    };
    if writer != item.author_id && (stopped || !by_policy) {
        return Err(AppError::Forbidden("The author does not accept comments from you on this content".into()));
    }
    Ok(())
}
