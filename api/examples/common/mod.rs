// Each example uses some of these helpers, none all of them.
#![allow(dead_code)]
//! What the measurement examples share: settings for a throw-away server and
//! a GraphQL POST.
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use api::config::Settings;
use serde_json::Value;

/// Starts an instance on `settings` with `clock`; its state and GraphQL address.
pub async fn start(settings: Settings, clock: api::clock::SharedClock) -> (api::state::AppState, String) {
    let app = api::startup::Application::build(settings, clock).await.expect("the server starts");
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    (state, url)
}

/// A development server on a free port, without demo data or a limit on
/// anonymous requests; the pool's size may come from the environment
/// (`DATABASE_MAX_CONNECTIONS`), to measure its trade-off.
pub fn settings(database_url: String) -> Settings {
    let secret = String::from_utf8_lossy(&api::config::random_secret()).into_owned();
    Settings::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.clone()),
        "LISTEN_ADDR" => Some("127.0.0.1:0".into()),
        "JWT_SECRET" => Some(secret.clone()),
        "SEED_DEMO" => Some("false".into()),
        "REQUEST_TIMEOUT_MS" => Some("30000".into()),
        "ANON_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
        "DATABASE_MAX_CONNECTIONS" | "FEED_DATABASE_CONNECTIONS" => std::env::var(key).ok(),
        _ => None,
    })
    .expect("the example settings are valid")
}

pub async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// `runs` requests per token, the tokens' requests running side by side (an
/// empty token asks anonymously; "fresh" does too, with a comment that makes
/// every body new, so the anonymous cache cannot answer). Returns each
/// request's time and the SQL statements the server ran per request.
pub async fn timed(
    client: &reqwest::Client,
    url: &str,
    state: &api::state::AppState,
    tokens: &[String],
    body: &serde_json::Value,
    runs: usize,
) -> (Vec<Duration>, f64) {
    let before = state.statements.load(Ordering::Relaxed);
    let askers = tokens.iter().map(|token| async move {
        let mut timings = Vec::with_capacity(runs);
        for run in 0..runs {
            let started = Instant::now();
            let mut body = body.clone();
            if token == "fresh" {
                body["query"] = format!("{} # {run}", body["query"].as_str().unwrap()).into();
            }
            let token = (!token.is_empty() && token != "fresh").then_some(token.as_str());
            let answer = post(client, url, token, body).await;
            timings.push(started.elapsed());
            assert!(answer["errors"].is_null(), "{answer}");
        }
        timings
    });
    let mut timings: Vec<Duration> = futures_util::future::join_all(askers).await.into_iter().flatten().collect();
    let statements = (state.statements.load(Ordering::Relaxed) - before) as f64 / timings.len() as f64;
    timings.sort();
    (timings, statements)
}

pub fn report(what: &str, timings: &[Duration], statements: f64) {
    let n = timings.len();
    println!(
        "{what}: {n} requests, median {:?}, p95 {:?}, max {:?}, {statements:.1} SQL statements per request",
        timings[n / 2],
        timings[n * 95 / 100],
        timings[n - 1]
    );
}

/// Resident memory now and at its peak, from /proc (Linux).
pub fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).map(|l| l[name.len()..].trim().to_owned()).unwrap_or_default()
    };
    format!("RSS {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}
