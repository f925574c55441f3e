//! Answers repeated anonymous queries from memory.
//!
//! A campaign sends crowds of newcomers to the same public pages, and every
//! anonymous visitor sees the same thing: the policy of an anonymous caller
//! has nothing of its own. So a successful anonymous query's response is kept,
//! keyed by the exact request body, and served again while both hold:
//!
//! - no data changed since it was made: every mutation, on any instance, and
//!   every maintenance pass announces a change (`service::live`), and an entry
//!   made before the latest change is never served, so a video taken down is
//!   gone from the next anonymous response;
//! - it is younger than `ANON_CACHE_SECONDS`, which bounds what only time
//!   changes (a suspension that ends, a survey window that opens).
//!
//! On PostgreSQL the cache is used only while this instance hears the other
//! instances' announcements. Memory is bounded by the entry count and sizes.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use chrono::{DateTime, Duration, Utc};

/// Bodies and responses larger than these are not kept.
const MAX_KEY_BYTES: usize = 8 * 1024;
const MAX_RESPONSE_BYTES: usize = 128 * 1024;
const MAX_ENTRIES: usize = 256;

pub struct AnonymousCache {
    ttl: Duration,
    entries: Mutex<HashMap<Bytes, Entry>>,
}

struct Entry {
    data_version: u64,
    made_at: DateTime<Utc>,
    response: Bytes,
    /// The operation's name, for the logs and metrics.
    operation: Option<Arc<str>>,
}

impl AnonymousCache {
    /// A cache keeping responses for `ttl`; `None` when `ttl` is zero.
    pub fn new(ttl: std::time::Duration) -> Option<Self> {
        let ttl = Duration::from_std(ttl).ok().filter(|ttl| *ttl > Duration::zero())?;
        Some(Self { ttl, entries: Mutex::new(HashMap::new()) })
    }

    /// Whether a request body may be looked up and kept at all.
    pub fn accepts(&self, body: &[u8]) -> bool {
        body.len() <= MAX_KEY_BYTES
    }

    /// The response kept for `body`, and its operation's name, if it is
    /// still current.
    pub fn get(&self, body: &[u8], data_version: u64, now: DateTime<Utc>) -> Option<(Bytes, Option<Arc<str>>)> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(body)?;
        self.is_current(entry, data_version, now).then(|| (entry.response.clone(), entry.operation.clone()))
    }

    /// Keeps `response`, made from data at `data_version` (read before the
    /// query ran, so a change during it makes the entry stale at once).
    pub fn put(
        &self,
        body: Bytes,
        data_version: u64,
        now: DateTime<Utc>,
        response: Bytes,
        operation: Option<Arc<str>>,
    ) {
        if body.len() > MAX_KEY_BYTES || response.len() > MAX_RESPONSE_BYTES {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&body) {
            entries.retain(|_, entry| self.is_current(entry, data_version, now));
            if entries.len() >= MAX_ENTRIES {
                // Many distinct current queries: start over rather than track use.
                entries.clear();
            }
        }
        entries.insert(body, Entry { data_version, made_at: now, response, operation });
    }

    fn is_current(&self, entry: &Entry, data_version: u64, now: DateTime<Utc>) -> bool {
        entry.data_version == data_version && now >= entry.made_at && now - entry.made_at < self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> AnonymousCache {
        AnonymousCache::new(std::time::Duration::from_secs(2)).unwrap()
    }

    #[test]
    fn a_response_is_served_until_data_changes_or_it_ages() {
        let cache = cache();
        let now = Utc::now();
        let body = Bytes::from_static(b"{\"query\":\"{ tags { slug } }\"}");
        cache.put(body.clone(), 7, now, Bytes::from_static(b"{\"data\":{}}"), Some("Tags".into()));
        let (response, operation) = cache.get(&body, 7, now + Duration::seconds(1)).unwrap();
        assert_eq!((&response[..], operation.as_deref()), (&b"{\"data\":{}}"[..], Some("Tags")));
        assert!(cache.get(&body, 8, now).is_none(), "data changed since");
        assert!(cache.get(&body, 7, now + Duration::seconds(2)).is_none(), "too old");
        assert!(cache.get(&body, 7, now - Duration::seconds(1)).is_none(), "the clock went back");
        assert!(cache.get(b"{}", 7, now).is_none());
    }

    #[test]
    fn memory_stays_bounded() {
        let cache = cache();
        let now = Utc::now();
        for i in 0..MAX_ENTRIES * 3 {
            cache.put(Bytes::from(format!("{i}")), 1, now, Bytes::from_static(b"x"), None);
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
        cache.put(Bytes::from("big"), 1, now, Bytes::from(vec![b'x'; MAX_RESPONSE_BYTES + 1]), None);
        assert!(cache.get(b"big", 1, now).is_none());
        assert!(!cache.accepts(&vec![b' '; MAX_KEY_BYTES + 1]));
        assert!(AnonymousCache::new(std::time::Duration::ZERO).is_none());
    }
}
