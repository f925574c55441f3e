//! The "For You" feed. It learns from the viewer's own signals, decayed with
//! time, and explains every item it shows.
//!
//! 1. **Profile**: one query reads the viewer's recent interactions with the
//!    tags and author of each item; each becomes a weight on those tags and
//!    that author (long watches up, quick ones and swipes down, likes and
//!    shares up, NOT_INTERESTED strongly and lastingly down), halved every
//!    two weeks. Searches add weight to the tags they name.
//! 2. **Candidates**: one SQL statement gathers a few hundred visible, unseen
//!    items: samples of every tag (bigger for favourite tags), the newest from
//!    followed authors and the running campaign, the most liked and the
//!    newest overall.
//! 3. **Ranking** blends affinity with popularity, freshness and the campaign.
//! 4. **Assembly** fills the page under the rules: a sampler across all five
//!    pillars for viewers without signals, at most two items per author, and
//!    at least one item from outside the viewer's strongest tags per ten.
use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::{
    ContentStatus, FollowState, InteractionKind, Pillar, campaign, content, content_tag, follow, interaction, tag,
};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait,
};
use uuid::Uuid;

use crate::content::search_terms;
use crate::domain::fold;
use crate::error::{AppError, AppResult};
use crate::policy::Policy;
use crate::visibility::{Scope, content_condition};

/// How far back signals are read, and how many rows of them at most.
const SIGNAL_WINDOW_DAYS: i64 = 90;
const SIGNAL_ROWS: u64 = 2_500;
const SIGNAL_HALF_LIFE_DAYS: f64 = 14.0;
/// Content viewed or swiped this recently is skipped while unseen content remains.
const SEEN_WINDOW_DAYS: i64 = 7;
/// Cursors remember at most this many served items (16 bytes each); older
/// ones are kept out by the "seen lately" rule once the viewer watched them.
const MAX_SERVED: usize = 100;
const PAGE_BLOCK: usize = 10;
const MAX_PER_AUTHOR: usize = 2;
const STRONGEST_TAGS: usize = 3;
/// A tag the viewer has not met yet is worth trying: it outranks tags they
/// swiped away, so a newcomer meets the whole catalogue quickly.
const NOVELTY: f64 = 0.4;
/// Authors this far down (NOT_INTERESTED) vanish from the feed.
const VANISHED_AUTHOR: f64 = -50.0;
/// Per ten items, one of the viewer's strongest tags appears at most four
/// times (so several tastes share the page) and any other tag once.
const MAX_PER_STRONG_TAG: usize = 4;
const MAX_PER_OTHER_TAG: usize = 1;
/// Items sampled per tag on each side of the pivot, and per strongest tag.
const TAG_SAMPLE: u64 = 4;
const STRONG_TAG_SAMPLE: u64 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    TagAffinity,
    FollowingAuthor,
    Trending,
    Campaign,
    Exploration,
    Fresh,
}

#[derive(Debug, Clone)]
pub struct Reason {
    pub kind: ReasonKind,
    pub label: String,
    pub tag: Option<tag::Model>,
}

pub struct FeedItem {
    pub content: content::Model,
    pub reasons: Vec<Reason>,
}

pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Served before this page, then this page's items in order.
    served: Vec<Uuid>,
    pub has_next_page: bool,
    /// Tags and campaigns of the items, already loaded, for the loaders.
    pub tags: HashMap<Uuid, Vec<tag::Model>>,
    pub campaigns: Vec<campaign::Model>,
}

impl FeedPage {
    /// The cursor after the item at `index` on this page.
    pub fn cursor_after(&self, index: usize) -> String {
        let end = self.served.len() - self.items.len() + index + 1;
        encode_cursor(&self.served[..end.min(self.served.len())])
    }
}

pub struct FeedRequest {
    pub first: usize,
    pub after: Option<String>,
    pub pillar: Option<Pillar>,
}

