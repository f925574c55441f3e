//! Times the personalised feed on a large catalogue in PostgreSQL.
//!
//! ```sh
//! createdb trustfeed_scale   # any empty database you can drop later
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/trustfeed_scale \
//!     cargo run --release -p api --example feed_scale
//! ```
//!
//! The first run fills the database with 10,000 users, 100,000 pieces of
//! content and 1,000,000 interactions (generated in SQL, about a minute);
//! later runs reuse them (the helper tables `scale_*` stay with them). It
//! then signs up eight viewers with 500 interactions each and times, over
//! HTTP, `feed(first: 10)` for one viewer at a time and for all eight at
//! once, and the anonymous `contents(first: 20)` page (the same body again,
//! answered from memory, and a new body each time); for each it prints
//! the median and p95 and the SQL statements per request, and at the end
//! the process's memory (the server runs in this process).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use api::clock::SystemClock;
use api::startup::Application;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::json;

const USERS: i64 = 10_000;
const CONTENTS: i64 = 100_000;
const INTERACTIONS: i64 = 1_000_000;
const RUNS: usize = 50;
const VIEWERS: usize = 8;

const FILL: &[&str] = &[
    "INSERT INTO users (id, handle, display_name, email, password_hash, birth_date, role, timezone, locale, verified, created_at, updated_at)
     SELECT gen_random_uuid(), 'scale' || g, 'Scale ' || g, 'scale' || g || '@scale.example', 'not-a-hash', DATE '1990-01-01',
            'USER', 'Asia/Ho_Chi_Minh', 'vi', g % 50 = 0, now(), now()
     FROM generate_series(1, $USERS) g",
    "INSERT INTO user_settings (user_id, private_account, personalized_feed, comment_policy, restricted_mode,
            daily_limit_minutes, search_enabled, time_away, blocked_keywords, locked_by_guardian, updated_at)
     SELECT id, random() < 0.05, true, 'EVERYONE', false, NULL, true, '[]'::json, '[]'::json, false, now()
     FROM users WHERE email LIKE '%@scale.example'",
    "CREATE TABLE scale_users AS SELECT id, row_number() OVER (ORDER BY id) AS rn FROM users WHERE email LIKE '%@scale.example'",
    "CREATE TABLE scale_tags AS SELECT slug, row_number() OVER (ORDER BY slug) - 1 AS rn FROM tags",
    "INSERT INTO contents (id, author_id, campaign_id, title, caption, language, media_url, duration_seconds, audience, status,
            search_text, view_count, like_count, comment_count, share_count, created_at, updated_at, deleted_at)
     SELECT gen_random_uuid(), u.id, NULL, 'Video ' || g, 'Caption ' || g, CASE WHEN g % 2 = 0 THEN 'vi' ELSE 'en' END,
            'https://media.example.com/' || g || '.mp4', 15 + g % 300, CASE WHEN g % 100 = 0 THEN 'MATURE' ELSE 'GENERAL' END,
            CASE WHEN g % 500 = 0 THEN 'REMOVED' ELSE 'PUBLISHED' END, 'video ' || g || ' caption ' || g,
            (random() * 5000)::int, (random() * 800)::int, (random() * 50)::int, (random() * 40)::int,
            now() - (g % 2160) * interval '1 hour', now(), NULL
     FROM generate_series(1, $CONTENTS) g JOIN scale_users u ON u.rn = 1 + g % $USERS",
    "CREATE TABLE scale_contents AS SELECT id, row_number() OVER (ORDER BY id) AS rn FROM contents",
    "INSERT INTO content_tags (content_id, tag_slug)
     SELECT c.id, t.slug FROM scale_contents c JOIN scale_tags t ON t.rn = c.rn % 18
     UNION
     SELECT c.id, t.slug FROM scale_contents c JOIN scale_tags t ON t.rn = (c.rn * 7) % 18 WHERE c.rn % 3 = 0",
    "INSERT INTO interactions (id, user_id, content_id, kind, watched_ms, query, created_at)
     SELECT gen_random_uuid(), u.id, c.id,
            (ARRAY['VIEW','VIEW','VIEW','VIEW','VIEW','VIEW','SWIPE_AWAY','SWIPE_AWAY','LIKE','SHARE'])[1 + g % 10],
            CASE WHEN g % 10 < 6 THEN (random() * 60000)::int END, NULL,
            now() - (g % 1440) * interval '1 hour'
     FROM generate_series(1, $INTERACTIONS) g
     JOIN scale_users u ON u.rn = 1 + g % $USERS
     JOIN scale_contents c ON c.rn = 1 + (g::bigint * 7919) % $CONTENTS",
    "VACUUM ANALYZE",
];

