//! The "For You" feed. It learns from the viewer's own signals, decayed with
//! time, and explains every item it shows.
//!
//! 1. **Profile**: every signal changes the viewer's weights on the item's
//!    tags and author as it is recorded (long watches up, quick ones and
//!    swipes down, likes and shares up, NOT_INTERESTED strongly and lastingly
//!    down), halved every two weeks; searches add weight to the tags they
//!    name (`tastes`). The feed reads the tags' few rows; each candidate
//!    brings the weight of its own author.
//! 2. **Candidates**: one SQL statement gathers a few hundred visible, unseen
//!    items with their tags and the viewer's weight for their authors: a
//!    slice across the whole catalogue, a sample of each learned taste, one
//!    of the unmet tags next to them, the newest from followed authors and
//!    the running campaign, the most liked and the newest overall.
//! 3. **Ranking** blends affinity with popularity, freshness and the campaign.
//!    An item is worth its best tag to the viewer (a food video also tagged
//!    travel is still a food video), plus a little of its other tags. A tag
//!    the viewer has not met is worth trying, and more so when it shares a
//!    pillar with a learned taste: when a taste runs out, the feed moves on
//!    to its neighbours rather than to unrelated popular items.
//! 4. **Assembly** fills the page under the rules: a sampler across all five
//!    pillars for viewers without signals, at most two items per author, and
//!    at least one item from outside the viewer's learned tastes per ten.
//!    Learned tastes are not capped: someone with one interest gets nine of
//!    ten; then their neighbours; other items are spread, one per tag per ten.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::{
    ContentStatus, FollowState, InteractionKind, Pillar, author_taste, campaign, content, content_tag, follow,
    interaction, like, tag, user,
};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, RelationTrait,
};
use uuid::Uuid;

use crate::content::{AUTHOR, named_tags, search_terms, tag_slugs, with_author_columns};
use crate::error::{AppError, AppResult};
use crate::policy::Access;
use crate::policy::content::{ContentReads, follows, visible_contents_with_authors};
use crate::rows::with_columns;
use crate::screen_time;
use crate::taxonomy::Taxonomy;
use crate::text::fold;

mod candidates;
mod profile;
mod ranking;
pub mod tastes;

use candidates::*;
use profile::*;
use ranking::*;

/// Signals fade by half in this many days (see `tastes`).
const SIGNAL_HALF_LIFE_DAYS: f64 = 14.0;
/// Content viewed or swiped this recently is skipped while unseen content remains.
const SEEN_WINDOW_DAYS: i64 = 7;
/// Cursors remember at most this many served items (16 bytes each); older
/// ones are kept out by the "seen lately" rule once the viewer watched them.
const MAX_SERVED: usize = 100;
const PAGE_BLOCK: usize = 10;
const MAX_PER_AUTHOR: usize = 2;
/// A reason names a taste only when at least this many of the viewer's
/// signals were for it: one long look is not "you often watch".
const SIGNALS_TO_NAME_A_TASTE: i32 = 2;
/// Learned tastes: at most this many tags, each weighing more than TASTE.
const STRONGEST_TAGS: usize = 4;
const TASTE: f64 = 0.5;
/// Approval's doubt: a tag welcomed once (about one watch to the end) is
/// half approved, and approval nears 1 as the evidence grows.
const APPROVAL_PRIOR: f64 = 1.0;
/// A tag the viewer has not met yet is worth trying: it outranks tags they
/// swiped away, so a newcomer meets the whole catalogue quickly.
const NOVELTY: f64 = 0.4;
/// An unmet tag in the pillar of a learned taste is worth this much more.
const NEAR: f64 = 0.6;
/// An item's other tags count for this share of their weight.
const OTHER_TAGS: f64 = 0.25;
/// Authors this far down (NOT_INTERESTED) vanish from the feed.
const VANISHED_AUTHOR: f64 = -50.0;
/// Per ten items, a tag outside the learned tastes appears at most once.
const MAX_PER_OTHER_TAG: usize = 1;
/// Items sampled across every tag from the pivot on (a quarter as many once
/// tastes are learned), and per learned taste; and the most liked and the
/// newest (half as many once tastes are learned), the running campaign's
/// and the followed authors' newest. About 70 candidates for a viewer with
/// two tastes: every one costs the statement a few lookups (twice as many
/// candidates, nearly twice the time under load).
const CATALOGUE_SLICE: u64 = 60;
const STRONG_TAG_SAMPLE: u64 = 20;
const GLOBAL_SAMPLE: u64 = 20;
/// Items sampled, from the pivot on, of the unmet tags next to a learned
/// taste, so a narrow catalogue slice still brings them: they are
/// where the feed goes when a taste runs out.
const NEAR_SAMPLE: u64 = 10;

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
    pub author: user::Profile,
    /// Whether the viewer likes it (false for anonymous viewers).
    pub liked: bool,
    pub reasons: Vec<Reason>,
}

pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Served before this page, then this page's items in order.
    served: Arc<[Uuid]>,
    pub has_next_page: bool,
    /// Tags and campaigns of the items, read with them, for the loaders.
    pub tags: HashMap<Uuid, Vec<tag::Model>>,
    pub campaigns: Vec<campaign::Model>,
    /// The late-night prompt for a 13–15-year-old, if it shows now.
    pub wind_down: Option<screen_time::WindDown>,
}

