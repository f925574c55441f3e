//! Every visibility rule holds on every read path: `content`, `contents`,
//! `feed` and `campaign.contents` (and comments).
use chrono::{Duration, TimeZone, Utc};
use entity::ContentStatus;
use serde_json::{Value, json};

use crate::support::*;

/// Where the viewer behind `token` finds the content `id`.
#[derive(Debug, PartialEq, Eq)]
struct Paths {
    content: bool,
    contents: bool,
    feed: bool,
    campaign: bool,
}

const EVERYWHERE: Paths = Paths { content: true, contents: true, feed: true, campaign: true };
const NOWHERE: Paths = Paths { content: false, contents: false, feed: false, campaign: false };

async fn ask(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let response = app.post_graphql(token, &json!({ "query": query, "variables": variables })).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"].clone()
}

async fn paths(app: &TestApp, token: Option<&str>, id: &str) -> Paths {
    let by_id = ask(app, token, "query($id: ID!) { content(id: $id) { id } }", json!({ "id": id })).await;
    let listed = ask(app, token, "{ contents(first: 50) { edges { node { id } } } }", json!({})).await;
    let feed = ask(app, token, "{ feed(first: 50) { edges { node { id } } } }", json!({})).await;
    let campaign = ask(
        app,
        token,
        "{ campaign(slug: \"tryitwithtiktok\") { contents(first: 50) { edges { node { id } } } } }",
        json!({}),
    )
    .await;
    let has = |connection: &Value| node_ids(connection).contains(&id.to_owned());
    Paths {
        content: !by_id["content"].is_null(),
        contents: has(&listed["contents"]),
        feed: has(&feed["feed"]),
        campaign: has(&campaign["campaign"]["contents"]),
    }
}

/// Everything happens during the campaign, so every item is a campaign entry too.
async fn campaign_app(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend, |_| {}).await;
    app.clock.set(Utc.with_ymd_and_hms(2023, 6, 1, 3, 0, 0).unwrap());
    app
}

async fn entry(app: &TestApp, token: &str, extra: Value) -> String {
    let mut input = json!({ "campaignSlug": "tryitwithtiktok" });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.create_content(token, input).await
}

#[tokio::test]
async fn removed_and_hidden_content_shows_only_to_its_author_and_moderators() {
    for backend in backends() {
        let app = campaign_app(backend).await;
        let author = app.token_for("author").await;
        let viewer = app.token_for("viewer").await;
        let moderator = app.user_with_role("mod", entity::Role::Moderator).await;
        let id = entry(&app, &author, json!({})).await;
        assert_eq!(paths(&app, Some(&viewer), &id).await, EVERYWHERE);
        for (status, name) in
            [(ContentStatus::HiddenPendingReview, "HIDDEN_PENDING_REVIEW"), (ContentStatus::Removed, "REMOVED")]
        {
            app.set_content_status(&id, status).await;
            assert_eq!(paths(&app, Some(&viewer), &id).await, NOWHERE, "{status:?}");
            assert_eq!(paths(&app, None, &id).await, NOWHERE, "{status:?}");
            let own = paths(&app, Some(&author), &id).await;
            assert!(own.content && own.contents && own.campaign, "the author still sees it: {own:?}");
            let seen =
                ask(&app, Some(&moderator), "query($id: ID!) { content(id: $id) { status } }", json!({ "id": id }))
                    .await;
            assert_eq!(seen["content"]["status"], name);
            assert!(!paths(&app, Some(&moderator), &id).await.feed, "the feed shows only published content");
        }
    }
}

#[tokio::test]
async fn suspended_and_banned_authors_disappear() {
    for backend in backends() {
        let app = campaign_app(backend).await;
        let author = app.token_for("author").await;
        let viewer = app.token_for("viewer").await;
        let id = entry(&app, &author, json!({})).await;
        let until = app.clock_now() + Duration::days(2);
        app.update_user("author", |u| u.suspended_until = sea_orm::Set(Some(until))).await;
        assert_eq!(paths(&app, Some(&viewer), &id).await, NOWHERE);
        assert!(
            app.query_as(&viewer, "{ user(handle: \"author\") { id } }", json!({})).await["data"]["user"].is_null()
        );
        app.clock.advance(Duration::days(2));
        let viewer = app.log_in("viewer").await;
        assert_eq!(paths(&app, Some(&viewer), &id).await, EVERYWHERE, "back when the suspension ends");
        app.update_user("author", |u| u.banned_at = sea_orm::Set(Some(until))).await;
        assert_eq!(paths(&app, None, &id).await, NOWHERE);
    }
}

