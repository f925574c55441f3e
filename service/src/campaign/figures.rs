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

pub struct Figures {
    pub kpis: Precomputed<Uuid, CampaignKpis>,
    pub transparency: Precomputed<WindowKey, Transparency>,
    /// How often the keeper works the KPIs out again (half their freshness,
    /// so requests never find them stale).
    renew_every: Duration,
    /// The keeper's passes that ended well.
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

    /// One pass of the keeper: every transparency window ending today that
    /// nobody has worked out yet, and every campaign's KPIs that are not
    /// younger than `renew_every`. The campaigns table is tiny.
    pub async fn renew(&self, db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<()> {
        for days in transparency::WINDOWS {
            let key = transparency::window(Some(days), now)?;
            self.transparency.renew(key, now, None, transparency::work_out(db, key)).await?;
        }
        for campaign in campaign::Entity::find().all(db).await? {
            let id = campaign.id;
            self.kpis.renew(id, now, Some(self.renew_every), kpis::work_out(db, campaign)).await?;
        }
        self.passes.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// The keeper's passes that ended well so far.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Acquire)
    }
}
