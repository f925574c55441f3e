//! The holes found by trying the API as an attacker would, each closed by a
//! rule of the one policy layer (issue 9).
use chrono::Duration;
use entity::Role;
use serde_json::{Value, json};

use crate::support::*;

const RESOLVE: &str = "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id status resolution } }";
const CLAIM: &str = "mutation($id: ID!) { claimCase(id: $id) { id } }";
const FULL_CASE: &str = "id targetType status resolution reasons priority reportCount version autoHidden
    assignee { handle } claimedUntil suspendedUntil appealableUntil appealMessage
    snapshot { title authorHandle } reports { edges { node { details } } } events { kind note actor { handle } }";
const LOG_IN: &str = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";

/// The only case in the queue, as a moderator sees it.
async fn only_case(app: &TestApp, moderator: &str) -> Value {
    let queue = app
        .query_as(moderator, &format!("{{ moderationQueue {{ edges {{ node {{ {FULL_CASE} }} }} }} }}"), json!({}))
        .await;
    let edges = field(&queue, "moderationQueue")["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 1, "{queue}");
    edges[0]["node"].clone()
}

async fn decide(app: &TestApp, moderator: &str, case: &Value, action: &str, extra: Value) -> Value {
    let mut input = json!({ "caseId": case["id"], "action": action, "note": "Moderator's private reasoning",
        "expectedVersion": case["version"] });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.query_as(moderator, RESOLVE, json!({ "i": input })).await
}

#[tokio::test]
async fn the_affected_user_sees_the_decision_and_nothing_of_who_reported_or_moderated() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let reporter = app.token_for("reporter").await;
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        let content = app.create_content(&author, json!({ "title": "Mẹo tiết kiệm" })).await;
        field(&app.report(&reporter, "CONTENT", &content, "OTHER", Some("The reporter's own words")).await, "fileReport");
        let case = only_case(&app, &moderator).await;
        field(&decide(&app, &moderator, &case, "REMOVE_CONTENT", json!({})).await, "resolveCase");

        // The case id reaches the author in the notification that told them.
        let notes = app
            .query_as(&author, "{ notifications { edges { node { kind caseId contentId } } } }", json!({}))
            .await;
        let note = &field(&notes, "notifications")["edges"][0]["node"];
        assert_eq!((note["kind"].as_str(), note["caseId"].as_str()), (Some("CONTENT_REMOVED"), case["id"].as_str()));
        assert_eq!(note["contentId"].as_str(), Some(content.as_str()));

        let mine = app
            .query_as(&author, &format!("{{ myDecisions {{ edges {{ node {{ {FULL_CASE} }} }} }} }}"), json!({}))
            .await;
        let seen = &field(&mine, "myDecisions")["edges"][0]["node"];
        let appealed = app
            .query_as(
                &author,
                &format!("mutation($id: ID!) {{ appealDecision(caseId: $id, message: \"It was a recipe\") {{ {FULL_CASE} }} }}"),
                json!({ "id": case["id"] }),
            )
            .await;
        let after_appeal = field(&appealed, "appealDecision");
        for view in [seen, after_appeal] {
            let text = view.to_string();
            for secret in ["reporter", "The reporter's own words", "mod.one", "Moderator's private reasoning"] {
                assert!(!text.contains(secret), "{secret} leaked: {view}");
            }
            assert_eq!(view["id"], case["id"]);
            assert_eq!(view["resolution"], "REMOVE_CONTENT");
            assert_eq!((view["priority"].as_i64(), view["reportCount"].as_i64()), (Some(0), Some(0)));
            assert!(view["assignee"].is_null() && view["claimedUntil"].is_null());
            assert_eq!(view["reports"]["edges"], json!([]));
            assert_eq!(view["events"], json!([]));
        }
        assert!(seen["appealableUntil"].as_str().unwrap().starts_with("2026-12-29T03:00:00"));
        assert_eq!(after_appeal["appealMessage"], "It was a recipe");
        assert!(after_appeal["appealableUntil"].is_null(), "one appeal per case");

        // Another reporter learns nothing of the case either.
        assert_code(&app.query_as(&reporter, "query($id: ID!) { moderationCase(id: $id) { id } }", json!({ "id": case["id"] })).await, "FORBIDDEN");
        let theirs = app.query_as(&reporter, "{ myDecisions { edges { node { id } } } }", json!({})).await;
        assert_eq!(field(&theirs, "myDecisions")["edges"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn a_suspended_user_signs_in_to_an_appeal_token_that_opens_only_the_appeal() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let author_id = app.my_id(&author).await;
        let reporter = app.token_for("reporter").await;
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        field(&app.report(&reporter, "USER", &author_id, "SPAM", None).await, "fileReport");
        let case = only_case(&app, &moderator).await;
        field(&decide(&app, &moderator, &case, "SUSPEND_USER", json!({ "suspendDays": 7 })).await, "resolveCase");

        let wrong = app.query(LOG_IN, json!({ "e": "author@example.com", "p": "not the password" })).await;
        assert_code(&wrong, "UNAUTHENTICATED");
        assert!(wrong["errors"][0]["extensions"]["appealToken"].is_null(), "no token without the password");
        let refused = app.query(LOG_IN, json!({ "e": "author@example.com", "p": PASSWORD })).await;
        assert_code(&refused, "ACCOUNT_SUSPENDED");
        let extensions = &refused["errors"][0]["extensions"];
        assert_eq!(extensions["caseId"], case["id"]);
        assert!(extensions["until"].as_str().unwrap().starts_with("2026-12-06T03:00:00"));
        let token = extensions["appealToken"].as_str().unwrap().to_owned();

        let decisions = app
            .query_as(
                &token,
                "{ myDecisions { edges { node { id resolution suspendedUntil reportCount } } } }",
                json!({}),
            )
            .await;
        let decided = &field(&decisions, "myDecisions")["edges"][0]["node"];
        assert_eq!((decided["id"].clone(), decided["reportCount"].as_i64()), (case["id"].clone(), Some(0)));
        assert!(decided["suspendedUntil"].as_str().unwrap().starts_with("2026-12-06T03:00:00"));
        for other in
            ["{ me { email } }", "{ notifications { edges { node { id } } } }", "{ feed { edges { cursor } } }"]
        {
            assert_code(&app.query_as(&token, other, json!({})).await, "ACCOUNT_SUSPENDED");
        }
        assert_code(&app.query_as(&token, "mutation { exportMyData }", json!({})).await, "ACCOUNT_SUSPENDED");
        let appeal = app
            .query_as(
                &token,
                "mutation($id: ID!) { appealDecision(caseId: $id, message: \"Not spam\") { status } }",
                json!({ "id": case["id"] }),
            )
            .await;
        assert_eq!(field(&appeal, "appealDecision")["status"], "APPEALED");

        // The token lasts an hour.
        app.clock.advance(Duration::minutes(61));
        assert_code(&app.query_as(&token, "{ myDecisions { edges { cursor } } }", json!({})).await, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn an_escalated_appeal_is_decided_by_an_admin_as_an_appeal() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let reporter = app.token_for("reporter").await;
        let first = app.user_with_role("mod.one", Role::Moderator).await;
        let second = app.user_with_role("mod.two", Role::Moderator).await;
        let admin = app.user_with_role("the.admin", Role::Admin).await;
        let content = app.create_content(&author, json!({})).await;
        field(&app.report(&reporter, "CONTENT", &content, "SPAM", None).await, "fileReport");
        field(&decide(&app, &first, &only_case(&app, &first).await, "REMOVE_CONTENT", json!({})).await, "resolveCase");
        let case_id = only_case_id_of(&app, &author).await;
        ok(&app
            .query_as(
                &author,
                "mutation($id: ID!) { appealDecision(caseId: $id, message: \"Please look again\") { id } }",
                json!({ "id": case_id }),
            )
            .await);
        field(&decide(&app, &second, &only_case(&app, &second).await, "ESCALATE", json!({})).await, "resolveCase");
        let escalated = only_case(&app, &admin).await;
        assert_eq!(escalated["status"], "ESCALATED");
        assert_code(&decide(&app, &second, &escalated, "DISMISS", json!({})).await, "FORBIDDEN");
        field(&decide(&app, &admin, &escalated, "DISMISS", json!({})).await, "resolveCase");
        // Decided through the appeal rules: reversed, the author told.
        let restored =
            app.query_as(&author, "query($id: ID!) { content(id: $id) { status } }", json!({ "id": content })).await;
        assert_eq!(field(&restored, "content")["status"], "PUBLISHED");
        let kinds = app.query_as(&author, "{ notifications { edges { node { kind caseId } } } }", json!({})).await;
        assert_eq!(field(&kinds, "notifications")["edges"][0]["node"]["kind"], "APPEAL_DECIDED");
        assert_eq!(field(&kinds, "notifications")["edges"][0]["node"]["caseId"], case_id);
    })
    .await;
}

async fn only_case_id_of(app: &TestApp, affected: &str) -> Value {
    let mine = app.query_as(affected, "{ myDecisions { edges { node { id } } } }", json!({})).await;
    field(&mine, "myDecisions")["edges"][0]["node"]["id"].clone()
}

#[tokio::test]
async fn moderators_cannot_act_on_their_own_cases_or_on_other_staff() {
    on_each_database(|app| async move {
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        let colleague = app.user_with_role("mod.two", Role::Moderator).await;
        let admin = app.user_with_role("the.admin", Role::Admin).await;
        let reporter = app.token_for("reporter").await;
        let own = app.create_content(&moderator, json!({ "title": "The moderator's own video" })).await;
        let words = "The reporter's private words";
        field(&app.report(&reporter, "CONTENT", &own, "OTHER", Some(words)).await, "fileReport");
        let case = only_case(&app, &colleague).await;
        // A moderator reads a case about themselves as any affected user
        // does: in the queue, the case, the log and the live queue alike.
        let mut live = connect(&app, &moderator).await;
        send(&mut live, "live", &format!("subscription {{ moderationQueueChanged {{ {FULL_CASE} }} }}")).await;
        let own_view = app
            .query_as(
                &moderator,
                &format!("query($id: ID!) {{ moderationCase(id: $id) {{ {FULL_CASE} }} }}"),
                json!({ "id": case["id"] }),
            )
            .await;
        let queue = app
            .query_as(&moderator, &format!("{{ moderationQueue {{ edges {{ node {{ {FULL_CASE} }} }} }} }}"), json!({}))
            .await;
        let log = app
            .query_as(&moderator, "{ moderationLog { edges { node { kind note actor { handle } } } } }", json!({}))
            .await;
        field(&app.report(&app.token_for("second.reporter").await, "CONTENT", &own, "SPAM", None).await, "fileReport");
        let pushed = next_json(&mut live).await;
        for view in [&own_view, &queue, &log, &pushed] {
            let text = view.to_string();
            assert!(!text.contains(words) && !text.contains("\"reporter\""), "{text}");
        }
        assert_eq!(field(&own_view, "moderationCase")["reportCount"], 0);
        assert_eq!(field(&log, "moderationLog")["edges"], json!([]));
        // The colleague sees it all.
        let case = only_case(&app, &colleague).await;
        let full = app
            .query_as(
                &colleague,
                &format!("query($id: ID!) {{ moderationCase(id: $id) {{ {FULL_CASE} }} }}"),
                json!({ "id": case["id"] }),
            )
            .await;
        assert!(field(&full, "moderationCase").to_string().contains(words));
        assert_code(&app.query_as(&moderator, CLAIM, json!({ "id": case["id"] })).await, "FORBIDDEN");
        assert_code(&decide(&app, &moderator, &case, "DISMISS", json!({})).await, "FORBIDDEN");
        // About a moderator's content: only an admin decides.
        assert_code(&decide(&app, &colleague, &case, "REMOVE_CONTENT", json!({})).await, "FORBIDDEN");
        field(&decide(&app, &admin, &case, "DISMISS", json!({})).await, "resolveCase");
    })
    .await;
}

#[tokio::test]
async fn reports_filed_at_the_same_moment_are_all_counted() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        let mut reporters = Vec::new();
        for i in 0..5 {
            reporters.push(app.token_for(&format!("reporter.{i}")).await);
        }
        // Several rounds: a lost count shows up only sometimes.
        for round in 0..4 {
            let content = app.create_content(&author, json!({ "title": format!("Round {round}") })).await;
            let filed = reporters.iter().map(|token| app.report(token, "CONTENT", &content, "SPAM", None));
            for response in futures_util::future::join_all(filed).await {
                field(&response, "fileReport");
            }
            let case = only_case(&app, &moderator).await;
            assert_eq!(case["reportCount"], 5, "{case}");
            assert_eq!(case["autoHidden"], true);
            let seen = app.query("query($id: ID!) { content(id: $id) { id } }", json!({ "id": content })).await;
            assert!(field(&seen, "content").is_null(), "five reporters hide the content");
            // Decided, so that the next round's case is the only one open.
            field(&decide(&app, &moderator, &case, "REMOVE_CONTENT", json!({})).await, "resolveCase");
        }
    })
    .await;
}

