//! Content, campaigns, tags, comments, the feed, and the interactions that
//! teach it.
use async_graphql::{Context, Enum, ID, InputObject, Lookahead, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{InteractionKind as StoredKind, campaign, comment, content, tag};

use super::enums::{Audience, ContentStatus, FeedReasonKind, Pillar};
use sea_orm::{EntityTrait, QueryOrder};
use uuid::Uuid;
use validator::{Validate, ValidateUrl, ValidationError};

use super::accounts::User;
use super::connection::{Connection, Edge, PageInfo};
use super::family::ScreenTimeStatus;
use super::loaders::{
    CampaignLoader, ContentTagsLoader, FollowCountsLoader, FollowStatusLoader, LikedLoader, SettingsLoader, UserLoader,
};
use super::{app, loader, parse_id, policy, viewer};
use crate::error::{AppError, AppResult};
use crate::service::content::{self as contents, BrowseFilter, NewContent};
use crate::service::feed::{self, FeedRequest};
use crate::service::pagination::PageRequest;
use crate::service::taxonomy::Taxonomy;
use crate::service::{comments, interactions, screen_time};

/// Loads, one batch each, the relations the client selected on a list of
/// contents, so a page costs the same statements however long it is (the
/// loaders' timing-based batching alone could split a long page in two).
async fn prime_loaders(ctx: &Context<'_>, node: Lookahead<'_>, items: &[content::Model]) -> AppResult<()> {
    let mut ids: Vec<Uuid> = items.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    let mut authors: Vec<Uuid> = items.iter().map(|c| c.author_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let author = node.field("author");
    if author.exists() {
        loader::<UserLoader>(ctx)?.load_many(authors.clone()).await?;
    }
    if author.field("isPrivate").exists() {
        loader::<SettingsLoader>(ctx)?.load_many(authors.clone()).await?;
    }
    if author.field("followerCount").exists() || author.field("followingCount").exists() {
        loader::<FollowCountsLoader>(ctx)?.load_many(authors.clone()).await?;
    }
    if author.field("viewerFollowStatus").exists() {
        loader::<FollowStatusLoader>(ctx)?.load_many(authors).await?;
    }
    if node.field("tags").exists() {
        loader::<ContentTagsLoader>(ctx)?.load_many(ids.clone()).await?;
    }
    if node.field("campaign").exists() {
        let campaigns: Vec<Uuid> = items.iter().filter_map(|c| c.campaign_id).collect();
        loader::<CampaignLoader>(ctx)?.load_many(campaigns).await?;
    }
    if node.field("viewerHasLiked").exists() {
        loader::<LikedLoader>(ctx)?.load_many(ids).await?;
    }
    Ok(())
}

/// The taxonomy, when the client selected the items' tags: the listing
/// then reads them in its own statement.
fn with_tags<'a>(ctx: &Context<'a>) -> AppResult<Option<&'a Taxonomy>> {
    let wanted = ctx.look_ahead().field("edges").field("node").field("tags").exists();
    Ok(wanted.then_some(app(ctx)?.taxonomy.as_ref()))
}

/// A browsed page as a connection: the tags read with it go to the
/// loader, and the other relations are loaded in one batch each.
async fn content_connection(
    ctx: &Context<'_>,
    page: crate::service::pagination::Page<contents::Listed>,
) -> AppResult<Connection<Edge<Content>>> {
    let tags = page.items.iter().filter_map(|(_, l)| l.tags.clone().map(|t| (l.content.id, t)));
    loader::<ContentTagsLoader>(ctx)?.feed_many(tags).await;
    let page = page.map(|listed| listed.content);
    let items: Vec<content::Model> = page.items.iter().map(|(_, c)| c.clone()).collect();
    prime_loaders(ctx, ctx.look_ahead().field("edges").field("node"), &items).await?;
    Ok(Connection::from_page(page, Content))
}

pub struct Tag(pub tag::Model);

#[Object]
impl Tag {
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// English label.
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// Vietnamese label.
    async fn label_vi(&self) -> &str {
        &self.0.label_vi
    }
    async fn pillar(&self) -> Pillar {
        self.0.pillar.into()
    }
}

pub struct Campaign(pub campaign::Model);

