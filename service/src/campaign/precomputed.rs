//! Aggregate figures computed once and shared: each figure (a campaign's
//! KPIs, the transparency of a window) is worked out by one caller at a
//! time, and while it is fresh every request is answered from it. At a
//! million rows a figure takes the database most of a second: the API's
//! figure keeper works every figure out ahead of the requests (at start,
//! then before it goes stale), so a request waits only for a figure nobody
//! has worked out yet, such as a new campaign's.
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::error::{AppError, AppResult};

/// Figures kept at once; past this the oldest keys are forgotten.
const MAX_KEYS: usize = 512;

/// One key's figure, readable at once even while a newer one is worked out.
struct Slot<V> {
    kept: Mutex<Option<(DateTime<Utc>, Arc<V>)>>,
    /// Held by whoever works the figure out, so it is worked out once.
    working: tokio::sync::Mutex<()>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Self { kept: Mutex::new(None), working: tokio::sync::Mutex::new(()) }
    }
}

impl<V> Slot<V> {
    fn younger_than(&self, now: DateTime<Utc>, age: Duration) -> AppResult<Option<Arc<V>>> {
        let kept = self.kept.lock().map_err(|_| AppError::internal("a poisoned lock"))?;
        Ok(kept.as_ref().filter(|(at, _)| now - *at < age).map(|(_, figure)| figure.clone()))
    }
}

pub struct Precomputed<K, V> {
    fresh_for: Duration,
    slots: Mutex<HashMap<K, Arc<Slot<V>>>>,
}

impl<K: Eq + Hash + Clone, V> Precomputed<K, V> {
    /// Figures served again for `fresh_for` after they are worked out (on
    /// the app's clock); zero works every one out afresh, one at a time.
    pub fn new(fresh_for: std::time::Duration) -> Self {
        Self { fresh_for: Duration::from_std(fresh_for).unwrap_or(Duration::zero()), slots: Mutex::default() }
    }

    /// Whether figures are kept at all (`fresh_for` is not zero).
    pub fn keeps(&self) -> bool {
        self.fresh_for > Duration::zero()
    }

    /// The figure for `key`: the fresh one, or one `compute` works out now
    /// (while callers asking for the same key wait for it).
    pub async fn get<F>(&self, key: K, now: DateTime<Utc>, compute: F) -> AppResult<Arc<V>>
    where
        F: Future<Output = AppResult<V>>,
    {
        self.younger_than(key, now, self.fresh_for, compute).await
    }

    /// Works `key`'s figure out ahead of the requests, unless the one kept
    /// is younger than `renew_after` (`None`: any kept figure will do).
    /// Requests meanwhile are answered from the figure kept while it is
    /// fresh: renewing more often than `fresh_for` means none waits.
    pub async fn renew<F>(&self, key: K, now: DateTime<Utc>, renew_after: Option<Duration>, compute: F) -> AppResult<()>
    where
        F: Future<Output = AppResult<V>>,
    {
        self.younger_than(key, now, renew_after.unwrap_or(Duration::MAX), compute).await.map(|_| ())
    }

    /// Forgets the figures whose keys `stale` picks (windows that ended).
    pub fn forget(&self, stale: impl Fn(&K) -> bool) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.retain(|key, _| !stale(key));
        }
    }

    /// The figure kept for `key` if younger than `age`, else one worked out now.
    async fn younger_than<F>(&self, key: K, now: DateTime<Utc>, age: Duration, compute: F) -> AppResult<Arc<V>>
    where
        F: Future<Output = AppResult<V>>,
    {
        let slot = {
            let mut slots = self.slots.lock().map_err(|_| AppError::internal("a poisoned lock"))?;
            if slots.len() >= MAX_KEYS && !slots.contains_key(&key) {
                slots.clear();
            }
            slots.entry(key).or_default().clone()
        };
        if let Some(figure) = slot.younger_than(now, age)? {
            return Ok(figure);
        }
        let _working = slot.working.lock().await;
        // Worked out by someone else while this caller waited.
        if let Some(figure) = slot.younger_than(now, age)? {
            return Ok(figure);
        }
        let figure = Arc::new(compute.await?);
        *slot.kept.lock().map_err(|_| AppError::internal("a poisoned lock"))? = Some((now, figure.clone()));
        Ok(figure)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn one_computation_serves_everyone_while_fresh() {
        let figures: Precomputed<&str, usize> = Precomputed::new(std::time::Duration::from_secs(60));
        let computed = AtomicUsize::new(0);
        let now = Utc::now();
        let work = || async {
            tokio::task::yield_now().await;
            Ok(computed.fetch_add(1, Ordering::SeqCst))
        };
        let asked = futures_like_join(&figures, now, &work).await;
        assert!(asked.iter().all(|n| *n == 0), "{asked:?}");
        assert_eq!(computed.load(Ordering::SeqCst), 1, "worked out once for eight callers in a row");
        assert_eq!(*figures.get("k", now + Duration::seconds(59), work()).await.unwrap(), 0);
        assert_eq!(*figures.get("k", now + Duration::seconds(60), work()).await.unwrap(), 1, "stale after 60 s");
        let failing = async { Err::<usize, _>(AppError::NotFound("no such campaign".into())) };
        assert!(figures.get("other", now, failing).await.is_err());
        assert_eq!(*figures.get("other", now, work()).await.unwrap(), 2, "an error is not kept");

        // Renewed ahead of the requests: they then find it fresh.
        let later = now + Duration::seconds(120);
        figures.renew("k", later, Some(Duration::seconds(30)), work()).await.unwrap();
        assert_eq!(*figures.get("k", later + Duration::seconds(59), work()).await.unwrap(), 3);
        figures.renew("k", later + Duration::seconds(29), Some(Duration::seconds(30)), work()).await.unwrap();
        figures.renew("k", later + Duration::days(9), None, work()).await.unwrap();
        assert_eq!(computed.load(Ordering::SeqCst), 4, "a figure younger than asked, or any with None, is kept");
    }

    #[tokio::test]
    async fn requests_are_answered_from_the_kept_figure_while_a_newer_one_is_worked_out() {
        let figures: Precomputed<&str, usize> = Precomputed::new(std::time::Duration::from_secs(60));
        let now = Utc::now();
        figures.renew("k", now, None, async { Ok(1) }).await.unwrap();
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let later = now + Duration::seconds(40);
        let renewing = figures.renew("k", later, Some(Duration::seconds(30)), async move {
            held.await.ok();
            Ok(2)
        });
        let asking = async {
            // Polled while the renewal waits: answered from the figure kept.
            let answered = *figures.get("k", later, async { Ok(99) }).await.unwrap();
            release.send(()).ok();
            answered
        };
        let (renewed, answered) = tokio::join!(renewing, asking);
        renewed.unwrap();
        assert_eq!(answered, 1);
        assert_eq!(*figures.get("k", later, async { Ok(99) }).await.unwrap(), 2);
        figures.forget(|key| *key == "k");
        assert_eq!(*figures.get("k", later, async { Ok(3) }).await.unwrap(), 3, "forgotten");
    }

    async fn futures_like_join<F, Fut>(figures: &Precomputed<&str, usize>, now: DateTime<Utc>, work: &F) -> Vec<usize>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = AppResult<usize>>,
    {
        let mut all = Vec::new();
        let asks: Vec<_> = (0..8).map(|_| figures.get("k", now, work())).collect();
        for ask in asks {
            all.push(*ask.await.unwrap());
        }
        all
    }
}
