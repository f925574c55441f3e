//! Building and running the application: database, migrations, seed data,
//! schema and HTTP server. Tests build it exactly as `main` does, on port 0.
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use migration::Migrator;
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::anonymous_cache::AnonymousCache;
use crate::auth::{PasswordHasher, TokenKeys};
use crate::clock::SharedClock;
use crate::config::{CorsOrigins, Settings};
use crate::durability::DiskWatch;
use crate::error::AppError;
use crate::graphql::{self, AppSchema};
use crate::service::campaign::figures::Figures;
use crate::service::campaign::inbox::SurveySeal;
use crate::service::live::Changes;
use crate::service::taxonomy::Taxonomy;
use crate::service::{data_rights, family, kindness, rate_limit};
use crate::shutdown::Shutdown;
use crate::state::AppState;
use crate::telemetry::{self, REQUEST_ID_HEADER, RequestSpan};
use crate::{http, metrics, seed, shutdown, socket, webapp};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    App(String),
}

impl From<AppError> for StartupError {
    fn from(err: AppError) -> Self {
        StartupError::App(err.detail())
    }
}

/// Opens the pool. For SQLite the file's folder is created, and WAL plus a
/// busy timeout let readers and one writer work side by side. On PostgreSQL,
/// `statement_timeout` (the request time limit, for a serving instance)
/// cancels a statement that runs past it, freeing its connection: a request
/// stopped by its time limit cannot go on holding the database.
pub async fn connect(
    url: &str,
    max_connections: u32,
    statement_timeout: Option<Duration>,
) -> Result<DatabaseConnection, StartupError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // No ping before every statement: it doubled the round trips of a
        // page. A connection broken since its last use (the database
        // restarted) fails that one statement and leaves the pool; idle ones
        // are closed after a minute, before proxies drop them silently.
        .test_before_acquire(false)
        .idle_timeout(Duration::from_secs(60))
        .sqlx_logging(false);
    if let Some(path) = sqlite_path(url) {
        if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal).busy_timeout(Duration::from_secs(10)).foreign_keys(true)
        });
    }
    if url.starts_with("postgres") {
        let milliseconds = statement_timeout.map(|limit| limit.as_millis().to_string());
        // sqlx reads the mode from the URL (either spelling) or PGSSLMODE.
        let tls_chosen =
            url.contains("sslmode=") || url.contains("ssl-mode=") || std::env::var_os("PGSSLMODE").is_some();
        options.map_sqlx_postgres_opts(move |mut o| {
            if let Some(milliseconds) = &milliseconds {
                o = o.options([("statement_timeout", milliseconds.as_str())]);
            }
            // TLS to a database on this machine protects nothing and costs
            // both ends CPU for every row (a twelfth of a page's work in the
            // server): unless the URL names a mode, a loopback connection
            // goes without it. Any other host keeps sqlx's `prefer`. (A
            // forwarder on the loopback to a database elsewhere names its
            // mode: the README says so.)
            if !tls_chosen && is_loopback(o.get_host()) {
                o = o.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable);
            }
            o
        });
    }
    Ok(Database::connect(options).await?)
}

/// `localhost` or a loopback address (a Unix socket's folder is neither).
fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The file path of a `sqlite:` URL, unless it is in memory.
pub(crate) fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then_some(path)
}

/// Applies pending migrations and the seed data the settings ask for. On
/// PostgreSQL, instances starting together take turns: the first migrates
/// and seeds, the others then find nothing left to do.
pub async fn prepare_database(state: &AppState) -> Result<(), StartupError> {
    let lock = StartupLock::take(&state.settings.database_url, state.db.get_database_backend()).await?;
    let prepared = migrate_and_seed(state).await;
    if let Some(lock) = lock {
        lock.release().await;
    }
    prepared
}

/// A PostgreSQL advisory lock held by a connection of its own for as long as
/// migration and seeding take; if the process dies, its session ends and
/// the lock with it. (SQLite needs none: one process owns the file.)
struct StartupLock(DatabaseConnection);