#[tokio::main]
async fn main() {
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must name an empty PostgreSQL database");
    assert!(database_url.starts_with("postgres"), "the scale run is for PostgreSQL");
    // Eight sign-ups from one address stay under the per-address sign-up limit.
    let app = Application::build(common::settings(database_url), Arc::new(SystemClock)).await.unwrap();
    let db = app.state().db.clone();
    if entity::content::Entity::find().count(&db).await.unwrap() < CONTENTS as u64 {
        let started = Instant::now();
        for statement in FILL {
            let sql = statement
                .replace("$USERS", &USERS.to_string())
                .replace("$CONTENTS", &CONTENTS.to_string())
                .replace("$INTERACTIONS", &INTERACTIONS.to_string());
            db.execute_unprepared(&sql).await.unwrap();
        }
        println!("generated the data set in {:?}", started.elapsed());
    }
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();

    // Viewers with 500 interactions each: long watches of two tags, swipes of the rest.
    let mut viewers = Vec::new();
    for v in 0..VIEWERS {
        viewers.push(viewer_with_history(&client, &url, &db, v).await);
    }
    let feed = json!({ "query": "{ feed(first: 10) { edges { node { id title author { handle } tags { slug } viewerHasLiked } reasons { kind label } } } }" });
    let warm = common::post(&client, &url, Some(&viewers[0]), feed.clone()).await;
    assert!(warm["errors"].is_null(), "{warm}");

    // One viewer at a time.
    let (alone, statements) = common::timed(&client, &url, &state, &viewers[..1], &feed, RUNS).await;
    common::report("feed(first: 10), one viewer at a time", &alone, statements);
    // Eight viewers asking at once, each waiting for its answer before asking again.
    let (together, statements) = common::timed(&client, &url, &state, &viewers, &feed, RUNS).await;
    common::report(&format!("feed(first: 10), {VIEWERS} viewers at once"), &together, statements);
    // The anonymous browse page of ../shared/bench/throughput.sh.
    let browse =
        json!({ "query": "{ contents(first:20){ edges{ node{ id title author{ handle } tags{ slug } } } } }" });
    let (pages, statements) = common::timed(&client, &url, &state, &[String::new()], &browse, RUNS).await;
    common::report("contents(first: 20), anonymous, the same body (from memory after the first)", &pages, statements);
    let (pages, statements) = common::timed(&client, &url, &state, &["fresh".into()], &browse, RUNS).await;
    common::report("contents(first: 20), anonymous, each body new (read from the database)", &pages, statements);

    let reasons: Vec<&str> = warm["data"]["feed"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reasons"][0]["label"].as_str())
        .collect();
    println!("first page reasons: {reasons:?}");
    println!("process memory: {}", common::memory());
}

/// Signs up a viewer and gives them 500 interactions.
async fn viewer_with_history(
    client: &reqwest::Client,
    url: &str,
    db: &sea_orm::DatabaseConnection,
    v: usize,
) -> String {
    let handle = format!("viewer{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let signed_up = common::post(
        client,
        url,
        None,
        json!({ "query": "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken me { user { id } } } }",
                "variables": { "i": { "handle": handle, "displayName": "Viewer", "email": format!("{handle}@example.com"),
                  "password": "scale test password", "birthDate": "1990-01-01", "acceptedPolicyVersion": 1 } } }),
    )
    .await;
    let token = signed_up["data"]["signUp"]["accessToken"].as_str().expect("sign-up works").to_owned();
    let viewer = signed_up["data"]["signUp"]["me"]["user"]["id"].as_str().unwrap().to_owned();
    let stride = 197 + 2 * v;
    db.execute_unprepared(&format!(
        "INSERT INTO interactions (id, user_id, content_id, kind, watched_ms, query, created_at)
         SELECT gen_random_uuid(), '{viewer}', c.id,
                CASE WHEN t.tag_slug IN ('food', 'personal-finance') THEN 'VIEW' ELSE 'SWIPE_AWAY' END,
                CASE WHEN t.tag_slug IN ('food', 'personal-finance') THEN 600000 END,
                NULL, now() - (c.rn % 500) * interval '10 minutes'
         FROM scale_contents c JOIN content_tags t ON t.content_id = c.id
         WHERE c.rn % {stride} = 0 LIMIT 500"
    ))
    .await
    .unwrap();
    // Written in bulk, not through recordInteraction: learn from it as if it had been.
    api::service::feed::tastes::relearn(db, &[viewer.parse().unwrap()]).await.unwrap();
    token
}