#[tokio::test]
async fn mature_content_is_for_signed_in_adults_without_restricted_mode() {
    for backend in backends() {
        let app = campaign_app(backend).await;
        let author = app.token_for("author").await;
        let adult = app.token_for("adult").await;
        let teen = app.sign_up("teen", 16).await["accessToken"].as_str().unwrap().to_owned();
        let id = entry(&app, &author, json!({ "audience": "MATURE" })).await;
        assert_eq!(paths(&app, Some(&adult), &id).await, EVERYWHERE);
        assert_eq!(paths(&app, None, &id).await, NOWHERE);
        assert_eq!(paths(&app, Some(&teen), &id).await, NOWHERE);
        app.update_settings("adult", |s| s.restricted_mode = sea_orm::Set(true)).await;
        assert_eq!(paths(&app, Some(&adult), &id).await, NOWHERE);
    }
}

#[tokio::test]
async fn private_accounts_show_content_only_to_accepted_followers() {
    for backend in backends() {
        let app = campaign_app(backend).await;
        let owner = app.token_for("owner").await;
        let fan = app.token_for("fan").await;
        let owner_id = app.my_id(&owner).await;
        app.update_settings("owner", |s| s.private_account = sea_orm::Set(true)).await;
        let id = entry(&app, &owner, json!({})).await;
        assert_eq!(paths(&app, Some(&fan), &id).await, NOWHERE);
        ok(&app.query_as(&fan, "mutation($id: ID!) { follow(userId: $id) { id } }", json!({ "id": owner_id })).await);
        assert_eq!(paths(&app, Some(&fan), &id).await, NOWHERE, "a request is not enough");
        let fan_id = app.my_id(&fan).await;
        ok(&app
            .query_as(
                &owner,
                "mutation($id: ID!) { answerFollowRequest(userId: $id, accept: true) { id } }",
                json!({ "id": fan_id }),
            )
            .await);
        assert_eq!(paths(&app, Some(&fan), &id).await, EVERYWHERE);
        assert_eq!(paths(&app, None, &id).await, NOWHERE);
    }
}

#[tokio::test]
async fn not_interested_hides_content_from_that_viewer_only() {
    for backend in backends() {
        let app = campaign_app(backend).await;
        let author = app.token_for("author").await;
        let viewer = app.token_for("viewer").await;
        let other = app.token_for("other").await;
        let id = entry(&app, &author, json!({})).await;
        let response = app.interact(&viewer, &id, "NOT_INTERESTED", None).await;
        assert!(response["errors"].is_null(), "{response}");
        assert_eq!(paths(&app, Some(&viewer), &id).await, NOWHERE);
        assert_eq!(paths(&app, Some(&other), &id).await, EVERYWHERE);
    }
}

