//! What the feed has learned of a viewer: a weight per tag, and whether it
//! knows any authors.
use super::*;

/// The viewer's tastes, learnt from their signals.
#[derive(Default)]
pub(super) struct Profile {
    pub(super) tags: HashMap<String, f64>,
    /// The faded weight of the signals against each tag (swipes, early
    /// exits, "not interested"), which the net weight in `tags` hides.
    pub(super) against: HashMap<String, f64>,
    /// Whether the viewer has a weight for any author; each candidate
    /// brings its own author's (`Candidate::author_weight`).
    pub(super) knows_authors: bool,
    /// Tags whose weight came from searches rather than watching.
    pub(super) searched: HashSet<String>,
    /// How many of the viewer's signals were for each tag.
    pub(super) positive: HashMap<String, i32>,
    /// The strongest learned taste of each pillar that has one.
    pub(super) taste_by_pillar: HashMap<Pillar, tag::Model>,
}

impl Profile {
    /// Whether the viewer has taught the feed nothing yet.
    pub(super) fn is_empty(&self) -> bool {
        self.tags.is_empty() && !self.knows_authors
    }

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

    /// Whether the viewer's own signals support naming `slug` as a taste of
    /// theirs: at least two of them were for it.
    pub(super) fn can_name(&self, slug: &str) -> bool {
        self.positive.get(slug).copied().unwrap_or(0) >= SIGNALS_TO_NAME_A_TASTE
    }

    /// The learned taste an unmet tag sits next to, if any.
    pub(super) fn near_taste(&self, tag: &tag::Model) -> Option<&tag::Model> {
        if self.tags.contains_key(&tag.slug) { None } else { self.taste_by_pillar.get(&tag.pillar) }
    }
}

/// Fractional days from `then` to `now`, never negative.
pub(super) fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    std::cmp::max((now - then).num_seconds(), 0) as f64 / 86_400.0
}
