//! Follows and follow requests, comments, and privacy settings.
use serde_json::{Value, json};

use crate::support::*;

const FOLLOW: &str = "mutation($id: ID!) { follow(userId: $id) { handle viewerFollowStatus followerCount } }";
const UNFOLLOW: &str = "mutation($id: ID!) { unfollow(userId: $id) { handle viewerFollowStatus followerCount } }";
const ANSWER: &str = "mutation($id: ID!, $a: Boolean!) { answerFollowRequest(userId: $id, accept: $a) { handle } }";
const REQUESTS: &str = "{ followRequests { edges { node { handle } } pageInfo { hasNextPage } } }";
const SETTINGS: &str = "mutation($i: PrivacySettingsInput!) { updatePrivacySettings(input: $i) {
    privateAccount personalizedFeed commentPolicy restrictedMode } }";

async fn profile(app: &TestApp, token: &str, handle: &str) -> Value {
    let query = "query($h: String!) { user(handle: $h) { isPrivate followerCount followingCount viewerFollowStatus } }";
    app.query_as(token, query, json!({ "h": handle })).await["data"]["user"].clone()
}

fn handles(connection: &Value) -> Vec<&str> {
    connection["edges"].as_array().unwrap().iter().map(|e| e["node"]["handle"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn following_a_public_account_takes_effect_at_once() {
    on_each_database(|app| async move {
        let fan = app.token_for("fan").await;
        let star = app.token_for("star").await;
        let star_id = app.my_id(&star).await;
        let followed = app.query_as(&fan, FOLLOW, json!({ "id": star_id })).await;
        assert_eq!(
            followed["data"]["follow"],
            json!({ "handle": "star", "viewerFollowStatus": "FOLLOWING", "followerCount": 1 })
        );
        // Following twice changes nothing.
        let again = app.query_as(&fan, FOLLOW, json!({ "id": star_id })).await;
        assert_eq!(again["data"]["follow"]["followerCount"], 1);
        assert_eq!(profile(&app, &fan, "fan").await["followingCount"], 1);
        let anonymous = app.query("{ user(handle: \"star\") { viewerFollowStatus followerCount } }", json!({})).await;
        assert_eq!(anonymous["data"]["user"], json!({ "viewerFollowStatus": "NONE", "followerCount": 1 }));

        let unfollowed = app.query_as(&fan, UNFOLLOW, json!({ "id": star_id })).await;
        assert_eq!(unfollowed["data"]["unfollow"]["viewerFollowStatus"], "NONE");
        assert_eq!(unfollowed["data"]["unfollow"]["followerCount"], 0);

        let fan_id = app.my_id(&fan).await;
        assert_code(&app.query_as(&fan, FOLLOW, json!({ "id": fan_id })).await, "BAD_USER_INPUT");
        assert_code(&app.query_as(&fan, FOLLOW, json!({ "id": uuid::Uuid::new_v4().to_string() })).await, "NOT_FOUND");
        assert_code(&app.query(FOLLOW, json!({ "id": star_id })).await, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn private_accounts_answer_follow_requests() {
    on_each_database(|app| async move {
        let teen = app.sign_up("private.teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let teen_id = app.my_id(&teen).await;
        let a = app.token_for("friend.a").await;
        let b = app.token_for("friend.b").await;
        let c = app.token_for("friend.c").await;
        for token in [&a, &b, &c] {
            app.clock.advance(chrono::Duration::seconds(1));
            let requested = app.query_as(token, FOLLOW, json!({ "id": teen_id })).await;
            assert_eq!(requested["data"]["follow"]["viewerFollowStatus"], "REQUESTED", "{requested}");
            assert_eq!(requested["data"]["follow"]["followerCount"], 0);
        }
        let pending = app.query_as(&teen, REQUESTS, json!({})).await;
        assert_eq!(handles(&pending["data"]["followRequests"]), ["friend.a", "friend.b", "friend.c"]);

        let a_id = app.my_id(&a).await;
        let b_id = app.my_id(&b).await;
        assert_eq!(app.query_as(&teen, ANSWER, json!({ "id": a_id, "a": true })).await["data"]["answerFollowRequest"]["handle"], "friend.a");
        app.query_as(&teen, ANSWER, json!({ "id": b_id, "a": false })).await;
        assert_code(&app.query_as(&teen, ANSWER, json!({ "id": b_id, "a": true })).await, "NOT_FOUND");
        assert_eq!(profile(&app, &a, "private.teen").await["viewerFollowStatus"], "FOLLOWING");
        assert_eq!(profile(&app, &b, "private.teen").await["viewerFollowStatus"], "NONE");
        assert_eq!(profile(&app, &teen, "private.teen").await["followerCount"], 1);
        // Someone else cannot answer the teen's requests.
        let c_id = app.my_id(&c).await;
        assert_code(&app.query_as(&a, ANSWER, json!({ "id": c_id, "a": true })).await, "NOT_FOUND");
        let pending = app.query_as(&teen, REQUESTS, json!({})).await;
        assert_eq!(handles(&pending["data"]["followRequests"]), ["friend.c"]);
    })
    .await;
}

#[tokio::test]
async fn making_an_account_public_accepts_every_pending_request() {
    on_each_database(|app| async move {
        let owner = app.token_for("owner").await;
        let fan = app.token_for("fan").await;
        let owner_id = app.my_id(&owner).await;
        app.query_as(&owner, SETTINGS, json!({ "i": { "privateAccount": true } })).await;
        assert_eq!(
            app.query_as(&fan, FOLLOW, json!({ "id": owner_id })).await["data"]["follow"]["viewerFollowStatus"],
            "REQUESTED"
        );
        let public = app.query_as(&owner, SETTINGS, json!({ "i": { "privateAccount": false } })).await;
        assert_eq!(public["data"]["updatePrivacySettings"]["privateAccount"], false);
        assert_eq!(profile(&app, &fan, "owner").await["viewerFollowStatus"], "FOLLOWING");
        assert!(handles(&app.query_as(&owner, REQUESTS, json!({})).await["data"]["followRequests"]).is_empty());
    })
    .await;
}

#[tokio::test]
async fn privacy_settings_change_within_the_age_rules() {
    on_each_database(|app| async move {
        let adult = app.token_for("adult").await;
        let changed = app
            .query_as(&adult, SETTINGS, json!({ "i": { "personalizedFeed": false, "commentPolicy": "NOBODY", "restrictedMode": true } }))
            .await;
        assert_eq!(
            changed["data"]["updatePrivacySettings"],
            json!({ "privateAccount": false, "personalizedFeed": false, "commentPolicy": "NOBODY", "restrictedMode": true })
        );
        let me = app.query_as(&adult, "{ me { settings { personalizedFeed commentPolicy } } }", json!({})).await;
        assert_eq!(me["data"]["me"]["settings"], json!({ "personalizedFeed": false, "commentPolicy": "NOBODY" }));

        let teen = app.sign_up("teen", 16).await["accessToken"].as_str().unwrap().to_owned();
        assert_code(&app.query_as(&teen, SETTINGS, json!({ "i": { "restrictedMode": false } })).await, "FORBIDDEN");
        let tighter = app.query_as(&teen, SETTINGS, json!({ "i": { "commentPolicy": "FOLLOWERS" } })).await;
        assert_eq!(tighter["data"]["updatePrivacySettings"]["restrictedMode"], true);
        assert_code(&app.query(SETTINGS, json!({ "i": {} })).await, "UNAUTHENTICATED");
        assert_code(&app.query_as(&teen, SETTINGS, json!({ "i": { "commentPolicy": "SOME" } })).await, "BAD_USER_INPUT");
    })
    .await;
}

const ADD: &str =
    "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id body author { handle } } }";
const DELETE: &str = "mutation($id: ID!) { deleteComment(id: $id) }";

async fn comments(app: &TestApp, token: Option<&str>, content_id: &str) -> (Vec<String>, i64) {
    let query = "query($id: ID!) { content(id: $id) { commentCount comments { edges { node { body } } } } }";
    let response = app.post_graphql(token, &json!({ "query": query, "variables": { "id": content_id } })).await;
    let content = &response["data"]["content"];
    let bodies = content["comments"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|e| e["node"]["body"].as_str().unwrap().to_owned())
        .collect();
    (bodies, content["commentCount"].as_i64().unwrap())
}

#[tokio::test]
async fn comments_follow_the_authors_policy() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let author_id = app.my_id(&author).await;
        let follower = app.token_for("follower").await;
        let stranger = app.token_for("stranger").await;
        app.query_as(&follower, FOLLOW, json!({ "id": author_id })).await;
        let id = app.create_content(&author, json!({})).await;

        let added = app.query_as(&stranger, ADD, json!({ "c": id, "b": "  Ngon quá!  " })).await;
        assert_eq!(added["data"]["addComment"]["body"], "Ngon quá!");
        assert_eq!(added["data"]["addComment"]["author"]["handle"], "stranger");
        for bad in ["", "   ", &"x".repeat(501)] {
            assert_code(&app.query_as(&stranger, ADD, json!({ "c": id, "b": bad })).await, "BAD_USER_INPUT");
        }
        assert_code(&app.query(ADD, json!({ "c": id, "b": "hi" })).await, "UNAUTHENTICATED");
        assert_code(
            &app.query_as(&stranger, ADD, json!({ "c": uuid::Uuid::new_v4().to_string(), "b": "hi" })).await,
            "NOT_FOUND",
        );

        app.clock.advance(chrono::Duration::seconds(1));
        app.query_as(&author, SETTINGS, json!({ "i": { "commentPolicy": "FOLLOWERS" } })).await;
        assert_code(&app.query_as(&stranger, ADD, json!({ "c": id, "b": "hi" })).await, "FORBIDDEN");
        assert!(app.query_as(&follower, ADD, json!({ "c": id, "b": "Cảm ơn chị" })).await["errors"].is_null());

        app.clock.advance(chrono::Duration::seconds(1));
        app.query_as(&author, SETTINGS, json!({ "i": { "commentPolicy": "NOBODY" } })).await;
        assert_code(&app.query_as(&follower, ADD, json!({ "c": id, "b": "hi" })).await, "FORBIDDEN");
        let own = app.query_as(&author, ADD, json!({ "c": id, "b": "Cảm ơn mọi người" })).await;
        assert!(own["errors"].is_null(), "authors may answer under their own content");

        let (bodies, count) = comments(&app, None, &id).await;
        assert_eq!(bodies, ["Cảm ơn mọi người", "Cảm ơn chị", "Ngon quá!"]);
        assert_eq!(count, 3);
    })
    .await;
}

#[tokio::test]
async fn comments_are_deleted_by_their_writer_or_the_content_author() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let writer = app.token_for("writer").await;
        let other = app.token_for("other").await;
        let id = app.create_content(&author, json!({})).await;
        let first =
            app.query_as(&writer, ADD, json!({ "c": id, "b": "one" })).await["data"]["addComment"]["id"].clone();
        let second =
            app.query_as(&writer, ADD, json!({ "c": id, "b": "two" })).await["data"]["addComment"]["id"].clone();

        assert_code(&app.query_as(&other, DELETE, json!({ "id": first })).await, "FORBIDDEN");
        assert_eq!(app.query_as(&writer, DELETE, json!({ "id": first })).await["data"]["deleteComment"], true);
        assert_eq!(app.query_as(&author, DELETE, json!({ "id": second })).await["data"]["deleteComment"], true);
        assert_code(&app.query_as(&author, DELETE, json!({ "id": second })).await, "NOT_FOUND");
        assert_eq!(comments(&app, None, &id).await, (vec![], 0));
    })
    .await;
}
