//! Times the aggregate fields at a million rows in PostgreSQL.
//!
//! ```sh
//! createdb trustfeed_aggregates   # any empty database you can drop later
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/trustfeed_aggregates \
//!     cargo run --release -p api --example aggregates_scale
//! ```
//!
//! The first run fills the database (generated in SQL, a minute or two):
//! 500,000 moderation cases over the last year with 1,000,000 reports and
//! 1,000,000 moderation events (every case decided), 110,000 survey
//! responses with 990,000 answers for one campaign, and one person with
//! 1,000,000 views, 10,000 of them in the last 28 days. It then times, over
//! HTTP, `safetyTransparency(days: 365)`, `campaignKpis` and
//! `screenTimeReport(days: 28)` on a second instance started on the filled
//! database: first how long its figure keeper takes to work the figures out
//! at start (four transparency windows and the campaign's KPIs, which no
//! request waits for), then one request at a time and four at once (a
//! request may hold four aggregate fields); signed in, so that the anonymous
//! cache cannot answer. It prints each one's median, p95 and the process's
//! memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use api::clock::SystemClock;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::json;

const CASES: i64 = 500_000;
const RESPONSES: i64 = 110_000;
const VIEWS: i64 = 1_000_000;
const RUNS: usize = 20;

const FILL: &[&str] = &[
    "INSERT INTO users (id, handle, display_name, email, password_hash, birth_date, role, timezone, locale, verified, created_at, updated_at)
     SELECT gen_random_uuid(), 'agg' || g, 'Aggregate ' || g, 'agg' || g || '@scale.example', 'not-a-hash', DATE '1990-01-01',
            'USER', 'Asia/Ho_Chi_Minh', 'vi', false, now(), now()
     FROM generate_series(1, 2000) g",
    "CREATE TABLE agg_users AS SELECT id, row_number() OVER (ORDER BY id) AS rn FROM users WHERE email LIKE '%@scale.example'",
    "INSERT INTO moderation_cases (id, target_type, target_id, active_target_id, target_user_id, snapshot, status, priority_base,
            queue_rank, report_count, reasons, assignee_id, claimed_until, version, resolution, resolved_by, auto_hidden,
            appealed_at, opened_at, last_reported_at, resolved_at, suspended_until, appeal_message)
     SELECT gen_random_uuid(), 'CONTENT', gen_random_uuid(), NULL, NULL, '{}'::json, 'RESOLVED', 1, 0, 2, 'SPAM', NULL, NULL, 2,
            CASE WHEN g % 3 = 0 THEN 'DISMISS' ELSE 'REMOVE_CONTENT' END, NULL, false, NULL,
            now() - (g % 365) * interval '1 day' - (g % 24) * interval '1 hour',
            now() - (g % 365) * interval '1 day' - (g % 24) * interval '1 hour',
            now() - (g % 365) * interval '1 day' + (g % 7) * interval '1 hour', NULL, NULL
     FROM generate_series(1, $CASES) g",
    "CREATE TABLE agg_cases AS SELECT id, target_id, opened_at, resolution, row_number() OVER (ORDER BY id) AS rn FROM moderation_cases",
    "INSERT INTO reports (id, case_id, reporter_id, target_type, target_id, reason, details, status, outcome_action, created_at, resolved_at)
     SELECT gen_random_uuid(), c.id, u.id, 'CONTENT', c.target_id,
            (ARRAY['SPAM','BULLYING_HARASSMENT','HATE_SPEECH','MISINFORMATION','NUDITY_SEXUAL','VIOLENCE_DANGEROUS_ACTS'])[1 + (c.rn + k) % 6],
            NULL, 'RESOLVED', c.resolution, c.opened_at, c.opened_at + interval '3 hours'
     FROM agg_cases c CROSS JOIN generate_series(0, 1) k JOIN agg_users u ON u.rn = 1 + (c.rn * 2 + k) % 2000",
    "INSERT INTO moderation_events (id, case_id, actor_id, kind, action, note, created_at)
     SELECT gen_random_uuid(), c.id, NULL, CASE WHEN k = 0 THEN 'CLAIM' ELSE 'ACTION' END,
            CASE WHEN k = 0 THEN NULL ELSE c.resolution END, NULL, c.opened_at + (k + c.rn % 7) * interval '1 hour'
     FROM agg_cases c CROSS JOIN generate_series(0, 1) k",
    "INSERT INTO survey_responses (id, survey_id, respondent_group, submitted_at)
     SELECT gen_random_uuid(), '$SURVEY', CASE WHEN g % 3 = 0 THEN 'USER' ELSE 'NON_USER' END, now() - (g % 600) * interval '1 minute'
     FROM generate_series(1, $RESPONSES) g",
    "INSERT INTO survey_answers (response_id, question_key, value)
     SELECT r.id, q.key, CASE q.kind WHEN 'TRUST_9' THEN 1 + abs(hashtext(r.id::text || q.key)) % 9
                                      WHEN 'AGREE_5' THEN 1 + abs(hashtext(r.id::text || q.key)) % 5
                                      ELSE abs(hashtext(r.id::text || q.key)) % 2 END
     FROM survey_responses r JOIN survey_questions q ON q.survey_id = r.survey_id WHERE r.survey_id = '$SURVEY'",
    "INSERT INTO interactions (id, user_id, content_id, kind, watched_ms, query, created_at)
     SELECT gen_random_uuid(), '$WATCHER', NULL, 'VIEW', (random() * 60000)::int, NULL,
            now() - CASE WHEN g % 100 = 0 THEN (g % 28) * interval '1 day' ELSE interval '40 days' + (g % 300) * interval '1 day' END
     FROM generate_series(1, $VIEWS) g",
    "VACUUM ANALYZE",
];

