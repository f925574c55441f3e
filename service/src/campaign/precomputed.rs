//! Aggregate figures computed once and shared: each figure (a campaign's
//! KPIs, the transparency of a period) is worked out by one request at a
//! time, and while it is fresh every other request is answered from it. At
//! a million rows a figure takes the database most of a second; without
//! this, callers asking at once (four aliases each, from many addresses)
//! would each take a connection for that long.
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::error::{AppError, AppResult};

/// Figures kept at once; past this the oldest keys are forgotten.
const MAX_KEYS: usize = 512;

type Slot<V> = Arc<tokio::sync::Mutex<Option<(DateTime<Utc>, Arc<V>)>>>;

pub struct Precomputed<K, V> {
    fresh_for: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
}

impl<K: Eq + Hash + Clone, V> Precomputed<K, V> {
    /// Figures served again for `fresh_for` after they are worked out (on
    /// the app's clock); zero works every one out afresh, one at a time.
    pub fn new(fresh_for: std::time::Duration) -> Self {
        Self { fresh_for: Duration::from_std(fresh_for).unwrap_or(Duration::zero()), slots: Mutex::default() }
    }

    /// The figure for `key`: the fresh one, or one `compute` works out now
    /// (while callers asking for the same key wait for it).
    pub async fn get<F>(&self, key: K, now: DateTime<Utc>, compute: F) -> AppResult<Arc<V>>
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
        let mut held = slot.lock().await;
        if let Some((at, figure)) = held.as_ref()
            && now - *at < self.fresh_for
        {
            return Ok(figure.clone());
        }
        let figure = Arc::new(compute.await?);
        *held = Some((now, figure.clone()));
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
