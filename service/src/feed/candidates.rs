//! Candidate items: one statement of cheap sources, visibility applied once.
use super::*;
use sea_orm::sea_query::{CommonTableExpression, QueryStatementBuilder, WithClause};
use sea_orm::{DatabaseBackend, Iterable};

use crate::plans::planned_once;

/// The name of the viewer's recently seen items (`CandidateQuery::seen`).
const SEEN: &str = "seen";

pub(super) fn ids_of(select: sea_orm::Select<content::Entity>, limit: u64) -> SelectStatement {
    select.select_only().column(content::Column::Id).limit(limit).into_query()
}

pub(super) fn in_pillar(pillar: Pillar) -> SelectStatement {
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

pub(super) struct Fetched {
    pub(super) content: content::Model,
    pub(super) author: user::Profile,
    pub(super) campaign: Option<campaign::Model>,
    pub(super) followed: bool,
    pub(super) liked: bool,
    /// What the viewer learned of the author: 0 when nothing, and when the
    /// query has no `learned_by`.
    pub(super) author_weight: f64,
    pub(super) tags: Vec<tag::Model>,
}

/// The prefix of the joined campaign's columns.
const CAMPAIGN: &str = "joined_campaign_";

/// Items of a campaign running at `now`. On PostgreSQL the campaigns are
/// read first (`= ANY(ARRAY(…))` is an init plan) and the campaign's index
/// does the rest, so without a running campaign the source costs nothing: as
/// an `IN` subquery, the planner expected half the catalogue to match and
/// walked every item newest first (120 ms at 100,000 items).
fn in_running_campaign(backend: DatabaseBackend, now: DateTime<Utc>) -> Expr {
    let running = Query::select()
        .column(campaign::Column::Id)
        .from(campaign::Entity)
        .and_where(Expr::col(campaign::Column::StartsAt).lte(now))
        .and_where(Expr::col(campaign::Column::EndsAt).gt(now))
        .to_owned();
    let campaign_id = Expr::col((content::Entity, content::Column::CampaignId));
    match backend {
        DatabaseBackend::Postgres => Expr::cust_with_exprs(
            "$1 = ANY(ARRAY $2)",
            [campaign_id, Expr::SubQuery(None, Box::new(running.into_sub_query_statement()))],
        ),
        _ => campaign_id.in_subquery(running),
    }
}

pub(super) struct CandidateQuery<'a> {
    pub(super) taxonomy: &'a Taxonomy,
    pub(super) reads: &'a ContentReads,
    pub(super) viewer: Option<Uuid>,
    /// The viewer whose weight for each candidate's author comes with it:
    /// set when the feed is personalised and has learned something.
    pub(super) learned_by: Option<Uuid>,
    pub(super) pillar: Option<Pillar>,
    pub(super) served: &'a [Uuid],
    pub(super) strongest: Vec<String>,
    /// Unmet tags next to a learned taste.
    pub(super) near: &'a [String],
    /// Where each tag's sample starts; moves as the walk goes on.
    pub(super) pivot: Uuid,
    /// The page size: a longer page samples more.
    pub(super) first: usize,
}