#[tokio::test]
async fn parallel_password_guesses_are_evaluated_at_most_ten_times() {
    on_each_database(|app| async move {
        app.sign_up("target", 30).await;
        let guesses =
            (0..30).map(|i| app.query(LOG_IN, json!({ "e": "target@example.com", "p": format!("guess number {i}") })));
        let answers = futures_util::future::join_all(guesses).await;
        let evaluated = answers.iter().filter(|a| error_code(a) == "UNAUTHENTICATED").count();
        let limited = answers.iter().filter(|a| error_code(a) == "RATE_LIMITED").count();
        // Guesses take turns: exactly ten are checked, the rest refused.
        assert_eq!(evaluated, 10, "{evaluated} guesses were evaluated");
        assert_eq!(evaluated + limited, 30);
        // Refused guesses do not count; evaluated ones do, up to ten.
        for _ in evaluated..10 {
            assert_code(
                &app.query(LOG_IN, json!({ "e": "target@example.com", "p": "one more guess" })).await,
                "UNAUTHENTICATED",
            );
        }
        // Even the right password waits now.
        assert_code(&app.query(LOG_IN, json!({ "e": "target@example.com", "p": PASSWORD })).await, "RATE_LIMITED");
        app.clock.advance(Duration::minutes(16));
        field(&app.query(LOG_IN, json!({ "e": "target@example.com", "p": PASSWORD })).await, "logIn");
    })
    .await;
}