#[tokio::main]
async fn main() {
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL must name an empty PostgreSQL database");
    assert!(database_url.starts_with("postgres"), "the scale run is for PostgreSQL");
    let settings = common::settings(database_url);
    let (state, url) = common::start(settings.clone(), Arc::new(SystemClock)).await;
    let db = state.db.clone();
    let client = reqwest::Client::new();

    // The people who ask: an analyst, an admin (who opens the survey) and a
    // heavy watcher, each made a user and then given their role in SQL.
    let mut tokens = Vec::new();
    for (handle, role) in [("agg.analyst", "ANALYST"), ("agg.admin", "ADMIN"), ("agg.watcher", "USER")] {
        let log_in = json!({ "query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken me { user { id } } } }",
            "variables": { "e": format!("{handle}@example.com"), "p": "aggregate test password" } });
        let mut answer = common::post(&client, &url, None, log_in.clone()).await;
        if answer["data"]["logIn"].is_null() {
            common::post(
                &client,
                &url,
                None,
                json!({
                "query": "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
                "variables": { "i": { "handle": handle, "displayName": handle, "email": format!("{handle}@example.com"),
                  "password": "aggregate test password", "birthDate": "1990-01-01", "acceptedPolicyVersion": 1 } } }),
            )
            .await;
            db.execute_unprepared(&format!("UPDATE users SET role = '{role}' WHERE handle = '{handle}'"))
                .await
                .unwrap();
            answer = common::post(&client, &url, None, log_in).await;
        }
        let token = answer["data"]["logIn"]["accessToken"].as_str().expect("signed in").to_owned();
        let id = answer["data"]["logIn"]["me"]["user"]["id"].as_str().unwrap().to_owned();
        tokens.push((token, id));
    }
    let [(analyst, _), (admin, _), (watcher, watcher_id)] = <[(String, String); 3]>::try_from(tokens).unwrap();

    if entity::moderation_case::Entity::find().count(&db).await.unwrap() < CASES as u64 {
        let started = Instant::now();
        let now = chrono::Utc::now();
        let survey = common::post(&client, &url, Some(&admin), json!({
            "query": "mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }",
            "variables": { "i": { "campaignSlug": api::seed::CAMPAIGN_SLUG, "wave": "POST",
              "opensAt": (now - chrono::Duration::days(1)).to_rfc3339(), "closesAt": (now + chrono::Duration::days(30)).to_rfc3339() } } })).await;
        let survey = survey["data"]["createSurvey"]["id"].as_str().unwrap_or_else(|| panic!("{survey}")).to_owned();
        for statement in FILL {
            let sql = statement
                .replace("$CASES", &CASES.to_string())
                .replace("$RESPONSES", &RESPONSES.to_string())
                .replace("$VIEWS", &VIEWS.to_string())
                .replace("$SURVEY", &survey)
                .replace("$WATCHER", &watcher_id);
            db.execute_unprepared(&sql).await.unwrap();
        }
        println!("generated the data set in {:?}", started.elapsed());
    }
    // A second instance on the filled database, as a deployment starts: its
    // figure keeper works the figures out before the requests come.
    state.shutdown.begin();
    let started = Instant::now();
    let (state, url) = common::start(settings, Arc::new(SystemClock)).await;
    while state.figures.passes() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    println!("the figure keeper's first pass (4 transparency windows, the campaign's KPIs): {:?}", started.elapsed());

    let fields = [
        (
            "safetyTransparency(days: 365)",
            "{ safetyTransparency(days: 365) { reportsReceived casesDecided actionedShare medianHoursToDecision } }"
                .to_owned(),
            analyst.clone(),
        ),
        (
            "campaignKpis",
            format!(
                "{{ campaignKpis(campaignSlug: \"{}\") {{ all {{ trustIndex {{ post {{ value n }} }} }} behaviour {{ reportsFiled }} }} }}",
                api::seed::CAMPAIGN_SLUG
            ),
            analyst.clone(),
        ),
        (
            "screenTimeReport(days: 28)",
            format!("{{ screenTimeReport(userId: \"{watcher_id}\", days: 28) {{ date minutes views }} }}"),
            watcher.clone(),
        ),
    ];
    for (name, query, token) in &fields {
        let body = json!({ "query": query });
        let started = Instant::now();
        let first = common::post(&client, &url, Some(token), body.clone()).await;
        assert!(first["errors"].is_null(), "{name}: {first}");
        println!("{name}, the first request: {:?}", started.elapsed());
        let (alone, statements) = common::timed(&client, &url, &state, std::slice::from_ref(token), &body, RUNS).await;
        common::report(&format!("{name}, one at a time"), &alone, statements);
        let four = vec![token.clone(); 4];
        let (together, statements) = common::timed(&client, &url, &state, &four, &body, RUNS).await;
        common::report(&format!("{name}, four at once"), &together, statements);
    }
    println!("process memory: {}", common::memory());
}
