//! Publishing, browsing, searching, interactions, follows and comments.
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::*;

const CONTENT_FIELDS: &str = "id title caption language mediaUrl durationSeconds audience status
    author { handle } campaign { slug } tags { slug pillar label labelVi }
    viewCount likeCount commentCount viewerHasLiked createdAt";

async fn content(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ content(id: $id) {{ {CONTENT_FIELDS} }} }}");
    let response = app.post_graphql(token, &json!({ "query": query, "variables": { "id": id } })).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["content"].clone()
}

async fn browse(app: &TestApp, token: Option<&str>, filter: Value, first: i64, after: Option<&str>) -> Value {
    let query = "query($f: ContentFilter, $first: Int, $after: String) {
        contents(filter: $f, first: $first, after: $after) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }";
    let body = json!({ "query": query, "variables": { "f": filter, "first": first, "after": after } });
    app.post_graphql(token, &body).await
}

async fn browse_ids(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<String> {
    let response = browse(app, token, filter, 50, None).await;
    assert!(response["errors"].is_null(), "{response}");
    node_ids(&response["data"]["contents"])
}

#[tokio::test]
async fn create_content_checks_every_field() {
    on_each_database(|app| async move {
        let token = app.token_for("creator").await;
        let cases: Vec<(Value, &str)> = vec![
            (json!({ "title": "" }), "title"),
            (json!({ "title": "   " }), "title"),
            (json!({ "title": "x".repeat(121) }), "title"),
            (json!({ "caption": "c".repeat(2201) }), "caption"),
            (json!({ "durationSeconds": 0 }), "durationSeconds"),
            (json!({ "durationSeconds": 601 }), "durationSeconds"),
            (json!({ "tagSlugs": [] }), "tagSlugs"),
            (json!({ "tagSlugs": ["food", "news", "travel", "health", "dance", "pets"] }), "tagSlugs"),
            (json!({ "tagSlugs": ["food", "no-such-tag"] }), "tagSlugs"),
            (json!({ "mediaUrl": "ftp://media.example.com/a.mp4" }), "mediaUrl"),
            (json!({ "mediaUrl": "not a url" }), "mediaUrl"),
            (json!({ "mediaUrl": "javascript:alert(1)" }), "mediaUrl"),
            (json!({ "language": "fr" }), "language"),
            (json!({ "campaignSlug": "no-such-campaign" }), "campaignSlug"),
            // The launch campaign ended in 2023.
            (json!({ "campaignSlug": "tryitwithtiktok" }), "campaignSlug"),
        ];
        for (input, field) in cases {
            let response = app.try_create_content(&token, input.clone()).await;
            assert_code(&response, "BAD_USER_INPUT");
            assert!(response["errors"][0]["extensions"]["fields"][field].is_array(), "{input} → {response}");
        }
        let anonymous = app.query(CREATE_CONTENT, json!({ "input": {
            "title": "t", "language": "vi", "mediaUrl": "https://x.example/a.mp4", "durationSeconds": 5, "tagSlugs": ["food"] } })).await;
        assert_code(&anonymous, "UNAUTHENTICATED");

        let teen = app.sign_up("teen.creator", 15).await["accessToken"].as_str().unwrap().to_owned();
        assert_code(&app.try_create_content(&teen, json!({ "audience": "MATURE" })).await, "FORBIDDEN");
        assert!(app.try_create_content(&teen, json!({})).await["errors"].is_null());
    })
    .await;
}

#[tokio::test]
async fn published_content_reads_back_whole() {
    on_each_database(|app| async move {
        let token = app.token_for("bep.nha.lan").await;
        let id = app
            .create_content(
                &token,
                json!({ "tagSlugs": ["food", "culture", "food"], "caption": "  Công thức gia truyền  " }),
            )
            .await;
        let item = content(&app, None, &id).await;
        assert_eq!(item["title"], "Phở bò Hà Nội");
        assert_eq!(item["caption"], "Công thức gia truyền");
        assert_eq!(item["language"], "vi");
        assert_eq!(item["durationSeconds"], 60);
        assert_eq!(item["audience"], "GENERAL");
        assert_eq!(item["status"], "PUBLISHED");
        assert_eq!(item["author"]["handle"], "bep.nha.lan");
        assert!(item["campaign"].is_null());
        assert_eq!(
            item["tags"],
            json!([
                { "slug": "culture", "pillar": "CONNECT", "label": "Vietnamese culture", "labelVi": "Văn hóa Việt" },
                { "slug": "food", "pillar": "DISCOVER", "label": "Food", "labelVi": "Ẩm thực" },
            ])
        );
        assert_eq!(
            (item["viewCount"].as_i64(), item["likeCount"].as_i64(), item["commentCount"].as_i64()),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!(item["viewerHasLiked"], false);
        assert!(content(&app, None, &uuid::Uuid::new_v4().to_string()).await.is_null());
        assert!(content(&app, None, "not-an-id").await.is_null());
    })
    .await;
}

#[tokio::test]
async fn campaign_entries_join_only_while_the_campaign_runs() {
    on_each_database(|app| async move {
        app.clock.set(Utc.with_ymd_and_hms(2023, 6, 1, 3, 0, 0).unwrap());
        let token = app.token_for("kol.one").await;
        let id = app.create_content(&token, json!({ "campaignSlug": "tryitwithtiktok", "title": "Trăm xem không bằng một thử" })).await;
        let campaign = app.query("{ campaign(slug: \"tryitwithtiktok\") { hashtag tagline isActive contents { edges { node { id campaign { slug } } } } } }", json!({})).await;
        let campaign = &campaign["data"]["campaign"];
        assert_eq!(campaign["isActive"], true);
        assert_eq!(campaign["tagline"], "Trăm xem không bằng một thử");
        assert_eq!(node_ids(&campaign["contents"]), vec![id.clone()]);
        assert_eq!(campaign["contents"]["edges"][0]["node"]["campaign"]["slug"], "tryitwithtiktok");
        let listed = app.query("{ campaigns { slug isActive } }", json!({})).await;
        assert_eq!(listed["data"]["campaigns"], json!([{ "slug": "tryitwithtiktok", "isActive": true }]));
        app.clock.set(Utc.with_ymd_and_hms(2023, 7, 1, 0, 0, 0).unwrap());
        let ended = app.query("{ campaign(slug: \"tryitwithtiktok\") { isActive } }", json!({})).await;
        assert_eq!(ended["data"]["campaign"]["isActive"], false);
        assert!(app.query("{ campaign(slug: \"nope\") { id } }", json!({})).await["data"]["campaign"].is_null());
    })
    .await;
}

#[tokio::test]
async fn only_the_author_deletes_content_and_it_vanishes() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let other = app.token_for("other").await;
        let id = app.create_content(&author, json!({})).await;
        let delete = "mutation($id: ID!) { deleteContent(id: $id) }";
        assert_code(&app.query_as(&other, delete, json!({ "id": id })).await, "FORBIDDEN");
        assert_code(&app.query(delete, json!({ "id": id })).await, "UNAUTHENTICATED");
        assert_eq!(app.query_as(&author, delete, json!({ "id": id })).await["data"]["deleteContent"], true);
        assert!(content(&app, Some(&author), &id).await.is_null());
        assert!(browse_ids(&app, None, json!({})).await.is_empty());
        assert_code(&app.query_as(&author, delete, json!({ "id": id })).await, "NOT_FOUND");
    })
    .await;
}

