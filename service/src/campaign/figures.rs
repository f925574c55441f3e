//! The aggregate figures kept for every request to share (see
//! `precomputed`), and their keeper, which works them out ahead of the
//! requests that will ask for them.
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use entity::campaign;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::kpis::{self, CampaignKpis};
use super::precomputed::Precomputed;
use super::transparency::{self, Transparency, WindowKey};
use crate::error::AppResult;

/// A campaign's behaviour figures (reporters told, guardians linked) still
/// change this long after it ends.
const CHANGING_AFTER_END_DAYS: i64 = 30;

/// Whether `renewed` failed, logged if so.
fn logged(renewed: AppResult<()>, what: &str) -> bool {
    match renewed {
        Ok(()) => false,
        Err(err) => {
            tracing::warn!("working out {what} failed: {}", err.detail());
            true
        }
    }
}

pub struct Figures {
    pub kpis: Precomputed<Uuid, CampaignKpis>,
    pub transparency: Precomputed<WindowKey, Transparency>,
    /// How often the keeper works the KPIs out again (half their freshness,
    /// so requests never find them stale).
    renew_every: Duration,
    /// The keeper's passes that worked every figure out.
    passes: AtomicU64,
}

impl Figures {
    /// KPIs are fresh for `fresh_for`; a transparency window, which ends at
    /// the last full day and so changes only when a day ends, for a day.
    /// Zero keeps nothing: every request works its figure out.
    pub fn new(fresh_for: std::time::Duration) -> Self {
        let window = if fresh_for.is_zero() { fresh_for } else { std::time::Duration::from_secs(86_400) };
        let renew_every = Duration::from_std(fresh_for / 2).unwrap_or(Duration::zero());
        Self {
            kpis: Precomputed::new(fresh_for),
            transparency: Precomputed::new(window),
            renew_every,
            passes: AtomicU64::new(0),
        }
    }

    /// How long the keeper waits between passes; `None` when nothing is kept.
    pub fn keeper_interval(&self) -> Option<std::time::Duration> {
        self.kpis.keeps().then(|| self.renew_every.to_std().ok()).flatten().filter(|every| !every.is_zero())
    }

    /// One pass of the keeper: every transparency window that nobody has
    /// worked out yet (and forgetting those that ended), and the KPIs of
    /// every campaign that runs or ended in the last 30 days (older ones
    /// change no more: a request works them out and they are shared). A
    /// figure that fails is logged, and the others are still worked out.
    pub async fn renew(&self, db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
        let mut failures = 0;
        for days in transparency::WINDOWS {
            let key = transparency::window(Some(days), now)?;
            let renewed = self.transparency.renew(key, now, None, transparency::work_out(db, key)).await;
            failures += usize::from(logged(renewed, "a transparency window"));
        }
        let today = transparency::window(None, now)?.1;
        self.transparency.forget(|(_, end)| *end < today);
        for campaign in campaign::Entity::find().all(db).await? {
            if campaign.ends_at + Duration::days(CHANGING_AFTER_END_DAYS) < now {
                continue;
            }
            let renewed = self.kpis.renew(campaign.id, now, Some(self.renew_every), kpis::work_out(db, campaign)).await;
            failures += usize::from(logged(renewed, "a campaign's KPIs"));
        }
        if failures == 0 {
            self.passes.fetch_add(1, Ordering::Release);
        }
        Ok(())
    }

    /// The keeper's passes that ended well so far.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Acquire)
    }
}
