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
use super::connection::{Connection, Edge, EdgeCursor, PageInfo};
use super::family::ScreenTimeStatus;
use super::loaders::{
    CampaignLoader, ContentTagsLoader, FollowCountsLoader, FollowStatusLoader, LikedLoader, ProfileLoader,
    SettingsLoader,
};
use super::{access, app, loader, parse_id, viewer};
use crate::error::{AppError, AppResult};
use crate::service::content::{self as contents, Along, BrowseFilter, NewContent};
use crate::service::feed::{self, FeedCursor, FeedRequest};
use crate::service::pagination::PageRequest;
use crate::service::{comments, interactions, screen_time};

/// The relations a listing read with its items and fed to the loaders.
#[derive(Default)]
struct Fed {
    authors: bool,
    tags: bool,
    campaigns: bool,
    likes: bool,
}

/// Loads, one batch each, the relations the client selected on a list of
/// contents that the listing did not read (`fed`), so a page costs the same
/// statements however long it is (the loaders' timing-based batching alone
/// could split a long page in two).
async fn prime_loaders(ctx: &Context<'_>, node: Lookahead<'_>, items: &[&content::Model], fed: Fed) -> AppResult<()> {
    let mut ids: Vec<Uuid> = items.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    let mut authors: Vec<Uuid> = items.iter().map(|c| c.author_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let author = node.field("author");
    if author.exists() && !fed.authors {
        loader::<ProfileLoader>(ctx)?.load_many(authors.clone()).await?;
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
    if node.field("tags").exists() && !fed.tags {
        loader::<ContentTagsLoader>(ctx)?.load_many(ids.clone()).await?;
    }
    if node.field("campaign").exists() && !fed.campaigns {
        let campaigns: Vec<Uuid> = items.iter().filter_map(|c| c.campaign_id).collect();
        loader::<CampaignLoader>(ctx)?.load_many(campaigns).await?;
    }
    if node.field("viewerHasLiked").exists() && !fed.likes {
        loader::<LikedLoader>(ctx)?.load_many(ids).await?;
    }
    Ok(())
}

/// What the client selected of the items that the listing reads in its own
/// statement: their tags and their authors.
fn along(ctx: &Context<'_>) -> Along {
    let node = ctx.look_ahead().field("edges").field("node");
    Along { tags: node.field("tags").exists(), authors: node.field("author").exists() }
}

/// A browsed page as a connection: the tags and authors read with it
/// (`read`) go to the loaders, and the other relations are loaded in one
/// batch each.
async fn content_connection(
    ctx: &Context<'_>,
    page: crate::service::pagination::Page<contents::Listed>,
    read: Along,
) -> AppResult<Connection<Edge<Content>>> {
    let (mut tags, mut authors) = (Vec::new(), Vec::new());
    let page = page.map(|listed| {
        tags.extend(listed.tags.map(|t| (listed.content.id, t)));
        authors.extend(listed.author.map(|a| (a.id, a)));
        listed.content
    });
    loader::<ContentTagsLoader>(ctx)?.feed_many(tags).await;
    loader::<ProfileLoader>(ctx)?.feed_many(authors).await;
    let items: Vec<&content::Model> = page.items.iter().map(|(_, c)| c).collect();
    let fed = Fed { authors: read.authors, tags: read.tags, ..Fed::default() };
    prime_loaders(ctx, ctx.look_ahead().field("edges").field("node"), &items, fed).await?;
    Ok(Connection::from_page(page, Content))
}

pub struct Tag(pub tag::Model);

/// A topic tag; every content item has 1 to 5.
#[Object]
impl Tag {
    /// Unique name, lower-case with hyphens (such as `study-tips`), as used in filters and `tagSlugs`.
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
    /// The pillar the tag belongs to.
    async fn pillar(&self) -> Pillar {
        self.0.pillar.into()
    }
}

pub struct Campaign(pub campaign::Model);

/// A campaign: a hashtag and dates; content can be entered in it while it runs.
#[Object]
impl Campaign {
    /// The campaign's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique name in URLs: 3..=40 of a-z, 0-9 and inner hyphens.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The campaign's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Its hashtag, such as `#tryitwithtiktok`.
    async fn hashtag(&self) -> &str {
        &self.0.hashtag
    }
    /// Its slogan; may be empty.
    async fn tagline(&self) -> &str {
        &self.0.tagline
    }
    /// The first instant of the campaign.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// The first instant after the campaign.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// Whether it runs now, from `startsAt` up to `endsAt`; only a running campaign takes new entries.
    async fn is_active(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let now = access(ctx)?.now();
        Ok(self.0.is_running(now))
    }
    /// The campaign's entries the viewer may see, newest first.
    async fn contents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Content>>> {
        let filter = BrowseFilter { campaign_id: Some(self.0.id), ..BrowseFilter::default() };
        let page = PageRequest::new(first, after)?;
        let state = app(ctx)?;
        let read = along(ctx);
        let page = contents::browse(&state.db, access(ctx)?, &filter, &page, &state.taxonomy, read).await?;
        content_connection(ctx, page, read).await
    }
}

pub struct Content(pub content::Model);

/// A short video.
#[Object]
impl Content {
    /// The content's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its title, 1..=120 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Its caption, at most 2,200 characters; may be empty.
    async fn caption(&self) -> &str {
        &self.0.caption
    }
    /// The language it is in: "vi" or "en".
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// The http(s) URL of the video.
    async fn media_url(&self) -> &str {
        &self.0.media_url
    }
    /// The video's length in seconds, 1..=600.
    async fn duration_seconds(&self) -> i32 {
        self.0.duration_seconds
    }
    /// Who it is meant for.
    async fn audience(&self) -> Audience {
        self.0.audience.into()
    }
    /// Its moderation state; content not PUBLISHED is seen only by its author and moderators.
    async fn status(&self) -> ContentStatus {
        self.0.status.into()
    }
    /// Who published it.
    async fn author(&self, ctx: &Context<'_>) -> AppResult<User> {
        let author = loader::<ProfileLoader>(ctx)?.load_one(self.0.author_id).await?;
        Ok(author.map(User).ok_or_else(|| AppError::internal(format!("author of {} missing", self.0.id)))?)
    }
    /// The campaign it was entered in; null when none.
    async fn campaign(&self, ctx: &Context<'_>) -> AppResult<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else { return Ok(None) };
        Ok(loader::<CampaignLoader>(ctx)?.load_one(id).await?.map(Campaign))
    }
    /// Its tags, by slug.
    async fn tags(&self, ctx: &Context<'_>) -> AppResult<Vec<Tag>> {
        let tags = loader::<ContentTagsLoader>(ctx)?.load_one(self.0.id).await?.unwrap_or_default();
        Ok(tags.into_iter().map(Tag).collect())
    }
    /// Views recorded (every VIEW interaction counts, repeats included).
    async fn view_count(&self) -> i32 {
        self.0.view_count
    }
    /// Accounts that like it.
    async fn like_count(&self) -> i32 {
        self.0.like_count
    }
    /// Comments written on it and not deleted, removed by moderators or hidden by its author, including any the
    /// viewer cannot see (held ones count from the start).
    async fn comment_count(&self) -> i32 {
        self.0.comment_count
    }
    /// Shares recorded (SHARE interactions).
    async fn share_count(&self) -> i32 {
        self.0.share_count
    }
    /// Whether the viewer likes it; false for anonymous viewers.
    async fn viewer_has_liked(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(loader::<LikedLoader>(ctx)?.load_one(self.0.id).await?.unwrap_or(false))
    }
    /// Comments the viewer may see, newest first.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Comment>>> {
        let page = comments::list(&app(ctx)?.db, access(ctx)?, &self.0, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, Comment))
    }
    /// Comments the author's comment controls hold, oldest first: for the content's author only (FORBIDDEN
    /// otherwise). Each waits for `approveComment` or `hideComments`.
    async fn held_comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Comment>>> {
        let page = comments::held(&app(ctx)?.db, access(ctx)?, self.0.id, &PageRequest::new(first, after)?).await?;
        Ok(Connection::from_page(page, Comment))
    }
    /// When it was published.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct Comment(pub comment::Model);

/// A comment on a content item.
#[Object]
impl Comment {
    /// The comment's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its text, 1..=500 characters.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> AppResult<User> {
        let author = loader::<ProfileLoader>(ctx)?.load_one(self.0.author_id).await?;
        Ok(author.map(User).ok_or_else(|| AppError::internal(format!("author of comment {} missing", self.0.id)))?)
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// True while it waits for the content author's approval, and only for them: its writer is not told.
    async fn held(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let viewer = access(ctx)?.viewer()?.map(|v| &v.user);
        Ok(comments::held_for(&self.0, viewer))
    }
}

/// Why an item is in the feed, in words for the viewer.
#[derive(SimpleObject)]
pub struct FeedReason {
    /// The kind of reason.
    kind: FeedReasonKind,
    /// The reason in a sentence, in the viewer's language (Vietnamese for anonymous viewers).
    label: String,
    /// The tag the reason names, for TAG_AFFINITY and EXPLORATION; null otherwise.
    tag: Option<Tag>,
}

/// An item of the feed, with why it is there.
#[derive(SimpleObject)]
pub struct FeedEdge {
    /// Pass as `after` to continue the feed after this item; it remembers what this walk has served.
    cursor: EdgeCursor<FeedCursor>,
    /// The item.
    node: Content,
    /// Why it is in the feed; at least one.
    reasons: Vec<FeedReason>,
}

/// A gentle late-night nudge for 13–15-year-olds, in their language.
#[derive(SimpleObject)]
pub struct WindDownPrompt {
    /// 1 at first; 2 once dismissed and back 30 minutes later.
    level: i32,
    /// The prompt, in the teen's language.
    message: String,
}

/// A page of the personal feed.
#[derive(SimpleObject)]
pub struct FeedConnection {
    /// The items of this page, in the order to show them.
    edges: Vec<FeedEdge>,
    /// Whether more items follow, and the cursor to ask for them.
    page_info: PageInfo,
    /// Between 22:00 and 06:00 in the teen's zone, for 13–15-year-olds; null
    /// otherwise, and for 30 minutes after `dismissWindDown`.
    wind_down: Option<WindDownPrompt>,
}

/// What the viewer did with a content item; each teaches their feed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionKind {
    /// Watched it, for `watchedMs`: counts a view and the viewer's screen time.
    View,
    /// Likes it; liking again changes nothing.
    Like,
    /// Takes a like back.
    Unlike,
    /// Shared it: counts a share.
    Share,
    /// Moved on from it quickly.
    SwipeAway,
    /// Never show it again; its tags and author fall far in the viewer's feed.
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

/// One interaction with a content item.
#[derive(InputObject)]
pub struct InteractionInput {
    /// A content item you can see.
    content_id: ID,
    /// What you did.
    kind: InteractionKind,
    /// Required for VIEW: 0..=duration×1000; larger values are clamped.
    watched_ms: Option<i32>,
}

/// What recording an interaction changed.
#[derive(SimpleObject)]
pub struct InteractionResult {
    /// The content item, with its counts after the interaction.
    content: Content,
    /// Your screen time today, after the interaction.
    screen_time: Option<ScreenTimeStatus>,
}

/// Narrows `contents`; an item must match every field given.
#[derive(InputObject, Default)]
pub struct ContentFilter {
    /// Title, caption, tags and author handle; case and Vietnamese diacritics are ignored.
    /// Every word must match. At most 100 characters and 8 words. FORBIDDEN for a teen whose guardian turned
    /// search off.
    search: Option<String>,
    /// A tag slug. At most 40 characters.
    tag: Option<String>,
    /// Items with a tag of this pillar.
    pillar: Option<Pillar>,
    /// A campaign slug. At most 40 characters.
    campaign: Option<String>,
    /// Items by the account with this handle. At most 24 characters.
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
    if !(1..=120).contains(&text.trim().chars().count()) {
        return Err(ValidationError::new("length").with_message("must be 1 to 120 characters long".into()));
    }
    service::text::refuse_hidden(text)
}

/// A new video. Accounts under 18 cannot publish MATURE content.
#[derive(InputObject, Validate)]
pub struct CreateContentInput {
    /// 1..=120 characters.
    #[validate(custom(function = "title"))]
    title: String,
    /// At most 2,200 characters.
    #[validate(length(max = 2200), custom(function = "service::text::refuse_hidden"))]
    caption: Option<String>,
    /// "vi" or "en". At most 8 characters.
    #[validate(custom(function = "language"))]
    language: String,
    /// An http(s) URL. At most 2,048 characters.
    #[validate(custom(function = "http_url"))]
    media_url: String,
    /// 1..=600.
    #[validate(range(min = 1, max = 600))]
    duration_seconds: i32,
    /// GENERAL unless given.
    audience: Option<Audience>,
    /// 1..=5 known tags: at most 5 items, each at most 40 characters.
    #[validate(length(min = 1, max = 5))]
    tag_slugs: Vec<String>,
    /// Enters it in this campaign, which must be running. At most 40 characters.
    campaign_slug: Option<String>,
}

#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// Every tag, ordered by pillar name, then slug.
    async fn tags(&self, ctx: &Context<'_>) -> AppResult<Vec<Tag>> {
        let mut tags = app(ctx)?.taxonomy.all().to_vec();
        tags.sort_by(|a, b| {
            (sea_orm::ActiveEnum::to_value(&a.pillar), &a.slug)
                .cmp(&(sea_orm::ActiveEnum::to_value(&b.pillar), &b.slug))
        });
        Ok(tags.into_iter().map(Tag).collect())
    }

    /// Every campaign, the latest to start first.
    async fn campaigns(&self, ctx: &Context<'_>) -> AppResult<Vec<Campaign>> {
        let rows = campaign::Entity::find().order_by_desc(campaign::Column::StartsAt).all(&app(ctx)?.db).await?;
        Ok(rows.into_iter().map(Campaign).collect())
    }

    /// The campaign with this slug; null when there is none.
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's slug, case-insensitive. At most 40 characters.")] slug: String,
    ) -> AppResult<Option<Campaign>> {
        Ok(crate::service::campaign::surveys::find_campaign(&app(ctx)?.db, &slug).await?.map(Campaign))
    }

    /// A content item; null when it does not exist or the viewer may not see it. A teen in time away or
    /// past today's limit gets TIME_AWAY or SCREEN_TIME_LIMIT_REACHED.
    async fn content(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The content's id.")] id: ID,
    ) -> AppResult<Option<Content>> {
        let Ok(id) = parse_id(&id, "content") else { return Ok(None) };
        Ok(contents::read(&app(ctx)?.db, access(ctx)?, id).await?.map(Content))
    }

    /// Browse and search, newest first.
    async fn contents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for; everything the viewer may see when absent.")] filter: Option<ContentFilter>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "The previous page's `pageInfo.endCursor`; absent for the first page. At most 200 characters."
        )]
        after: Option<String>,
    ) -> AppResult<Connection<Edge<Content>>> {
        let state = app(ctx)?;
        let request = PageRequest::new(first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = BrowseFilter {
            search: filter.search,
            tag: filter.tag,
            pillar: filter.pillar.map(Into::into),
            campaign_id: None,
            campaign_slug: filter.campaign,
            author_handle: filter.author_handle,
        };
        let access = access(ctx)?;
        let read = along(ctx);
        let page = contents::browse(&state.db, access, &filter, &request, &state.taxonomy, read).await?;
        if let Some(search) = &filter.search {
            let first_page = request.after.is_none();
            interactions::remember_search(&state.db, access, search, first_page, &state.taxonomy).await?;
        }
        content_connection(ctx, page, read).await
    }

    /// The personal "For You" feed; every edge says why it is there.
    async fn feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1..=50 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The previous page's `endCursor`; absent to start anew. At most 2,200 characters.")]
        after: Option<String>,
        #[graphql(desc = "Only items with a tag of this pillar.")] pillar: Option<Pillar>,
    ) -> AppResult<FeedConnection> {
        let state = app(ctx)?;
        let page = PageRequest::new(first, after)?;
        let request = FeedRequest { first: page.first as usize, after: page.after, pillar: pillar.map(Into::into) };
        let result = feed::page(&state.feed_db, access(ctx)?, &state.taxonomy, request).await?;
        // The feed already read these; let the field resolvers reuse them.
        loader::<ContentTagsLoader>(ctx)?.feed_many(result.tags.iter().map(|(id, tags)| (*id, tags.clone()))).await;
        loader::<CampaignLoader>(ctx)?.feed_many(result.campaigns.iter().map(|c| (c.id, c.clone()))).await;
        loader::<ProfileLoader>(ctx)?.feed_many(result.items.iter().map(|i| (i.author.id, i.author.clone()))).await;
        loader::<LikedLoader>(ctx)?.feed_many(result.items.iter().map(|i| (i.content.id, i.liked))).await;
        let items: Vec<&content::Model> = result.items.iter().map(|i| &i.content).collect();
        let fed = Fed { authors: true, tags: true, campaigns: true, likes: true };
        prime_loaders(ctx, ctx.look_ahead().field("edges").field("node"), &items, fed).await?;
        let end_cursor = (!result.items.is_empty()).then(|| result.cursor_after(result.items.len() - 1).encode());
        let edges = result
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| FeedEdge {
                cursor: EdgeCursor(result.cursor_after(index)),
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
    /// Publishes a video as the viewer.
    async fn create_content(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new video.")] input: CreateContentInput,
    ) -> AppResult<Content> {
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
        Ok(Content(contents::create(&state.db, author, new, access(ctx)?.now()).await?))
    }

    /// Deletes your own content.
    async fn delete_content(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The content's id.")] id: ID,
    ) -> AppResult<bool> {
        let access = access(ctx)?;
        access.member()?;
        contents::delete(&app(ctx)?.db, access, parse_id(&id, "content")?).await?;
        Ok(true)
    }

    /// Records what you did with a content item you can see; it teaches your feed. A teen in time away or
    /// past today's limit gets TIME_AWAY or SCREEN_TIME_LIMIT_REACHED (a VIEW or SWIPE_AWAY is recorded first).
    async fn record_interaction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The interaction.")] input: InteractionInput,
    ) -> AppResult<InteractionResult> {
        let state = app(ctx)?;
        let viewer = viewer(ctx)?;
        let content_id = parse_id(&input.content_id, "content")?;
        let content =
            interactions::record(&state.db, access(ctx)?, content_id, input.kind.into(), input.watched_ms).await?;
        let status = screen_time::status(&state.db, &viewer.user, &viewer.settings, access(ctx)?.now()).await?;
        Ok(InteractionResult { content: Content(content), screen_time: Some(ScreenTimeStatus::from(status)) })
    }

    /// Comments on a content item you can see, as its author's comment policy allows. Unkind wording is
    /// answered with KINDNESS_NUDGE (`words` matched, a `suggestion` in your language) and nothing is
    /// posted; the same call with `postAnyway: true` posts it. The author's comment controls may hold it.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The content to comment on.")] content_id: ID,
        #[graphql(desc = "The text, 1..=500 characters once trimmed.")] body: String,
        #[graphql(desc = "Post it even though it was nudged.", default_with = "Some(false)")] post_anyway: Option<bool>,
    ) -> AppResult<Comment> {
        // Who asks comes first: an anonymous caller learns nothing of the id.
        access(ctx)?.member()?;
        let content_id = parse_id(&content_id, "content")?;
        let post_anyway = post_anyway.unwrap_or(false);
        Ok(Comment(comments::add(&app(ctx)?.db, access(ctx)?, content_id, &body, post_anyway).await?))
    }

    /// Hides tonight's wind-down prompt for 30 minutes; false when none was showing.
    async fn dismiss_wind_down(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let access = access(ctx)?;
        Ok(screen_time::dismiss_wind_down(&app(ctx)?.db, access.member()?, access.now()).await?)
    }

    /// Deletes a comment you wrote, or one on your content.
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment's id.")] id: ID,
    ) -> AppResult<bool> {
        let access = access(ctx)?;
        access.member()?;
        comments::delete(&app(ctx)?.db, access, parse_id(&id, "comment")?).await?;
        Ok(true)
    }
}
