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
//! then signs up a viewer, gives them 500
//! interactions and times `feed(first: 10)` for them over HTTP.
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
    "ANALYZE",
];

#[tokio::main]
async fn main() {
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must name an empty PostgreSQL database");
    assert!(database_url.starts_with("postgres"), "the scale run is for PostgreSQL");
    let settings = common::settings(database_url);
    let app = Application::build(settings, Arc::new(SystemClock)).await.unwrap();
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
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();

    let handle = format!("viewer{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let signed_up = common::post(
        &client,
        &url,
        None,
        json!({ "query": "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken me { user { id } } } }",
                "variables": { "i": { "handle": handle, "displayName": "Viewer", "email": format!("{handle}@example.com"),
                  "password": "scale test password", "birthDate": "1990-01-01", "acceptedPolicyVersion": 1 } } }),
    )
    .await;
    let token = signed_up["data"]["signUp"]["accessToken"].as_str().expect("sign-up works").to_owned();
    let viewer = signed_up["data"]["signUp"]["me"]["user"]["id"].as_str().unwrap().to_owned();
    // 500 interactions: long watches of two tags, swipes of the rest.
    db.execute_unprepared(&format!(
        "INSERT INTO interactions (id, user_id, content_id, kind, watched_ms, query, created_at)
         SELECT gen_random_uuid(), '{viewer}', c.id,
                CASE WHEN t.tag_slug IN ('food', 'personal-finance') THEN 'VIEW' ELSE 'SWIPE_AWAY' END,
                CASE WHEN t.tag_slug IN ('food', 'personal-finance') THEN 600000 END,
                NULL, now() - (c.rn % 500) * interval '10 minutes'
         FROM scale_contents c JOIN content_tags t ON t.content_id = c.id
         WHERE c.rn % 197 = 0 LIMIT 500"
    ))
    .await
    .unwrap();

    let query = json!({ "query": "{ feed(first: 10) { edges { node { id title author { handle } tags { slug } viewerHasLiked } reasons { kind label } } } }" });
    let warm = common::post(&client, &url, Some(&token), query.clone()).await;
    assert!(warm["errors"].is_null(), "{warm}");
    let mut timings = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let answer = common::post(&client, &url, Some(&token), query.clone()).await;
        timings.push(started.elapsed());
        assert_eq!(answer["data"]["feed"]["edges"].as_array().map(Vec::len), Some(10), "{answer}");
    }
    timings.sort();
    let reasons: Vec<&str> = warm["data"]["feed"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reasons"][0]["label"].as_str())
        .collect();
    println!("{USERS} users, {CONTENTS} contents, {INTERACTIONS} interactions; viewer with 500 interactions");
    println!(
        "feed(first: 10) over HTTP, {RUNS} runs: median {:?}, p95 {:?}, max {:?}",
        timings[RUNS / 2],
        timings[RUNS * 95 / 100],
        timings[RUNS - 1]
    );
    println!("first page reasons: {reasons:?}");
}
