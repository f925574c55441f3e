//! Prometheus metrics at `GET /metrics`: requests by operation and outcome
//! with their latency, SQL statements per request, the pool, WebSockets,
//! the moderation backlog and refusals by rate limits and the age gate.
//!
//! Counts live in one process-wide recorder (the `metrics` facade); the
//! state of this instance's pool and of the moderation backlog is read
//! when Prometheus scrapes.
use std::fmt::Write as _;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseBackend, DatabaseConnection};

use crate::config::MetricsAccess;
use crate::service::moderation;
use crate::state::AppState;

const REQUESTS: &str = "trustfeed_requests_total";
const REQUEST_SECONDS: &str = "trustfeed_request_duration_seconds";
const STATEMENTS_PER_REQUEST: &str = "trustfeed_db_statements_per_request";
const POOL_CONNECTIONS: &str = "trustfeed_db_pool_connections";
const POOL_MAX: &str = "trustfeed_db_pool_max_connections";
const SOCKETS: &str = "trustfeed_websocket_connections";
const SOCKET_OPERATIONS: &str = "trustfeed_websocket_operations";
const BACKLOG: &str = "trustfeed_moderation_open_cases";
const OLDEST_CASE: &str = "trustfeed_moderation_oldest_open_case_age_seconds";
const RATE_LIMITED: &str = "trustfeed_rate_limit_refusals_total";
const AGE_GATE: &str = "trustfeed_signup_age_gate_refusals_total";

/// The process-wide recorder, installed on first use (tests build many
/// applications in one process; they share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
        let counts = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0];
        let builder = PrometheusBuilder::new();
        let builder = builder
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), &seconds)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(STATEMENTS_PER_REQUEST.into()), &counts))
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first; /metrics will be empty");
        }
        describe();
        handle
    })
}

/// Installs the recorder, so that counts before the first scrape are kept.
pub fn install() {
    handle();
}

fn describe() {
    describe_counter!(REQUESTS, "GraphQL requests over HTTP by operation name and outcome code");
    describe_histogram!(REQUEST_SECONDS, Unit::Seconds, "Time to answer a GraphQL request over HTTP");
    describe_histogram!(STATEMENTS_PER_REQUEST, "SQL statements run for one GraphQL request over HTTP");
    describe_gauge!(SOCKETS, "Open GraphQL WebSocket connections");
    describe_gauge!(SOCKET_OPERATIONS, "Operations (mostly subscriptions) running on WebSockets");
    describe_counter!(RATE_LIMITED, "Requests refused by a rate limit, by limit");
    describe_counter!(AGE_GATE, "Sign-ups refused by the age gate");
}

/// The label for an operation: its first root field, which `http` takes
/// only from the schema's own (a bounded set the server knows), or `other`.
pub fn operation_label(root_field: Option<&str>) -> &str {
    root_field.unwrap_or("other")
}

pub fn request_finished(operation: &str, outcome: &str, elapsed: Duration, statements: u64) {
    counter!(REQUESTS, "operation" => operation.to_string(), "outcome" => outcome.to_owned()).increment(1);
    histogram!(REQUEST_SECONDS, "operation" => operation.to_string()).record(elapsed.as_secs_f64());
    histogram!(STATEMENTS_PER_REQUEST).record(statements as f64);
}

/// A request refused by a limit of the API's own (the services count theirs,
/// by bucket, under the same name).
pub fn rate_limited(limit: &'static str) {
    counter!(RATE_LIMITED, "limit" => limit).increment(1);
}

tokio::task_local! {
    static STATEMENTS: Arc<AtomicU64>;
}

/// The SQL statements one request runs, counted wherever they run: in the
/// request's task or in a loader batch spawned for it.
#[derive(Debug, Clone, Default)]
pub struct StatementCount(Arc<AtomicU64>);

impl StatementCount {
    pub async fn count_during<F: Future>(&self, work: F) -> F::Output {
        STATEMENTS.scope(self.0.clone(), work).await
    }

    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Called for every statement: counts it for the request it runs for.
pub fn statement_ran() {
    let _outside_any_request = STATEMENTS.try_with(|count| count.fetch_add(1, Ordering::Relaxed));
}

/// Work spawned on behalf of the current request keeps counting for it.
pub fn for_current_request<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let count = STATEMENTS.try_with(Arc::clone).ok();
    async move {
        match count {
            Some(count) => STATEMENTS.scope(count, work).await,
            None => work.await,
        }
    }
}