impl FeedPage {
    /// The cursor after the item at `index` on this page.
    pub fn cursor_after(&self, index: usize) -> FeedCursor {
        let end = self.served.len() - self.items.len() + index + 1;
        FeedCursor { served: self.served.clone(), end: end.min(self.served.len()) }
    }
}

/// The place after one item of a feed page, encoded only when a client asks
/// for it: each holds up to `MAX_SERVED` ids, and a page of ten would
/// otherwise encode ten of them.
#[derive(Clone)]
pub struct FeedCursor {
    served: Arc<[Uuid]>,
    end: usize,
}

impl FeedCursor {
    /// What a client passes back as `after`.
    pub fn encode(&self) -> String {
        encode_cursor(&self.served[..self.end])
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
    // A cursor from this feed holds at most MAX_SERVED ids.
    if bytes.len() % 16 != 0 || bytes.len() > MAX_SERVED * 16 {
        return Err(bad());
    }
    Ok(bytes.chunks_exact(16).filter_map(|chunk| Uuid::from_slice(chunk).ok()).collect())
}

fn encode_cursor(served: &[Uuid]) -> String {
    let recent = &served[served.len().saturating_sub(MAX_SERVED)..];
    URL_SAFE_NO_PAD.encode(recent.iter().flat_map(|id| *id.as_bytes()).collect::<Vec<u8>>())
}

/// One page of the feed for the policy's viewer.
pub async fn page(
    db: &impl ConnectionTrait,
    access: &Access,
    taxonomy: &Taxonomy,
    request: FeedRequest,
) -> AppResult<FeedPage> {
    let reads = access.content_reads(db).await?;
    let viewer = access.viewer()?;
    let now = access.now();
    let mut served = match &request.after {
        Some(cursor) => decode_cursor(cursor)?,
        None => Vec::new(),
    };
    let all_tags = taxonomy.all();
    let personalised = viewer.filter(|v| v.settings.personalized_feed);
    let profile = match personalised {
        Some(v) => Some(tastes::load(db, v.user.id, all_tags, now).await?),
        None => None,
    };
    let profile = profile.filter(|p| !p.is_empty());
    let strongest = profile.as_ref().map(Profile::strongest_tags).unwrap_or_default();

    let pivot = {
        let seed = format!("{:?}|{}|{}", viewer.map(|v| v.user.id), served.len(), now.date_naive());
        let digest = <sha2::Sha256 as sha2::Digest>::digest(seed.as_bytes());
        Uuid::from_slice(&digest[..16]).unwrap_or_default()
    };
    let near: Vec<String> = match &profile {
        Some(p) => all_tags.iter().filter(|t| p.near_taste(t).is_some()).map(|t| t.slug.clone()).collect(),
        None => Vec::new(),
    };
    let query = CandidateQuery {
        reads: &reads,
        viewer: viewer.map(|v| v.user.id),
        // With the profile, so that the authors' weights come exactly when
        // ranking and the vanishing of authors below use them.
        learned_by: profile.as_ref().and(personalised).map(|v| v.user.id),
        pillar: request.pillar,
        served: &served,
        strongest: strongest.clone(),
        near: &near,
        pivot,
        first: request.first,
        taxonomy,
    };
    let mut rows = query.fetch(db, true).await?;
    if rows.len() < request.first {
        // Everything unseen is used up: fall back to what was seen lately.
        let known: HashSet<Uuid> = rows.iter().map(|row| row.content.id).collect();
        rows.extend(query.fetch(db, false).await?.into_iter().filter(|row| !known.contains(&row.content.id)));
    }

    let mut candidates: Vec<Candidate> = rows
        .into_iter()
        .map(|Fetched { content, author, campaign, followed, liked, author_weight, tags }| Candidate {
            tags,
            campaign,
            followed,
            liked,
            author_weight,
            author,
            content,
            affinity: 0.0,
            popularity: 0.0,
            score: 0.0,
        })
        .collect();
    if profile.is_some() {
        candidates.retain(|c| c.author_weight > VANISHED_AUTHOR);
    }
    score(&mut candidates, profile.as_ref(), now);
    let mut popularity: Vec<f64> = candidates.iter().map(|c| c.popularity).collect();
    popularity.sort_by(|a, b| b.total_cmp(a));
    let trending_floor = popularity.get(popularity.len() / 10).copied().unwrap_or(f64::MAX);

    let sampler = profile.is_none() && request.pillar.is_none();
    let (chosen, has_next_page) = assemble(candidates, request.first, &strongest, &near, sampler);
    let english = viewer.is_some_and(|v| v.user.locale == "en");
    let mut items = Vec::with_capacity(chosen.len());
    let mut tags: HashMap<Uuid, Vec<tag::Model>> = HashMap::with_capacity(chosen.len());
    let mut campaigns: Vec<campaign::Model> = Vec::new();
    for (candidate, exploration) in chosen {
        served.push(candidate.content.id);
        let reasons = reasons(&candidate, exploration, profile.as_ref(), trending_floor, english, now);
        tags.insert(candidate.content.id, candidate.tags);
        if let Some(campaign) = candidate.campaign.filter(|c| !campaigns.iter().any(|known| known.id == c.id)) {
            campaigns.push(campaign);
        }
        items.push(FeedItem { content: candidate.content, author: candidate.author, liked: candidate.liked, reasons });
    }
    let wind_down = viewer.and_then(|v| screen_time::wind_down(&v.user, &v.settings, now));
    Ok(FeedPage { items, served: served.into(), has_next_page, tags, campaigns, wind_down })
}
