//! What operators and front ends on other origins rely on.
use api::config::{AppEnv, CorsOrigins};
use futures_util::SinkExt;
use reqwest::{Method, Response};
use sea_orm::ConnectionTrait;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::*;

/// The pool size the server uses unless told otherwise.
const POOL: u32 = api::config::DEFAULT_DATABASE_MAX_CONNECTIONS;

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap()
}

async fn post_from(app: &TestApp, origin: &str) -> Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("origin", origin)
        .json(&json!({ "query": "{ privacyPolicy { version } }" }))
        .send()
        .await
        .unwrap()
}

fn allowed_origin(response: &Response) -> Option<&str> {
    response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn in_production_only_the_listed_origins_may_call_across_origins() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| {
            s.app_env = AppEnv::Production;
            s.cors_origins = CorsOrigins::Listed(vec!["https://app.example.com".into()]);
        })
        .await;
        let approved = preflight(&app, "https://app.example.com").await;
        assert!(approved.status().is_success(), "{}", approved.status());
        assert_eq!(allowed_origin(&approved), Some("https://app.example.com"));
        let header = |name: &str| approved.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(header("access-control-allow-methods").contains("POST"));
        assert!(header("access-control-allow-headers").to_lowercase().contains("authorization"));
        let answer = post_from(&app, "https://app.example.com").await;
        assert_eq!(allowed_origin(&answer), Some("https://app.example.com"));
        assert_eq!(answer.json::<serde_json::Value>().await.unwrap()["data"]["privacyPolicy"]["version"], 1);

        // Any other origin gets no CORS headers, so its browser keeps the
        // answer from the page.
        for origin in ["https://evil.example", "http://localhost:5173"] {
            assert_eq!(allowed_origin(&preflight(&app, origin).await), None, "{origin}");
            assert_eq!(allowed_origin(&post_from(&app, origin).await), None, "{origin}");
        }
        // The web app's own requests carry its Origin, and still work.
        let own = post_from(&app, &app.address).await;
        assert_eq!(own.status(), 200);
        assert_eq!(own.json::<serde_json::Value>().await.unwrap()["data"]["privacyPolicy"]["version"], 1);
    }
}

#[tokio::test]
async fn in_development_a_front_end_on_a_localhost_dev_server_may_call() {
    on_each_database(|app| async move {
        for origin in ["http://localhost:5173", "http://127.0.0.1:3000"] {
            assert_eq!(allowed_origin(&preflight(&app, origin).await), Some(origin));
            assert_eq!(allowed_origin(&post_from(&app, origin).await), Some(origin));
        }
        assert_eq!(allowed_origin(&preflight(&app, "https://app.example.com").await), None);
    })
    .await;
}

/// Instances started together on an empty PostgreSQL database take turns to
/// migrate and seed: without the startup lock they race to create the same
/// tables and accounts, and some fail to start.
#[tokio::test]
async fn three_instances_started_together_on_an_empty_database_all_come_up() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    if !postgres_here() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let start = || {
        let mut settings = test_settings(database.url.clone());
        settings.seed_demo = true;
        api::startup::Application::build(settings, std::sync::Arc::new(api::clock::ManualClock::new(start_time())))
    };
    let (a, b, c) = tokio::join!(start(), start(), start());
    let apps = [a, b, c].map(|app| app.expect("every instance starts"));
    let db = &apps[0].state().db;
    assert_each_migration_recorded_once(db).await;
    let demo = entity::user::Entity::find().filter(entity::user::Column::Handle.eq("lan.nguyen")).count(db).await;
    assert_eq!(demo.unwrap(), 1);
}

/// Every migration of this build applied, each recorded exactly once.
async fn assert_each_migration_recorded_once(db: &sea_orm::DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    let states = migration::Migrator::status(db).await.unwrap();
    assert!(states.len() >= 19, "{states:?}");
    assert!(states.iter().all(|state| state.applied_at.is_some()), "{states:?}");
    let rows = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS applied, COUNT(DISTINCT version) AS distinct_versions FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rows.try_get::<i64>("", "applied").unwrap() as usize, states.len());
    assert_eq!(rows.try_get::<i64>("", "distinct_versions").unwrap() as usize, states.len());
}