/// The items served so far in this walk through the feed.
fn decode_cursor(cursor: &str) -> AppResult<Vec<Uuid>> {
    let bad = || AppError::field("after", "is not a cursor from this feed");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    if bytes.len() % 16 != 0 {
        return Err(bad());
    }
    Ok(bytes.chunks_exact(16).filter_map(|chunk| Uuid::from_slice(chunk).ok()).collect())
}

fn encode_cursor(served: &[Uuid]) -> String {
    let recent = &served[served.len().saturating_sub(MAX_SERVED)..];
    URL_SAFE_NO_PAD.encode(recent.iter().flat_map(|id| *id.as_bytes()).collect::<Vec<u8>>())
}

/// The viewer's tastes, learnt from their signals.
#[derive(Default)]
struct Profile {
    tags: HashMap<String, f64>,
    authors: HashMap<Uuid, f64>,
    /// Tags whose weight came from searches rather than watching.
    searched: HashSet<String>,
    signals: usize,
}

impl Profile {
    fn strongest_tags(&self) -> Vec<String> {
        let mut positive: Vec<(&String, &f64)> = self.tags.iter().filter(|(_, w)| **w > 0.5).collect();
        positive.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        positive.into_iter().take(STRONGEST_TAGS).map(|(t, _)| t.clone()).collect()
    }
}

#[derive(Debug, FromQueryResult)]
struct SignalRow {
    kind: InteractionKind,
    watched_ms: Option<i32>,
    query: Option<String>,
    created_at: DateTime<Utc>,
    interaction_id: Uuid,
    author_id: Option<Uuid>,
    duration_seconds: Option<i32>,
    tag_slug: Option<String>,
}

/// Fractional days from `then` to `now`, never negative.
fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    std::cmp::max((now - then).num_seconds(), 0) as f64 / 86_400.0
}

/// (tag weight, author weight) of one signal before decay.
fn signal_weight(row: &SignalRow) -> (f64, f64) {
    match row.kind {
        InteractionKind::View => {
            let duration_ms = f64::from(std::cmp::max(row.duration_seconds.unwrap_or(1), 1)) * 1000.0;
            let completion = (f64::from(row.watched_ms.unwrap_or(0)) / duration_ms).clamp(0.0, 1.0);
            // A watch to the end pulls up; leaving in the first 40% pushes down.
            let w = (completion - 0.4) * 2.0;
            (w, w * 0.5)
        }
        InteractionKind::Like => (1.5, 1.0),
        InteractionKind::Unlike => (-1.5, -1.0),
        InteractionKind::Share => (2.0, 1.0),
        InteractionKind::SwipeAway => (-0.7, -0.3),
        InteractionKind::NotInterested => (-4.0, -100.0),
        InteractionKind::Search => (1.5, 0.0),
    }
}