impl CandidateQuery<'_> {
    /// Published, not deleted, not the viewer's own, and (when `unseen`) not
    /// viewed, swiped or liked lately. Cheap index scans; the visibility rules are
    /// applied once, to the union of all sources.
    pub(super) fn base(&self, unseen: bool) -> sea_orm::Select<content::Entity> {
        self.narrowed(content::Entity::find(), unseen)
    }

    fn narrowed(&self, select: sea_orm::Select<content::Entity>, unseen: bool) -> sea_orm::Select<content::Entity> {
        let mut select = select
            .filter(content::Column::Status.eq(ContentStatus::Published))
            .filter(content::Column::DeletedAt.is_null());
        if let Some(pillar) = self.pillar {
            select = select.filter(content::Column::Id.in_subquery(in_pillar(pillar)));
        }
        if let Some(viewer) = self.viewer {
            select = select.filter(content::Column::AuthorId.ne(viewer));
            if unseen {
                let seen = Query::select().column(interaction::Column::ContentId).from(Alias::new(SEEN)).to_owned();
                select = select.filter(content::Column::Id.not_in_subquery(seen));
            }
        }
        select
    }

    /// What the viewer viewed, swiped or liked lately: a common table
    /// expression named `SEEN`, read once however many sources skip it.
    fn seen(&self, viewer: Uuid) -> CommonTableExpression {
        let seen = Query::select()
            .column(interaction::Column::ContentId)
            .from(interaction::Entity)
            .and_where(Expr::col(interaction::Column::UserId).eq(viewer))
            .and_where(
                // A like from a search or a profile is a video seen too.
                Expr::col(interaction::Column::Kind).is_in([
                    InteractionKind::View,
                    InteractionKind::SwipeAway,
                    InteractionKind::Like,
                ]),
            )
            .and_where(
                Expr::col(interaction::Column::CreatedAt)
                    .gte(self.reads.scope().now() - Duration::days(SEEN_WINDOW_DAYS)),
            )
            .and_where(Expr::col(interaction::Column::ContentId).is_not_null())
            .to_owned();
        CommonTableExpression::new().query(seen).table_name(Alias::new(SEEN)).to_owned()
    }

    /// Leaves out what this walk served already (at most MAX_SERVED ids). The
    /// statement's text is the same however many there are, so PostgreSQL
    /// keeps its plan: there they are one `uuid[]` value (written as text,
    /// which SeaORM binds without its array feature); SQLite gets always
    /// MAX_SERVED ids, padded with the nil id.
    fn not_served(
        &self,
        backend: DatabaseBackend,
        select: sea_orm::Select<content::Entity>,
    ) -> sea_orm::Select<content::Entity> {
        let served = &self.served[self.served.len().saturating_sub(MAX_SERVED)..];
        let id = Expr::col((content::Entity, content::Column::Id));
        match backend {
            DatabaseBackend::Postgres => {
                let ids: Vec<String> = served.iter().map(Uuid::to_string).collect();
                let array = format!("{{{}}}", ids.join(","));
                // A subquery, read once into a hash: `<> ALL(…)` would parse
                // the array again for every row (2 ms for 100 ids and 70 rows).
                select.filter(Expr::cust_with_exprs(
                    "$1 NOT IN (SELECT unnest(CAST($2 AS uuid[])))",
                    [id, Expr::val(array)],
                ))
            }
            _ => {
                let mut padded = served.to_vec();
                padded.resize(MAX_SERVED, Uuid::nil());
                select.filter(id.is_not_in(padded))
            }
        }
    }

    /// `limit` ids of items with one of `slugs` (any tag when empty), from
    /// the pivot up and, when those run out, from the start. The part from
    /// the start only fills what the part above left short: the database
    /// stops reading at the limit, so a sample costs its own length and no
    /// more (two ranges of `limit` each put a third more candidates through
    /// every per-item check, at the same quality).
    fn wrapped_sample(&self, slugs: &[String], limit: u64) -> SelectStatement {
        let range = |above: bool| {
            let side = if above {
                Expr::col(content_tag::Column::ContentId).gt(self.pivot)
            } else {
                Expr::col(content_tag::Column::ContentId).lte(self.pivot)
            };
            let mut range = Query::select()
                .column(content_tag::Column::ContentId)
                .from(content_tag::Entity)
                .and_where(side)
                .order_by(content_tag::Column::ContentId, sea_orm::Order::Asc)
                .limit(limit)
                .to_owned();
            if !slugs.is_empty() {
                range.and_where(Expr::col(content_tag::Column::TagSlug).is_in(slugs.iter().map(String::as_str)));
            }
            range
        };
        let mut both = Query::select().column(Asterisk).from_subquery(range(true), Alias::new("above")).to_owned();
        both.union(
            UnionType::All,
            Query::select().column(Asterisk).from_subquery(range(false), Alias::new("from_start")).to_owned(),
        );
        Query::select().column(Asterisk).from_subquery(both, Alias::new("wrapped")).limit(limit).to_owned()
    }

    /// Every source is `SELECT id … ORDER BY … LIMIT n` in a derived table;
    /// their `UNION ALL` is one subquery of one statement.
    pub(super) fn sources(&self, backend: DatabaseBackend, unseen: bool) -> SelectStatement {
        // What a signed-in viewer was served they mostly saw too, so only
        // an anonymous walk needs each source to skip it.
        let base = || match self.viewer {
            Some(_) => self.base(unseen),
            None => self.not_served(backend, self.base(unseen)),
        };
        let newest = |s: sea_orm::Select<content::Entity>| s.order_by_desc(content::Column::CreatedAt);
        let popular = |s: sea_orm::Select<content::Entity>| s.order_by_desc(content::Column::LikeCount);
        let first = self.first as u64;
        let global = std::cmp::max(GLOBAL_SAMPLE, first / 2);
        // With learned tastes most of a page comes from their samples; the
        // most liked and the newest are then only the page's exploration.
        let breadth = if self.strongest.is_empty() { global } else { std::cmp::max(GLOBAL_SAMPLE / 2, first / 2) };
        let mut sources = vec![ids_of(popular(base()), breadth), ids_of(newest(base()), breadth)];
        let running = base().filter(in_running_campaign(backend, self.reads.scope().now()));
        sources.push(ids_of(newest(running), global));
        // Samples are index ranges of `content_tags` from the pivot (which
        // moves as the walk goes on), from the pivot up and then from the
        // start, so the range wraps around: cheap, and spread over the
        // catalogue. One slice across every tag lets the sampler and
        // exploration reach the whole catalogue; each learned taste gets a
        // sample of its own, and their unmet neighbours one together.
        let mut samples: Vec<(&[String], u64)> = vec![(&[], std::cmp::max(CATALOGUE_SLICE, first))];
        if !self.strongest.is_empty() {
            // Learned tastes have samples of their own: the rest of the
            // catalogue needs less breadth then.
            samples[0].1 = std::cmp::max(CATALOGUE_SLICE / 4, first);
            samples.extend(self.strongest.iter().map(|slug| (std::slice::from_ref(slug), STRONG_TAG_SAMPLE)));
        }
        if !self.near.is_empty() {
            samples.push((self.near, NEAR_SAMPLE));
        }
        sources.extend(samples.into_iter().map(|(slugs, limit)| self.wrapped_sample(slugs, limit)));
        if let Some(viewer) = self.viewer {
            let followed = Query::select()
                .column(follow::Column::FolloweeId)
                .from(follow::Entity)
                .and_where(Expr::col(follow::Column::FollowerId).eq(viewer))
                .and_where(Expr::col(follow::Column::Status).eq(FollowState::Accepted))
                .to_owned();
            sources.push(ids_of(newest(base().filter(content::Column::AuthorId.in_subquery(followed))), global));
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

    /// The candidates, each with its author, campaign and tags, and whether
    /// the viewer follows the author and likes the item, in one statement.
    pub(super) async fn fetch(&self, db: &impl ConnectionTrait, unseen: bool) -> AppResult<Vec<Fetched>> {
        let backend = db.get_database_backend();
        let mut query = self
            .not_served(backend, self.narrowed(visible_contents_with_authors(self.reads), unseen))
            .filter(content::Column::Id.in_subquery(self.sources(backend, unseen)))
            .order_by_desc(content::Column::CreatedAt)
            .into_query();
        query.left_join(
            campaign::Entity,
            Expr::col((campaign::Entity, campaign::Column::Id)).equals((content::Entity, content::Column::CampaignId)),
        );
        query.expr_as(Expr::cust(tag_slugs(backend)), Alias::new("tag_slugs"));
        let author = Expr::col((content::Entity, content::Column::AuthorId));
        let followed = self.viewer.map_or_else(|| Expr::cust("FALSE"), |viewer| follows(viewer, author));
        query.expr_as(followed, Alias::new("followed"));
        let liked = self.viewer.map_or_else(
            || Expr::cust("FALSE"),
            |viewer| {
                Expr::exists(
                    Query::select()
                        .expr(Expr::cust("1"))
                        .from(like::Entity)
                        .and_where(Expr::col((like::Entity, like::Column::UserId)).eq(viewer))
                        .and_where(
                            Expr::col((like::Entity, like::Column::ContentId))
                                .equals((content::Entity, content::Column::Id)),
                        )
                        .to_owned(),
                )
            },
        );
        query.expr_as(liked, Alias::new("liked"));
        let taste = |column: author_taste::Column| match self.learned_by {
            Some(_) => Expr::col((author_taste::Entity, column)),
            None => Expr::val(Option::<f64>::None),
        };
        query.expr_as(taste(author_taste::Column::Fading), Alias::new("author_fading"));
        query.expr_as(taste(author_taste::Column::Lasting), Alias::new("author_lasting"));
        if let Some(viewer) = self.learned_by {
            query.left_join(
                author_taste::Entity,
                Expr::col((author_taste::Entity, author_taste::Column::UserId)).eq(viewer).and(
                    Expr::col((author_taste::Entity, author_taste::Column::AuthorId))
                        .equals((content::Entity, content::Column::AuthorId)),
                ),
            );
        }
        with_author_columns(&mut query);
        with_columns(&mut query, campaign::Column::iter(), CAMPAIGN);
        if let (Some(viewer), true) = (self.viewer, unseen) {
            query.with_cte(WithClause::new().cte(self.seen(viewer)).to_owned());
        }
        let rows = db.query_all_raw(planned_once(backend, &query)).await?;
        let fade = tastes::fade(self.reads.scope().now());
        // In the order of the statement's columns; the campaign's come last.
        Ok(crate::rows::read_all(&rows, |columns| {
            let content = crate::rows::content(columns, "")?;
            let tags = named_tags(self.taxonomy, columns.next("", "tag_slugs")?);
            let followed = columns.next("", "followed")?;
            let liked = columns.next("", "liked")?;
            let fading: Option<f64> = columns.next("", "author_fading")?;
            let lasting: Option<f64> = columns.next("", "author_lasting")?;
            let author_weight = match (fading, lasting) {
                (Some(fading), Some(lasting)) => fading * fade + lasting,
                _ => 0.0,
            };
            let author = crate::rows::profile(columns, AUTHOR)?;
            let campaign = match content.campaign_id {
                Some(_) => Some(campaign::Model::from_query_result(columns.row(), CAMPAIGN)?),
                None => None,
            };
            Ok(Fetched { content, tags, followed, liked, author_weight, author, campaign })
        })?)
    }
}