/// Migrations go forward once: a second run applies nothing, a failed
/// migration leaves no trace (it runs in a transaction with its record), and
/// a database a newer build migrated is refused rather than half-understood.
#[tokio::test]
async fn migrations_apply_once_and_a_database_from_a_newer_build_is_refused() {
    use sea_orm::ConnectionTrait;
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = api::startup::connect(&database.url, POOL, None).await.unwrap();
        let pending = migration::Migrator::status(&db).await.unwrap();
        assert!(pending.iter().all(|state| state.applied_at.is_none() && state.known), "{pending:?}");
        let records = match backend {
            Backend::Postgres => "SELECT to_regclass('seaql_migrations') IS NULL AS missing",
            Backend::Sqlite => "SELECT count(*) = 0 AS missing FROM sqlite_master WHERE name = 'seaql_migrations'",
        };
        let missing = db
            .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), records))
            .await
            .unwrap()
            .unwrap()
            .try_get::<bool>("", "missing")
            .unwrap();
        assert!(missing, "asking for the status wrote nothing");
        assert_eq!(migration::Migrator::up(&db).await.unwrap(), pending.len());
        assert_eq!(migration::Migrator::up(&db).await.unwrap(), 0);
        assert_each_migration_recorded_once(&db).await;

        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_future', 0)",
        )
        .await
        .unwrap();
        let message = migration::Migrator::up(&db).await.unwrap_err().to_string();
        assert!(message.contains("m20991231_000001_future") && message.contains("newer build"), "{message}");
        // The status still lists everything, the stranger last.
        let states = migration::Migrator::status(&db).await.unwrap();
        assert_eq!(states.len(), pending.len() + 1);
        let stranger = states.last().unwrap();
        assert_eq!((stranger.name.as_str(), stranger.known), ("m20991231_000001_future", false));
        assert!(states[..pending.len()].iter().all(|state| state.known && state.applied_at.is_some()));
        db.close().await.unwrap();
    }
}

/// Without the server's start-up lock (an operator's `api migrate` while an
/// instance starts), migrators on one PostgreSQL database still apply each
/// migration once: each takes the migration lock and looks again.
#[tokio::test]
async fn migrators_racing_on_postgresql_apply_each_migration_once() {
    if !postgres_here() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let connect = || api::startup::connect(&database.url, POOL, None);
    let (a, b, c) = tokio::join!(connect(), connect(), connect());
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    let (x, y, z) = tokio::join!(migration::Migrator::up(&a), migration::Migrator::up(&b), migration::Migrator::up(&c));
    let applied = [x, y, z].map(|run| run.expect("every migrator succeeds"));
    assert_eq!(applied.iter().sum::<usize>(), migration::Migrator::status(&a).await.unwrap().len(), "{applied:?}");
    assert_each_migration_recorded_once(&a).await;
}

/// TLS to a database on the same machine protects nothing: a loopback URL
/// without `sslmode` connects in the clear, and one that names a mode gets it.
#[tokio::test]
async fn a_loopback_database_is_reached_without_tls_unless_the_url_asks() {
    if !postgres_here() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    assert!(database.url.contains("127.0.0.1") || database.url.contains("localhost"), "{}", database.url);
    let ssl = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let uses_tls = |db: sea_orm::DatabaseConnection| async move {
        let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), ssl)).await.unwrap();
        row.unwrap().try_get::<bool>("", "ssl").unwrap()
    };
    let plain = api::startup::connect(&database.url, POOL, None).await.unwrap();
    assert!(!uses_tls(plain).await, "a loopback connection without sslmode is in the clear");
    let server_offers_tls = {
        let db = api::startup::connect(&database.url, POOL, None).await.unwrap();
        let row =
            db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SHOW ssl")).await.unwrap();
        row.unwrap().try_get::<String>("", "ssl").unwrap() == "on"
    };
    if server_offers_tls {
        let separator = if database.url.contains('?') { '&' } else { '?' };
        let asked =
            api::startup::connect(&format!("{}{separator}sslmode=require", database.url), POOL, None).await.unwrap();
        assert!(uses_tls(asked).await, "sslmode=require in the URL is kept");
    }
}