#[tokio::test]
async fn browsing_filters_and_pages_newest_first_with_stable_cursors() {
    on_each_database(|app| async move {
        let lan = app.token_for("lan.food").await;
        let minh = app.token_for("minh.money").await;
        let pho = app.create_content(&lan, json!({ "title": "Phở gà Hà Nội", "tagSlugs": ["food"] })).await;
        app.clock.advance(chrono::Duration::minutes(1));
        let tram = app.create_content(&minh, json!({ "title": "Trăm xem không bằng một thử", "caption": "Thử là biết", "tagSlugs": ["personal-finance"] })).await;
        app.clock.advance(chrono::Duration::minutes(1));
        let dance = app.create_content(&lan, json!({ "title": "Nhảy cùng bà", "caption": "Cuối tuần vui vẻ", "tagSlugs": ["dance", "family-stories"] })).await;

        assert_eq!(browse_ids(&app, None, json!({})).await, vec![dance.clone(), tram.clone(), pho.clone()]);
        assert_eq!(browse_ids(&app, None, json!({ "tag": "food" })).await, vec![pho.clone()]);
        assert_eq!(browse_ids(&app, None, json!({ "pillar": "LAUGH" })).await, vec![dance.clone()]);
        assert_eq!(browse_ids(&app, None, json!({ "pillar": "CONNECT" })).await, vec![dance.clone()]);
        assert_eq!(browse_ids(&app, None, json!({ "authorHandle": "Lan.Food" })).await, vec![dance.clone(), pho.clone()]);
        assert!(browse_ids(&app, None, json!({ "authorHandle": "nobody" })).await.is_empty());
        assert!(browse_ids(&app, None, json!({ "campaign": "tryitwithtiktok" })).await.is_empty());

        // Search ignores case and Vietnamese diacritics, and covers tags and handles.
        for (search, expected) in [
            ("pho", vec![pho.clone()]),
            ("PHỞ", vec![pho.clone()]),
            ("tram xem", vec![tram.clone()]),
            ("Trăm XEM", vec![tram.clone()]),
            ("khong bang", vec![tram.clone()]),
            ("am thuc", vec![pho.clone()]),
            ("personal finance", vec![tram.clone()]),
            ("minh.money", vec![tram.clone()]),
            ("cung ba", vec![dance.clone()]),
            ("100%", vec![]),
            ("phở nhảy", vec![]),
        ] {
            assert_eq!(browse_ids(&app, None, json!({ "search": search })).await, expected, "search {search:?}");
        }

        // Two at a time; a new item does not shift the next page.
        let first = browse(&app, None, json!({}), 2, None).await;
        let page = &first["data"]["contents"];
        assert_eq!(node_ids(page), vec![dance.clone(), tram.clone()]);
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        app.clock.advance(chrono::Duration::minutes(1));
        app.create_content(&minh, json!({ "title": "Newer" })).await;
        let cursor = page["pageInfo"]["endCursor"].as_str().unwrap();
        let second = browse(&app, None, json!({}), 2, Some(cursor)).await;
        assert_eq!(node_ids(&second["data"]["contents"]), vec![pho.clone()]);
        assert_eq!(second["data"]["contents"]["pageInfo"]["hasNextPage"], false);

        for first in [0, 51, -1] {
            assert_code(&browse(&app, None, json!({}), first, None).await, "BAD_USER_INPUT");
        }
        assert_code(&browse(&app, None, json!({}), 5, Some("garbage")).await, "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn interactions_count_exactly_and_check_their_input() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let viewer = app.token_for("viewer").await;
        let id = app.create_content(&author, json!({ "durationSeconds": 60 })).await;

        assert_code(&app.interact(&viewer, &id, "VIEW", None).await, "BAD_USER_INPUT");
        assert_code(&app.interact(&viewer, &id, "VIEW", Some(-1)).await, "BAD_USER_INPUT");
        assert_code(&app.interact(&viewer, &id, "LIKE", Some(-5)).await, "BAD_USER_INPUT");
        assert_code(&app.interact(&viewer, &uuid::Uuid::new_v4().to_string(), "LIKE", None).await, "NOT_FOUND");
        assert_code(&app.interact(&viewer, &id, "SEARCH", None).await, "BAD_USER_INPUT");
        let anonymous = app
            .query(
                "mutation { recordInteraction(input: { contentId: \"x\", kind: LIKE }) { content { id } } }",
                json!({}),
            )
            .await;
        assert_code(&anonymous, "UNAUTHENTICATED");

        // An overlong watch is clamped to the video's length.
        let viewed = app.interact(&viewer, &id, "VIEW", Some(10_000_000)).await;
        assert_eq!(viewed["data"]["recordInteraction"]["content"]["viewCount"], 1);
        assert_eq!(viewed["data"]["recordInteraction"]["screenTime"]["usedMinutes"], 1);

        let liked = app.interact(&viewer, &id, "LIKE", None).await;
        assert_eq!(liked["data"]["recordInteraction"]["content"]["likeCount"], 1);
        assert_eq!(liked["data"]["recordInteraction"]["content"]["viewerHasLiked"], true);
        let again = app.interact(&viewer, &id, "LIKE", None).await;
        assert_eq!(again["data"]["recordInteraction"]["content"]["likeCount"], 1, "liking twice counts once");
        let unliked = app.interact(&viewer, &id, "UNLIKE", None).await;
        assert_eq!(unliked["data"]["recordInteraction"]["content"]["likeCount"], 0);
        assert_eq!(unliked["data"]["recordInteraction"]["content"]["viewerHasLiked"], false);
        let unliked = app.interact(&viewer, &id, "UNLIKE", None).await;
        assert_eq!(unliked["data"]["recordInteraction"]["content"]["likeCount"], 0, "never below zero");

        // Many people liking at once are all counted.
        let mut tokens = Vec::new();
        for i in 0..8 {
            tokens.push(app.token_for(&format!("fan{i}")).await);
        }
        let likes = tokens.iter().map(|t| app.interact(t, &id, "LIKE", None));
        for response in futures_util::future::join_all(likes).await {
            assert!(response["errors"].is_null(), "{response}");
        }
        let item = content(&app, Some(&tokens[0]), &id).await;
        assert_eq!(item["likeCount"], 8);
        assert_eq!(item["viewerHasLiked"], true);
        assert_eq!(content(&app, None, &id).await["viewerHasLiked"], false);
    })
    .await;
}

/// Whether the caller is signed in is checked before the content: an
/// anonymous caller learns nothing of an id, well-formed or not.
#[tokio::test]
async fn an_anonymous_comment_is_refused_before_its_content_is_looked_up() {
    on_each_database(|app| async move {
        let add = "mutation($c: ID!) { addComment(contentId: $c, body: \"Hay quá\") { id } }";
        let unknown = uuid::Uuid::new_v4().to_string();
        for id in [unknown.as_str(), "not-an-id"] {
            assert_code(&app.query(add, json!({ "c": id })).await, "UNAUTHENTICATED");
        }
        let viewer = app.token_for("viewer").await;
        for id in [unknown.as_str(), "not-an-id"] {
            assert_code(&app.query_as(&viewer, add, json!({ "c": id })).await, "NOT_FOUND");
        }
    })
    .await;
}
