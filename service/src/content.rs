//! Publishing, browsing and deleting content.
use chrono::{DateTime, Utc};
use entity::{Audience, ContentStatus, Pillar, campaign, content, content_tag, tag, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter,
    QueryTrait, Select, Set,
};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::pagination::{Direction, Keyed, Page, PageRequest, keyset_rows, keyset_select, limited};
use crate::policy::Access;
use crate::policy::content::{
    ContentReads, TargetChecks, like_safe, target_contents, visible_contents, visible_contents_with_authors,
};
use crate::taxonomy::Taxonomy;
use crate::text::fold;

pub struct NewContent {
    pub title: String,
    pub caption: String,
    pub language: String,
    pub media_url: String,
    pub duration_seconds: i32,
    pub audience: Audience,
    pub tag_slugs: Vec<String>,
    pub campaign_slug: Option<String>,
}

/// What search matches: title, caption, tags (slug and both labels) and the
/// author's handle, folded.
fn search_text(title: &str, caption: &str, tags: &[tag::Model], handle: &str) -> String {
    let tag_words: Vec<String> =
        tags.iter().map(|t| format!("{} {} {}", t.slug.replace('-', " "), t.label, t.label_vi)).collect();
    fold(&format!("{title} {caption} {} @{handle} {handle}", tag_words.join(" ")))
}

pub async fn create(
    db: &DatabaseConnection,
    author: &Viewer,
    new: NewContent,
    now: DateTime<Utc>,
) -> AppResult<content::Model> {
    let mut slugs = new.tag_slugs.clone();
    slugs.sort_unstable();
    slugs.dedup();
    let tags = tag::Entity::find().filter(tag::Column::Slug.is_in(slugs.clone())).all(db).await?;
    if let Some(unknown) = slugs.iter().find(|s| !tags.iter().any(|t| &&t.slug == s)) {
        return Err(AppError::field("tagSlugs", format!("has an unknown tag: {unknown}")));
    }
    let campaign_id = match &new.campaign_slug {
        None => None,
        Some(slug) => {
            let campaign = campaign::Entity::find()
                .filter(campaign::Column::Slug.eq(slug.as_str()))
                .one(db)
                .await?
                .ok_or_else(|| AppError::field("campaignSlug", format!("has no campaign called {slug}")))?;
            if !campaign.is_running(now) {
                return Err(AppError::field("campaignSlug", "names a campaign that is not running"));
            }
            Some(campaign.id)
        }
    };
    crate::policy::content::may_publish(&author.user, new.audience, now)?;
    publish(db, &author.user, new, &tags, campaign_id, now).await
}

/// Stores checked content with its tags, dated `created_at`.
pub async fn publish(
    db: &DatabaseConnection,
    author: &user::Model,
    new: NewContent,
    tags: &[tag::Model],
    campaign_id: Option<Uuid>,
    created_at: DateTime<Utc>,
) -> AppResult<content::Model> {
    let txn = crate::begin_write(db).await?;
    let row = content::ActiveModel {
        id: Set(crate::ids::new_id()),
        author_id: Set(author.id),
        campaign_id: Set(campaign_id),
        search_text: Set(search_text(&new.title, &new.caption, tags, &author.handle)),
        title: Set(new.title),
        caption: Set(new.caption),
        language: Set(new.language),
        media_url: Set(new.media_url),
        duration_seconds: Set(new.duration_seconds),
        audience: Set(new.audience),
        status: Set(ContentStatus::Published),
        view_count: Set(0),
        like_count: Set(0),
        comment_count: Set(0),
        storm_told_at: Set(None),
        share_count: Set(0),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        deleted_at: Set(None),
    }
    .insert(&txn)
    .await?;
    content_tag::Entity::insert_many(
        tags.iter().map(|t| content_tag::ActiveModel { content_id: Set(row.id), tag_slug: Set(t.slug.clone()) }),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}

fn no_such_content() -> AppError {
    AppError::NotFound("No such content".into())
}

/// The content, if the reader may see it.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    reads: &ContentReads,
    id: Uuid,
) -> AppResult<Option<content::Model>> {
    Ok(visible_contents(reads).filter(content::Column::Id.eq(id)).one(db).await?)
}

/// The content, for showing it: the teen gate applies.
pub async fn read(db: &impl ConnectionTrait, access: &Access, id: Uuid) -> AppResult<Option<content::Model>> {
    find_visible(db, &access.content_reads(db).await?, id).await
}