async fn load_profile(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    tags: &[tag::Model],
    now: DateTime<Utc>,
) -> AppResult<Profile> {
    let rows = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::Kind)
        .column(interaction::Column::WatchedMs)
        .column(interaction::Column::Query)
        .column(interaction::Column::CreatedAt)
        .column_as(interaction::Column::Id, "interaction_id")
        .column_as(Expr::col((content::Entity, content::Column::AuthorId)), "author_id")
        .column_as(Expr::col((content::Entity, content::Column::DurationSeconds)), "duration_seconds")
        .column_as(Expr::col((content_tag::Entity, content_tag::Column::TagSlug)), "tag_slug")
        .join(JoinType::LeftJoin, interaction::Relation::Content.def())
        .join(JoinType::LeftJoin, content::Relation::Tags.def())
        .filter(interaction::Column::UserId.eq(viewer))
        .filter(interaction::Column::CreatedAt.gte(now - Duration::days(SIGNAL_WINDOW_DAYS)))
        .order_by_desc(interaction::Column::CreatedAt)
        .limit(SIGNAL_ROWS)
        .into_model::<SignalRow>()
        .all(db)
        .await?;

    let mut profile = Profile::default();
    let mut counted_authors = HashSet::new();
    let mut searches = Vec::new();
    for row in &rows {
        let (tag_weight, author_weight) = signal_weight(row);
        // "Not interested" lasts; everything else fades.
        let decay = if row.kind == InteractionKind::NotInterested {
            1.0
        } else {
            let age_days = days_since(row.created_at, now);
            0.5_f64.powf(age_days / SIGNAL_HALF_LIFE_DAYS)
        };
        if row.kind == InteractionKind::Search {
            searches.push((row.query.clone().unwrap_or_default(), tag_weight * decay));
            profile.signals += 1;
            continue;
        }
        if let Some(slug) = &row.tag_slug {
            *profile.tags.entry(slug.clone()).or_default() += tag_weight * decay;
        }
        // One row per tag: count the author once per interaction.
        if let Some(author) = row.author_id
            && counted_authors.insert(row.interaction_id)
        {
            *profile.authors.entry(author).or_default() += author_weight * decay;
            profile.signals += 1;
        }
    }
    if !searches.is_empty() {
        for (query, weight) in searches {
            let terms = search_terms(&query);
            for tag in tags {
                let names = fold(&format!("{} {} {}", tag.slug.replace('-', " "), tag.label, tag.label_vi));
                if terms.iter().any(|term| term.len() >= 3 && names.contains(term.as_str())) {
                    *profile.tags.entry(tag.slug.clone()).or_default() += weight;
                    profile.searched.insert(tag.slug.clone());
                }
            }
        }
    }
    Ok(profile)
}

fn ids_of(select: sea_orm::Select<content::Entity>, limit: u64) -> SelectStatement {
    select.select_only().column(content::Column::Id).limit(limit).into_query()
}

fn in_pillar(pillar: Pillar) -> SelectStatement {
    Query::select()
        .column((content_tag::Entity, content_tag::Column::ContentId))
        .from(content_tag::Entity)
        .inner_join(
            tag::Entity,
            Expr::col((tag::Entity, tag::Column::Slug)).equals((content_tag::Entity, content_tag::Column::TagSlug)),
        )
        .and_where(Expr::col((tag::Entity, tag::Column::Pillar)).eq(pillar))
        .to_owned()
}

struct CandidateQuery<'a> {
    scope: &'a Scope,
    viewer: Option<Uuid>,
    pillar: Option<Pillar>,
    served: &'a [Uuid],
    strongest: Vec<String>,
    running_campaigns: Vec<Uuid>,
    all_tags: Vec<String>,
    /// Where each tag's sample starts; moves as the walk goes on.
    pivot: Uuid,
}