#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn hashtag(&self) -> &str {
        &self.0.hashtag
    }
    async fn tagline(&self) -> &str {
        &self.0.tagline
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// The first instant after the campaign.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    async fn is_active(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let now = app(ctx)?.now();
        Ok(self.0.is_running(now))
    }
    /// The campaign's entries the viewer may see, newest first.
    async fn contents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Content>>> {
        let filter = BrowseFilter { campaign_id: Some(self.0.id), ..BrowseFilter::default() };
        let page = PageRequest::new(first, after)?;
        let page = contents::browse(&app(ctx)?.db, policy(ctx)?, &filter, &page, with_tags(ctx)?).await?;
        content_connection(ctx, page).await
    }
}

pub struct Content(pub content::Model);

#[Object]
impl Content {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn caption(&self) -> &str {
        &self.0.caption
    }
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn media_url(&self) -> &str {
        &self.0.media_url
    }
    async fn duration_seconds(&self) -> i32 {
        self.0.duration_seconds
    }
    async fn audience(&self) -> Audience {
        self.0.audience.into()
    }
    async fn status(&self) -> ContentStatus {
        self.0.status.into()
    }
    async fn author(&self, ctx: &Context<'_>) -> AppResult<User> {
        let author = loader::<UserLoader>(ctx)?.load_one(self.0.author_id).await?;
        Ok(author.map(User).ok_or_else(|| AppError::internal(format!("author of {} missing", self.0.id)))?)
    }
    async fn campaign(&self, ctx: &Context<'_>) -> AppResult<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else { return Ok(None) };
        Ok(loader::<CampaignLoader>(ctx)?.load_one(id).await?.map(Campaign))
    }
    async fn tags(&self, ctx: &Context<'_>) -> AppResult<Vec<Tag>> {
        let tags = loader::<ContentTagsLoader>(ctx)?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(tags.into_iter().map(Tag).collect())
    }
    async fn view_count(&self) -> i32 {
        self.0.view_count
    }
    async fn like_count(&self) -> i32 {
        self.0.like_count
    }
    async fn comment_count(&self) -> i32 {
        self.0.comment_count
    }
    async fn share_count(&self) -> i32 {
        self.0.share_count
    }
    async fn viewer_has_liked(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(loader::<LikedLoader>(ctx)?.load_one(self.0.id).await?.unwrap_or(false))
    }
    /// Comments the viewer may see, newest first.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Comment>>> {
        let page = comments::list(&app(ctx)?.db, policy(ctx)?, &self.0, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, Comment))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct Comment(pub comment::Model);