/// Like `find_visible`, but a missing item is `NOT_FOUND`.
pub async fn get_visible(db: &impl ConnectionTrait, reads: &ContentReads, id: Uuid) -> AppResult<content::Model> {
    find_visible(db, reads, id).await?.ok_or_else(no_such_content)
}

/// The content acted on, if the caller may see it; a missing item is `NOT_FOUND`.
pub async fn get_target(db: &impl ConnectionTrait, checks: &TargetChecks, id: Uuid) -> AppResult<content::Model> {
    target_contents(checks).filter(content::Column::Id.eq(id)).one(db).await?.ok_or_else(no_such_content)
}

/// An item just acted on, read again for its new counts. It was visible
/// when acted on, and stays so for this answer even if the act hid it from
/// the caller (`NOT_INTERESTED`); showing it still needs the teen gate.
pub async fn reread(
    db: &impl ConnectionTrait,
    _gate: &ContentReads,
    acted_on: &content::Model,
) -> AppResult<content::Model> {
    content::Entity::find_by_id(acted_on.id).one(db).await?.ok_or_else(no_such_content)
}

/// Deletes the author's own content; it disappears from every read path.
pub async fn delete(db: &impl ConnectionTrait, access: &Access, id: Uuid) -> AppResult<()> {
    let author = access.member()?;
    let content = get_target(db, &access.target_checks()?, id).await?;
    crate::policy::content::may_delete_content(&content, author.user.id)?;
    let mut active: content::ActiveModel = content.into();
    active.deleted_at = Set(Some(access.now()));
    active.updated_at = Set(access.now());
    active.update(db).await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct BrowseFilter {
    pub search: Option<String>,
    pub tag: Option<String>,
    pub pillar: Option<Pillar>,
    pub campaign_id: Option<Uuid>,
    pub campaign_slug: Option<String>,
    pub author_handle: Option<String>,
}

fn in_subquery(column: content::Column, subquery: sea_orm::sea_query::SelectStatement) -> sea_orm::Condition {
    sea_orm::Condition::all().add(column.in_subquery(subquery))
}

fn filtered(reads: &ContentReads, filter: &BrowseFilter) -> Select<content::Entity> {
    let mut select = visible_contents_with_authors(reads);
    if let Some(slug) = &filter.tag {
        select = select.filter(in_subquery(
            content::Column::Id,
            Query::select()
                .column(content_tag::Column::ContentId)
                .from(content_tag::Entity)
                .and_where(Expr::col(content_tag::Column::TagSlug).eq(slug.to_lowercase()))
                .to_owned(),
        ));
    }
    if let Some(pillar) = filter.pillar {
        select = select.filter(in_subquery(
            content::Column::Id,
            Query::select()
                .column((content_tag::Entity, content_tag::Column::ContentId))
                .from(content_tag::Entity)
                .inner_join(
                    tag::Entity,
                    Expr::col((tag::Entity, tag::Column::Slug))
                        .equals((content_tag::Entity, content_tag::Column::TagSlug)),
                )
                .and_where(Expr::col((tag::Entity, tag::Column::Pillar)).eq(pillar))
                .to_owned(),
        ));
    }
    if let Some(id) = filter.campaign_id {
        select = select.filter(content::Column::CampaignId.eq(id));
    }
    if let Some(slug) = &filter.campaign_slug {
        select = select.filter(in_subquery(
            content::Column::CampaignId,
            Query::select()
                .column(campaign::Column::Id)
                .from(campaign::Entity)
                .and_where(Expr::col(campaign::Column::Slug).eq(slug.to_lowercase()))
                .to_owned(),
        ));
    }
    if let Some(handle) = &filter.author_handle {
        select = select.filter(in_subquery(
            content::Column::AuthorId,
            Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(Expr::col(user::Column::Handle).eq(handle.trim().to_lowercase()))
                .to_owned(),
        ));
    }
    if let Some(search) = &filter.search {
        // One flat condition, however many words: nested conditions cost
        // stack at every level when the statement is built.
        let every_word = search_terms(search).into_iter().fold(sea_orm::Condition::all(), |all, term| {
            all.add(content::Column::SearchText.like(format!("%{term}%")))
        });
        select = select.filter(every_word);
    }
    select
}

/// The longest search, in characters and in words.
pub const SEARCH_MAX_CHARS: usize = 100;
pub const SEARCH_MAX_WORDS: usize = 8;

/// The words of a search, folded; every one must match.
pub fn search_terms(search: &str) -> Vec<String> {
    fold(search).split(' ').map(like_safe).filter(|t| !t.is_empty()).collect()
}

/// `BAD_USER_INPUT` for a search longer than its bounds.
fn check_search(search: &str) -> AppResult<()> {
    if search.chars().count() > SEARCH_MAX_CHARS || search.split_whitespace().nth(SEARCH_MAX_WORDS).is_some() {
        return Err(AppError::field(
            "search",
            format!("may be at most {SEARCH_MAX_CHARS} characters and {SEARCH_MAX_WORDS} words"),
        ));
    }
    Ok(())
}

/// An item of a listing, with its tags and its author when they were asked for.
pub struct Listed {
    pub content: content::Model,
    pub tags: Option<Vec<tag::Model>>,
    pub author: Option<user::Profile>,
}

/// What a listing reads with its items, in the same statement.
#[derive(Debug, Clone, Copy, Default)]
pub struct Along {
    pub tags: bool,
    pub authors: bool,
}

/// Browsing and search, newest first, one page at a time, with what `along`
/// asks for, in one statement. Only reads: the resolver then remembers a
/// search for the feed (`interactions::remember_search`).
pub async fn browse(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &BrowseFilter,
    page: &PageRequest,
    taxonomy: &Taxonomy,
    along: Along,
) -> AppResult<Page<Listed>> {
    if let Some(search) = filter.search.as_deref() {
        check_search(search)?;
    }
    let reads = access.content_reads(db).await?;
    if filter.search.is_some() {
        access.search()?;
    }
    let select = keyset_select(filtered(&reads, filter), Direction::NewestFirst, page)?;
    let rows = listed(db, select, page.first + 1, taxonomy, along).await?;
    Ok(keyset_rows(rows, page, |row| content::Entity::position(&row.content)))
}

/// Reads `select` (which joins the authors, `visible_contents_with_authors`)
/// with each item's tag slugs (named from the taxonomy) and author columns
/// when asked, in one round trip.
async fn listed(
    db: &impl ConnectionTrait,
    select: Select<content::Entity>,
    limit: u64,
    taxonomy: &Taxonomy,
    along: Along,
) -> AppResult<Vec<Listed>> {
    let backend = db.get_database_backend();
    let mut query = select.into_query();
    if along.tags {
        query.expr_as(Expr::cust(tag_slugs(backend)), Alias::new("tag_slugs"));
    }
    if along.authors {
        with_author_columns(&mut query);
    }
    let rows = db.query_all_raw(limited(backend, query, limit)).await?;
    Ok(crate::rows::read_all(&rows, |columns| {
        let content = crate::rows::content(columns, "")?;
        let tags = if along.tags { Some(named_tags(taxonomy, columns.next("", "tag_slugs")?)) } else { None };
        let author = if along.authors { Some(crate::rows::profile(columns, AUTHOR)?) } else { None };
        Ok(Listed { content, tags, author })
    })?)
}

/// The prefix of the joined author's columns ("author_id" is a content's own).
pub(crate) const AUTHOR: &str = "joined_author_";

/// Adds the joined author's public profile to a statement over `contents`.
pub(crate) fn with_author_columns(query: &mut sea_orm::sea_query::SelectStatement) {
    crate::rows::with_columns(query, user::Profile::COLUMNS, AUTHOR);
}

/// Each item's tag slugs, joined by commas (slugs have none), as a column
/// of a statement over `contents`.
pub(crate) fn tag_slugs(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Sqlite => {
            "(SELECT group_concat(ct.tag_slug, ',') FROM content_tags ct WHERE ct.content_id = contents.id)"
        }
        _ => "(SELECT string_agg(ct.tag_slug, ',') FROM content_tags ct WHERE ct.content_id = contents.id)",
    }
}

/// The tags a `tag_slugs` column names, in slug order.
pub(crate) fn named_tags(taxonomy: &Taxonomy, slugs: Option<String>) -> Vec<tag::Model> {
    let mut tags: Vec<tag::Model> =
        slugs.unwrap_or_default().split(',').filter_map(|slug| taxonomy.get(slug).cloned()).collect();
    tags.sort_by(|a, b| a.slug.cmp(&b.slug));
    tags
}
