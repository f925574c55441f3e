//! What the feed has learned of a viewer: weighted signals per tag and author.
use super::*;

/// The viewer's tastes, learnt from their signals.
#[derive(Default)]
pub(super) struct Profile {
    pub(super) tags: HashMap<String, f64>,
    /// The faded weight of the signals against each tag (swipes, early
    /// exits, "not interested"), which the net weight in `tags` hides.
    pub(super) against: HashMap<String, f64>,
    pub(super) authors: HashMap<Uuid, f64>,
    /// Tags whose weight came from searches rather than watching.
    pub(super) searched: HashSet<String>,
    /// The strongest learned taste of each pillar that has one.
    pub(super) taste_by_pillar: HashMap<Pillar, tag::Model>,
    pub(super) signals: usize,
}

impl Profile {
    /// The learned tastes, strongest first.
    pub(super) fn strongest_tags(&self) -> Vec<String> {
        let mut positive: Vec<(&String, &f64)> = self.tags.iter().filter(|(_, w)| **w > TASTE).collect();
        positive.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        positive.into_iter().take(STRONGEST_TAGS).map(|(t, _)| t.clone()).collect()
    }

    /// What a tag is worth to the viewer: what they taught the feed, or, for
    /// a tag they have not met, novelty (more next to a learned taste).
    pub(super) fn weight(&self, tag: &tag::Model) -> f64 {
        match self.tags.get(&tag.slug) {
            Some(weight) => *weight,
            None if self.taste_by_pillar.contains_key(&tag.pillar) => NOVELTY + NEAR,
            None => NOVELTY,
        }
    }

    /// How consistently the viewer welcomed a tag, from 0 to 1: the share
    /// of its signals that were for it. A tag that only rode along on liked
    /// items of other tags, and was swiped on its own, scores lower than the
    /// taste that drew the likes, even when it met more of them.
    pub(super) fn approval(&self, slug: &str) -> f64 {
        let against = self.against.get(slug).copied().unwrap_or(0.0);
        let welcomed = (self.tags.get(slug).copied().unwrap_or(0.0) + against).max(0.0);
        welcomed / (welcomed + against + APPROVAL_PRIOR)
    }

    /// The learned taste an unmet tag sits next to, if any.
    pub(super) fn near_taste(&self, tag: &tag::Model) -> Option<&tag::Model> {
        if self.tags.contains_key(&tag.slug) { None } else { self.taste_by_pillar.get(&tag.pillar) }
    }
}

#[derive(Debug, FromQueryResult)]
pub(super) struct SignalRow {
    pub(super) kind: InteractionKind,
    pub(super) watched_ms: Option<i32>,
    pub(super) query: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) interaction_id: Uuid,
    pub(super) author_id: Option<Uuid>,
    pub(super) duration_seconds: Option<i32>,
    pub(super) tag_slug: Option<String>,
}

/// Fractional days from `then` to `now`, never negative.
pub(super) fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    std::cmp::max((now - then).num_seconds(), 0) as f64 / 86_400.0
}

/// (tag weight, author weight) of one signal before decay.
pub(super) fn signal_weight(row: &SignalRow) -> (f64, f64) {
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

pub(super) async fn load_profile(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    tags: &[tag::Model],
    now: DateTime<Utc>,
) -> AppResult<Profile> {
    let query = interaction::Entity::find()
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
        .into_query();
    let statement = crate::pagination::limited(db.get_database_backend(), query, SIGNAL_ROWS);
    let rows = SignalRow::find_by_statement(statement).all(db).await?;

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
            if tag_weight < 0.0 {
                *profile.against.entry(slug.clone()).or_default() -= tag_weight * decay;
            }
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
    // Strongest first, so each pillar keeps its strongest taste.
    for slug in profile.strongest_tags().iter().rev() {
        if let Some(tag) = tags.iter().find(|t| &t.slug == slug) {
            profile.taste_by_pillar.insert(tag.pillar, tag.clone());
        }
    }
    Ok(profile)
}
