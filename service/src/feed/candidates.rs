//! Candidate items: one statement of cheap sources, visibility applied once.
use super::*;

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

pub(super) struct CandidateQuery<'a> {
    pub(super) scope: &'a Scope,
    pub(super) viewer: Option<Uuid>,
    pub(super) pillar: Option<Pillar>,
    pub(super) served: &'a [Uuid],
    pub(super) strongest: Vec<String>,
    pub(super) running_campaigns: Vec<Uuid>,
    pub(super) all_tags: Vec<String>,
    /// Where each tag's sample starts; moves as the walk goes on.
    pub(super) pivot: Uuid,
}

impl CandidateQuery<'_> {
    /// Published, not deleted, not the viewer's own, not yet served, and
    /// (when `unseen`) not viewed or swiped lately. Cheap index scans; the
    /// visibility rules are applied once, to the union of all sources.
    pub(super) fn base(&self, unseen: bool) -> sea_orm::Select<content::Entity> {
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
    pub(super) fn sources(&self, unseen: bool) -> SelectStatement {
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

    pub(super) async fn fetch(
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
