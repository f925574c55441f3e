//! What operators and front ends on other origins rely on.
use api::config::{AppEnv, CorsOrigins};
use reqwest::{Method, Response};
use serde_json::json;

use crate::support::*;

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
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
    if !backends().contains(&Backend::Postgres) {
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
    let applied = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT COUNT(*) AS applied FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "applied")
        .unwrap();
    assert_eq!(applied as usize, <migration::Migrator as migration::MigratorTrait>::migrations().len());
    let demo = entity::user::Entity::find().filter(entity::user::Column::Handle.eq("lan.nguyen")).count(db).await;
    assert_eq!(demo.unwrap(), 1);
}
