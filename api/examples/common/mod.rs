//! What the measurement examples share: settings for a throw-away server and
//! a GraphQL POST.
use std::time::Duration;

use api::config::{AppEnv, QueryLimits, Settings};
use serde_json::Value;

/// A development server on a free port, without demo data.
pub fn settings(database_url: String) -> Settings {
    Settings {
        database_url,
        listen_addr: "127.0.0.1:0".into(),
        jwt_secret: api::config::random_secret(),
        app_env: AppEnv::Development,
        seed_demo: false,
        request_timeout: Duration::from_secs(30),
        workers: None,
        trusted_proxy_header: None,
        anon_rate_limit_per_minute: 0,
        anon_cache_ttl: Duration::from_secs(2),
        survey_responses_per_address_per_hour: 200,
        limits: QueryLimits::default(),
        cors_origins: api::config::CorsOrigins::Localhost,
    }
}

pub async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().json().await.unwrap()
}