/// Fifty simultaneous sign-ins with the right password all succeed: only
/// failures use up the budget, and guesses take turns.
#[tokio::test]
async fn fifty_simultaneous_right_sign_ins_all_succeed() {
    on_each_database(|app| async move {
        app.sign_up("crowd", 30).await;
        let sign_ins = (0..50).map(|_| app.query(LOG_IN, json!({ "e": "crowd@example.com", "p": PASSWORD })));
        let answers = futures_util::future::join_all(sign_ins).await;
        let refused: Vec<_> = answers.iter().filter(|a| !a["errors"].is_null()).collect();
        assert!(refused.is_empty(), "{} of 50 refused: {:?}", refused.len(), refused.first());
    })
    .await;
}

const LOG_IN_WITH_DEVICE: &str = "mutation($e: String!, $p: String!, $d: String) {
    logIn(email: $e, password: $p, deviceToken: $d) { accessToken deviceToken } }";

/// Wrong passwords from elsewhere cannot lock the owner out: their device
/// token gives their device a budget of its own. Without it, the account's
/// budget applies; a device token of another account, or a forged one,
/// counts for nothing.
#[tokio::test]
async fn failures_from_elsewhere_never_refuse_the_owners_device() {
    on_each_database(|app| async move {
        let owner = app.sign_up("owner", 30).await;
        let device = owner["deviceToken"].as_str().unwrap().to_owned();
        let other_device = app.sign_up("other", 30).await["deviceToken"].as_str().unwrap().to_owned();
        // Ten wrong passwords from ten addresses.
        for i in 0..10 {
            let request = app
                .client
                .post(format!("{}/graphql", app.address))
                .header(CLIENT_ADDRESS_HEADER, format!("198.51.100.{i}"))
                .json(&json!({ "query": LOG_IN_WITH_DEVICE, "variables": { "e": "owner@example.com", "p": format!("wrong {i}") } }));
            let answer: Value = request.send().await.unwrap().json().await.unwrap();
            assert_code(&answer, "UNAUTHENTICATED");
        }
        let with = |d: &str| json!({ "e": "owner@example.com", "p": PASSWORD, "d": d });
        assert_code(&app.query(LOG_IN_WITH_DEVICE, json!({ "e": "owner@example.com", "p": PASSWORD })).await, "RATE_LIMITED");
        assert_code(&app.query(LOG_IN_WITH_DEVICE, with(&other_device)).await, "RATE_LIMITED");
        assert_code(&app.query(LOG_IN_WITH_DEVICE, with("forged.device.token")).await, "RATE_LIMITED");
        let signed_in = app.query(LOG_IN_WITH_DEVICE, with(&device)).await;
        assert!(signed_in["errors"].is_null(), "{signed_in}");
        // The device's own budget: ten failures of its own, then it waits too.
        for i in 0..10 {
            let wrong = json!({ "e": "owner@example.com", "p": format!("mine {i}"), "d": device });
            assert_code(&app.query(LOG_IN_WITH_DEVICE, wrong).await, "UNAUTHENTICATED");
        }
        assert_code(&app.query(LOG_IN_WITH_DEVICE, with(&device)).await, "RATE_LIMITED");
        // A new device token from the successful sign-in has its own budget.
        let fresh = signed_in["data"]["logIn"]["deviceToken"].as_str().unwrap();
        assert!(app.query(LOG_IN_WITH_DEVICE, with(fresh)).await["errors"].is_null());
        // A device token opens nothing else.
        assert_code(&app.query_as(&device, "{ me { email } }", json!({})).await, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn password_checks_before_deleting_an_account_are_limited_too() {
    on_each_database(|app| async move {
        let token = app.token_for("target").await;
        let delete = "mutation($p: String!) { deleteAccount(password: $p) { scheduledFor } }";
        for i in 0..10 {
            let wrong = app.query_as(&token, delete, json!({ "p": format!("wrong {i}") })).await;
            assert_code(&wrong, "UNAUTHENTICATED");
        }
        assert_code(&app.query_as(&token, delete, json!({ "p": "wrong again" })).await, "RATE_LIMITED");
        assert_code(&app.query_as(&token, delete, json!({ "p": PASSWORD })).await, "RATE_LIMITED");
    })
    .await;
}

#[tokio::test]
async fn sign_ins_and_sign_ups_are_limited_per_client_address() {
    on_each_database(|app| async move {
        let from = |address: &str, body: Value| {
            let request = app.client.post(format!("{}/graphql", app.address)).header(CLIENT_ADDRESS_HEADER, address);
            async move { request.json(&body).send().await.unwrap().json::<Value>().await.unwrap() }
        };
        // 30 failed sign-ins from one address, spread over many emails.
        for i in 0..30 {
            let body = json!({ "query": LOG_IN, "variables": { "e": format!("nobody{i}@example.com"), "p": "guess guess" } });
            assert_code(&from("203.0.113.7", body).await, "UNAUTHENTICATED");
        }
        let body = json!({ "query": LOG_IN, "variables": { "e": "nobody99@example.com", "p": "guess guess" } });
        let limited = from("203.0.113.7", body.clone()).await;
        assert_code(&limited, "RATE_LIMITED");
        assert!(limited["errors"][0]["extensions"]["retryAfterSeconds"].as_i64().unwrap() > 0);
        assert_code(&from("198.51.100.1", body).await, "UNAUTHENTICATED");

        let sign_up = |i: usize| json!({ "query": "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            "variables": { "i": { "handle": format!("new.{i}"), "displayName": "Mới", "email": format!("new{i}@example.com"),
            "password": PASSWORD, "birthDate": born_years_ago(30), "acceptedPolicyVersion": 1 } } });
        for i in 0..20 {
            field(&from("203.0.113.8", sign_up(i)).await, "signUp");
        }
        assert_code(&from("203.0.113.8", sign_up(20)).await, "RATE_LIMITED");
    })
    .await;
}

#[tokio::test]
async fn anonymous_traffic_is_limited_per_address() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.anon_rate_limit_per_minute = 3).await;
        let anonymous = |address: &'static str| {
            let request = app.client.post(format!("{}/graphql", app.address)).header(CLIENT_ADDRESS_HEADER, address);
            async move { request.json(&json!({ "query": "{ tags { slug } }" })).send().await.unwrap() }
        };
        for _ in 0..3 {
            assert_eq!(anonymous("203.0.113.9").await.status(), 200);
        }
        let limited = anonymous("203.0.113.9").await;
        assert_eq!(limited.status(), 429);
        let body: Value = limited.json().await.unwrap();
        assert_code(&body, "RATE_LIMITED");
        assert!(body["errors"][0]["extensions"]["retryAfterSeconds"].as_i64().unwrap() >= 1);
        assert_eq!(anonymous("203.0.113.10").await.status(), 200, "another address is not limited");
        // Signed-in callers are limited per account elsewhere, not here.
        let token = app.token_for("member").await;
        let signed = app.client.post(format!("{}/graphql", app.address)).header(CLIENT_ADDRESS_HEADER, "203.0.113.9");
        let signed = signed.bearer_auth(token).json(&json!({ "query": "{ tags { slug } }" })).send().await.unwrap();
        assert_eq!(signed.status(), 200);
    }
}