impl CandidateQuery<'_> {
    /// Published, not deleted, not the viewer's own, not yet served, and
    /// (when `unseen`) not viewed or swiped lately. Cheap index scans; the
    /// visibility rules are applied once, to the union of all sources.
    fn base(&self, unseen: bool) -> sea_orm::Select<content::Entity> {
        let mut select = content::Entity::find()
            .filter(content::Column::Status.eq(ContentStatus::Published))
            .filter(content::Column::DeletedAt.is_null());
        if !self.served.is_empty() {
            select = select.filter(content::Column::Id.is_not_in(self.served.iter().copied()));
        }
        if let Some(pillar) = self.pillar {
            select = select.filter(content::Column::Id.in_subquery(in_pillar(pillar)));
        }
        if let Some(viewer) = self.viewer {
            select = select.filter(content::Column::AuthorId.ne(viewer));
            if unseen {
                let seen = Query::select()
                    .column(interaction::Column::ContentId)
                    .from(interaction::Entity)
                    .and_where(Expr::col(interaction::Column::UserId).eq(viewer))
                    .and_where(
                        Expr::col(interaction::Column::Kind).is_in([InteractionKind::View, InteractionKind::SwipeAway]),
                    )
                    .and_where(
                        Expr::col(interaction::Column::CreatedAt)
                            .gte(self.scope.now - Duration::days(SEEN_WINDOW_DAYS)),
                    )
                    .and_where(Expr::col(interaction::Column::ContentId).is_not_null())
                    .to_owned();
                select = select.filter(content::Column::Id.not_in_subquery(seen));
            }
        }
        select
    }

    /// Every source is `SELECT id … ORDER BY … LIMIT n` in a derived table;
    /// their `UNION ALL` is one subquery of one statement.
    fn sources(&self, unseen: bool) -> SelectStatement {
        let base = || self.base(unseen);
        let newest = |s: sea_orm::Select<content::Entity>| s.order_by_desc(content::Column::CreatedAt);
        let popular = |s: sea_orm::Select<content::Entity>| s.order_by_desc(content::Column::LikeCount);
        let mut sources = vec![ids_of(popular(base()), 40), ids_of(newest(base()), 40)];
        if !self.running_campaigns.is_empty() {
            let running = base().filter(content::Column::CampaignId.is_in(self.running_campaigns.iter().copied()));
            sources.push(ids_of(newest(running), 30));
        }
        // A sample of every tag (an index range of `content_tags` from the
        // pivot): cheap, and it lets the sampler and exploration reach the
        // whole catalogue. The viewer's strongest tags get bigger samples.
        for slug in &self.all_tags {
            let size = if self.strongest.contains(slug) { STRONG_TAG_SAMPLE } else { TAG_SAMPLE };
            // From the pivot up, and from the start: the range wraps around.
            let above = Expr::col(content_tag::Column::ContentId).gt(self.pivot);
            let below = Expr::col(content_tag::Column::ContentId).lte(self.pivot);
            for side in [above, below] {
                sources.push(
                    Query::select()
                        .column(content_tag::Column::ContentId)
                        .from(content_tag::Entity)
                        .and_where(Expr::col(content_tag::Column::TagSlug).eq(slug.as_str()))
                        .and_where(side)
                        .order_by(content_tag::Column::ContentId, sea_orm::Order::Asc)
                        .limit(size)
                        .to_owned(),
                );
            }
        }
        if let Some(viewer) = self.viewer {
            let followed = Query::select()
                .column(follow::Column::FolloweeId)
                .from(follow::Entity)
                .and_where(Expr::col(follow::Column::FollowerId).eq(viewer))
                .and_where(Expr::col(follow::Column::Status).eq(FollowState::Accepted))
                .to_owned();
            sources.push(ids_of(newest(base().filter(content::Column::AuthorId.in_subquery(followed))), 40));
        }
        let mut derived = sources.into_iter().enumerate().map(|(i, source)| {
            Query::select().column(Asterisk).from_subquery(source, Alias::new(format!("source_{i}"))).to_owned()
        });
        let mut union = derived
            .next()
            .unwrap_or_else(|| Query::select().column(content::Column::Id).from(content::Entity).to_owned());
        for next in derived {
            union.union(UnionType::All, next);
        }
        union
    }

    async fn fetch(
        &self,
        db: &impl ConnectionTrait,
        unseen: bool,
    ) -> AppResult<Vec<(content::Model, Option<follow::Model>)>> {
        let mut select = self
            .base(unseen)
            .filter(content::Column::Id.in_subquery(self.sources(unseen)))
            .filter(content_condition(self.scope));
        if let Some(viewer) = self.viewer {
            // Whether the viewer follows each item's author, in the same statement.
            let follows_author = content::Entity::belongs_to(follow::Entity)
                .from(content::Column::AuthorId)
                .to(follow::Column::FolloweeId)
                .on_condition(move |_, right| {
                    Condition::all()
                        .add(Expr::col((right.clone(), follow::Column::FollowerId)).eq(viewer))
                        .add(Expr::col((right, follow::Column::Status)).eq(FollowState::Accepted))
                })
                .into();
            return Ok(select.join(JoinType::LeftJoin, follows_author).select_also(follow::Entity).all(db).await?);
        }
        select = select.order_by_desc(content::Column::CreatedAt);
        Ok(select.all(db).await?.into_iter().map(|c| (c, None)).collect())
    }
}

