//! Measures how `me` responds while a burst of sign-ins hashes passwords.
//!
//! `cargo run --release -p api --example signin_load` (SQLite in a temp file),
//! or with `DATABASE_URL=postgres://…` for PostgreSQL. Prints latency
//! percentiles of `me` requests sent one after another during 50 concurrent
//! `logIn` calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::clock::SystemClock;
use serde_json::json;

const SIGN_INS: usize = 50;
const PASSWORD: &str = "load test password";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let database_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let path = std::env::temp_dir().join(format!("trustfeed-load-{}.db", uuid::Uuid::new_v4().simple()));
        format!("sqlite://{}?mode=rwc", path.display())
    });
    let settings = common::settings(database_url.clone());
    let (_, url) = common::start(settings, Arc::new(SystemClock)).await;
    let client = reqwest::Client::new();

    let handle = format!("load{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let email = format!("{handle}@example.com");
    let signed_up = common::post(
        &client,
        &url,
        None,
        json!({ "query": "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
                "variables": { "i": { "handle": handle, "displayName": "Load", "email": email,
                  "password": PASSWORD, "birthDate": "1990-01-01", "acceptedPolicyVersion": 1 } } }),
    )
    .await;
    let token = signed_up["data"]["signUp"]["accessToken"].as_str().expect("sign-up works").to_owned();

    let burst_started = Instant::now();
    let burst: Vec<_> = (0..SIGN_INS)
        .map(|_| {
            let (client, url, email) = (client.clone(), url.clone(), email.clone());
            tokio::spawn(async move {
                let body = json!({ "query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }",
                                   "variables": { "e": email, "p": PASSWORD } });
                let answer = common::post(&client, &url, None, body).await;
                assert!(answer["errors"].is_null(), "{answer}");
            })
        })
        .collect();

    let mut latencies = Vec::new();
    while !burst.iter().all(|task| task.is_finished()) {
        let started = Instant::now();
        let me = common::post(
            &client,
            &url,
            Some(&token),
            json!({ "query": "{ me { email settings { privateAccount } } }" }),
        )
        .await;
        latencies.push(started.elapsed());
        assert!(me["errors"].is_null(), "{me}");
    }
    let burst_took = burst_started.elapsed();
    for task in burst {
        task.await.unwrap();
    }
    latencies.sort();
    println!("database: {}", if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    println!("{SIGN_INS} concurrent logIn calls finished in {burst_took:?}");
    println!(
        "me during the burst: n={} p50={:?} p95={:?} p99={:?} max={:?}",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
}