/// `DATABASE_MAX_CONNECTIONS` bounds the pool: eight signed-in pages at
/// once (never answered from memory) on a pool of two use two connections.
#[tokio::test]
async fn the_pool_opens_no_more_connections_than_configured() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |settings| settings.database_max_connections = 2).await;
        let token = app.token_for("reader").await;
        let page = "{ contents(first: 20) { edges { node { id author { handle } } } } }";
        let answers = futures_util::future::join_all((0..8).map(|_| app.query_as(&token, page, json!({})))).await;
        assert!(answers.iter().all(|answer| answer["errors"].is_null()), "{answers:?}");
        let pool = api::metrics::pool_counts(&app.state.db).unwrap();
        let (open, most) = (pool.open, pool.max);
        assert_eq!(most, 2, "{backend:?}");
        assert!((1..=2).contains(&open), "{backend:?}: {open} connections open");
    }
}

/// On PostgreSQL the feed reads through a pool of its own, bounded by
/// `FEED_DATABASE_CONNECTIONS`, beside the main pool; on SQLite both are one.
#[tokio::test]
async fn the_feed_reads_through_its_own_bounded_pool() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |settings| settings.feed_database_connections = 1).await;
        let author = app.token_for("author").await;
        for n in 0..3 {
            app.create_content(&author, json!({ "title": format!("Video {n}") })).await;
        }
        let token = app.token_for("reader").await;
        let feed = "{ feed(first: 10) { edges { node { id author { handle } tags { slug } } reasons { kind } } } }";
        let before = api::metrics::pool_counts(&app.state.feed_db).unwrap();
        let answers = futures_util::future::join_all((0..6).map(|_| app.query_as(&token, feed, json!({})))).await;
        assert!(answers.iter().all(|answer| answer["errors"].is_null()), "{answers:?}");
        assert!(answers.iter().all(|answer| !answer["data"]["feed"]["edges"].as_array().unwrap().is_empty()));
        let pool = api::metrics::pool_counts(&app.state.feed_db).unwrap();
        let main = api::metrics::pool_counts(&app.state.db).unwrap();
        match backend {
            Backend::Postgres => {
                assert!(
                    before.open <= 1 && (pool.open, pool.max) == (1, 1),
                    "one connection at most, however many pages"
                );
                assert_eq!(main.max, app.state.settings.database_max_connections);
                let page = scrape(&app, None).await.text().await.unwrap();
                assert_eq!(sample(&page, "trustfeed_db_pool_max_connections", &["pool=\"feed\""]), Some(1.0));
                let main_limit = sample(&page, "trustfeed_db_pool_max_connections", &["pool=\"main\""]);
                assert_eq!(main_limit, Some(f64::from(main.max)));
                // While another holds the feed's one connection, a feed page
                // waits for it and browsing does not.
                let held = sea_orm::TransactionTrait::begin(&app.state.feed_db).await.unwrap();
                let mut waiting = std::pin::pin!(app.query_as(&token, feed, json!({})));
                let browse = tokio::select! {
                    answer = &mut waiting => panic!("a feed page ran while its pool's connection was held: {answer}"),
                    browse = app.query_as(&token, "{ contents(first: 5) { edges { node { id } } } }", json!({})) => browse,
                };
                assert!(browse["errors"].is_null(), "{browse}");
                let still = tokio::time::timeout(std::time::Duration::from_millis(300), &mut waiting).await;
                assert!(still.is_err(), "the feed page waits for its pool's one connection: {still:?}");
                held.commit().await.unwrap();
                let answer = waiting.await;
                assert!(answer["errors"].is_null(), "{answer}");
                // With the feed's pool closed, the feed fails and the rest goes on.
                app.state.feed_db.clone().close().await.unwrap();
                let closed = app.query_as(&token, feed, json!({})).await;
                assert!(!closed["errors"].is_null(), "{closed}");
                let browse = app.query_as(&token, "{ contents(first: 5) { edges { node { id } } } }", json!({})).await;
                assert!(browse["errors"].is_null(), "{browse}");
            }
            _ => assert_eq!(pool.max, main.max, "one pool on SQLite"),
        }
    }
}

fn request_id(response: &Response) -> &str {
    response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default()
}