struct Candidate {
    content: content::Model,
    tags: Vec<tag::Model>,
    followed: bool,
    campaign: Option<campaign::Model>,
    affinity: f64,
    popularity: f64,
    score: f64,
}

impl Candidate {
    fn campaign_running(&self, now: DateTime<Utc>) -> bool {
        self.campaign.as_ref().is_some_and(|c| c.is_running(now))
    }

    fn pillars(&self) -> HashSet<Pillar> {
        self.tags.iter().map(|t| t.pillar).collect()
    }

    fn is_exploration(&self, strongest: &[String]) -> bool {
        !self.tags.iter().any(|t| strongest.contains(&t.slug))
    }
}

fn score(candidates: &mut [Candidate], profile: Option<&Profile>, now: DateTime<Utc>) {
    for c in candidates.iter_mut() {
        let engagement = f64::from(c.content.like_count) * 3.0
            + f64::from(c.content.share_count) * 5.0
            + f64::from(c.content.comment_count) * 2.0
            + f64::from(c.content.view_count) * 0.2;
        c.popularity = (1.0 + engagement).ln() / 3.0;
        let age_days = days_since(c.content.created_at, now);
        let freshness = 1.5 * 0.5_f64.powf(age_days / 7.0);
        let campaign = if c.campaign_running(now) { 1.0 } else { 0.0 };
        c.affinity = profile.map_or(0.0, |p| {
            let tag_sum: f64 = c.tags.iter().map(|t| p.tags.get(&t.slug).copied().unwrap_or(NOVELTY)).sum();
            let tags = tag_sum / (c.tags.len().max(1) as f64).sqrt();
            let author = p.authors.get(&c.content.author_id).copied().unwrap_or(0.0);
            tags + author + if c.followed { 3.0 } else { 0.0 }
        });
        c.score = 2.0 * c.affinity + 0.5 * c.popularity + 0.5 * freshness + campaign;
        if profile.is_none() {
            c.score = c.popularity + freshness + campaign;
        }
    }
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.content.created_at.cmp(&a.content.created_at)));
}

/// Picks the page from ranked candidates under the feed's rules.
fn assemble(
    candidates: Vec<Candidate>,
    first: usize,
    strongest: &[String],
    sampler: bool,
) -> (Vec<(Candidate, bool)>, bool) {
    let mut pool: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    let mut page: Vec<(Candidate, bool)> = Vec::with_capacity(first);
    let mut per_author: HashMap<Uuid, usize> = HashMap::new();
    let pillars = [Pillar::Learn, Pillar::Discover, Pillar::Connect, Pillar::Laugh, Pillar::Kindness];
    let mut block_has_exploration = false;

    let mut per_tag: HashMap<String, usize> = HashMap::new();

    while page.len() < first {
        let slot = page.len();
        if slot.is_multiple_of(PAGE_BLOCK) {
            block_has_exploration = false;
        }
        let last_in_block = slot % PAGE_BLOCK == PAGE_BLOCK - 1 || slot + 1 == first;
        // Diversity is a hard rule; the rest are preferences, relaxed in turn.
        let author_ok = |c: &Candidate| per_author.get(&c.content.author_id).copied().unwrap_or(0) < MAX_PER_AUTHOR;
        let blocks = first.div_ceil(PAGE_BLOCK);
        let tags_ok = |c: &Candidate| {
            c.tags.iter().all(|t| {
                let cap = if strongest.contains(&t.slug) { MAX_PER_STRONG_TAG } else { MAX_PER_OTHER_TAG };
                per_tag.get(&t.slug).copied().unwrap_or(0) < cap * blocks
            })
        };
        let want_exploration = !sampler && !strongest.is_empty() && last_in_block && !block_has_exploration;
        let wanted_pillar = sampler.then(|| pillars[slot % pillars.len()]);
        let preferred = |c: &Candidate| {
            (!want_exploration || c.is_exploration(strongest)) && wanted_pillar.is_none_or(|p| c.pillars().contains(&p))
        };
        let find = |test: &dyn Fn(&Candidate) -> bool| pool.iter().position(|c| c.as_ref().is_some_and(test));
        let pick = find(&|c| author_ok(c) && tags_ok(c) && preferred(c))
            .or_else(|| find(&|c| author_ok(c) && preferred(c)))
            .or_else(|| find(&|c| author_ok(c)));
        let Some(index) = pick else { break };
        let Some(chosen) = pool[index].take() else { break };
        let exploration = sampler || (!strongest.is_empty() && chosen.is_exploration(strongest));
        block_has_exploration |= exploration;
        *per_author.entry(chosen.content.author_id).or_default() += 1;
        for tag in &chosen.tags {
            *per_tag.entry(tag.slug.clone()).or_default() += 1;
        }
        page.push((chosen, exploration));
    }
    let has_more = pool.iter().any(Option::is_some);
    (page, has_more)
}