#[tokio::test]
async fn blocked_keywords_hide_content_and_comments() {
    for backend in backends() {
        let app = campaign_app(backend).await;
        let author = app.token_for("author").await;
        // Blocked keywords are a teen control (born 2009: 14 in June 2023).
        let viewer = app.sign_up("viewer", 17).await["accessToken"].as_str().unwrap().to_owned();
        let clean = entry(&app, &author, json!({ "title": "Bánh xèo miền Tây" })).await;
        let blocked = entry(&app, &author, json!({ "title": "Thử thách NGUY HIỂM trên cầu" })).await;
        app.update_settings("viewer", |s| {
            s.blocked_keywords = sea_orm::Set(entity::user_settings::Keywords(vec!["nguy hiểm".into()]))
        })
        .await;
        assert_eq!(paths(&app, Some(&viewer), &blocked).await, NOWHERE, "matched without case or diacritics");
        assert_eq!(paths(&app, Some(&viewer), &clean).await, EVERYWHERE);

        let add = "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id } }";
        ok(&app.query_as(&author, add, json!({ "c": clean, "b": "Nguy hiem lam do" })).await);
        ok(&app.query_as(&author, add, json!({ "c": clean, "b": "Ngon lắm" })).await);
        let list = "query($id: ID!) { content(id: $id) { comments { edges { node { body } } } } }";
        let seen = ask(&app, Some(&viewer), list, json!({ "id": clean })).await;
        assert_eq!(seen["content"]["comments"]["edges"].as_array().unwrap().len(), 1);
        let everyone = ask(&app, None, list, json!({ "id": clean })).await;
        assert_eq!(everyone["content"]["comments"]["edges"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn comments_matching_the_authors_keywords_show_only_to_their_writer() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        let author = app.token_for("author").await;
        let troll = app.token_for("troll").await;
        let reader = app.token_for("reader").await;
        let id = app.create_content(&author, json!({})).await;
        app.update_settings("author", |s| {
            s.blocked_keywords = sea_orm::Set(entity::user_settings::Keywords(vec!["xấu xí".into()]))
        })
        .await;
        // Posted anyway past the kindness nudge.
        let add = "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b, postAnyway: true) { id } }";
        ok(&app.query_as(&troll, add, json!({ "c": id, "b": "Xau xi qua" })).await);
        ok(&app.query_as(&reader, add, json!({ "c": id, "b": "Hay quá" })).await);
        let list = "query($id: ID!) { content(id: $id) { comments { edges { node { body } } } } }";
        let count = |v: Value| v["content"]["comments"]["edges"].as_array().unwrap().len();
        assert_eq!(count(ask(&app, Some(&reader), list, json!({ "id": id })).await), 1);
        assert_eq!(count(ask(&app, Some(&author), list, json!({ "id": id })).await), 1);
        assert_eq!(count(ask(&app, Some(&troll), list, json!({ "id": id })).await), 2, "the writer still sees it");

        // A suspended writer's comments disappear.
        let until = app.clock_now() + Duration::days(1);
        app.update_user("reader", |u| u.suspended_until = sea_orm::Set(Some(until))).await;
        assert_eq!(count(ask(&app, Some(&troll), list, json!({ "id": id })).await), 1);
    }
}

/// Waits until the instance hears the others (PostgreSQL), so a cached
/// answer can be trusted.
async fn until_listening(app: &TestApp) {
    if app.backend != Backend::Postgres {
        return;
    }
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while !app.listening() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the instance listens for changes");
}

/// Waits until the instance's data version moves on from `from`: it has
/// heard of a change made through another instance.
async fn until_version_moves(app: &TestApp, from: u64) {
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while app.state.changes.data_version() == from {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the instance hears of the change");
}

const PUBLIC_PAGE: &str = "{ contents(first: 20) { edges { node { id title } } } }";

#[tokio::test]
async fn anonymous_answers_come_from_memory_until_anything_changes() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let kept = app.create_content(&author, json!({ "title": "Cách nấu phở" })).await;
        let removed = app.create_content(&author, json!({ "title": "Tiết kiệm mỗi ngày" })).await;
        until_listening(&app).await;
        let first = ask(&app, None, PUBLIC_PAGE, json!({})).await;
        let mut listed = node_ids(&first["contents"]);
        listed.sort();
        let mut both = vec![removed.clone(), kept.clone()];
        both.sort();
        assert_eq!(listed, both);

        let before = app.statements();
        assert_eq!(ask(&app, None, PUBLIC_PAGE, json!({})).await, first);
        assert_eq!(app.statements(), before, "the same anonymous query is answered from memory");

        // Signed-in callers are never answered from memory.
        let viewer = app.token_for("viewer").await;
        ask(&app, Some(&viewer), PUBLIC_PAGE, json!({})).await;
        let before = app.statements();
        ask(&app, Some(&viewer), PUBLIC_PAGE, json!({})).await;
        assert!(app.statements() > before);

        // A mutation is a change: the next anonymous answer is read afresh.
        let deleted =
            app.query_as(&author, "mutation($id: ID!) { deleteContent(id: $id) }", json!({ "id": removed })).await;
        assert_eq!(ok(&deleted)["deleteContent"], true, "{deleted}");
        let after = ask(&app, None, PUBLIC_PAGE, json!({})).await;
        assert_eq!(node_ids(&after["contents"]), vec![kept.clone()]);

        // Without changes, an answer is served for two seconds at most.
        let before = app.statements();
        app.clock.advance(Duration::milliseconds(1_900));
        ask(&app, None, PUBLIC_PAGE, json!({})).await;
        assert_eq!(app.statements(), before);
        app.clock.advance(Duration::milliseconds(200));
        ask(&app, None, PUBLIC_PAGE, json!({})).await;
        assert!(app.statements() > before, "an answer older than two seconds is read afresh");
    })
    .await;
}