/// The advisory lock's key: "trustfeed" in ASCII, as a number.
const STARTUP_LOCK_KEY: i64 = 0x74_7275_7374_6665;

impl StartupLock {
    async fn take(url: &str, backend: sea_orm::DatabaseBackend) -> Result<Option<Self>, StartupError> {
        if backend != sea_orm::DatabaseBackend::Postgres {
            return Ok(None);
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options.max_connections(1).min_connections(1).sqlx_logging(false);
        let connection = Database::connect(options).await?;
        connection.execute_unprepared(&format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})")).await?;
        Ok(Some(Self(connection)))
    }

    async fn release(self) {
        let unlocked = self.0.execute_unprepared(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})")).await;
        if let Err(err) = unlocked {
            tracing::warn!("releasing the startup lock failed (closing its connection frees it): {err}");
        }
        if let Err(err) = self.0.close().await {
            tracing::warn!("closing the startup lock's connection failed: {err}");
        }
    }
}

async fn migrate_and_seed(state: &AppState) -> Result<(), StartupError> {
    Migrator::up(&state.db).await?;
    // Accounts made before names had skeletons get theirs (a start-up job,
    // not a migration: skeletons come from the service's text rules).
    let filled = crate::service::identity::fill_skeletons(&state.db).await?;
    if filled > 0 {
        tracing::info!(accounts = filled, "filled in the skeletons of names");
    }
    // Likewise the feed's weights of interactions recorded before they were kept.
    if crate::service::feed::tastes::learn_what_is_missing(&state.db).await? {
        tracing::info!("learned the feed's weights from the interactions on record");
    }
    let now = state.now();
    seed::reference_data(&state.db, now).await?;
    if state.settings.seed_demo {
        seed::demo(&state.db, &state.hasher, now).await?;
    }
    Ok(())
}

/// Counts every statement, for the instance (tests prove with it that a
/// request's statements do not grow with the page size) and for the request
/// it runs for (`/metrics`), and logs slow ones.
fn observe(db: &mut DatabaseConnection, statements: &Arc<AtomicU64>) {
    let counter = statements.clone();
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::statement_ran();
        if info.elapsed > SLOW_STATEMENT {
            tracing::warn!(elapsed = ?info.elapsed, failed = info.failed, "slow SQL statement: {}", info.statement.sql);
        }
    });
}

const SLOW_STATEMENT: Duration = Duration::from_millis(250);