fn reasons(
    c: &Candidate,
    exploration: bool,
    profile: Option<&Profile>,
    trending_floor: f64,
    english: bool,
    now: DateTime<Utc>,
) -> Vec<Reason> {
    let say = |en: String, vi: String| if english { en } else { vi };
    let mut reasons = Vec::new();
    if let Some(profile) = profile {
        let best = c
            .tags
            .iter()
            .filter_map(|t| profile.tags.get(&t.slug).map(|w| (t, *w)))
            .filter(|(_, w)| *w > 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((tag, _)) = best {
            let label = if profile.searched.contains(&tag.slug) {
                say(format!("Because you searched for {}", tag.label), format!("Vì bạn đã tìm {}", tag.label_vi))
            } else {
                say(
                    format!("Because you watched {} videos", tag.label.to_lowercase()),
                    format!("Vì bạn hay xem video {}", tag.label_vi.to_lowercase()),
                )
            };
            reasons.push(Reason { kind: ReasonKind::TagAffinity, label, tag: Some(tag.clone()) });
        }
    }
    if c.followed {
        reasons.push(Reason {
            kind: ReasonKind::FollowingAuthor,
            label: say("From an account you follow".into(), "Từ tài khoản bạn theo dõi".into()),
            tag: None,
        });
    }
    if let Some(campaign) = &c.campaign {
        reasons.push(Reason {
            kind: ReasonKind::Campaign,
            label: say(format!("Part of {}", campaign.hashtag), format!("Thuộc chiến dịch {}", campaign.hashtag)),
            tag: None,
        });
    }
    if c.popularity >= trending_floor && c.content.like_count > 0 {
        reasons.push(Reason {
            kind: ReasonKind::Trending,
            label: say("Trending in Vietnam".into(), "Đang thịnh hành tại Việt Nam".into()),
            tag: None,
        });
    }
    if now - c.content.created_at < Duration::days(3) {
        reasons.push(Reason {
            kind: ReasonKind::Fresh,
            label: say("New on TrustFeed".into(), "Mới trên TrustFeed".into()),
            tag: None,
        });
    }
    if exploration || reasons.is_empty() {
        let pillar_tag = c.tags.first().cloned();
        reasons.push(Reason {
            kind: ReasonKind::Exploration,
            label: say("Something new for you".into(), "Điều mới mẻ dành cho bạn".into()),
            tag: pillar_tag,
        });
    }
    reasons
}

/// One page of the feed for the policy's viewer.
pub async fn page(db: &impl ConnectionTrait, policy: &Policy, request: FeedRequest) -> AppResult<FeedPage> {
    let reads = policy.content_reads(db).await?;
    let scope = reads.scope();
    let viewer = policy.viewer()?;
    let now = scope.now;
    let mut served = match &request.after {
        Some(cursor) => decode_cursor(cursor)?,
        None => Vec::new(),
    };
    let all_tags = tag::Entity::find().all(db).await?;
    let personalised = viewer.filter(|v| v.settings.personalized_feed);
    let profile = match personalised {
        Some(v) => Some(load_profile(db, v.user.id, &all_tags, now).await?),
        None => None,
    };
    let profile = profile.filter(|p| p.signals > 0);
    let strongest = profile.as_ref().map(Profile::strongest_tags).unwrap_or_default();

    // The campaigns table is tiny: read it whole, for the running ones and
    // for the items' campaign reasons.
    let campaigns = campaign::Entity::find().all(db).await?;
    let pivot = {
        let seed = format!("{:?}|{}|{}", viewer.map(|v| v.user.id), served.len(), now.date_naive());
        let digest = <sha2::Sha256 as sha2::Digest>::digest(seed.as_bytes());
        Uuid::from_slice(&digest[..16]).unwrap_or_default()
    };
    let query = CandidateQuery {
        scope,
        viewer: viewer.map(|v| v.user.id),
        pillar: request.pillar,
        served: &served,
        strongest: strongest.clone(),
        running_campaigns: campaigns.iter().filter(|c| c.is_running(now)).map(|c| c.id).collect(),
        all_tags: all_tags.iter().map(|t| t.slug.clone()).collect(),
        pivot,
    };
    let mut rows = query.fetch(db, true).await?;
    if rows.len() < request.first {
        // Everything unseen is used up: fall back to what was seen lately.
        let known: HashSet<Uuid> = rows.iter().map(|(c, _)| c.id).collect();
        rows.extend(query.fetch(db, false).await?.into_iter().filter(|(c, _)| !known.contains(&c.id)));
    }

    let ids: Vec<Uuid> = rows.iter().map(|(c, _)| c.id).collect();
    let tag_rows = content_tag::Entity::find()
        .filter(content_tag::Column::ContentId.is_in(ids.clone()))
        .find_also_related(tag::Entity)
        .all(db)
        .await?;
    let mut tags: HashMap<Uuid, Vec<tag::Model>> = HashMap::new();
    for (link, tag) in tag_rows {
        if let Some(tag) = tag {
            tags.entry(link.content_id).or_default().push(tag);
        }
    }

    let mut candidates: Vec<Candidate> = rows
        .into_iter()
        .map(|(content, follow)| Candidate {
            tags: tags.get(&content.id).cloned().unwrap_or_default(),
            campaign: content.campaign_id.and_then(|id| campaigns.iter().find(|c| c.id == id).cloned()),
            followed: follow.is_some(),
            content,
            affinity: 0.0,
            popularity: 0.0,
            score: 0.0,
        })
        .collect();
    if let Some(profile) = &profile {
        candidates.retain(|c| profile.authors.get(&c.content.author_id).is_none_or(|w| *w > VANISHED_AUTHOR));
    }
    score(&mut candidates, profile.as_ref(), now);
    let mut popularity: Vec<f64> = candidates.iter().map(|c| c.popularity).collect();
    popularity.sort_by(|a, b| b.total_cmp(a));
    let trending_floor = popularity.get(popularity.len() / 10).copied().unwrap_or(f64::MAX);

    let sampler = profile.is_none() && request.pillar.is_none();
    let (chosen, has_next_page) = assemble(candidates, request.first, &strongest, sampler);
    let english = viewer.is_some_and(|v| v.user.locale == "en");
    let mut items = Vec::with_capacity(chosen.len());
    for (candidate, exploration) in chosen {
        served.push(candidate.content.id);
        let reasons = reasons(&candidate, exploration, profile.as_ref(), trending_floor, english, now);
        items.push(FeedItem { content: candidate.content, reasons });
    }
    Ok(FeedPage { items, served, has_next_page, tags, campaigns })
}