#[tokio::test]
async fn a_change_through_one_instance_refreshes_the_anonymous_answers_of_another() {
    let Some((a, b)) = TestApp::two_instances().await else {
        return;
    };
    let author = a.token_for("author").await;
    let video = a.create_content(&author, json!({})).await;
    until_listening(&b).await;
    let cached = ask(&b, None, PUBLIC_PAGE, json!({})).await;
    assert_eq!(node_ids(&cached["contents"]), vec![video.clone()]);
    let heard = b.state.changes.data_version();
    let deleted = a.query_as(&author, "mutation($id: ID!) { deleteContent(id: $id) }", json!({ "id": video })).await;
    assert_eq!(ok(&deleted)["deleteContent"], true, "{deleted}");
    until_version_moves(&b, heard).await;
    let fresh = ask(&b, None, PUBLIC_PAGE, json!({})).await;
    assert!(node_ids(&fresh["contents"]).is_empty(), "{fresh}");
}

/// An instance counts its own change once, when it makes it; hearing its own
/// announcement back must not count it again, or the answers it cached in
/// between would be thrown away (and, under a steady write rate, most of the
/// cache with them). PostgreSQL delivers notifications to a listener in
/// commit order, so once A hears B's later change, it has heard its own.
#[tokio::test]
async fn an_instance_does_not_count_its_own_change_twice() {
    let Some((a, b)) = TestApp::two_instances().await else {
        return;
    };
    until_listening(&a).await;
    until_listening(&b).await;
    let before = a.state.changes.data_version();
    a.announce_change().await;
    assert_eq!(a.state.changes.data_version(), before + 1, "counted when made");
    b.announce_change().await;
    until_version_moves(&a, before + 1).await;
    assert_eq!(a.state.changes.data_version(), before + 2, "A's own change was counted once, B's once");
}

/// When the listening connection drops, the instance answers from its
/// anonymous cache no longer, until it listens again: a video taken down
/// meanwhile on another instance cannot stay visible from memory.
#[tokio::test]
async fn a_dropped_listener_turns_the_anonymous_cache_off_until_it_listens_again() {
    for backend in backends().into_iter().filter(|b| *b == Backend::Postgres) {
        let app = TestApp::spawn(backend, |_| {}).await;
        let author = app.token_for("author").await;
        let id = app.create_content(&author, json!({ "title": "Cách nấu phở" })).await;
        until_listening(&app).await;
        let first = ask(&app, None, PUBLIC_PAGE, json!({})).await;
        assert_eq!(node_ids(&first["contents"]), vec![id.clone()]);
        // The listener is the connection whose last statement was LISTEN.
        let terminate = sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        );
        sea_orm::ConnectionTrait::execute_raw(&app.state.db, terminate).await.unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while app.listening() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the instance notices that it no longer listens");
        // Taken down behind the API's back, as another instance's change
        // would be while nobody listens: no memory may hide it.
        {
            use sea_orm::{ActiveModelTrait, EntityTrait};
            let row = entity::content::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            let mut active: entity::content::ActiveModel = row.into();
            active.status = sea_orm::Set(entity::ContentStatus::Removed);
            active.update(&app.state.db).await.unwrap();
        }
        let while_deaf = ask(&app, None, PUBLIC_PAGE, json!({})).await;
        assert!(node_ids(&while_deaf["contents"]).is_empty(), "{while_deaf}");
        until_listening(&app).await;
        let again = ask(&app, None, PUBLIC_PAGE, json!({})).await;
        assert!(node_ids(&again["contents"]).is_empty(), "{again}");
    }
}
