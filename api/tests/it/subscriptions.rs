//! `moderationQueueChanged` over `graphql-transport-ws`, on one instance and
//! (with PostgreSQL) across two instances sharing the database.
use std::time::Duration;

use entity::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

async fn subscribe(app: &TestApp, token: &str) -> Socket {
    let mut socket = connect(app, token).await;
    send(&mut socket, "1", "subscription { moderationQueueChanged { id reportCount reasons status } }").await;
    socket
}

async fn file(app: &TestApp, token: &str, content: &str, reason: &str) {
    let response = app
        .query_as(
            token,
            "mutation($i: FileReportInput!) { fileReport(input: $i) { id } }",
            json!({ "i": { "targetType": "CONTENT", "targetId": content, "reason": reason } }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test]
async fn moderators_see_new_and_changed_cases_live() {
    on_each_database(|app| async move {
        let moderator = app.user_with_role("mod", Role::Moderator).await;
        let author = app.token_for("author").await;
        let reporter = app.token_for("reporter").await;
        let content = app.create_content(&author, json!({})).await;
        let mut socket = subscribe(&app, &moderator).await;
        // The subscription starts a moment after it is sent: the report is
        // filed again (a repeat returns the first report and announces the
        // case again) until the first event arrives, so a slow start under
        // load cannot lose it.
        let mut event = Value::Null;
        for _ in 0..20 {
            file(&app, &reporter, &content, "HATE_SPEECH").await;
            if let Ok(next) = tokio::time::timeout(Duration::from_millis(500), next_json(&mut socket)).await {
                event = next;
                break;
            }
        }
        assert_eq!(event["type"], "next", "{event}");
        let case = &event["payload"]["data"]["moderationQueueChanged"];
        assert_eq!(case["reportCount"], 1);
        assert_eq!(case["reasons"], json!(["HATE_SPEECH"]));
        let claimed = app
            .query_as(&moderator, "mutation($id: ID!) { claimCase(id: $id) { id } }", json!({ "id": case["id"] }))
            .await;
        assert!(claimed["errors"].is_null(), "{claimed}");
        let event = next_json(&mut socket).await;
        assert_eq!(event["payload"]["data"]["moderationQueueChanged"]["status"], "IN_REVIEW");
    })
    .await;
}

#[tokio::test]
async fn only_moderators_may_subscribe() {
    on_each_database(|app| async move {
        let user = app.token_for("curious").await;
        let mut socket = subscribe(&app, &user).await;
        let refused = next_json(&mut socket).await;
        assert!(refused["payload"]["data"].is_null(), "{refused}");
        assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
        // A bad token fails the operation, and the socket is closed with 4401.
        let mut anonymous = subscribe(&app, "not-a-token").await;
        match tokio::time::timeout(Duration::from_secs(5), anonymous.next()).await.expect("an answer") {
            Some(Ok(Message::Text(text))) => {
                let refused: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{text}");
            }
            Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4401),
            other => panic!("neither refused nor closed: {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn a_report_filed_on_one_instance_reaches_a_moderator_on_another() {
    let Some((a, b)) = TestApp::two_instances().await else {
        return;
    };
    let moderator = a.user_with_role("mod", Role::Moderator).await;
    let author = a.token_for("author").await;
    let reporter = a.token_for("reporter").await;
    let content = a.create_content(&author, json!({})).await;
    let mut socket = subscribe(&b, &moderator).await;
    // Let B's listener connection settle before the change is sent.
    tokio::time::timeout(Duration::from_secs(5), async {
        while !b.listening() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("instance B listens");
    file(&a, &reporter, &content, "SCAM_FRAUD").await;
    let event = next_json(&mut socket).await;
    assert_eq!(event["payload"]["data"]["moderationQueueChanged"]["reasons"], json!(["SCAM_FRAUD"]), "{event}");
}

#[tokio::test]
async fn every_operation_on_a_socket_is_authorised_when_it_runs() {
    on_each_database(|app| async move {
        let signed_in = app.sign_up("member", 30).await;
        let token = signed_in["accessToken"].as_str().unwrap().to_owned();
        let author = app.token_for("author").await;
        let content = app.create_content(&author, json!({})).await;
        let mut socket = connect(&app, &token).await;
        assert_eq!(run(&mut socket, "{ me { email } }").await["data"]["me"]["email"], "member@example.com");
        let log_out = "mutation($r: String!) { logOut(refreshToken: $r) }";
        let out = app.query(log_out, json!({ "r": signed_in["refreshToken"] })).await;
        assert!(out["errors"].is_null(), "{out}");
        // The very next operation on the open socket is refused...
        let me = run(&mut socket, "{ me { email } }").await;
        assert_eq!(me["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{me}");
        let comment = format!("mutation {{ addComment(contentId: \"{content}\", body: \"still here?\") {{ id }} }}");
        assert_eq!(run(&mut socket, &comment).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        let comments =
            app.query("query($id: ID!) { content(id: $id) { commentCount } }", json!({ "id": content })).await;
        assert_eq!(comments["data"]["content"]["commentCount"], 0, "nothing was saved");
        // ...and the socket is closed with 4401 within 5 seconds.
        assert_eq!(closed_with(&mut socket, Duration::from_secs(5)).await, 4401);
    })
    .await;
}

#[tokio::test]
async fn a_demoted_moderator_loses_the_queue_and_the_live_subscription() {
    on_each_database(|app| async move {
        let moderator = app.user_with_role("mod", Role::Moderator).await;
        let author = app.token_for("author").await;
        let reporter = app.token_for("reporter").await;
        let content = app.create_content(&author, json!({})).await;
        let mut live = subscribe(&app, &moderator).await;
        let mut socket = connect(&app, &moderator).await;
        assert!(run(&mut socket, "{ moderationQueue { edges { cursor } } }").await["errors"].is_null());
        app.update_user("mod", |user| user.role = sea_orm::Set(Role::User)).await;
        let queue = run(&mut socket, "{ moderationQueue { edges { cursor } } }").await;
        assert_eq!(queue["errors"][0]["extensions"]["code"], "FORBIDDEN", "{queue}");
        // The subscription ends with an error at the next change, or sooner.
        file(&app, &reporter, &content, "SPAM").await;
        let mut refused = false;
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                // The role is checked at each change and every few seconds.
                let message = tokio::time::timeout(Duration::from_secs(4), live.next()).await.expect("a message");
                let message: Value = match message {
                    Some(Ok(Message::Text(text))) => serde_json::from_str(&text).unwrap(),
                    other => panic!("the subscription ended without an error: {other:?}"),
                };
                if message["type"] == "complete" {
                    return message;
                }
                assert!(message["payload"]["data"].is_null(), "no case after the role is gone: {message}");
                assert_eq!(message["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{message}");
                refused = true;
            }
        })
        .await
        .expect("the subscription ends");
        assert_eq!(ended["id"], "1");
        assert!(refused, "the subscription said why it ended (FORBIDDEN) before completing");
    })
    .await;
}

#[tokio::test]
async fn sockets_without_connection_init_are_closed() {
    let app = TestApp::spawn(Backend::Sqlite, |_| {}).await;
    let opened = std::time::Instant::now();
    let mut socket = open(&app).await;
    assert_eq!(closed_with(&mut socket, Duration::from_secs(15)).await, 4408);
    // Closed for waiting too long, not at once: the client had its time.
    assert!(opened.elapsed() >= api::socket::INIT_TIMEOUT, "closed after {:?}", opened.elapsed());
}

#[tokio::test]
async fn a_socket_runs_at_most_twenty_operations_at_once() {
    let app = TestApp::spawn(Backend::Sqlite, |_| {}).await;
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let mut socket = connect(&app, &moderator).await;
    for id in 0..20 {
        send(&mut socket, &format!("s{id}"), "subscription { moderationQueueChanged { id } }").await;
    }
    send(&mut socket, "one-too-many", "subscription { moderationQueueChanged { id } }").await;
    let refused = next_json(&mut socket).await;
    assert_eq!((refused["id"].as_str(), refused["type"].as_str()), (Some("one-too-many"), Some("error")), "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{refused}");
}

#[tokio::test]
async fn a_repeated_operation_id_or_an_oversized_message_closes_the_socket() {
    let app = TestApp::spawn(Backend::Sqlite, |_| {}).await;
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let mut socket = connect(&app, &moderator).await;
    send(&mut socket, "same", "subscription { moderationQueueChanged { id } }").await;
    send(&mut socket, "same", "subscription { moderationQueueChanged { id } }").await;
    assert_eq!(closed_with(&mut socket, Duration::from_secs(5)).await, 4409);

    let mut socket = connect(&app, &moderator).await;
    let huge = "x".repeat(400 * 1024);
    socket.send(Message::Text(huge.into())).await.unwrap();
    assert_eq!(closed_with(&mut socket, Duration::from_secs(5)).await, 1009);
}

#[tokio::test]
async fn operations_on_a_socket_keep_the_request_time_limit() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn(Backend::Sqlite, |s| s.request_timeout = Duration::from_millis(500)).await;
    let token = app.token_for("member").await;
    let mut socket = connect(&app, &token).await;
    // Another connection holds the write lock, so the change cannot finish.
    let other = sea_orm::Database::connect(&app.database.url).await.unwrap();
    let blocker = other.begin().await.unwrap();
    blocker
        .execute_unprepared("INSERT INTO signup_lockouts (email_hash, locked_until) VALUES ('x', '2000-01-01')")
        .await
        .unwrap();
    let change = "mutation { updatePrivacySettings(input: { personalizedFeed: false }) { personalizedFeed } }";
    let answer = run(&mut socket, change).await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "INTERNAL", "{answer}");
    assert!(answer["errors"][0]["message"].as_str().unwrap().contains("took too long"), "{answer}");
    blocker.rollback().await.unwrap();
    other.close().await.unwrap();
}

/// Only `graphql-transport-ws` is spoken: the legacy `graphql-ws`, whose
/// messages the operation cap does not read, is refused at the upgrade.
#[tokio::test]
async fn the_legacy_subprotocol_is_refused_at_the_upgrade() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = TestApp::spawn(Backend::Sqlite, |_| {}).await;
    for protocol in ["graphql-ws", "graphql-ws, graphql-transport-ws-x", ""] {
        let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
        assert!(tokio_tungstenite::connect_async(request).await.is_err(), "{protocol:?} is refused");
    }
    // Listed with others, the right one is chosen.
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-ws, graphql-transport-ws".parse().unwrap());
    let (_, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
}

/// At most 20 anonymous sockets per address and 10 per account; the next
/// closes with 4429, and a closed one frees its place.
#[tokio::test]
async fn sockets_are_capped_per_address_and_per_account() {
    on_each_database(|app| async move {
        let mut anonymous = Vec::new();
        for _ in 0..20 {
            anonymous.push(connect_as(&app, None).await);
        }
        let mut one_more = open(&app).await;
        assert_eq!(closed_with(&mut one_more, Duration::from_secs(5)).await, 4429);
        // Signed in, a socket counts under its account, not the address.
        let token = app.token_for("viewer").await;
        anonymous.pop().unwrap().close(None).await.unwrap();
        let mut mine = Vec::new();
        for _ in 0..10 {
            // Each first takes an address place, then moves to the account.
            let mut socket = connect_as(&app, Some(&token)).await;
            assert!(run(&mut socket, "{ me { email } }").await["errors"].is_null());
            mine.push(socket);
        }
        let mut eleventh = connect_as(&app, Some(&token)).await;
        assert_eq!(closed_with(&mut eleventh, Duration::from_secs(5)).await, 4429);
        // Another account is not held up.
        let other = app.token_for("other").await;
        let mut socket = connect_as(&app, Some(&other)).await;
        assert!(run(&mut socket, "{ me { email } }").await["errors"].is_null());
    })
    .await;
}

/// An anonymous socket with no operation for 5 minutes (the app's clock)
/// closes with 1000; a signed-in one stays.
#[tokio::test]
async fn idle_anonymous_sockets_close_after_five_minutes() {
    let app = TestApp::spawn(Backend::Sqlite, |_| {}).await;
    let mut idle = connect_as(&app, None).await;
    let token = app.token_for("viewer").await;
    let mut signed_in = connect_as(&app, Some(&token)).await;
    assert!(run(&mut signed_in, "{ me { email } }").await["errors"].is_null());
    assert!(run(&mut idle, "{ tags { slug } }").await["errors"].is_null());
    app.clock.advance(chrono::Duration::minutes(4));
    // Still open after four minutes: it answers.
    assert!(run(&mut idle, "{ tags { slug } }").await["errors"].is_null());
    app.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(closed_with(&mut idle, Duration::from_secs(5)).await, 1000);
    assert!(run(&mut signed_in, "{ me { email } }").await["errors"].is_null());
}

/// A subscription's answer is held to the same error cap as every other:
/// twenty errors one by one, the rest counted, each with its code.
#[tokio::test]
async fn a_subscription_of_thousands_of_errors_is_answered_with_twenty() {
    let app = TestApp::spawn(Backend::Sqlite, |_| {}).await;
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let mut socket = connect(&app, &moderator).await;
    let arguments = (0..2000).map(|i| format!("a{i}: 1")).collect::<Vec<_>>().join(", ");
    send(&mut socket, "many", &format!("subscription {{ moderationQueueChanged({arguments}) {{ id }} }}")).await;
    let answer = next_json(&mut socket).await;
    let errors = answer["payload"]["errors"].as_array().or_else(|| answer["payload"].as_array()).unwrap();
    assert_eq!(errors.len(), 21, "{}", errors.len());
    assert!(errors.iter().all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"), "{answer}");
    assert_eq!(errors[20]["extensions"]["leftOut"], 1980);
}
