//! What every request handler and resolver shares.
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, DatabaseConnection};

use crate::anonymous_cache::AnonymousCache;
use crate::auth::{PasswordHasher, TokenKeys};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::service::campaign::figures::Figures;
use crate::service::live::Changes;
use crate::service::taxonomy::Taxonomy;
use crate::shutdown::Shutdown;

/// Whether the feed reads through a pool of its own (`AppState::feed_db`):
/// on PostgreSQL, where statements are planned per connection.
pub fn feed_has_own_pool(backend: DatabaseBackend) -> bool {
    backend == DatabaseBackend::Postgres
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The personalised feed's reads. On PostgreSQL a pool of its own, of
    /// `FEED_DATABASE_CONNECTIONS`: the feed's statements are prepared and
    /// planned on those few connections only, and a crowd of feed pages
    /// cannot take every connection from the rest. On SQLite, `db`.
    pub feed_db: DatabaseConnection,
    pub clock: SharedClock,
    pub tokens: Arc<TokenKeys>,
    pub hasher: PasswordHasher,
    pub settings: Arc<Settings>,
    /// SQL statements run so far by this instance (see `startup::observe`).
    pub statements: Arc<AtomicU64>,
    /// Changed moderation cases, for `moderationQueueChanged`, and the
    /// version of the data, for the anonymous cache.
    pub changes: Changes,
    /// Maintenance passes finished by this instance (see `startup`).
    pub maintenance_passes: Arc<AtomicU64>,
    /// Responses to anonymous queries; `None` when turned off.
    pub anonymous_cache: Option<Arc<AnonymousCache>>,
    /// The tag taxonomy, read once the database is prepared.
    pub taxonomy: Arc<Taxonomy>,
    /// Anonymous requests per client address, in this instance; `None` when
    /// the limit is off.
    pub anonymous: Option<Arc<AnonymousLimiter>>,
    /// How many requests of each client run at once (see `clients`).
    pub concurrency: Arc<crate::clients::Concurrency>,
    /// Aggregate figures worked out once and shared while fresh.
    pub figures: Arc<Figures>,
    /// Open sockets per client (see `clients::SocketCounts`).
    pub sockets: Arc<crate::clients::SocketCounts>,
    /// Whether SQLite's writes still reach the disk (see `durability`).
    pub disk: Arc<crate::durability::DiskWatch>,
    /// Set when the instance starts to stop (see `shutdown`).
    pub shutdown: Shutdown,
    /// Seals survey responses while they wait for their batch.
    pub survey_seal: Arc<crate::service::campaign::inbox::SurveySeal>,
}

pub type AnonymousLimiter = governor::DefaultKeyedRateLimiter<String>;

/// The per-address limiter for anonymous traffic, or none when turned off.
pub fn anonymous_limiter(per_minute: u32) -> Option<Arc<AnonymousLimiter>> {
    let per_minute = std::num::NonZeroU32::new(per_minute)?;
    Some(Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute))))
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