#[Object]
impl Comment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn author(&self, ctx: &Context<'_>) -> AppResult<User> {
        let author = loader::<UserLoader>(ctx)?.load_one(self.0.author_id).await?;
        Ok(author.map(User).ok_or_else(|| AppError::internal(format!("author of comment {} missing", self.0.id)))?)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Why an item is in the feed, in words for the viewer.
#[derive(SimpleObject)]
pub struct FeedReason {
    kind: FeedReasonKind,
    label: String,
    tag: Option<Tag>,
}

#[derive(SimpleObject)]
pub struct FeedEdge {
    cursor: String,
    node: Content,
    reasons: Vec<FeedReason>,
}

/// A gentle late-night nudge for 13–15-year-olds, in their language.
#[derive(SimpleObject)]
pub struct WindDownPrompt {
    /// 1 at first; 2 once dismissed and back 30 minutes later.
    level: i32,
    message: String,
}

#[derive(SimpleObject)]
pub struct FeedConnection {
    edges: Vec<FeedEdge>,
    page_info: PageInfo,
    /// Between 22:00 and 06:00 in the teen's zone, for 13–15-year-olds; null
    /// otherwise, and for 30 minutes after `dismissWindDown`.
    wind_down: Option<WindDownPrompt>,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionKind {
    View,
    Like,
    Unlike,
    Share,
    SwipeAway,
    NotInterested,
}

impl From<InteractionKind> for StoredKind {
    fn from(kind: InteractionKind) -> Self {
        match kind {
            InteractionKind::View => StoredKind::View,
            InteractionKind::Like => StoredKind::Like,
            InteractionKind::Unlike => StoredKind::Unlike,
            InteractionKind::Share => StoredKind::Share,
            InteractionKind::SwipeAway => StoredKind::SwipeAway,
            InteractionKind::NotInterested => StoredKind::NotInterested,
        }
    }
}

#[derive(InputObject)]
pub struct InteractionInput {
    content_id: ID,
    kind: InteractionKind,
    /// Required for VIEW: 0..=duration×1000; larger values are clamped.
    watched_ms: Option<i32>,
}

#[derive(SimpleObject)]
pub struct InteractionResult {
    content: Content,
    screen_time: Option<ScreenTimeStatus>,
}

#[derive(InputObject, Default)]
pub struct ContentFilter {
    /// Title, caption, tags and author handle; case and Vietnamese diacritics are ignored.
    search: Option<String>,
    tag: Option<String>,
    pillar: Option<Pillar>,
    /// A campaign slug.
    campaign: Option<String>,
    author_handle: Option<String>,
}

fn http_url(url: &str) -> Result<(), ValidationError> {
    let lower = url.to_ascii_lowercase();
    if url.chars().count() > 2048
        || !url.validate_url()
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
    {
        return Err(ValidationError::new("url").with_message("must be an http(s) URL".into()));
    }
    Ok(())
}

fn language(code: &str) -> Result<(), ValidationError> {
    match code {
        "vi" | "en" => Ok(()),
        _ => Err(ValidationError::new("language").with_message("must be \"vi\" or \"en\"".into())),
    }
}

fn title(text: &str) -> Result<(), ValidationError> {
    if (1..=120).contains(&text.trim().chars().count()) {
        Ok(())
    } else {
        Err(ValidationError::new("length").with_message("must be 1 to 120 characters long".into()))
    }
}

#[derive(InputObject, Validate)]
pub struct CreateContentInput {
    /// 1..=120 characters.
    #[validate(custom(function = "title"))]
    title: String,
    /// At most 2,200 characters.
    #[validate(length(max = 2200))]
    caption: Option<String>,
    /// "vi" or "en".
    #[validate(custom(function = "language"))]
    language: String,
    /// An http(s) URL.
    #[validate(custom(function = "http_url"))]
    media_url: String,
    /// 1..=600.
    #[validate(range(min = 1, max = 600))]
    duration_seconds: i32,
    /// GENERAL unless given.
    audience: Option<Audience>,
    /// 1..=5 known tags.
    #[validate(length(min = 1, max = 5))]
    tag_slugs: Vec<String>,
    campaign_slug: Option<String>,
}

#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// By pillar, then slug.
    async fn tags(&self, ctx: &Context<'_>) -> AppResult<Vec<Tag>> {
        let mut tags = app(ctx)?.taxonomy.all().to_vec();
        tags.sort_by(|a, b| {
            (sea_orm::ActiveEnum::to_value(&a.pillar), &a.slug)
                .cmp(&(sea_orm::ActiveEnum::to_value(&b.pillar), &b.slug))
        });
        Ok(tags.into_iter().map(Tag).collect())
    }

    async fn campaigns(&self, ctx: &Context<'_>) -> AppResult<Vec<Campaign>> {
        let rows = campaign::Entity::find().order_by_desc(campaign::Column::StartsAt).all(&app(ctx)?.db).await?;
        Ok(rows.into_iter().map(Campaign).collect())
    }

    async fn campaign(&self, ctx: &Context<'_>, slug: String) -> AppResult<Option<Campaign>> {
        Ok(crate::service::campaign::surveys::find_campaign(&app(ctx)?.db, &slug).await?.map(Campaign))
    }

    async fn content(&self, ctx: &Context<'_>, id: ID) -> AppResult<Option<Content>> {
        let Ok(id) = parse_id(&id, "content") else { return Ok(None) };
        Ok(contents::read(&app(ctx)?.db, policy(ctx)?, id).await?.map(Content))
    }

    /// Browse and search, newest first.
    async fn contents(
        &self,
        ctx: &Context<'_>,
        filter: Option<ContentFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Content>>> {
        let state = app(ctx)?;
        let page = PageRequest::new(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = BrowseFilter {
            search: filter.search,
            tag: filter.tag,
            pillar: filter.pillar.map(Into::into),
            campaign_id: None,
            campaign_slug: filter.campaign,
            author_handle: filter.author_handle,
        };
        let page = contents::browse(&state.db, policy(ctx)?, &filter, &page, with_tags(ctx)?).await?;
        content_connection(ctx, page).await
    }

    /// The personal "For You" feed; every edge says why it is there.
    async fn feed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        pillar: Option<Pillar>,
    ) -> AppResult<FeedConnection> {
        let state = app(ctx)?;
        let page = PageRequest::new(first, after)?;
        let request = FeedRequest { first: page.first as usize, after: page.after, pillar: pillar.map(Into::into) };
        let result = feed::page(&state.db, policy(ctx)?, &state.taxonomy, request).await?;
        // The feed already read these; let the field resolvers reuse them.
        loader::<ContentTagsLoader>(ctx)?.feed_many(result.tags.iter().map(|(id, tags)| (*id, tags.clone()))).await;
        loader::<CampaignLoader>(ctx)?.feed_many(result.campaigns.iter().map(|c| (c.id, c.clone()))).await;
        let items: Vec<content::Model> = result.items.iter().map(|i| i.content.clone()).collect();
        prime_loaders(ctx, ctx.look_ahead().field("edges").field("node"), &items).await?;
        let end_cursor = (!result.items.is_empty()).then(|| result.cursor_after(result.items.len() - 1));
        let edges = result
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| FeedEdge {
                cursor: result.cursor_after(index),
                node: Content(item.content.clone()),
                reasons: item
                    .reasons
                    .iter()
                    .map(|r| FeedReason { kind: r.kind.into(), label: r.label.clone(), tag: r.tag.clone().map(Tag) })
                    .collect(),
            })
            .collect();
        let wind_down = result.wind_down.map(|w| WindDownPrompt { level: w.level, message: w.message });
        Ok(FeedConnection { edges, page_info: PageInfo { has_next_page: result.has_next_page, end_cursor }, wind_down })
    }
}

#[derive(Default)]
pub struct ContentMutation;

#[Object]
impl ContentMutation {
    async fn create_content(&self, ctx: &Context<'_>, input: CreateContentInput) -> AppResult<Content> {
        input.validate()?;
        let state = app(ctx)?;
        let author = viewer(ctx)?;
        let new = NewContent {
            title: input.title.trim().to_owned(),
            caption: input.caption.unwrap_or_default().trim().to_owned(),
            language: input.language,
            media_url: input.media_url,
            duration_seconds: input.duration_seconds,
            audience: input.audience.unwrap_or(Audience::General).into(),
            tag_slugs: input.tag_slugs.iter().map(|s| s.trim().to_lowercase()).collect(),
            campaign_slug: input.campaign_slug.map(|s| s.trim().to_lowercase()),
        };
        Ok(Content(contents::create(&state.db, author, new, state.now()).await?))
    }

    /// Deletes your own content.
    async fn delete_content(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let author = viewer(ctx)?;
        contents::delete(&app(ctx)?.db, &policy(ctx)?.visibility()?, author, parse_id(&id, "content")?).await?;
        Ok(true)
    }

    async fn record_interaction(&self, ctx: &Context<'_>, input: InteractionInput) -> AppResult<InteractionResult> {
        let state = app(ctx)?;
        let viewer = viewer(ctx)?;
        let content_id = parse_id(&input.content_id, "content")?;
        let content =
            interactions::record(&state.db, policy(ctx)?, content_id, input.kind.into(), input.watched_ms).await?;
        let status = screen_time::status(&state.db, &viewer.user, &viewer.settings, state.now()).await?;
        Ok(InteractionResult { content: Content(content), screen_time: Some(ScreenTimeStatus::from(status)) })
    }

    async fn add_comment(&self, ctx: &Context<'_>, content_id: ID, body: String) -> AppResult<Comment> {
        let content_id = parse_id(&content_id, "content")?;
        Ok(Comment(comments::add(&app(ctx)?.db, policy(ctx)?, content_id, &body).await?))
    }

    /// Hides tonight's wind-down prompt for 30 minutes; false when none was showing.
    async fn dismiss_wind_down(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(screen_time::dismiss_wind_down(&app(ctx)?.db, policy(ctx)?).await?)
    }

    /// Deletes a comment you wrote, or one on your content.
    async fn delete_comment(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let viewer = viewer(ctx)?;
        comments::delete(&app(ctx)?.db, &policy(ctx)?.visibility()?, viewer.user.id, parse_id(&id, "comment")?).await?;
        Ok(true)
    }
}
