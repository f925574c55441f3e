//! What the feed has learned of a viewer: a weight per tag and per author.
use super::*;

/// The viewer's tastes, learnt from their signals.
#[derive(Default)]
pub(super) struct Profile {
    pub(super) tags: HashMap<String, f64>,
    pub(super) authors: HashMap<Uuid, f64>,
    /// Tags whose weight came from searches rather than watching.
    pub(super) searched: HashSet<String>,
    /// The strongest learned taste of each pillar that has one.
    pub(super) taste_by_pillar: HashMap<Pillar, tag::Model>,
}

impl Profile {
    /// Whether the viewer has taught the feed nothing yet.
    pub(super) fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.authors.is_empty()
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

    /// The learned taste an unmet tag sits next to, if any.
    pub(super) fn near_taste(&self, tag: &tag::Model) -> Option<&tag::Model> {
        if self.tags.contains_key(&tag.slug) { None } else { self.taste_by_pillar.get(&tag.pillar) }
    }
}

/// Fractional days from `then` to `now`, never negative.
pub(super) fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    std::cmp::max((now - then).num_seconds(), 0) as f64 / 86_400.0
}
