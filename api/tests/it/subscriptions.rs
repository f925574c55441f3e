//! `moderationQueueChanged` over `graphql-transport-ws`, on one instance and
//! (with PostgreSQL) across two instances sharing the database.
use std::time::Duration;

use entity::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::*;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(1), socket.next())
            .await
            .expect("a message within a second")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] != "ping" {
                return value;
            }
        }
    }
}

async fn subscribe(app: &TestApp, token: &str) -> Socket {
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { moderationQueueChanged { id reportCount reasons status } }" } });
    socket.send(Message::Text(subscribe.to_string().into())).await.unwrap();
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
        file(&app, &reporter, &content, "HATE_SPEECH").await;
        let event = next_json(&mut socket).await;
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
        let text = refused.to_string();
        assert!(text.contains("FORBIDDEN"), "{refused}");
        let mut anonymous = subscribe(&app, "not-a-token").await;
        assert!(next_json(&mut anonymous).await.to_string().contains("UNAUTHENTICATED"));
    })
    .await;
}

#[tokio::test]
async fn a_report_filed_on_one_instance_reaches_a_moderator_on_another() {
    if !backends().contains(&Backend::Postgres) {
        return; // Several instances share a database only on PostgreSQL.
    }
    let a = TestApp::spawn(Backend::Postgres, |_| {}).await;
    let b = a.another_instance().await;
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
