//! How fast the feed learns a taste: simulated newcomers with hidden tastes
//! of one to three tags, drawn at random, play the real feed over HTTP. Each
//! watches on-taste videos to the end and likes them, and swipes the rest
//! away; pages 1–3 teach, page 4 is scored. The same tastes are played with
//! the personalised feed turned off, as the baseline.
//!
//!     cargo run --release -p api --example feed_eval [viewers] [seed]
//!
//! Runs on a temporary SQLite database (or `DATABASE_URL`, empty) with a
//! seeded synthetic catalogue of 800 videos by 40 creators over every tag.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use api::clock::ManualClock;
use api::service::content::{self as contents, NewContent};
use chrono::{Duration, TimeZone, Utc};
use entity::Audience;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const CREATORS: usize = 40;
const VIDEOS: usize = 800;
const PAGE: usize = 10;
const PAGES: usize = 4;

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken me { user { id } } } }";
const FEED: &str = "query($after: String) { feed(first: 10, after: $after) {
    edges { node { id durationSeconds author { id } tags { slug } } reasons { kind tag { slug } } } pageInfo { endCursor } } }";
const INTERACT: &str = "mutation($i: InteractionInput!) { recordInteraction(input: $i) { content { id } } }";

struct Player {
    token: String,
}

#[derive(Default)]
struct Curve {
    precision: [f64; PAGES],
    runs: usize,
    authors_per_page: f64,
    exploration: f64,
    items: f64,
    /// Last-page items on taste and not exploration, and how many of them
    /// give a learned taste as their reason.
    explained: f64,
    named: f64,
    served: HashSet<String>,
}

#[tokio::main]
async fn main() {
    let viewers: usize = std::env::args().nth(1).map_or(24, |v| v.parse().expect("viewers is a number"));
    let seed: u64 = std::env::args().nth(2).map_or(13, |v| v.parse().expect("seed is a number"));
    let folder = std::env::temp_dir().join(format!("trustfeed-eval-{}", uuid::Uuid::new_v4()));
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}/eval.db?mode=rwc", folder.display()));
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 29, 3, 0, 0).unwrap()));
    let mut settings = common::settings(database_url);
    // Sign-ups name an address of their own in this header (see `sign_up`).
    settings.trusted_proxy_header = Some("x-evaluation-client".into());
    // Ids from the seed too: the feed samples from a pivot among ids, so
    // random ones made runs of one seed differ.
    api::service::ids::seed_for_evaluation(seed);
    let (state, url) = common::start(settings, clock.clone()).await;
    let client = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(seed);

    // The catalogue: every tag, many creators, a spread of ages and lengths.
    let tags = entity::tag::Entity::find().all(&state.db).await.unwrap();
    let mut creators = Vec::new();
    for c in 0..CREATORS {
        let token = sign_up(&client, &url, &format!("creator{c:02}")).await;
        let id = me(&client, &url, &token).await;
        creators.push(entity::user::Entity::find_by_id(id).one(&state.db).await.unwrap().unwrap());
    }
    let now = clock_now(&clock);
    for v in 0..VIDEOS {
        let author = creators.choose(&mut rng).unwrap();
        let count = rng.random_range(1..=2);
        let chosen: Vec<entity::tag::Model> = tags.choose_multiple(&mut rng, count).cloned().collect();
        let new = NewContent {
            title: format!("Video {v}"),
            caption: String::new(),
            language: "vi".into(),
            media_url: format!("https://media.example/{v}.mp4"),
            duration_seconds: rng.random_range(15..=90),
            audience: Audience::General,
            tag_slugs: chosen.iter().map(|t| t.slug.clone()).collect(),
            campaign_slug: None,
        };
        let age = Duration::minutes(rng.random_range(0..60 * 24 * 30));
        contents::publish(&state.db, author, new, &chosen, None, now - age).await.unwrap();
    }
    let slugs: Vec<String> = tags.iter().map(|t| t.slug.clone()).collect();

    let mut personal = Curve::default();
    let mut baseline = Curve::default();
    let mut shares = Vec::new();
    for v in 0..viewers {
        let size = rng.random_range(1..=3);
        let mut taste: Vec<String> = slugs.clone();
        taste.shuffle(&mut rng);
        taste.truncate(size);
        let taste: HashSet<String> = taste.into_iter().collect();
        shares.push(catalogue_share(&state.db, &taste).await);
        for (curve, personalised) in [(&mut personal, true), (&mut baseline, false)] {
            let token = sign_up(&client, &url, &format!("viewer{v:03}{}", if personalised { "p" } else { "b" })).await;
            if !personalised {
                let off = "mutation { updatePrivacySettings(input: { personalizedFeed: false }) { personalizedFeed } }";
                let answer = common::post(&client, &url, Some(&token), json!({ "query": off })).await;
                assert_eq!(answer["data"]["updatePrivacySettings"]["personalizedFeed"], false, "{answer}");
            }
            let player = Player { token };
            play(&client, &url, &player, &taste, curve).await;
        }
    }

    let mean_share = shares.iter().sum::<f64>() / shares.len() as f64;
    println!(
        "{viewers} viewers, tastes of 1–3 tags drawn with seed {seed}; catalogue {VIDEOS} videos by {CREATORS} creators"
    );
    println!("mean share of the catalogue on taste: {:.3}", mean_share);
    println!("precision by page    {:>6} {:>6} {:>6} {:>6}", 1, 2, 3, 4);
    for (name, curve) in [("personalised", &personal), ("non-personalised", &baseline)] {
        let p: Vec<String> = curve.precision.iter().map(|s| format!("{:>6.3}", s / curve.runs as f64)).collect();
        println!("{name:<20} {}", p.join(" "));
    }
    println!(
        "personalised: {:.3} of the last page's items on taste name a taste tag as their reason ({} items)",
        personal.named / personal.explained.max(1.0),
        personal.explained
    );
    for (name, curve) in [("personalised", &personal), ("non-personalised", &baseline)] {
        println!(
            "{name}: coverage {:.3} of the catalogue, {:.2} authors per page of 10, exploration share {:.3}",
            curve.served.len() as f64 / VIDEOS as f64,
            curve.authors_per_page / (curve.runs * PAGES) as f64,
            curve.exploration / curve.items,
        );
    }
}