async fn post_with_id(app: &TestApp, id: Option<&str>, body: serde_json::Value) -> Response {
    let mut request =
        app.client.post(format!("{}/graphql", app.address)).header(CLIENT_ADDRESS_HEADER, "203.0.113.9").json(&body);
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_internal_errors_name_it() {
    for backend in backends() {
        // With its database pool closed, every operation that reads fails
        // with an INTERNAL error the client can quote.
        let app = TestApp::spawn(backend, |_| {}).await;
        app.state.db.clone().close().await.unwrap();
        let query = json!({ "query": "{ contents(first: 3) { edges { node { id } } } }" });
        let given = post_with_id(&app, Some("support-ticket-4711"), query.clone()).await;
        assert_eq!(request_id(&given), "support-ticket-4711");
        let body: serde_json::Value = given.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["requestId"], "support-ticket-4711");
        let longest = "A-z.0_9".repeat(9) + "x";
        assert_eq!(request_id(&post_with_id(&app, Some(&longest), query.clone()).await), longest, "64 is the most");

        // Without one, or with one that could forge log lines, a fresh UUID.
        for bad in [None, Some("two words"), Some("line\"break"), Some("a}b"), Some("k=v"), Some(&*"x".repeat(65))] {
            let answer = post_with_id(&app, bad, query.clone()).await;
            let id = request_id(&answer).to_owned();
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} gave {id:?}");
            let body: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str(), "{body}");
        }
        // Other errors carry only their code; every response has the header.
        let refused = post_with_id(&app, None, json!({ "query": "{ nope }" })).await;
        assert!(!request_id(&refused).is_empty());
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert!(body["errors"][0]["extensions"]["requestId"].is_null());
        assert!(!request_id(&app.get("/healthz").await).is_empty());
        // Browsers on allowed origins may read it.
        let cross = preflight(&app, "http://localhost:5173").await;
        let allowed = cross.headers().get("access-control-allow-headers").unwrap().to_str().unwrap().to_lowercase();
        assert!(allowed.contains("x-request-id"), "{allowed}");
    }
}

/// The value of the sample of `name` whose labels include all of `labels`.
fn sample(page: &str, name: &str, labels: &[&str]) -> Option<f64> {
    page.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        (metric == name && labels.iter().all(|label| rest.contains(label))).then(|| value.parse().unwrap())
    })
}