pub struct Application {
    port: u16,
    server: Server,
    /// The separate `/metrics` listener, when `METRICS_ADDR` asks for one.
    metrics: Option<(u16, Server)>,
    maintenance: tokio::task::JoinHandle<()>,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, StartupError> {
        metrics::install();
        let timeout = Some(settings.request_timeout);
        let mut db = connect(&settings.database_url, settings.database_max_connections, timeout).await?;
        let statements = Arc::new(AtomicU64::new(0));
        observe(&mut db, &statements);
        let feed_db = if crate::state::feed_has_own_pool(db.get_database_backend()) {
            let mut feed_db = connect(&settings.database_url, settings.feed_database_connections, timeout).await?;
            observe(&mut feed_db, &statements);
            feed_db
        } else {
            db.clone()
        };
        let changes = Changes::default();
        if settings.database_url.starts_with("postgres") {
            changes.spawn_listener(settings.database_url.clone());
        }
        let figures = Arc::new(Figures::new(settings.aggregate_ttl));
        let settings_url = settings.database_url.clone();
        let mut state = AppState {
            db,
            feed_db,
            statements,
            changes,
            anonymous_cache: AnonymousCache::new(settings.anon_cache_ttl).map(Arc::new),
            maintenance_passes: Arc::default(),
            clock,
            tokens: Arc::new(TokenKeys::new(&settings.jwt_secret)?),
            survey_seal: Arc::new(SurveySeal::from_secret(&settings.jwt_secret)?),
            hasher: PasswordHasher::new(PasswordHasher::default_concurrency())?,
            anonymous: crate::state::anonymous_limiter(settings.anon_rate_limit_per_minute),
            settings: Arc::new(settings),
            taxonomy: Arc::default(),
            shutdown: Shutdown::default(),
            concurrency: Arc::default(),
            sockets: Arc::default(),
            figures,
            disk: Arc::new(DiskWatch::for_database(&settings_url)),
        };
        prepare_database(&state).await?;
        state.taxonomy = Arc::new(Taxonomy::load(&state.db).await?);

        let addr = state.settings.listen_addr.clone();
        let listener = TcpListener::bind(&addr).map_err(|source| StartupError::Listen { addr, source })?;
        let port = listener.local_addr()?.port();
        // Built once and shared by every worker.
        let schema = graphql::build_schema(Some(state.clone()))?;
        let server = serve(listener, state.clone(), schema)?;
        let metrics = match state.settings.metrics.addr.clone() {
            Some(addr) => {
                let listener = TcpListener::bind(&addr).map_err(|source| StartupError::Listen { addr, source })?;
                Some((listener.local_addr()?.port(), serve_metrics(listener, state.clone())?))
            }
            None => None,
        };
        let maintenance = spawn_maintenance(state.clone());
        Ok(Self { port, server, metrics, maintenance, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate `/metrics` listener, if there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM, Ctrl-C or `AppState::shutdown`, then stops
    /// gracefully (see `shutdown`).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, metrics, maintenance, state, .. } = self;
        let handles: Vec<_> = std::iter::once(server.handle()).chain(metrics.iter().map(|(_, m)| m.handle())).collect();
        let timing = state.settings.shutdown;
        let shutdown = state.shutdown.clone();
        let stopper = tokio::spawn(async move {
            tokio::select! {
                _ = shutdown::signal() => {}
                _ = state.shutdown.begun() => {}
            }
            state.shutdown.begin();
            tracing::info!(delay = ?timing.delay, drain = ?timing.drain, "stopping: not ready any more");
            tokio::time::sleep(timing.delay).await;
            tracing::info!("stopping: no new connections; finishing the requests in flight");
            for handle in handles {
                handle.stop(true).await;
            }
        });
        let metrics_server = async {
            match metrics {
                Some((_, server)) => server.await,
                None => Ok(()),
            }
        };
        let (served, metrics_served) = futures_util::future::join(server, metrics_server).await;
        stopper.abort();
        // However the servers ended, the maintenance loop ends with them.
        shutdown.begin();
        if let Err(err) = maintenance.await {
            tracing::warn!("the maintenance loop failed: {err}");
        }
        tracing::info!("stopped");
        served.and(metrics_served)
    }
}

/// Work that follows the clock rather than a request: ending the family
/// links of teens who turned 18, purging accounts deleted 30 days ago,
/// settling the nudges nothing followed as withdrawn and forgetting old
/// failed sign-ins.
/// All are safe on every instance at once. A pass that ended links or purged
/// accounts announces a change, as a mutation does, for the anonymous cache.
fn spawn_maintenance(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let keeper = spawn_figure_keeper(state.clone());
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = every_minute.tick() => {}
                _ = state.shutdown.begun() => break,
            }
            let now = state.now();
            let mut changed = 0;
            match family::end_links_of_adults(&state.db, now).await {
                Ok(ended) => changed += ended,
                Err(err) => tracing::warn!("ending links of adults failed: {}", err.detail()),
            }
            match family::settle_links(&state.db, now).await {
                Ok(settled) => changed += settled,
                Err(err) => tracing::warn!("settling family links failed: {}", err.detail()),
            }
            match data_rights::purge(&state.db, now).await {
                Ok(purged) => changed += purged,
                Err(err) => tracing::warn!("purge failed: {}", err.detail()),
            }
            if let Err(err) = kindness::nudges::settle_withdrawn(&state.db, now).await {
                tracing::warn!("settling withdrawn nudges failed: {}", err.detail());
            }
            if let Err(err) = rate_limit::forget_old_attempts(&state.db, now).await {
                tracing::warn!("forgetting old attempts failed: {}", err.detail());
            }
            // The per-client tables keep only the clients of the moment.
            if let Some(limiter) = &state.anonymous {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
            state.concurrency.prune();
            if changed > 0
                && let Err(err) = state.changes.publish_data_changed(&state.db).await
            {
                tracing::warn!("announcing the maintenance pass failed: {}", err.detail());
            }
            state.maintenance_passes.fetch_add(1, Ordering::Release);
        }
        // A figure half worked out is of no use to anyone: drop it.
        if let Some(keeper) = keeper {
            keeper.abort();
        }
    })
}