#[tokio::test]
async fn time_away_covers_every_read_of_content() {
    on_each_database(|app| async move {
        let creator = app.token_for("creator").await;
        let content = app.create_content(&creator, json!({})).await;
        app.sign_up("teen", 14).await;
        // 22:00 in Vietnam: inside the default 21:00–08:00 window.
        app.clock.advance(Duration::hours(12));
        let teen = app.log_in("teen").await;
        let reads = [
            "{ feed { edges { cursor } } }".to_owned(),
            "{ contents { edges { cursor } } }".to_owned(),
            format!("{{ content(id: \"{content}\") {{ id }} }}"),
            "{ campaign(slug: \"tryitwithtiktok\") { contents { edges { node { id } } } } }".to_owned(),
            format!("mutation {{ recordInteraction(input: {{ contentId: \"{content}\", kind: LIKE }}) {{ content {{ title }} }} }}"),
        ];
        for read in &reads {
            assert_code(&app.query_as(&teen, read, json!({})).await, "TIME_AWAY");
        }
        // Everything else keeps working.
        field(&app.query_as(&teen, "{ me { screenTime { inTimeAway } } }", json!({})).await, "me");
        field(&app.query_as(&teen, "{ notifications { edges { cursor } } }", json!({})).await, "notifications");
    })
    .await;
}

