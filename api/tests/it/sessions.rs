//! Signing in, token rotation and reuse detection, and the token checks.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::support::*;

const LOG_IN: &str = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) {
    accessToken refreshToken accessTokenExpiresAt me { user { handle } } } }";
const REFRESH: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";
const LOG_OUT: &str = "mutation($t: String!) { logOut(refreshToken: $t) }";
const WHO: &str = "{ me { user { handle } } }";

async fn log_in(app: &TestApp, email: &str, password: &str) -> Value {
    app.query(LOG_IN, json!({ "e": email, "p": password })).await
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.query(REFRESH, json!({ "t": token })).await
}

fn field(response: &Value, path: &[&str]) -> String {
    let mut value = &response["data"];
    for key in path {
        value = &value[*key];
    }
    value.as_str().unwrap_or_else(|| panic!("no {path:?} in {response}")).to_owned()
}

#[tokio::test]
async fn log_in_failures_say_the_same_for_unknown_email_and_wrong_password() {
    on_each_database(|app| async move {
        app.sign_up("lan", 30).await;
        let ok = log_in(&app, "LAN@example.com", PASSWORD).await;
        assert_eq!(ok["data"]["logIn"]["me"]["user"]["handle"], "lan");
        let expires = field(&ok, &["logIn", "accessTokenExpiresAt"]);
        assert!(expires.starts_with("2026-11-29T03:15:00"), "access tokens live 15 minutes: {expires}");

        let wrong = log_in(&app, "lan@example.com", "wrong password!").await;
        let unknown = log_in(&app, "nobody@example.com", PASSWORD).await;
        let malformed = log_in(&app, "not an email", PASSWORD).await;
        for failed in [&wrong, &unknown, &malformed] {
            assert_code(failed, "UNAUTHENTICATED");
            assert_eq!(failed["errors"][0]["message"], wrong["errors"][0]["message"]);
        }
    })
    .await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replay_ends_the_whole_session() {
    on_each_database(|app| async move {
        let first = app.sign_up("minh", 40).await;
        let (access1, refresh1) = (first["accessToken"].as_str().unwrap(), first["refreshToken"].as_str().unwrap());

        let second = refresh(&app, refresh1).await;
        let refresh2 = field(&second, &["refreshSession", "refreshToken"]);
        let access2 = field(&second, &["refreshSession", "accessToken"]);
        assert_ne!(refresh2, refresh1);
        assert_eq!(app.query_as(&access2, WHO, json!({})).await["data"]["me"]["user"]["handle"], "minh");

        // Replaying the used token is refused and revokes the family...
        assert_code(&refresh(&app, refresh1).await, "UNAUTHENTICATED");
        // ...so the newest refresh token and every access token die with it.
        assert_code(&refresh(&app, &refresh2).await, "UNAUTHENTICATED");
        assert_code(&app.query_as(&access2, WHO, json!({})).await, "UNAUTHENTICATED");
        assert_code(&app.query_as(access1, WHO, json!({})).await, "UNAUTHENTICATED");

        // Another session of the same user is untouched.
        let other = log_in(&app, "minh@example.com", PASSWORD).await;
        let other_access = field(&other, &["logIn", "accessToken"]);
        assert_eq!(app.query_as(&other_access, WHO, json!({})).await["data"]["me"]["user"]["handle"], "minh");
    })
    .await;
}

#[tokio::test]
async fn of_two_concurrent_refreshes_exactly_one_wins() {
    on_each_database(|app| async move {
        let session = app.sign_up("vyy", 30).await;
        let token = session["refreshToken"].as_str().unwrap();
        let (a, b) = tokio::join!(refresh(&app, token), refresh(&app, token));
        let (winner, loser) = match (a["errors"].is_null(), b["errors"].is_null()) {
            (true, false) => (a, b),
            (false, true) => (b, a),
            _ => panic!("not exactly one winner: {a} / {b}"),
        };
        // The loser is a replay: told so, and the whole session ends with it,
        // the winner's new tokens included.
        assert_code(&loser, "UNAUTHENTICATED");
        let won = &winner["data"]["refreshSession"];
        assert_code(&refresh(&app, won["refreshToken"].as_str().unwrap()).await, "UNAUTHENTICATED");
        assert_code(&app.query_as(won["accessToken"].as_str().unwrap(), WHO, json!({})).await, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn log_out_revokes_the_session_and_its_tokens() {
    on_each_database(|app| async move {
        let session = app.sign_up("bao", 30).await;
        let (access, refresh_token) =
            (session["accessToken"].as_str().unwrap(), session["refreshToken"].as_str().unwrap());
        let out = app.query(LOG_OUT, json!({ "t": refresh_token })).await;
        assert_eq!(out["data"]["logOut"], true, "{out}");
        assert_code(&app.query_as(access, WHO, json!({})).await, "UNAUTHENTICATED");
        assert_code(&refresh(&app, refresh_token).await, "UNAUTHENTICATED");
        assert_code(&app.query(LOG_OUT, json!({ "t": "no-such-token" })).await, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn tokens_expire_on_the_server_clock() {
    on_each_database(|app| async move {
        let session = app.sign_up("hai", 30).await;
        let access = session["accessToken"].as_str().unwrap();
        app.clock.advance(Duration::minutes(14));
        assert!(app.query_as(access, WHO, json!({})).await["errors"].is_null());
        app.clock.advance(Duration::minutes(1));
        assert_code(&app.query_as(access, WHO, json!({})).await, "UNAUTHENTICATED");

        // Refresh tokens live 30 days.
        let fresh = refresh(&app, session["refreshToken"].as_str().unwrap()).await;
        let refresh_token = field(&fresh, &["refreshSession", "refreshToken"]);
        app.clock.advance(Duration::days(30));
        assert_code(&refresh(&app, &refresh_token).await, "UNAUTHENTICATED");
    })
    .await;
}

fn forge(claims: &Value, key: &[u8], alg: Algorithm) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(key).unwrap()).unwrap()
}

#[tokio::test]
async fn forged_and_misused_tokens_are_unauthenticated() {
    on_each_database(|app| async move {
        let session = app.sign_up("kim", 30).await;
        let access = session["accessToken"].as_str().unwrap().to_owned();
        let parts: Vec<&str> = access.split('.').collect();
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();

        // A changed payload under the old signature.
        let mut tampered_claims = claims.clone();
        tampered_claims["sub"] = json!(uuid::Uuid::new_v4());
        let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(tampered_claims.to_string()), parts[2]);
        // The `none` algorithm with no signature.
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        // Correctly signed, but for another audience, issuer or token type.
        let mut other_audience = claims.clone();
        other_audience["aud"] = json!("someone-else");
        let mut other_issuer = claims.clone();
        other_issuer["iss"] = json!("evil");
        let mut refresh_type = claims.clone();
        refresh_type["typ"] = json!("refresh");
        let mut expired = claims.clone();
        expired["exp"] = json!(claims["iat"].as_i64().unwrap() - 1);
        // Another algorithm with the same secret.
        let hs512 = forge(&claims, JWT_SECRET, Algorithm::HS512);
        let wrong_key = forge(&claims, b"not-the-secret-not-the-secret-!!", Algorithm::HS256);

        let bad_tokens = [
            tampered,
            unsigned,
            forge(&other_audience, JWT_SECRET, Algorithm::HS256),
            forge(&other_issuer, JWT_SECRET, Algorithm::HS256),
            forge(&refresh_type, JWT_SECRET, Algorithm::HS256),
            forge(&expired, JWT_SECRET, Algorithm::HS256),
            hs512,
            wrong_key,
            session["refreshToken"].as_str().unwrap().to_owned(),
            "garbage".to_owned(),
            String::new(),
        ];
        for token in &bad_tokens {
            let response = app.query_as(token, WHO, json!({})).await;
            assert_code(&response, "UNAUTHENTICATED");
            // A bad token is not silently treated as anonymous, on any query.
            let anonymous_ok =
                app.query_as(token, "{ privacyPolicy { version } user(handle: \"kim\") { id } }", json!({})).await;
            assert_code(&anonymous_ok, "UNAUTHENTICATED");
        }
        // The untouched token still works, and so does a forged copy of it with the right key.
        assert!(app.query_as(&access, WHO, json!({})).await["errors"].is_null());
        let reissued = forge(&claims, JWT_SECRET, Algorithm::HS256);
        assert!(app.query_as(&reissued, WHO, json!({})).await["errors"].is_null());

        // Without the Bearer scheme.
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("Authorization", access.as_str())
            .json(&json!({ "query": WHO }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_code(&body, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn suspended_and_banned_accounts_are_locked_out_everywhere() {
    on_each_database(|app| async move {
        let session = app.sign_up("sus", 30).await;
        let access = session["accessToken"].as_str().unwrap();
        let refresh_token = session["refreshToken"].as_str().unwrap();
        let until = app.clock_now() + Duration::days(3);
        app.update_user("sus", |u| u.suspended_until = sea_orm::Set(Some(until))).await;

        let me = app.query_as(access, WHO, json!({})).await;
        assert_code(&me, "ACCOUNT_SUSPENDED");
        let until_text = me["errors"][0]["extensions"]["until"].as_str().unwrap();
        assert_eq!(chrono::DateTime::parse_from_rfc3339(until_text).unwrap(), until);
        assert_code(&log_in(&app, "sus@example.com", PASSWORD).await, "ACCOUNT_SUSPENDED");
        assert_code(&refresh(&app, refresh_token).await, "ACCOUNT_SUSPENDED");
        // A wrong password still says only that the sign-in failed.
        assert_code(&log_in(&app, "sus@example.com", "wrong password").await, "UNAUTHENTICATED");

        // The suspension lifts by itself when its time is up.
        app.clock.advance(Duration::days(3));
        let back = log_in(&app, "sus@example.com", PASSWORD).await;
        assert!(back["errors"].is_null(), "{back}");

        app.update_user("sus", |u| u.banned_at = sea_orm::Set(Some(until))).await;
        let banned = log_in(&app, "sus@example.com", PASSWORD).await;
        assert_code(&banned, "ACCOUNT_SUSPENDED");
        assert!(banned["errors"][0]["extensions"]["until"].is_null());
    })
    .await;
}

#[tokio::test]
async fn password_guessing_is_rate_limited_per_email() {
    on_each_database(|app| async move {
        app.sign_up("target", 30).await;
        for _ in 0..10 {
            assert_code(&log_in(&app, "target@example.com", "guess guess guess").await, "UNAUTHENTICATED");
            assert_code(&log_in(&app, "nobody@example.com", "guess guess guess").await, "UNAUTHENTICATED");
        }
        // The right password does not help now, and unknown emails are limited alike.
        let limited = log_in(&app, "Target@Example.com", PASSWORD).await;
        assert_code(&limited, "RATE_LIMITED");
        assert_eq!(limited["errors"][0]["extensions"]["retryAfterSeconds"], 900);
        assert_code(&log_in(&app, "nobody@example.com", PASSWORD).await, "RATE_LIMITED");
        // Other accounts are unaffected, and the limit lifts by itself.
        app.sign_up("bystander", 30).await;
        assert!(log_in(&app, "bystander@example.com", PASSWORD).await["errors"].is_null());
        app.clock.advance(Duration::minutes(15));
        assert!(log_in(&app, "target@example.com", PASSWORD).await["errors"].is_null());
    })
    .await;
}