/// Three pages of watching or swiping, then the fourth page scored.
async fn play(client: &reqwest::Client, url: &str, player: &Player, taste: &HashSet<String>, curve: &mut Curve) {
    let on_taste = |edge: &Value| {
        edge["node"]["tags"].as_array().unwrap().iter().any(|t| taste.contains(t["slug"].as_str().unwrap()))
    };
    let mut after: Option<String> = None;
    for page in 0..PAGES {
        let response =
            common::post(client, url, Some(&player.token), json!({ "query": FEED, "variables": { "after": after } }))
                .await;
        let feed = &response["data"]["feed"];
        let edges = feed["edges"].as_array().unwrap_or_else(|| panic!("no feed: {response}")).clone();
        after = feed["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        let hits = edges.iter().filter(|e| on_taste(e)).count();
        curve.precision[page] += hits as f64 / PAGE as f64;
        let authors: HashSet<&str> = edges.iter().filter_map(|e| e["node"]["author"]["id"].as_str()).collect();
        curve.authors_per_page += authors.len() as f64;
        curve.items += edges.len() as f64;
        curve.exploration += edges
            .iter()
            .filter(|e| e["reasons"].as_array().is_some_and(|r| r.iter().any(|k| k["kind"] == "EXPLORATION")))
            .count() as f64;
        curve.served.extend(edges.iter().filter_map(|e| e["node"]["id"].as_str().map(str::to_owned)));
        if page + 1 == PAGES {
            for edge in edges.iter().filter(|e| on_taste(e)) {
                let reasons = edge["reasons"].as_array().cloned().unwrap_or_default();
                if reasons.iter().any(|r| r["kind"] == "EXPLORATION") {
                    continue;
                }
                curve.explained += 1.0;
                let named = reasons.iter().any(|r| {
                    r["kind"] == "TAG_AFFINITY" && r["tag"]["slug"].as_str().is_some_and(|s| taste.contains(s))
                });
                curve.named += f64::from(u8::from(named));
            }
            break;
        }
        for edge in &edges {
            let id = edge["node"]["id"].as_str().unwrap();
            let inputs = if on_taste(edge) {
                let ms = edge["node"]["durationSeconds"].as_i64().unwrap() * 1000;
                vec![
                    json!({ "contentId": id, "kind": "VIEW", "watchedMs": ms }),
                    json!({ "contentId": id, "kind": "LIKE" }),
                ]
            } else {
                vec![json!({ "contentId": id, "kind": "SWIPE_AWAY" })]
            };
            for input in inputs {
                common::post(
                    client,
                    url,
                    Some(&player.token),
                    json!({ "query": INTERACT, "variables": { "i": input } }),
                )
                .await;
            }
        }
    }
    curve.runs += 1;
}

/// The share of the catalogue with at least one of the taste's tags.
async fn catalogue_share(db: &sea_orm::DatabaseConnection, taste: &HashSet<String>) -> f64 {
    let rows = entity::content_tag::Entity::find().all(db).await.unwrap();
    let mut by_content: HashMap<uuid::Uuid, bool> = HashMap::new();
    for row in rows {
        *by_content.entry(row.content_id).or_default() |= taste.contains(&row.tag_slug);
    }
    by_content.values().filter(|on| **on).count() as f64 / by_content.len().max(1) as f64
}

/// Signs up `handle`, each from an address of its own (named in the trusted
/// header): sign-ups are limited per address, and these are many people.
async fn sign_up(client: &reqwest::Client, url: &str, handle: &str) -> String {
    static PEOPLE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let input = json!({ "handle": handle, "displayName": handle, "email": format!("{handle}@example.com"),
        "password": "evaluation password", "birthDate": "1995-01-01", "acceptedPolicyVersion": 1 });
    let body = json!({ "query": SIGN_UP, "variables": { "i": input } });
    let request = client.post(url).header("x-evaluation-client", format!("10.1.{}.{}", n / 256, n % 256));
    let response: serde_json::Value = request.json(&body).send().await.unwrap().json().await.unwrap();
    response["data"]["signUp"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-up failed: {response}"))
        .to_owned()
}

async fn me(client: &reqwest::Client, url: &str, token: &str) -> uuid::Uuid {
    let response = common::post(client, url, Some(token), json!({ "query": "{ me { user { id } } }" })).await;
    response["data"]["me"]["user"]["id"].as_str().unwrap().parse().unwrap()
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<Utc> {
    use api::clock::Clock;
    clock.now()
}
