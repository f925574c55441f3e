//! Times the first card of the feed, as an anonymous visitor on a phone
//! with a slow mobile connection sees it, in Chromium.
//!
//! ```sh
//! apt install chromium chromium-driver    # Debian's, as the browser tests use
//! cargo run --release -p api --example first_card
//! ```
//!
//! It starts the server with the demo data on a fresh SQLite database, then
//! opens the app `RUNS` times in a new Chromium profile each time (nothing
//! cached), with ChromeDriver's network throttling at the "slow 4G" of the
//! issue: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up. It prints the
//! median and the slowest time from navigation to the app's
//! `trustfeed:first-card` mark (set when the first card is drawn), then the
//! same for a visit with the files already cached (revalidated, 304), and
//! what the first visit moved: requests, and bytes over the wire.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::clock::SystemClock;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

const RUNS: usize = 7;
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// ChromeDriver's network emulation for the session: (latency ms, bytes/s down, bytes/s up).
#[derive(Debug)]
struct Throttle(u32, u32, u32);

impl WebDriverCompatibleCommand for Throttle {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/chromium/network_conditions", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let Throttle(latency, down, up) = *self;
        let body = json!({ "network_conditions": {
            "offline": false, "latency": latency, "download_throughput": down, "upload_throughput": up } });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// The slow 4G of the issue.
const SLOW_4G: Throttle = Throttle(150, 1_600_000 / 8, 750_000 / 8);

/// Milliseconds from navigation to the first card, and the transfer of the visit so far.
async fn visit(browser: &Client, address: &str) -> (f64, usize, f64) {
    browser.goto(address).await.unwrap();
    let started = Instant::now();
    loop {
        let mark = browser
            .execute("return performance.getEntriesByName('trustfeed:first-card')[0]?.startTime ?? null", vec![])
            .await
            .unwrap();
        if let Some(ms) = mark.as_f64() {
            let transfer = browser
                .execute(
                    "const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
                     return [all.length, all.reduce((sum, e) => sum + (e.transferSize || 0), 0)];",
                    vec![],
                )
                .await
                .unwrap();
            let requests = transfer[0].as_u64().unwrap_or(0) as usize;
            return (ms, requests, transfer[1].as_f64().unwrap_or(0.0));
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no first card in a minute");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn browser(driver: &str, profile: &std::path::Path) -> Client {
    let capabilities = json!({ "goog:chromeOptions": { "binary": CHROMIUM, "args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--lang=vi", "--window-size=412,915",
        format!("--user-data-dir={}", profile.display()),
    ] } });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    let started = Instant::now();
    loop {
        match ClientBuilder::new(HttpConnector::new()).capabilities(capabilities.clone()).connect(driver).await {
            Ok(client) => return client,
            Err(_) if started.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(error) => panic!("no browser session: {error}"),
        }
    }
}

fn summary(label: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{label:<44} median {:>6.0} ms   slowest {:>6.0} ms   ({} runs)",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let folder = std::env::temp_dir().join(format!("trustfeed-first-card-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let mut settings = common::settings(format!("sqlite://{}/demo.db?mode=rwc", folder.display()));
    settings.seed_demo = true;
    let (_state, graphql) = common::start(settings, Arc::new(SystemClock)).await;
    let address = graphql.trim_end_matches("graphql").to_owned();

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut chromedriver: Child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (apt install chromium-driver)");
    let driver = format!("http://127.0.0.1:{port}");

    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    let mut weight = (0, 0.0);
    for run in 0..RUNS {
        let profile = folder.join(format!("profile-{run}"));
        let client = browser(&driver, &profile).await;
        client.issue_cmd(SLOW_4G).await.unwrap();
        let (ms, requests, bytes) = visit(&client, &address).await;
        cold.push(ms);
        weight = (requests, bytes);
        warm.push(visit(&client, &address).await.0);
        client.close().await.unwrap();
    }
    println!("slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up; phone window; anonymous visitor");
    summary("first card, nothing cached", cold);
    summary("first card, files cached (revalidated)", warm);
    println!("first visit until the first card: {} requests, {:.1} KB over the wire", weight.0, weight.1 / 1024.0);
    let _ = chromedriver.kill();
    let _ = chromedriver.wait();
    let _ = std::fs::remove_dir_all(&folder);
}