async fn scrape(app: &TestApp, token: Option<&str>) -> Response {
    let mut request = app.client.get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn metrics_count_operations_outcomes_statements_sockets_and_the_backlog() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        // Operations are labelled by their first root field, whatever the
        // client calls them; the recorder is process-wide, so counts are
        // read before and after.
        let token = app.token_for("moderated").await;
        let labels = |outcome: &'static str| ["operation=\"myReports\"", outcome];
        let before = scrape(&app, None).await.text().await.unwrap();
        let counted = |page: &str, outcome| sample(page, "trustfeed_requests_total", &labels(outcome)).unwrap_or(0.0);
        let (ok_before, bad_before) =
            (counted(&before, "outcome=\"OK\""), counted(&before, "outcome=\"BAD_USER_INPUT\""));
        let latency_before =
            sample(&before, "trustfeed_request_duration_seconds_count", &["operation=\"myReports\""]).unwrap_or(0.0);
        for junk in ["MetricsProbe", "AnotherName", "x"] {
            let named = format!("query {junk} {{ myReports(first: 2) {{ edges {{ cursor }} }} }}");
            ok(&app.query_as(&token, &named, json!({})).await);
        }
        let refused = app.query_as(&token, "query Junk { myReports(first: -1) { edges { cursor } } }", json!({})).await;
        assert_code(&refused, "BAD_USER_INPUT");
        let content = app.create_content(&token, json!({})).await;
        let moderator = app.user_with_role("moderator", entity::Role::Moderator).await;
        let mut socket = connect(&app, &moderator).await;
        send(&mut socket, "live", "subscription { moderationQueueChanged { id } }").await;
        let reporter = app.token_for("reporter").await;
        app.report(&reporter, "CONTENT", &content, "SPAM", None).await;
        // Delivered: the subscription is surely running when scraped.
        assert_eq!(next_json(&mut socket).await["type"], "next");
        app.clock.advance(chrono::Duration::minutes(90));
        let before = scrape(&app, None).await.text().await.unwrap();
        let age_gate_before = sample(&before, "trustfeed_signup_age_gate_refusals_total", &[]).unwrap_or(0.0);
        let too_young = app
            .try_sign_up(json!({ "handle": "kid", "email": "kid@example.com", "birthDate": born_years_ago(11) }))
            .await;
        assert_code(&too_young, "AGE_RESTRICTED");

        let page = scrape(&app, None).await;
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let page = page.text().await.unwrap();
        assert!(counted(&page, "outcome=\"OK\"") >= ok_before + 3.0, "{page}");
        assert!(counted(&page, "outcome=\"BAD_USER_INPUT\"") >= bad_before + 1.0);
        let latency = ["operation=\"myReports\""];
        assert!(sample(&page, "trustfeed_request_duration_seconds_count", &latency).unwrap() >= latency_before + 4.0);
        assert!(sample(&page, "trustfeed_request_duration_seconds_bucket", &[latency[0], "le=\"+Inf\""]).is_some());
        for junk in ["MetricsProbe", "AnotherName", "Junk"] {
            assert!(!page.contains(&format!("operation=\"{junk}\"")), "client names never become labels");
        }
        assert!(sample(&page, "trustfeed_db_statements_per_request_count", &[]).unwrap() >= 3.0);
        assert!(sample(&page, "trustfeed_db_statements_per_request_sum", &[]).unwrap() >= 3.0);
        assert!(sample(&page, "trustfeed_db_pool_max_connections", &[]).unwrap() >= 1.0);
        assert!(sample(&page, "trustfeed_db_pool_connections", &["state=\"busy\""]).unwrap() >= 0.0);
        assert!(sample(&page, "trustfeed_websocket_connections", &[]).unwrap() >= 1.0);
        assert!(sample(&page, "trustfeed_websocket_operations", &[]).unwrap() >= 1.0);
        assert_eq!(sample(&page, "trustfeed_moderation_open_cases", &[]), Some(1.0));
        assert_eq!(sample(&page, "trustfeed_moderation_oldest_open_case_age_seconds", &[]), Some(5400.0));
        assert!(sample(&page, "trustfeed_signup_age_gate_refusals_total", &[]).unwrap() >= age_gate_before + 1.0);
    }
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_limit() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.anon_rate_limit_per_minute = 1).await;
        let before = scrape(&app, None).await.text().await.unwrap();
        let limit = ["limit=\"anonymous_requests\""];
        let counted = sample(&before, "trustfeed_rate_limit_refusals_total", &limit).unwrap_or(0.0);
        let query = json!({ "query": "{ privacyPolicy { version } }" });
        let statuses =
            [post_with_id(&app, None, query.clone()).await.status(), post_with_id(&app, None, query).await.status()];
        assert_eq!(statuses.map(|s| s.as_u16()), [200, 429]);
        // The same address's share holds over WebSocket too, and for a bad token.
        let mut request =
            format!("{}/graphql/ws", app.address.replace("http://", "ws://")).into_client_request().unwrap();
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        request.headers_mut().insert(CLIENT_ADDRESS_HEADER, "203.0.113.9".parse().unwrap());
        let mut socket = tokio_tungstenite::connect_async(request).await.unwrap().0;
        let init = json!({ "type": "connection_init", "payload": { "authorization": "Bearer not-a-token" } });
        socket.send(Message::Text(init.to_string().into())).await.unwrap();
        assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
        let answer = run(&mut socket, "{ privacyPolicy { version } }").await;
        assert_eq!(answer["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{answer}");
        let page = scrape(&app, None).await.text().await.unwrap();
        assert!(sample(&page, "trustfeed_rate_limit_refusals_total", &limit).unwrap() >= counted + 2.0);

        // The services' limits are counted by name.
        let sign_in = ["limit=\"sign-in:account\""];
        let before = sample(&page, "trustfeed_rate_limit_refusals_total", &sign_in).unwrap_or(0.0);
        app.sign_up("tries", 30).await;
        let wrong = json!({ "e": "tries@example.com", "p": "not the password" });
        let log_in = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
        let mut last = json!(null);
        // From addresses of their own: each has one anonymous request a minute here.
        for i in 0..11 {
            let request = app
                .client
                .post(format!("{}/graphql", app.address))
                .header(CLIENT_ADDRESS_HEADER, format!("203.0.113.{}", 20 + i));
            last = request
                .json(&json!({ "query": log_in, "variables": wrong }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        }
        assert_code(&last, "RATE_LIMITED");
        let page = scrape(&app, None).await.text().await.unwrap();
        assert!(sample(&page, "trustfeed_rate_limit_refusals_total", &sign_in).unwrap() >= before + 1.0);
    }
}

#[tokio::test]
async fn metrics_are_not_public_in_production() {
    let secret = String::from_utf8_lossy(JWT_SECRET).into_owned();
    for backend in backends() {
        let production = |s: &mut api::config::Settings| {
            s.app_env = AppEnv::Production;
            s.jwt_secret = secret.clone().into_bytes();
        };
        let closed = TestApp::spawn(backend, production).await;
        assert_eq!(scrape(&closed, None).await.status(), 404);

        let token = "a-long-scrape-token-for-tests";
        let guarded = TestApp::spawn(backend, |s| {
            production(s);
            s.metrics.token = Some(token.into());
        })
        .await;
        assert_eq!(scrape(&guarded, None).await.status(), 401);
        assert_eq!(scrape(&guarded, Some("a-long-scrape-token-for-test")).await.status(), 401);
        let page = scrape(&guarded, Some(token)).await;
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("trustfeed_db_pool_max_connections"));

        let separate = TestApp::spawn(backend, |s| {
            production(s);
            s.metrics.addr = Some("127.0.0.1:0".into());
        })
        .await;
        assert_eq!(scrape(&separate, None).await.status(), 404);
        let port = separate.metrics_port.expect("a metrics listener");
        let page = separate.client.get(format!("http://127.0.0.1:{port}/metrics")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("trustfeed_moderation_open_cases"));
        let other = separate.client.get(format!("http://127.0.0.1:{port}/graphql")).send().await.unwrap();
        assert_eq!(other.status(), 404, "the metrics listener serves nothing else");
    }
}