/// Works the aggregate figures out at start and before they go stale, so
/// that requests answer from them (see `service::campaign::figures`); off
/// when `AGGREGATE_CACHE_SECONDS` is 0.
fn spawn_figure_keeper(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.figures.keeper_interval()?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(err) = state.figures.renew(&state.db, state.now()).await {
                tracing::warn!("working out the aggregate figures failed: {}", err.detail());
            }
        }
    }))
}

/// Cross-origin access for the allowed browser origins. Other origins get
/// no CORS headers (their browsers then refuse the answer), but are not
/// refused here: the web app's own requests carry an `Origin` too.
fn cors(origins: &CorsOrigins) -> Cors {
    let origins = origins.clone();
    Cors::default()
        .allowed_origin_fn(move |origin, _| origin.to_str().is_ok_and(|o| origins.allows(o)))
        .allowed_methods(["GET", "POST"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT, REQUEST_ID_HEADER])
        .expose_headers([REQUEST_ID_HEADER])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

fn serve(listener: TcpListener, state: AppState, schema: AppSchema) -> std::io::Result<Server> {
    let workers = state.settings.workers;
    let drain = state.settings.shutdown.drain;
    let state = web::Data::new(state);
    let schema = web::Data::new(schema);
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(cors(&state.settings.cors_origins))
            .wrap(from_fn(telemetry::track))
            .wrap(tracing_actix_web::TracingLogger::<RequestSpan>::new())
            .app_data(state.clone())
            .app_data(schema.clone())
            .route("/graphql", web::post().to(http::graphql_post))
            .route("/graphql", web::get().to(http::graphiql))
            .route("/graphql/ws", web::get().to(socket::graphql_ws))
            .route("/healthz", web::get().to(http::healthz))
            .route("/readyz", web::get().to(http::readyz))
            .route("/metrics", web::get().to(metrics::guarded))
            // The app's files travel compressed (a third of their size);
            // GraphQL answers are left as they are.
            .service(
                web::resource("/")
                    .wrap(Compress::default())
                    .route(web::get().to(webapp::index))
                    .route(web::head().to(webapp::index)),
            )
            .service(web::resource("/assets/{path:.+}").wrap(Compress::default()).route(web::get().to(webapp::asset)))
            .service(
                web::resource("/media/demo/{name}").wrap(Compress::default()).route(web::get().to(webapp::demo_scene)),
            )
    })
    // An idle connection is closed by the client or its proxy first (they
    // keep them 60-90 s): when the server closed it at 5 s, a request sent
    // on it at that moment was lost (1 in 10,000 in the campaign-day test).
    .keep_alive(Duration::from_secs(120))
    .shutdown_timeout(drain.as_secs())
    .disable_signals()
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// The `METRICS_ADDR` listener: only `/metrics`, for the operators' network.
fn serve_metrics(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let drain = state.settings.shutdown.drain;
    Ok(HttpServer::new(move || App::new().app_data(state.clone()).route("/metrics", web::get().to(metrics::open)))
        .workers(1)
        .shutdown_timeout(drain.as_secs())
        .disable_signals()
        .listen(listener)?
        .run())
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(sqlite_path("sqlite://data/trustfeed.db?mode=rwc"), Some("data/trustfeed.db"));
        assert_eq!(sqlite_path("sqlite:/tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/db"), None);
    }
}