#[tokio::test]
async fn a_private_account_removes_a_follower() {
    on_each_database(|app| async move {
        let owner = app.token_for("owner").await;
        let owner_id = app.my_id(&owner).await;
        let follower = app.token_for("follower").await;
        let follower_id = app.my_id(&follower).await;
        field(
            &app.query_as(&follower, "mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": owner_id })).await,
            "follow",
        );
        app.update_settings("owner", |s| s.private_account = sea_orm::Set(true)).await;
        let post = app.create_content(&owner, json!({})).await;
        let read = "query($id: ID!) { content(id: $id) { id } }";
        assert!(!field(&app.query_as(&follower, read, json!({ "id": post })).await, "content").is_null());
        let remove = "mutation($u: ID!) { removeFollower(userId: $u) }";
        assert_eq!(
            *field(&app.query_as(&owner, remove, json!({ "u": follower_id })).await, "removeFollower"),
            json!(true)
        );
        assert!(field(&app.query_as(&follower, read, json!({ "id": post })).await, "content").is_null());
        let status = app
            .query_as(&follower, "query { user(handle: \"owner\") { viewerFollowStatus followerCount } }", json!({}))
            .await;
        assert_eq!(field(&status, "user")["viewerFollowStatus"], "NONE");
        assert_code(&app.query_as(&owner, remove, json!({ "u": follower_id })).await, "NOT_FOUND");
    })
    .await;
}

const DELETE: &str = "mutation($p: String!) { deleteAccount(password: $p) { scheduledFor } }";

async fn notification_bodies(app: &TestApp, token: &str) -> Vec<String> {
    let notes = app.query_as(token, "{ notifications(first: 50) { edges { node { body } } } }", json!({})).await;
    node_texts(field(&notes, "notifications"), "body")
}

