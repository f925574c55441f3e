//! What the measurement examples share: settings for a throw-away server and
//! a GraphQL POST.
use api::config::Settings;
use serde_json::Value;

/// A development server on a free port, without demo data or a limit on
/// anonymous requests.
pub fn settings(database_url: String) -> Settings {
    let secret = String::from_utf8_lossy(&api::config::random_secret()).into_owned();
    Settings::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.clone()),
        "LISTEN_ADDR" => Some("127.0.0.1:0".into()),
        "JWT_SECRET" => Some(secret.clone()),
        "SEED_DEMO" => Some("false".into()),
        "REQUEST_TIMEOUT_MS" => Some("30000".into()),
        "ANON_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
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