/// Counts an open WebSocket, and the operations running on it, until dropped.
pub struct SocketGauge {
    operations: usize,
}

impl SocketGauge {
    pub fn open() -> Self {
        gauge!(SOCKETS).increment(1.0);
        Self { operations: 0 }
    }

    pub fn set_operations(&mut self, running: usize) {
        if running == self.operations {
            return;
        }
        gauge!(SOCKET_OPERATIONS).increment(running as f64 - self.operations as f64);
        self.operations = running;
    }
}

impl Drop for SocketGauge {
    fn drop(&mut self) {
        gauge!(SOCKETS).decrement(1.0);
        gauge!(SOCKET_OPERATIONS).decrement(self.operations as f64);
    }
}

/// One gauge in Prometheus's text format.
fn write_gauge<L: AsRef<str>>(page: &mut String, name: &str, help: &str, samples: &[(L, f64)]) {
    let _ = writeln!(page, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        let _ = writeln!(page, "{name}{} {value}", labels.as_ref());
    }
}

/// An instance's pool now: connections open, of them idle, and its limit.
pub struct PoolCounts {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The pool's counts, for the backends the server runs on.
pub fn pool_counts(db: &DatabaseConnection) -> Option<PoolCounts> {
    let (open, idle, max) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => return None,
    };
    Some(PoolCounts { open, idle: u32::try_from(idle).unwrap_or(open).min(open), max })
}

/// This instance's pools (`main`, and `feed` when it has its own):
/// connections idle and busy, and their limits.
fn write_pools(page: &mut String, state: &AppState) {
    let own_feed_pool = crate::state::feed_has_own_pool(state.db.get_database_backend());
    let pools = [("main", Some(&state.db)), ("feed", own_feed_pool.then_some(&state.feed_db))];
    let (mut connections, mut limits) = (Vec::new(), Vec::new());
    for (name, db) in pools {
        let Some(PoolCounts { open, idle, max }) = db.and_then(pool_counts) else { continue };
        connections.push((format!("{{pool=\"{name}\",state=\"idle\"}}"), f64::from(idle)));
        connections.push((format!("{{pool=\"{name}\",state=\"busy\"}}"), f64::from(open - idle)));
        limits.push((format!("{{pool=\"{name}\"}}"), f64::from(max)));
    }
    let help = "Database pool connections of this instance by pool and state";
    write_gauge(page, POOL_CONNECTIONS, help, &connections);
    write_gauge(page, POOL_MAX, "The database pools' size limits", &limits);
}

/// The moderation backlog, the same from every instance.
async fn write_backlog(page: &mut String, state: &AppState) {
    match moderation::backlog(&state.db).await {
        Ok((open, oldest)) => {
            let age = oldest.map_or(0.0, |opened| (state.now() - opened).num_seconds().max(0) as f64);
            write_gauge(page, BACKLOG, "Moderation cases not yet resolved", &[("", open as f64)]);
            write_gauge(page, OLDEST_CASE, "Age in seconds of the oldest unresolved case (0 when none)", &[("", age)]);
        }
        Err(err) => tracing::warn!("reading the moderation backlog for metrics failed: {}", err.detail()),
    }
}

/// The Prometheus text page.
async fn render(state: &AppState) -> HttpResponse {
    let handle = handle();
    handle.run_upkeep();
    let mut page = handle.render();
    write_pools(&mut page, state);
    write_backlog(&mut page, state).await;
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(page)
}

/// `/metrics` on the main listener: for the bearer of `METRICS_TOKEN`, or
/// anyone in development when no token is set; otherwise not found.
pub async fn guarded(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let MetricsAccess { token, addr } = &state.settings.metrics;
    let allowed = match token {
        Some(token) => req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, given)| given)
            .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes())),
        None => !state.settings.is_production() && addr.is_none(),
    };
    if !allowed {
        return match token {
            Some(_) => HttpResponse::Unauthorized().insert_header(("www-authenticate", "Bearer")).finish(),
            None => HttpResponse::NotFound().finish(),
        };
    }
    render(&state).await
}

/// `/metrics` on the separate `METRICS_ADDR` listener, which only operators reach.
pub async fn open(state: web::Data<AppState>) -> HttpResponse {
    render(&state).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