#[tokio::test]
async fn the_purge_rewrites_only_the_purged_handle_and_forgets_appeals() {
    on_each_database(|app| async move {
        // `lan` and `lan.nguyen` are different people.
        let lan = app.token_for("lan").await;
        let lan_nguyen = app.token_for("lan.nguyen").await;
        let first_teen = app.sign_up("first.teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let second_teen = app.sign_up("second.teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        app.pair(&lan, &first_teen).await;
        app.pair(&lan_nguyen, &second_teen).await;
        // `lan` is warned and appeals, in words of their own.
        let reporter = app.token_for("reporter").await;
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        let lan_id = app.my_id(&lan).await;
        field(&app.report(&reporter, "USER", &lan_id, "SPAM", None).await, "fileReport");
        let case = only_case(&app, &moderator).await;
        field(&decide(&app, &moderator, &case, "WARN_USER", json!({})).await, "resolveCase");
        let appeal = "mutation($id: ID!) { appealDecision(caseId: $id, message: \"Lan's own words\") { id } }";
        field(&app.query_as(&lan, appeal, json!({ "id": case["id"] })).await, "appealDecision");

        field(&app.query_as(&lan, DELETE, json!({ "p": PASSWORD })).await, "deleteAccount");
        app.clock.advance(Duration::days(31));
        assert_eq!(api::service::data_rights::purge(&app.state.db, app.clock_now()).await.unwrap(), 1);

        let first_teen = app.log_in("first.teen").await;
        let second_teen = app.log_in("second.teen").await;
        let bodies = notification_bodies(&app, &first_teen).await;
        assert!(bodies.iter().any(|b| b.contains("@deleted-account")), "{bodies:?}");
        assert!(bodies.iter().all(|b| !b.contains("@lan")), "{bodies:?}");
        let untouched = notification_bodies(&app, &second_teen).await;
        assert!(untouched.iter().any(|b| b.contains("@lan.nguyen")), "{untouched:?}");
        assert!(untouched.iter().all(|b| !b.contains("@deleted-account")), "{untouched:?}");

        let moderator = app.log_in("mod.one").await;
        let seen = app
            .query_as(
                &moderator,
                "query($id: ID!) { moderationCase(id: $id) { appealMessage events { kind note } } }",
                json!({ "id": case["id"] }),
            )
            .await;
        let seen = field(&seen, "moderationCase");
        assert!(seen["appealMessage"].is_null(), "{seen}");
        assert!(!seen.to_string().contains("Lan's own words"), "{seen}");
        assert!(seen["events"].as_array().unwrap().iter().any(|e| e["kind"] == "APPEAL"), "the step itself stays");
    })
    .await;
}

#[tokio::test]
async fn a_deleted_account_stops_counting_while_it_waits_to_be_purged() {
    on_each_database(|app| async move {
        let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let leaving = app.token_for("leaving.parent").await;
        let staying = app.token_for("staying.parent").await;
        app.pair(&leaving, &teen).await;
        let second = app.pair(&staying, &teen).await;
        app.approve(&leaving, &second).await;
        field(&app.query_as(&leaving, DELETE, json!({ "p": PASSWORD })).await, "deleteAccount");
        // The deleted guardian's link is no longer in force...
        let links = app.query_as(&teen, "{ familyLinks { guardian { handle } status } }", json!({})).await;
        let links = field(&links, "familyLinks").as_array().unwrap().clone();
        let status = |handle: &str| links.iter().find(|l| l["guardian"]["handle"] == handle).unwrap()["status"].clone();
        assert_eq!((status("leaving.parent"), status("staying.parent")), (json!("REVOKED"), json!("ACTIVE")));
        // ...so another guardian fits within the two.
        let new_parent = app.token_for("new.parent").await;
        app.pair(&new_parent, &teen).await;
        // And a deleted account's follow request is no longer shown.
        let owner = app.token_for("owner").await;
        let owner_id = app.my_id(&owner).await;
        app.update_settings("owner", |s| s.private_account = sea_orm::Set(true)).await;
        let requester = app.token_for("requester").await;
        field(
            &app.query_as(&requester, "mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": owner_id }))
                .await,
            "follow",
        );
        let pending = "{ followRequests { edges { node { handle } } } }";
        assert_eq!(
            field(&app.query_as(&owner, pending, json!({})).await, "followRequests")["edges"].as_array().unwrap().len(),
            1
        );
        field(&app.query_as(&requester, DELETE, json!({ "p": PASSWORD })).await, "deleteAccount");
        assert_eq!(field(&app.query_as(&owner, pending, json!({})).await, "followRequests")["edges"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn races_on_family_links_and_settings_keep_the_rules() {
    on_each_database(|app| async move {
        let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let first = app.token_for("first.parent").await;
        app.pair(&first, &teen).await;
        // Codes accepted at once: never a third guardian.
        let accept = "mutation($c: String!) { acceptPairingCode(code: $c) { id } }";
        for round in 0..4 {
            let sibling = app.sign_up(&format!("sibling.{round}"), 15).await["accessToken"].as_str().unwrap().to_owned();
            app.pair(&first, &sibling).await;
            let mut codes = Vec::new();
            for other in 0..4 {
                let adult = app.token_for(&format!("parent.{round}.{other}")).await;
                let code = app.query_as(&adult, "mutation { createPairingCode { code } }", json!({})).await;
                codes.push(field(&code, "createPairingCode")["code"].clone());
            }
            let answers =
                futures_util::future::join_all(codes.iter().map(|c| app.query_as(&sibling, accept, json!({ "c": c })))).await;
            assert_eq!(answers.iter().filter(|a| a["errors"].is_null()).count(), 1, "{answers:?}");
            assert_eq!(answers.iter().filter(|a| error_code(a) == "CONFLICT").count(), 3, "{answers:?}");
        }

        // A guardian locking while the teen loosens: the lock is never lost,
        // and the teen's loosening either lands before the lock or is refused.
        let teen_id = app.my_id(&teen).await;
        for _ in 0..3 {
            app.update_settings("teen", |s| {
                s.locked_by_guardian = sea_orm::Set(false);
                s.private_account = sea_orm::Set(true);
            })
            .await;
            let lock = app.query_as(
                &first,
                "mutation($t: ID!) { setTeenControls(teenId: $t, input: { privateAccount: true }) { lockedByGuardian } }",
                json!({ "t": teen_id }),
            );
            let loosen = app.query_as(&teen, "mutation { updatePrivacySettings(input: { privateAccount: false }) { privateAccount } }", json!({}));
            let (locked, loosened) = futures_util::join!(lock, loosen);
            assert_eq!(field(&locked, "setTeenControls")["lockedByGuardian"], true);
            let settings = app.find_user("teen").await;
            let stored = api::service::settings::get(&app.state.db, settings.id).await.unwrap();
            assert!(stored.locked_by_guardian, "the guardian's lock holds");
            if loosened["errors"].is_null() {
                // It landed first; the guardian's write then made it private again.
                assert!(stored.private_account);
            } else {
                assert_code(&loosened, "FORBIDDEN");
            }
        }

        // Both sides unlinking at once: the link ends once, one notice each way at most.
        let links = app.query_as(&teen, "{ familyLinks { id status guardian { handle } } }", json!({})).await;
        let link = field(&links, "familyLinks").as_array().unwrap().iter().find(|l| l["guardian"]["handle"] == "first.parent").unwrap()["id"].clone();
        let unlink = "mutation($l: ID!) { unlinkFamily(linkId: $l) { status } }";
        let both = futures_util::join!(app.query_as(&teen, unlink, json!({ "l": link })), app.query_as(&first, unlink, json!({ "l": link })));
        field(&both.0, "unlinkFamily");
        field(&both.1, "unlinkFamily");
        let mut told = 0;
        for token in [&teen, &first] {
            let notes = app.query_as(token, "{ notifications(first: 50) { edges { node { kind } } } }", json!({})).await;
            told += field(&notes, "notifications")["edges"].as_array().unwrap().iter().filter(|e| e["node"]["kind"] == "FAMILY_UNLINKED").count();
        }
        assert_eq!(told, 1, "exactly one side is told, once");
    })
    .await;
}

#[tokio::test]
async fn many_writes_at_once_all_succeed() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let content = app.create_content(&author, json!({})).await;
        let mut tokens = Vec::new();
        for i in 0..12 {
            tokens.push(app.token_for(&format!("writer.{i}")).await);
        }
        // Each reads before it writes; on SQLite they queue for the write lock.
        let writes = tokens.iter().enumerate().map(|(i, token)| {
            let app = &app;
            let content = content.clone();
            async move {
                let comment = format!("mutation {{ addComment(contentId: \"{content}\", body: \"{i}\") {{ id }} }}");
                let settings = "mutation { updatePrivacySettings(input: { privateAccount: true }) { privateAccount } }";
                let like = format!("mutation {{ recordInteraction(input: {{ contentId: \"{content}\", kind: LIKE }}) {{ content {{ id }} }} }}");
                futures_util::join!(app.query_as(token, &comment, json!({})), app.query_as(token, settings, json!({})), app.query_as(token, &like, json!({})))
            }
        });
        for (comment, settings, like) in futures_util::future::join_all(writes).await {
            field(&comment, "addComment");
            field(&settings, "updatePrivacySettings");
            field(&like, "recordInteraction");
        }
        let counts = app.query("query($id: ID!) { content(id: $id) { likeCount commentCount } }", json!({ "id": content })).await;
        assert_eq!(field(&counts, "content").clone(), json!({ "likeCount": 12, "commentCount": 12 }));
    })
    .await;
}

#[tokio::test]
async fn a_new_policy_reaches_every_account_in_batches() {
    on_each_database(|app| async move {
        use sea_orm::EntityTrait;
        let admin = app.user_with_role("the.admin", Role::Admin).await;
        // More accounts than one batch holds, written directly.
        let template = app.find_user("the.admin").await;
        let rows: Vec<entity::user::ActiveModel> = (0..1_234)
            .map(|i| {
                let mut user =
                    sea_orm::ActiveModelTrait::reset_all(sea_orm::IntoActiveModel::into_active_model(template.clone()));
                user.role = sea_orm::Set(Role::User);
                user.id = sea_orm::Set(uuid::Uuid::new_v4());
                user.handle = sea_orm::Set(format!("bulk.{i}"));
                user.email = sea_orm::Set(format!("bulk{i}@example.com"));
                user
            })
            .collect();
        for chunk in rows.chunks(200) {
            entity::user::Entity::insert_many(chunk.to_vec()).exec_without_returning(&app.state.db).await.unwrap();
        }
        let publish = "mutation { publishPrivacyPolicy(input: { summary: \"v2\", summaryVi: \"v2\", body: \"b\", bodyVi: \"b\" }) { version } }";
        assert_eq!(field(&app.query_as(&admin, publish, json!({})).await, "publishPrivacyPolicy")["version"], 2);
        use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        let told = entity::notification::Entity::find()
            .filter(entity::notification::Column::Kind.eq("POLICY_UPDATED"))
            .count(&app.state.db)
            .await
            .unwrap();
        let everyone = entity::user::Entity::find().count(&app.state.db).await.unwrap();
        assert_eq!(told, everyone);
        assert!(everyone > 1_234);
    })
    .await;
}

#[tokio::test]
async fn notifications_say_what_they_are_about() {
    on_each_database(|app| async move {
        let guardian = app.token_for("parent").await;
        let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let link = app.pair(&guardian, &teen).await;
        let request = app.query_as(&teen, "mutation { requestMoreTime(minutes: 15) { id } }", json!({})).await;
        let request = field(&request, "requestMoreTime")["id"].clone();
        let notes = "{ notifications { edges { node { kind linkId timeRequestId caseId contentId } } } }";
        let guardian_notes = app.query_as(&guardian, notes, json!({})).await;
        let edges = field(&guardian_notes, "notifications")["edges"].as_array().unwrap().clone();
        let about = |kind: &str| edges.iter().find(|e| e["node"]["kind"] == kind).unwrap()["node"].clone();
        assert_eq!(about("FAMILY_LINKED")["linkId"], link);
        assert_eq!(about("TIME_REQUESTED")["timeRequestId"], request);
        assert!(about("TIME_REQUESTED")["caseId"].is_null() && about("FAMILY_LINKED")["contentId"].is_null());
    })
    .await;
}

/// A notification is read in the language its reader uses when reading it:
/// switching the account to English turns the ones already sent English too.
#[tokio::test]
async fn notifications_are_read_in_the_language_the_reader_chose() {
    on_each_database(|app| async move {
        let guardian = app.token_for("parent").await;
        let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        app.pair(&guardian, &teen).await;
        let notes = "{ notifications { edges { node { kind title body } } } }";
        let linked = |answer: &Value| {
            let edges = field(answer, "notifications")["edges"].as_array().unwrap().clone();
            edges.into_iter().find(|e| e["node"]["kind"] == "FAMILY_LINKED").unwrap()["node"].clone()
        };
        let vietnamese = linked(&app.query_as(&guardian, notes, json!({})).await);
        let set = "mutation($l: String!) { setLocale(locale: $l) { locale } }";
        assert_eq!(field(&app.query_as(&guardian, set, json!({ "l": "en" })).await, "setLocale")["locale"], "en");
        let english = linked(&app.query_as(&guardian, notes, json!({})).await);
        assert_ne!(vietnamese["title"], english["title"], "{vietnamese} / {english}");
        assert!(
            english["title"].as_str().unwrap().is_ascii() && english["body"].as_str().unwrap().is_ascii(),
            "{english}"
        );
        assert!(!vietnamese["body"].as_str().unwrap().is_ascii(), "{vietnamese}");
        let refused = app.query_as(&guardian, set, json!({ "l": "fr" })).await;
        assert_code(&refused, "BAD_USER_INPUT");
        assert!(refused["errors"][0]["extensions"]["fields"]["locale"].is_array(), "{refused}");
    })
    .await;
}

#[tokio::test]
async fn an_appeal_token_opens_nothing_else_not_even_public_reads() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let author_id = app.my_id(&author).await;
        let reporter = app.token_for("reporter").await;
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        field(&app.report(&reporter, "USER", &author_id, "SPAM", None).await, "fileReport");
        let case = only_case(&app, &moderator).await;
        field(&decide(&app, &moderator, &case, "BAN_USER", json!({})).await, "resolveCase");
        let refused = app.query(LOG_IN, json!({ "e": "author@example.com", "p": PASSWORD })).await;
        let token = refused["errors"][0]["extensions"]["appealToken"].as_str().unwrap().to_owned();
        // Introspection too (development answers it to everyone else), however it is asked for.
        let introspection = [
            "{ __schema { types { name } } }",
            "{ __type(name: \"User\") { fields { name } } }",
            "{ s: __schema { queryType { name } } }",
            "{ ...F } fragment F on Query { __schema { queryType { name } } }",
        ];
        for public in ["{ tags { slug } }", "{ privacyPolicy { version } }", "{ campaigns { slug } }"]
            .into_iter()
            .chain(introspection)
        {
            let refused = app.query_as(&token, public, json!({})).await;
            assert_code(&refused, "ACCOUNT_SUSPENDED");
            assert!(
                refused["data"].is_null()
                    || refused["data"].as_object().is_some_and(|d| d.values().all(Value::is_null)),
                "{refused}"
            );
        }
        assert!(app.query("{ __schema { queryType { name } } }", json!({})).await["errors"].is_null());
        field(&app.query_as(&token, "{ myDecisions { edges { cursor } } }", json!({})).await, "myDecisions");
    })
    .await;
}