/// A request still arriving when the stop begins is answered within the
/// drain time, while new connections are refused.
#[tokio::test]
async fn a_request_in_flight_when_the_stop_begins_is_answered() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| {
            s.shutdown.delay = std::time::Duration::ZERO;
            s.shutdown.drain = std::time::Duration::from_secs(10);
        })
        .await;
        let body = json!({ "query": "{ privacyPolicy { version } }" }).to_string();
        let (head, tail) = body.split_at(10);
        let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
        let request = format!(
            "POST /graphql HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        // "100 Continue": the server has taken the request up.
        let mut interim = [0u8; 25];
        stream.read_exact(&mut interim).await.unwrap();
        assert!(interim.starts_with(b"HTTP/1.1 100 Continue"), "{}", String::from_utf8_lossy(&interim));
        stream.write_all(head.as_bytes()).await.unwrap();

        app.state.shutdown.begin();
        // Once the listener is closed, new connections are refused…
        tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.is_ok() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the listener closes");
        // …and the request already under way still gets its answer.
        stream.write_all(tail.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("\"privacyPolicy\":{\"version\":1}"), "{answer}");
        app.stopped(std::time::Duration::from_secs(15)).await.unwrap();
    }
}

#[tokio::test]
async fn stopping_turns_readiness_off_closes_sockets_with_1001_and_ends_the_server() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| {
            s.shutdown.delay = std::time::Duration::from_secs(2);
            s.shutdown.drain = std::time::Duration::from_secs(5);
        })
        .await;
        let token = app.user_with_role("viewer", entity::Role::Moderator).await;
        assert_eq!(app.get("/readyz").await.status(), 200);
        let mut socket = connect(&app, &token).await;
        send(&mut socket, "live", "subscription { moderationQueueChanged { id } }").await;

        app.state.shutdown.begin();
        assert_eq!(closed_with(&mut socket, std::time::Duration::from_secs(2)).await, 1001);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 503);
        assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "stopping");
        // Until the delay is over, requests are still served.
        let answer = app.query_as(&token, "{ me { user { handle } } }", json!({})).await;
        assert_eq!(answer["data"]["me"]["user"]["handle"], "viewer", "{answer}");

        // Then the server and its maintenance loop end, and nothing listens.
        app.stopped(std::time::Duration::from_secs(10)).await.unwrap();
        assert!(app.client.get(format!("{}/healthz", app.address)).send().await.is_err());
    }
}

/// Runs the real binary with `env`; its log lines (standard error) arrive on
/// the channel.
fn run_binary(env: &[(&str, &str)]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_api"));
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, received)
}

