//! Scoring candidates, assembling a page with diversity and exploration, and
//! saying why each item is there.
use super::*;

pub(super) struct Candidate {
    pub(super) content: content::Model,
    pub(super) tags: Vec<tag::Model>,
    pub(super) followed: bool,
    pub(super) liked: bool,
    pub(super) author: user::Profile,
    /// What the viewer learned of the author.
    pub(super) author_weight: f64,
    pub(super) campaign: Option<campaign::Model>,
    pub(super) affinity: f64,
    pub(super) popularity: f64,
    pub(super) score: f64,
}

impl Candidate {
    pub(super) fn campaign_running(&self, now: DateTime<Utc>) -> bool {
        self.campaign.as_ref().is_some_and(|c| c.is_running(now))
    }

    pub(super) fn pillars(&self) -> HashSet<Pillar> {
        self.tags.iter().map(|t| t.pillar).collect()
    }

    pub(super) fn is_exploration(&self, strongest: &[String]) -> bool {
        !self.tags.iter().any(|t| strongest.contains(&t.slug))
    }
}

pub(super) fn score(candidates: &mut [Candidate], profile: Option<&Profile>, now: DateTime<Utc>) {
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
            let weights: Vec<f64> = c.tags.iter().map(|t| p.weight(t)).collect();
            let best = weights.iter().copied().reduce(f64::max).unwrap_or(0.0);
            let tags = best + OTHER_TAGS * (weights.iter().sum::<f64>() - best);
            tags + c.author_weight + if c.followed { 3.0 } else { 0.0 }
        });
        c.score = 2.0 * c.affinity + 0.5 * c.popularity + 0.5 * freshness + campaign;
        if profile.is_none() {
            c.score = c.popularity + freshness + campaign;
        }
    }
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.content.created_at.cmp(&a.content.created_at)));
}

/// Picks the page from ranked candidates under the feed's rules.
pub(super) fn assemble(
    candidates: Vec<Candidate>,
    first: usize,
    strongest: &[String],
    near: &[String],
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
        let used = |slug: &String| per_tag.get(slug).copied().unwrap_or(0);
        // Learned tastes go by score, uncapped, then their neighbours; other
        // items come as exploration or when those run out, one per tag per ten.
        let learned = |c: &Candidate| !c.is_exploration(strongest);
        let neighbour = |c: &Candidate| c.tags.iter().any(|t| near.contains(&t.slug));
        let spread = |c: &Candidate| c.tags.iter().all(|t| used(&t.slug) < MAX_PER_OTHER_TAG * blocks);
        let want_exploration = !sampler && !strongest.is_empty() && last_in_block && !block_has_exploration;
        let wanted_pillar = sampler.then(|| pillars[slot % pillars.len()]);
        let preferred = |c: &Candidate| {
            (!want_exploration || c.is_exploration(strongest)) && wanted_pillar.is_none_or(|p| c.pillars().contains(&p))
        };
        let find = |test: &dyn Fn(&Candidate) -> bool| pool.iter().position(|c| c.as_ref().is_some_and(test));
        let pick = find(&|c| author_ok(c) && learned(c) && preferred(c))
            .or_else(|| find(&|c| author_ok(c) && neighbour(c) && preferred(c)))
            .or_else(|| find(&|c| author_ok(c) && spread(c) && preferred(c)))
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

pub(super) fn reasons(
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
        // The learned taste that best explains the item: the one the viewer
        // welcomed most consistently, then the heavier.
        let best = c
            .tags
            .iter()
            .filter_map(|t| profile.tags.get(&t.slug).map(|w| (t, *w)))
            .filter(|(t, w)| *w > TASTE && profile.can_name(&t.slug))
            .map(|(t, w)| (t, profile.approval(&t.slug), w))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)));
        let near = || {
            c.tags.iter().find_map(|t| {
                profile.near_taste(t).filter(|taste| profile.can_name(&taste.slug)).map(|taste| (t, taste))
            })
        };
        if let Some((tag, _, _)) = best {
            let label = if profile.searched.contains(&tag.slug) {
                say(format!("Because you searched for {}", tag.label), format!("Vì bạn đã tìm {}", tag.label_vi))
            } else {
                say(
                    format!("Because you watched {} videos", tag.label.to_lowercase()),
                    format!("Vì bạn hay xem video {}", tag.label_vi.to_lowercase()),
                )
            };
            reasons.push(Reason { kind: ReasonKind::TagAffinity, label, tag: Some(tag.clone()) });
        } else if let Some((tag, taste)) = near() {
            let label = say(
                format!("{}: close to the {} videos you watch", tag.label, taste.label.to_lowercase()),
                format!("{}: gần với video {} bạn hay xem", tag.label_vi, taste.label_vi.to_lowercase()),
            );
            // Something new, next to a learned taste: exploration, said precisely.
            reasons.push(Reason { kind: ReasonKind::Exploration, label, tag: Some(tag.clone()) });
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
    let explained = reasons.iter().any(|r| r.kind == ReasonKind::Exploration);
    // Picked for a lead the viewer's signals do not yet support naming (one
    // like): honestly, something new.
    let unnamed_lead = profile.is_some() && !c.followed && !reasons.iter().any(|r| r.kind == ReasonKind::TagAffinity);
    if !explained && (exploration || reasons.is_empty() || unnamed_lead) {
        let pillar_tag = c.tags.first().cloned();
        reasons.push(Reason {
            kind: ReasonKind::Exploration,
            label: say("Something new for you".into(), "Điều mới mẻ dành cho bạn".into()),
            tag: pillar_tag,
        });
    }
    reasons
}