#[tokio::test]
async fn text_with_a_nul_character_is_bad_input_everywhere() {
    on_each_database(|app| async move {
        let token = app.token_for("writer").await;
        let content = app.create_content(&token, json!({})).await;
        let attempts = [
            ("query($s: String) { contents(filter: { search: $s }) { edges { cursor } } }", json!({ "s": "a\u{0}b" })),
            ("query($s: String!) { campaign(slug: $s) { id } }", json!({ "s": "x\u{0}" })),
            ("mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id } }", json!({ "c": content, "b": "hi\u{0}" })),
            ("mutation($i: FileReportInput!) { fileReport(input: $i) { id } }",
                json!({ "i": { "targetType": "CONTENT", "targetId": content, "reason": "OTHER", "details": "x\u{0}y" } })),
        ];
        for (query, variables) in attempts {
            let answer = app.query_as(&token, query, variables).await;
            assert_code(&answer, "BAD_USER_INPUT");
        }
        // Escaped in the query text, too.
        assert_code(&app.query(r#"{ campaign(slug: "a\u0000b") { id } }"#, json!({})).await, "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn hidden_content_is_hidden_once_and_its_reporters_get_their_reports_back() {
    on_each_database(|app| async move {
        let author = app.token_for("author").await;
        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        let content = app.create_content(&author, json!({})).await;
        let mut reporters = Vec::new();
        for i in 0..6 {
            reporters.push(app.token_for(&format!("reporter.{i}")).await);
        }
        let filed =
            futures_util::future::join_all(reporters.iter().map(|t| app.report(t, "CONTENT", &content, "SPAM", None)))
                .await;
        // A report that arrives after the fifth has hidden the content finds
        // nothing it may see; every other one is filed.
        let mut counted = Vec::new();
        for (token, answer) in reporters.iter().zip(&filed) {
            if answer["errors"].is_null() {
                counted.push((token, field(answer, "fileReport")["id"].clone()));
            } else {
                assert_code(answer, "NOT_FOUND");
            }
        }
        assert!(counted.len() >= 5, "{filed:?}");
        let case = only_case(&app, &moderator).await;
        assert_eq!(case["reportCount"], counted.len());
        let hides = case["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "AUTO_HIDE").count();
        assert_eq!(hides, 1, "{case}");
        // Reporting again, though the content is hidden from them now.
        for (token, first) in counted {
            let again = app.report(token, "CONTENT", &content, "SPAM", None).await;
            assert_eq!(field(&again, "fileReport")["id"], first);
        }
    })
    .await;
}