/// The operator's view: the real binary with `LOG_FORMAT=json` at `trace`.
/// A failed request is found in the logs by the id its client sent; nothing
/// secret (passwords, tokens, email addresses) reaches the logs; SIGTERM
/// ends the process cleanly.
#[tokio::test]
async fn the_binary_logs_json_lines_by_request_id_without_secrets_and_stops_on_sigterm() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let secret = String::from_utf8_lossy(JWT_SECRET).into_owned();
        // The local PostgreSQL trusts its users, so any password is accepted:
        // one in the URL must not reach the logs either.
        let database_password = "db-password-never-logged";
        let url =
            database.url.replacen("postgres://postgres@", &format!("postgres://postgres:{database_password}@"), 1);
        let (mut child, lines) = run_binary(&[
            ("DATABASE_URL", &url),
            ("LISTEN_ADDR", "127.0.0.1:0"),
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "trace"),
            ("JWT_SECRET", &secret),
            ("SEED_DEMO", "false"),
        ]);
        let mut output = Vec::new();
        let port = loop {
            let line = lines.recv_timeout(std::time::Duration::from_secs(120)).expect("the server starts");
            output.push(line.clone());
            if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                break rest.split('/').next().unwrap().parse::<u16>().unwrap();
            }
        };
        let url = format!("http://127.0.0.1:{port}/graphql");
        let client = reqwest::Client::new();
        let post = |body: serde_json::Value, token: Option<String>, id: Option<&'static str>| {
            let mut request = client.post(&url).json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(id) = id {
                request = request.header("x-request-id", id);
            }
            async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
        };
        let (email, password) = ("quiet.person@example.com", "a secret nobody logs 42");
        let input = json!({ "handle": "quiet.person", "displayName": "Quiet", "email": email, "password": password,
            "birthDate": born_years_ago(30), "acceptedPolicyVersion": 1 });
        let signed_up = post(json!({ "query": SIGN_UP, "variables": { "input": input } }), None, None).await;
        let access = signed_up["data"]["signUp"]["accessToken"].as_str().unwrap().to_owned();
        let refresh = signed_up["data"]["signUp"]["refreshToken"].as_str().unwrap().to_owned();
        let me = post(json!({ "query": "{ me { email } }" }), Some(access.clone()), None).await;
        assert_eq!(me["data"]["me"]["email"], email);
        let refresh_session = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }";
        let refreshed = post(json!({ "query": refresh_session, "variables": { "t": refresh } }), None, None).await;
        let second_access = refreshed["data"]["refreshSession"]["accessToken"].as_str().unwrap().to_owned();
        let log_in = "mutation SignIn($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
        let wrong = json!({ "query": log_in, "variables": { "e": email, "p": format!("{password}!") } });
        let failed = post(wrong, None, Some("trace-me-42")).await;
        assert_eq!(failed["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        let bad_token = post(json!({ "query": "{ me { email } }" }), Some(format!("{access}x")), None).await;
        assert_eq!(bad_token["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

        // The container's health check.
        let healthcheck = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_api"))
                .arg("healthcheck")
                .env("LISTEN_ADDR", format!("0.0.0.0:{port}"))
                .output()
                .unwrap()
        };
        assert!(healthcheck().status.success());

        let term = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(term.success());
        let exited = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
        assert!(exited.success(), "{exited:?}");
        // Every line to the end of the stream: the reader stops at its end,
        // which closes the channel; lines still on their way are waited for.
        while let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(30)) {
            output.push(line);
        }
        let unhealthy = healthcheck();
        assert!(!unhealthy.status.success());
        assert!(String::from_utf8_lossy(&unhealthy.stderr).starts_with("error: 127.0.0.1:"));

        let records: Vec<serde_json::Value> = output
            .iter()
            .filter(|line| line.starts_with('{'))
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert!(records.len() >= 5, "{output:#?}");
        let traced = records
            .iter()
            .find(|r| r["span"]["request_id"] == "trace-me-42" && r["message"] == "request failed")
            .unwrap_or_else(|| panic!("no line for the request: {output:#?}"));
        assert_eq!(traced["span"]["operation"], "logIn", "named by its root field, not the client's name");
        assert_eq!(traced["span"]["outcome"], "UNAUTHENTICATED");
        assert_eq!(traced["status"], 200);
        assert!(records.iter().any(|r| r["message"] == "stopped"), "{output:#?}");
        // `log` records of the libraries reach the log too (tracing-log).
        assert!(records.iter().any(|r| r["target"].as_str().is_some_and(|t| t.starts_with("actix_server"))));
        let everything = output.join("\n");
        for secret in [email, "quiet.person@", password, &access, &refresh, &second_access, &secret, database_password]
        {
            assert!(!everything.contains(secret), "the logs contain {secret:?}");
        }
    }
}
