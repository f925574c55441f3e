//! In-app reports, the moderation workflow, the audit log and notifications.
use std::collections::HashSet;

use chrono::Duration;
use entity::Role;
use serde_json::{Value, json};

use crate::support::*;

const REPORT: &str =
    "mutation($i: FileReportInput!) { fileReport(input: $i) { id status reason details outcome targetType } }";
pub(crate) const CASE: &str =
    "query($id: ID!) { moderationCase(id: $id) { id status priority reportCount reasons autoHidden version
    resolution assignee { handle } claimedUntil snapshot { title authorHandle }
    target { __typename ... on Content { id status audience } ... on User { handle } ... on Comment { body } }
    reports { edges { node { reason status outcome } } } events { kind action note actor { handle } } } }";
const QUEUE: &str = "query($f: CaseFilter) { moderationQueue(filter: $f) { edges { node { id priority reportCount reasons status } } } }";
const CLAIM: &str = "mutation($id: ID!) { claimCase(id: $id) { id status version assignee { handle } } }";
const RELEASE: &str = "mutation($id: ID!) { releaseCase(id: $id) { id status version } }";
const RESOLVE: &str = "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id status version resolution } }";
pub(crate) const APPEAL: &str =
    "mutation($id: ID!, $m: String!) { appealDecision(caseId: $id, message: $m) { id status } }";
const NOTES: &str =
    "query($u: Boolean) { notifications(unreadOnly: $u) { edges { node { id kind title body readAt } } } }";

pub(crate) fn data(response: &Value, name: &str) -> Value {
    field(response, name).clone()
}

/// The id of the case for the only case in the queue that names `target`.
pub(crate) async fn case_for(app: &TestApp, moderator: &str, target: &str) -> Value {
    let queue = app
        .query_as(
            moderator,
            "{ moderationQueue(first: 50, filter: { status: [OPEN, IN_REVIEW, ESCALATED, APPEALED, RESOLVED] }) {
        edges { node { id target { ... on Content { id } ... on User { id } ... on Comment { id } } } } } }",
            json!({}),
        )
        .await;
    let edges = data(&queue, "moderationQueue")["edges"].as_array().unwrap().clone();
    let found = edges
        .iter()
        .find(|e| e["node"]["target"]["id"] == target)
        .unwrap_or_else(|| panic!("no case for {target}: {queue}"));
    let id = found["node"]["id"].clone();
    data(&app.query_as(moderator, CASE, json!({ "id": id })).await, "moderationCase")
}

pub(crate) async fn resolve(app: &TestApp, token: &str, case: &Value, action: &str, extra: Value) -> Value {
    let mut input = json!({ "caseId": case["id"], "action": action, "note": "Checked against the guidelines", "expectedVersion": case["version"] });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.query_as(token, RESOLVE, json!({ "i": input })).await
}

pub(crate) async fn notification_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let notes = data(&app.query_as(token, NOTES, json!({})).await, "notifications");
    notes["edges"].as_array().unwrap().iter().map(|e| e["node"]["kind"].as_str().unwrap().to_owned()).collect()
}

struct World {
    author: String,
    moderator: String,
    second_moderator: String,
    admin: String,
    content: String,
}

async fn world(app: &TestApp) -> World {
    let author = app.token_for("author").await;
    let content = app.create_content(&author, json!({ "title": "Thử thách nguy hiểm" })).await;
    World {
        moderator: app.user_with_role("mod.one", Role::Moderator).await,
        second_moderator: app.user_with_role("mod.two", Role::Moderator).await,
        admin: app.user_with_role("the.admin", Role::Admin).await,
        author,
        content,
    }
}

#[tokio::test]
async fn reports_on_one_target_gather_into_one_case() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let mut first_ids = Vec::new();
        for name in ["rep.a", "rep.b", "rep.c"] {
            let token = app.token_for(name).await;
            let filed = data(&app.report(&token, "CONTENT", &w.content, "SPAM", None).await, "fileReport");
            assert_eq!(filed["status"], "OPEN");
            // Reporting again while the case is open returns the same report.
            let again = data(&app.report(&token, "CONTENT", &w.content, "SCAM_FRAUD", None).await, "fileReport");
            assert_eq!(again["id"], filed["id"]);
            first_ids.push(filed["id"].clone());
            let mine = app.query_as(&token, "{ myReports { edges { node { id status outcome } } } }", json!({})).await;
            assert_eq!(data(&mine, "myReports")["edges"].as_array().unwrap().len(), 1);
        }
        let case = case_for(&app, &w.moderator, &w.content).await;
        assert_eq!(case["reportCount"], 3);
        assert_eq!(case["reasons"], json!(["SPAM"]));
        assert_eq!(case["status"], "OPEN");
        assert_eq!(case["autoHidden"], false);
        assert_eq!(case["snapshot"], json!({ "title": "Thử thách nguy hiểm", "authorHandle": "author" }));
        assert_eq!(case["reports"]["edges"].as_array().unwrap().len(), 3);

        // Only moderators and admins read the queue.
        assert_code(&app.query_as(&w.author, QUEUE, json!({})).await, "FORBIDDEN");
        assert_code(&app.query(QUEUE, json!({})).await, "UNAUTHENTICATED");
        assert_code(&app.query_as(&w.author, CASE, json!({ "id": case["id"] })).await, "FORBIDDEN");
        assert_eq!(
            data(&app.query_as(&w.admin, QUEUE, json!({})).await, "moderationQueue")["edges"].as_array().unwrap().len(),
            1
        );

        // Concurrent duplicates from one reporter still make one report.
        let eager = app.token_for("eager").await;
        let (a, b) = tokio::join!(
            app.report(&eager, "CONTENT", &w.content, "SPAM", None),
            app.report(&eager, "CONTENT", &w.content, "SPAM", None)
        );
        assert_eq!(data(&a, "fileReport")["id"], data(&b, "fileReport")["id"]);
        assert_eq!(case_for(&app, &w.moderator, &w.content).await["reportCount"], 4);
    })
    .await;
}

#[tokio::test]
async fn reports_check_their_input_and_target() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let reporter = app.token_for("reporter").await;
        let filing = |input: Value| {
            let (app, reporter) = (&app, &reporter);
            async move { app.query_as(reporter, REPORT, json!({ "i": input })).await }
        };
        let base = json!({ "targetType": "CONTENT", "targetId": w.content, "reason": "OTHER" });
        assert_code(&filing(base.clone()).await, "BAD_USER_INPUT");
        let mut long = base.clone();
        long["details"] = json!("x".repeat(1001));
        assert_code(&filing(long).await, "BAD_USER_INPUT");
        let mut blank = base.clone();
        blank["details"] = json!("   ");
        assert_code(&filing(blank).await, "BAD_USER_INPUT");
        let mut fine = base.clone();
        fine["details"] = json!("Người trong video có thể bị thương");
        assert_eq!(data(&filing(fine).await, "fileReport")["details"], "Người trong video có thể bị thương");

        // Not yourself, nor your own content.
        let own = app.create_content(&reporter, json!({})).await;
        assert_code(&app.report(&reporter, "CONTENT", &own, "SPAM", None).await, "BAD_USER_INPUT");
        let me = app.my_id(&reporter).await;
        assert_code(&app.report(&reporter, "USER", &me, "SPAM", None).await, "BAD_USER_INPUT");
        // Only what the reporter can see.
        assert_code(
            &app.report(&reporter, "CONTENT", &uuid::Uuid::new_v4().to_string(), "SPAM", None).await,
            "NOT_FOUND",
        );
        let hidden = app.create_content(&w.author, json!({ "audience": "MATURE" })).await;
        let teen = app.sign_up("teen", 15).await["accessToken"].as_str().unwrap().to_owned();
        assert_code(&app.report(&teen, "CONTENT", &hidden, "NUDITY_SEXUAL", None).await, "NOT_FOUND");
        assert_code(
            &app.report(&reporter, "COMMENT", &uuid::Uuid::new_v4().to_string(), "SPAM", None).await,
            "NOT_FOUND",
        );
        assert_code(&app.report(&reporter, "CONTENT", "not-an-id", "SPAM", None).await, "NOT_FOUND");
        assert_code(&app.query(REPORT, json!({ "i": base })).await, "UNAUTHENTICATED");

        // Users and comments can be reported too.
        let author_id = app.my_id(&w.author).await;
        assert_eq!(
            data(&app.report(&reporter, "USER", &author_id, "IMPERSONATION", None).await, "fileReport")["targetType"],
            "USER"
        );
        let comment = app
            .query_as(
                &w.author,
                "mutation($c: ID!) { addComment(contentId: $c, body: \"Đồ ngốc\", postAnyway: true) { id } }",
                json!({ "c": w.content }),
            )
            .await["data"]["addComment"]["id"]
            .clone();
        let filed = app.report(&reporter, "COMMENT", comment.as_str().unwrap(), "BULLYING_HARASSMENT", None).await;
        assert_eq!(data(&filed, "fileReport")["reason"], "BULLYING_HARASSMENT");
    })
    .await;
}

#[tokio::test]
async fn serious_or_repeated_reports_hide_content_at_once() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let viewer = app.token_for("viewer").await;
        let reporter = app.token_for("reporter").await;
        app.report(&reporter, "CONTENT", &w.content, "MINOR_SAFETY", None).await;
        assert!(app.query_as(&viewer, "query($id: ID!) { content(id: $id) { id } }", json!({ "id": w.content })).await["data"]["content"].is_null());
        let case = case_for(&app, &w.moderator, &w.content).await;
        assert_eq!(case["autoHidden"], true);
        assert_eq!(case["target"]["status"], "HIDDEN_PENDING_REVIEW");
        let kinds: Vec<&str> = case["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["REPORT", "AUTO_HIDE"]);

        // Four distinct SPAM reporters leave it up; the fifth hides it.
        let spam = app.create_content(&w.author, json!({ "title": "Mua ngay kẻo lỡ" })).await;
        for i in 0..5 {
            let token = app.token_for(&format!("spam.hunter{i}")).await;
            app.report(&token, "CONTENT", &spam, "SPAM", None).await;
            let visible = !app.query_as(&viewer, "query($id: ID!) { content(id: $id) { id } }", json!({ "id": spam })).await["data"]["content"].is_null();
            assert_eq!(visible, i < 4, "after {} reports", i + 1);
        }
    })
    .await;
}

#[tokio::test]
async fn a_reporter_files_at_most_twenty_reports_an_hour() {
    on_each_database(|app| async move {
        let author = app.token_for("prolific").await;
        let reporter = app.token_for("reporter").await;
        let mut targets = Vec::new();
        for i in 0..22 {
            targets.push(app.create_content(&author, json!({ "title": format!("Video {i}") })).await);
        }
        for target in &targets[..20] {
            assert!(app.report(&reporter, "CONTENT", target, "SPAM", None).await["errors"].is_null());
            app.clock.advance(Duration::seconds(30));
        }
        let limited = app.report(&reporter, "CONTENT", &targets[20], "SPAM", None).await;
        assert_code(&limited, "RATE_LIMITED");
        let retry = limited["errors"][0]["extensions"]["retryAfterSeconds"].as_i64().unwrap();
        assert!((1..=3600).contains(&retry), "{retry}");
        // A repeat of an earlier report is not a new report.
        assert!(app.report(&reporter, "CONTENT", &targets[0], "SPAM", None).await["errors"].is_null());
        app.clock.advance(Duration::seconds(retry));
        let reporter = app.log_in("reporter").await;
        assert!(app.report(&reporter, "CONTENT", &targets[21], "SPAM", None).await["errors"].is_null());
    })
    .await;
}

/// The finding: a fresh MINOR_SAFETY case sat below a month-old bullying
/// case with two reporters (129) and a misinformation case (113). Tiers
/// come first; priority orders a tier.
#[tokio::test]
async fn a_childs_safety_comes_first_however_old_and_reported_the_rest_is() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let mean = app.create_content(&w.author, json!({ "title": "mean" })).await;
        let rumour = app.create_content(&w.author, json!({ "title": "rumour" })).await;
        let worrying = app.create_content(&w.author, json!({ "title": "worrying" })).await;
        for i in 0..2 {
            let token = app.token_for(&format!("tier.rep{i}")).await;
            ok(&app.report(&token, "CONTENT", &mean, "BULLYING_HARASSMENT", None).await);
        }
        let token = app.log_in("tier.rep0").await;
        ok(&app.report(&token, "CONTENT", &rumour, "MISINFORMATION", None).await);
        app.clock.advance(Duration::days(30));
        let token = app.log_in("tier.rep0").await;
        ok(&app.report(&token, "CONTENT", &worrying, "MINOR_SAFETY", None).await);
        // A child under 13 on the app is reported on their account only.
        let refused = app.report(&token, "CONTENT", &rumour, "UNDERAGE_USER", None).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
        let young = app.token_for("tier.young").await;
        let young_id = app.my_id(&young).await;
        ok(&app.report(&token, "USER", &young_id, "UNDERAGE_USER", None).await);

        let moderator = app.log_in("mod.one").await;
        let queue = "{ moderationQueue { edges { node { tier priority reasons } } } }";
        let edges = data(&app.query_as(&moderator, queue, json!({})).await, "moderationQueue")["edges"].clone();
        let order: Vec<(i64, String)> = edges
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["node"]["tier"].as_i64().unwrap(), e["node"]["reasons"][0].as_str().unwrap().to_owned()))
            .collect();
        let expected = [(1, "MINOR_SAFETY"), (2, "BULLYING_HARASSMENT"), (2, "UNDERAGE_USER"), (3, "MISINFORMATION")];
        let expected: Vec<(i64, String)> = expected.iter().map(|(t, r)| (*t, (*r).to_owned())).collect();
        assert_eq!(order, expected, "{edges}");
        assert!(edges[1]["node"]["priority"].as_i64() > edges[0]["node"]["priority"].as_i64(), "older, yet second");
    })
    .await;
}

#[tokio::test]
async fn the_queue_orders_by_priority_then_age_and_filters() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let spam_old = app.create_content(&w.author, json!({ "title": "old spam" })).await;
        let spam_new = app.create_content(&w.author, json!({ "title": "new spam" })).await;
        let crowd = app.create_content(&w.author, json!({ "title": "crowd" })).await;
        let reporter = app.token_for("rep0").await;
        app.report(&reporter, "CONTENT", &spam_old, "SPAM", None).await;
        app.clock.advance(Duration::minutes(30));
        let reporter = app.log_in("rep0").await;
        app.report(&reporter, "CONTENT", &spam_new, "SPAM", None).await;
        for i in 1..4 {
            let token = app.token_for(&format!("rep{i}")).await;
            app.report(&token, "CONTENT", &crowd, "SPAM", None).await;
        }
        app.report(&reporter, "CONTENT", &w.content, "SELF_HARM", None).await;
        let moderator = app.log_in("mod.one").await;
        let queue = data(&app.query_as(&moderator, QUEUE, json!({})).await, "moderationQueue");
        let order: Vec<i64> =
            queue["edges"].as_array().unwrap().iter().map(|e| e["node"]["reportCount"].as_i64().unwrap()).collect();
        assert_eq!(order, [1, 3, 1, 1], "self-harm, then three reporters, then the older spam");
        let priorities: Vec<i64> =
            queue["edges"].as_array().unwrap().iter().map(|e| e["node"]["priority"].as_i64().unwrap()).collect();
        assert!(priorities.windows(2).all(|p| p[0] >= p[1]), "{priorities:?}");
        let oldest_spam = case_for(&app, &moderator, &spam_old).await;
        assert_eq!(queue["edges"][2]["node"]["id"], oldest_spam["id"]);

        let self_harm =
            data(&app.query_as(&moderator, QUEUE, json!({ "f": { "reason": "SELF_HARM" } })).await, "moderationQueue");
        assert_eq!(self_harm["edges"].as_array().unwrap().len(), 1);
        let users =
            data(&app.query_as(&moderator, QUEUE, json!({ "f": { "targetType": "USER" } })).await, "moderationQueue");
        assert!(users["edges"].as_array().unwrap().is_empty());
        ok(&app.query_as(&moderator, CLAIM, json!({ "id": oldest_spam["id"] })).await);
        let mine =
            data(&app.query_as(&moderator, QUEUE, json!({ "f": { "assignedToMe": true } })).await, "moderationQueue");
        assert_eq!(mine["edges"].as_array().unwrap().len(), 1);
        let reviewing = data(
            &app.query_as(&moderator, QUEUE, json!({ "f": { "status": ["IN_REVIEW"] } })).await,
            "moderationQueue",
        );
        assert_eq!(reviewing["edges"][0]["node"]["id"], oldest_spam["id"]);
    })
    .await;
}

#[tokio::test]
async fn claims_hold_for_ten_minutes_and_lapse_by_themselves() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let reporter = app.token_for("reporter").await;
        app.report(&reporter, "CONTENT", &w.content, "HATE_SPEECH", None).await;
        let case = case_for(&app, &w.moderator, &w.content).await;
        let claimed = data(&app.query_as(&w.moderator, CLAIM, json!({ "id": case["id"] })).await, "claimCase");
        assert_eq!(claimed["status"], "IN_REVIEW");
        assert_eq!(claimed["assignee"]["handle"], "mod.one");
        assert_code(&app.query_as(&w.second_moderator, CLAIM, json!({ "id": case["id"] })).await, "CONFLICT");
        assert_code(&app.query_as(&w.second_moderator, RELEASE, json!({ "id": case["id"] })).await, "CONFLICT");
        assert_code(
            &resolve(&app, &w.second_moderator, &case_for(&app, &w.moderator, &w.content).await, "DISMISS", json!({}))
                .await,
            "CONFLICT",
        );
        assert_code(&app.query_as(&reporter, CLAIM, json!({ "id": case["id"] })).await, "FORBIDDEN");

        let released = data(&app.query_as(&w.moderator, RELEASE, json!({ "id": case["id"] })).await, "releaseCase");
        assert_eq!(released["status"], "OPEN");
        data(&app.query_as(&w.moderator, CLAIM, json!({ "id": case["id"] })).await, "claimCase");
        // Held for the whole ten minutes, to the second...
        app.clock.advance(Duration::minutes(10) - Duration::seconds(1));
        assert_code(&app.query_as(&w.second_moderator, CLAIM, json!({ "id": case["id"] })).await, "CONFLICT");
        let held = case_for(&app, &w.moderator, &w.content).await;
        assert_eq!(
            (held["status"].as_str(), held["assignee"]["handle"].as_str()),
            (Some("IN_REVIEW"), Some("mod.one"))
        );
        // ...and no longer.
        app.clock.advance(Duration::seconds(1));
        let (moderator, second) = (app.log_in("mod.one").await, app.log_in("mod.two").await);
        let lapsed = case_for(&app, &moderator, &w.content).await;
        assert_eq!(lapsed["status"], "OPEN");
        assert!(lapsed["assignee"].is_null());
        let taken = data(&app.query_as(&second, CLAIM, json!({ "id": case["id"] })).await, "claimCase");
        assert_eq!(taken["assignee"]["handle"], "mod.two");
    })
    .await;
}

#[tokio::test]
async fn of_two_moderators_deciding_at_once_exactly_one_wins() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let reporter = app.token_for("reporter").await;
        for round in 0..20 {
            let target = app.create_content(&w.author, json!({ "title": format!("Race {round}") })).await;
            app.report(&reporter, "CONTENT", &target, "SPAM", None).await;
            let case = case_for(&app, &w.moderator, &target).await;
            let (a, b) = tokio::join!(
                resolve(&app, &w.moderator, &case, "REMOVE_CONTENT", json!({})),
                resolve(&app, &w.second_moderator, &case, "DISMISS", json!({}))
            );
            let wins = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
            assert_eq!(wins, 1, "round {round}: {a} / {b}");
            let loser = if a["errors"].is_null() { &b } else { &a };
            assert_code(loser, "CONFLICT");
        }
        assert_eq!(
            app.query_as(&reporter, "{ myReports(first: 50) { edges { node { status } } } }", json!({})).await["data"]
                ["myReports"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["node"]["status"] == "OPEN")
                .count(),
            0
        );
    })
    .await;
}

async fn gone_everywhere(app: &TestApp, token: &str, id: &str, title: &str) {
    let by_id = app.query_as(token, "query($id: ID!) { content(id: $id) { id } }", json!({ "id": id })).await;
    assert!(by_id["data"]["content"].is_null(), "{by_id}");
    let search = app
        .query_as(
            token,
            "query($s: String) { contents(filter: { search: $s }) { edges { node { id } } } }",
            json!({ "s": title }),
        )
        .await;
    assert!(!node_ids(&search["data"]["contents"]).contains(&id.to_owned()));
    let browse = app.query_as(token, "{ contents(first: 50) { edges { node { id } } } }", json!({})).await;
    assert!(!node_ids(&browse["data"]["contents"]).contains(&id.to_owned()));
    let feed = app.query_as(token, "{ feed(first: 50) { edges { node { id } } } }", json!({})).await;
    assert!(!node_ids(&feed["data"]["feed"]).contains(&id.to_owned()));
}

#[tokio::test]
async fn removing_content_takes_it_everywhere_and_tells_everyone() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let viewer = app.token_for("viewer").await;
        let english = app
            .try_sign_up(json!({ "handle": "reporter.en", "email": "reporter.en@example.com", "locale": "en" }))
            .await;
        let reporter_en = english["data"]["signUp"]["accessToken"].as_str().unwrap().to_owned();
        let reporter_vi = app.token_for("reporter.vi").await;
        app.report(&reporter_en, "CONTENT", &w.content, "VIOLENCE_DANGEROUS_ACTS", None).await;
        app.report(&reporter_vi, "CONTENT", &w.content, "VIOLENCE_DANGEROUS_ACTS", None).await;
        let case = case_for(&app, &w.moderator, &w.content).await;

        assert_code(
            &resolve(&app, &w.moderator, &case, "REMOVE_CONTENT", json!({ "note": "  " })).await,
            "BAD_USER_INPUT",
        );
        let mut stale = case.clone();
        stale["version"] = json!(case["version"].as_i64().unwrap() - 1);
        assert_code(&resolve(&app, &w.moderator, &stale, "REMOVE_CONTENT", json!({})).await, "CONFLICT");
        assert_code(&resolve(&app, &w.author, &case, "REMOVE_CONTENT", json!({})).await, "FORBIDDEN");
        let done = data(&resolve(&app, &w.moderator, &case, "REMOVE_CONTENT", json!({})).await, "resolveCase");
        assert_eq!((done["status"].as_str(), done["resolution"].as_str()), (Some("RESOLVED"), Some("REMOVE_CONTENT")));
        assert_code(
            &resolve(&app, &w.second_moderator, &case_for(&app, &w.moderator, &w.content).await, "DISMISS", json!({}))
                .await,
            "CONFLICT",
        );

        gone_everywhere(&app, &viewer, &w.content, "Thử thách nguy hiểm").await;
        let own = app
            .query_as(&w.author, "query($id: ID!) { content(id: $id) { status } }", json!({ "id": w.content }))
            .await;
        assert_eq!(own["data"]["content"]["status"], "REMOVED", "the author still sees it, with its status");

        let mine = app.query_as(&reporter_en, "{ myReports { edges { node { status outcome } } } }", json!({})).await;
        assert_eq!(mine["data"]["myReports"]["edges"][0]["node"]["status"], "ACTIONED");
        assert_eq!(
            mine["data"]["myReports"]["edges"][0]["node"]["outcome"],
            "The content was removed. Thank you for reporting."
        );
        let notes = data(&app.query_as(&reporter_en, NOTES, json!({})).await, "notifications");
        assert_eq!(notes["edges"][0]["node"]["kind"], "REPORT_RESOLVED");
        assert_eq!(notes["edges"][0]["node"]["title"], "Your report was reviewed");
        let vi = data(&app.query_as(&reporter_vi, NOTES, json!({})).await, "notifications");
        assert_eq!(vi["edges"][0]["node"]["title"], "Báo cáo của bạn đã được xử lý");
        assert_eq!(notification_kinds(&app, &w.author).await, ["CONTENT_REMOVED"]);

        // Reading them.
        let id = notes["edges"][0]["node"]["id"].clone();
        let marked = app
            .query_as(
                &reporter_en,
                "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
                json!({ "ids": [id, "nope"] }),
            )
            .await;
        assert_eq!(marked["data"]["markNotificationsRead"], 1);
        let other = app
            .query_as(
                &reporter_vi,
                "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
                json!({ "ids": [id] }),
            )
            .await;
        assert_eq!(other["data"]["markNotificationsRead"], 0, "nobody reads someone else's");
        let unread = data(&app.query_as(&reporter_en, NOTES, json!({ "u": true })).await, "notifications");
        assert!(unread["edges"].as_array().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn suspensions_lock_the_account_until_they_lift() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let viewer = app.token_for("viewer").await;
        let reporter = app.token_for("reporter").await;
        let author_id = app.my_id(&w.author).await;
        app.report(&reporter, "USER", &author_id, "BULLYING_HARASSMENT", None).await;
        let case = case_for(&app, &w.moderator, &author_id).await;
        for days in [json!(null), json!(0), json!(366)] {
            assert_code(&resolve(&app, &w.moderator, &case, "SUSPEND_USER", json!({ "suspendDays": days })).await, "BAD_USER_INPUT");
        }
        assert_code(&resolve(&app, &w.moderator, &case, "REMOVE_CONTENT", json!({})).await, "BAD_USER_INPUT");
        data(&resolve(&app, &w.moderator, &case, "SUSPEND_USER", json!({ "suspendDays": 3 })).await, "resolveCase");

        let me = app.query_as(&w.author, "{ me { email } }", json!({})).await;
        assert_code(&me, "ACCOUNT_SUSPENDED");
        assert!(me["errors"][0]["extensions"]["until"].as_str().unwrap().starts_with("2026-12-02T03:00:00"));
        assert!(app.query_as(&viewer, "query($id: ID!) { content(id: $id) { id } }", json!({ "id": w.content })).await["data"]["content"].is_null());
        app.clock.advance(Duration::days(3));
        let author = app.log_in("author").await;
        assert_eq!(notification_kinds(&app, &author).await, ["ACCOUNT_SUSPENDED"]);
        let viewer = app.log_in("viewer").await;
        assert!(!app.query_as(&viewer, "query($id: ID!) { content(id: $id) { id } }", json!({ "id": w.content })).await["data"]["content"].is_null());

        // A ban has no end.
        let reporter = app.log_in("reporter").await;
        app.report(&reporter, "USER", &author_id, "SCAM_FRAUD", None).await;
        let moderator = app.log_in("mod.one").await;
        // The first case is decided; the new report opened a new one.
        let queue = data(&app.query_as(&moderator, QUEUE, json!({})).await, "moderationQueue");
        assert_eq!(queue["edges"].as_array().unwrap().len(), 1);
        let case = data(&app.query_as(&moderator, CASE, json!({ "id": queue["edges"][0]["node"]["id"] })).await, "moderationCase");
        assert_eq!(case["reportCount"], 1);
        data(&resolve(&app, &moderator, &case, "BAN_USER", json!({})).await, "resolveCase");
        assert_code(&app.query_as(&author, "{ me { email } }", json!({})).await, "ACCOUNT_SUSPENDED");
    })
    .await;
}

#[tokio::test]
async fn dismissing_restores_hidden_content_and_escalations_need_an_admin() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let viewer = app.token_for("viewer").await;
        let reporter = app.token_for("reporter").await;
        app.report(&reporter, "CONTENT", &w.content, "SELF_HARM", None).await;
        let case = case_for(&app, &w.moderator, &w.content).await;
        let escalated = data(
            &resolve(&app, &w.moderator, &case, "ESCALATE", json!({ "note": "Needs a senior call" })).await,
            "resolveCase",
        );
        assert_eq!(escalated["status"], "ESCALATED");
        let case = case_for(&app, &w.moderator, &w.content).await;
        assert_code(&resolve(&app, &w.second_moderator, &case, "DISMISS", json!({})).await, "FORBIDDEN");
        let dismissed = data(&resolve(&app, &w.admin, &case, "DISMISS", json!({})).await, "resolveCase");
        assert_eq!(dismissed["resolution"], "DISMISS");
        let back =
            app.query_as(&viewer, "query($id: ID!) { content(id: $id) { status } }", json!({ "id": w.content })).await;
        assert_eq!(back["data"]["content"]["status"], "PUBLISHED");
        let mine = app.query_as(&reporter, "{ myReports { edges { node { status outcome } } } }", json!({})).await;
        assert_eq!(mine["data"]["myReports"]["edges"][0]["node"]["status"], "DISMISSED");
        assert!(
            mine["data"]["myReports"]["edges"][0]["node"]["outcome"].as_str().unwrap().contains("không thấy vi phạm")
        );
    })
    .await;
}

#[tokio::test]
async fn an_appeal_goes_to_a_second_moderator_and_the_log_keeps_every_step() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let reporter = app.token_for("reporter").await;
        app.report(&reporter, "CONTENT", &w.content, "MISINFORMATION", None).await;
        let case = case_for(&app, &w.moderator, &w.content).await;
        ok(&app.query_as(&w.moderator, CLAIM, json!({ "id": case["id"] })).await);
        ok(&app.query_as(&w.moderator, RELEASE, json!({ "id": case["id"] })).await);
        let case = case_for(&app, &w.moderator, &w.content).await;
        data(&resolve(&app, &w.moderator, &case, "RESTRICT_TO_ADULTS", json!({})).await, "resolveCase");
        let target = case_for(&app, &w.moderator, &w.content).await["target"].clone();
        assert_eq!(target["audience"], "MATURE");

        assert_code(&app.query_as(&reporter, APPEAL, json!({ "id": case["id"], "m": "Please" })).await, "NOT_FOUND");
        assert_code(&app.query_as(&w.author, APPEAL, json!({ "id": case["id"], "m": "" })).await, "BAD_USER_INPUT");
        let appealed = data(
            &app.query_as(&w.author, APPEAL, json!({ "id": case["id"], "m": "Đây là video giáo dục" })).await,
            "appealDecision",
        );
        assert_eq!(appealed["status"], "APPEALED");
        assert_code(&app.query_as(&w.author, APPEAL, json!({ "id": case["id"], "m": "Again" })).await, "CONFLICT");

        let case = case_for(&app, &w.moderator, &w.content).await;
        assert_code(&resolve(&app, &w.moderator, &case, "DISMISS", json!({})).await, "FORBIDDEN");
        data(
            &resolve(&app, &w.second_moderator, &case, "DISMISS", json!({ "note": "Educational, restore it" })).await,
            "resolveCase",
        );
        let restored = case_for(&app, &w.moderator, &w.content).await;
        assert_eq!(restored["target"]["audience"], "GENERAL");
        assert!(notification_kinds(&app, &w.author).await.contains(&"APPEAL_DECIDED".to_owned()));

        // The author deletes the video; the case keeps its snapshot.
        ok(&app.query_as(&w.author, "mutation($id: ID!) { deleteContent(id: $id) }", json!({ "id": w.content })).await);
        let after = data(&app.query_as(&w.moderator, CASE, json!({ "id": case["id"] })).await, "moderationCase");
        assert!(after["target"].is_null());
        assert_eq!(after["snapshot"]["title"], "Thử thách nguy hiểm");

        let kinds: Vec<String> =
            after["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
        assert_eq!(kinds, ["REPORT", "CLAIM", "RELEASE", "ACTION", "APPEAL", "APPEAL_DECISION"]);
        let log = data(
            &app.query_as(
                &w.admin,
                "{ moderationLog(first: 50) { edges { node { kind caseId action note actor { handle } } } } }",
                json!({}),
            )
            .await,
            "moderationLog",
        );
        let logged: Vec<&str> =
            log["edges"].as_array().unwrap().iter().map(|e| e["node"]["kind"].as_str().unwrap()).collect();
        assert_eq!(logged.first(), Some(&"APPEAL_DECISION"), "newest first");
        assert_eq!(logged.len(), 6);
        assert_eq!(log["edges"][0]["node"]["actor"]["handle"], "mod.two");
        assert_eq!(log["edges"][0]["node"]["note"], "Educational, restore it");
        assert_code(
            &app.query_as(&w.author, "{ moderationLog { edges { node { kind } } } }", json!({})).await,
            "FORBIDDEN",
        );
    })
    .await;
}

#[tokio::test]
async fn appeals_close_after_thirty_days() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let reporter = app.token_for("reporter").await;
        app.report(&reporter, "CONTENT", &w.content, "HATE_SPEECH", None).await;
        let case = case_for(&app, &w.moderator, &w.content).await;
        data(&resolve(&app, &w.moderator, &case, "WARN_USER", json!({})).await, "resolveCase");
        app.clock.advance(Duration::days(31));
        let author = app.log_in("author").await;
        assert_eq!(notification_kinds(&app, &author).await, ["ACCOUNT_WARNED"]);
        assert_code(&app.query_as(&author, APPEAL, json!({ "id": case["id"], "m": "Too late?" })).await, "FORBIDDEN");
    })
    .await;
}

#[tokio::test]
async fn removed_comments_disappear() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let troll = app.token_for("troll").await;
        let comment = app
            .query_as(
                &troll,
                "mutation($c: ID!) { addComment(contentId: $c, body: \"Mày xấu lắm\", postAnyway: true) { id } }",
                json!({ "c": w.content }),
            )
            .await["data"]["addComment"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.report(&w.author, "COMMENT", &comment, "BULLYING_HARASSMENT", None).await;
        let case = case_for(&app, &w.moderator, &comment).await;
        assert_eq!(case["target"]["body"], "Mày xấu lắm");
        assert_code(&resolve(&app, &w.moderator, &case, "RESTRICT_TO_ADULTS", json!({})).await, "BAD_USER_INPUT");
        data(&resolve(&app, &w.moderator, &case, "REMOVE_CONTENT", json!({})).await, "resolveCase");
        let list = app
            .query(
                "query($id: ID!) { content(id: $id) { comments { edges { node { id } } } } }",
                json!({ "id": w.content }),
            )
            .await;
        assert!(list["data"]["content"]["comments"]["edges"].as_array().unwrap().is_empty());
        assert_eq!(notification_kinds(&app, &troll).await, ["CONTENT_REMOVED"]);
    })
    .await;
}

#[tokio::test]
async fn notifications_page_newest_first() {
    on_each_database(|app| async move {
        let w = world(&app).await;
        let reporter = app.token_for("reporter").await;
        let mut ids = HashSet::new();
        for i in 0..3 {
            let target = app.create_content(&w.author, json!({ "title": format!("N{i}") })).await;
            app.report(&reporter, "CONTENT", &target, "SPAM", None).await;
            let case = case_for(&app, &w.moderator, &target).await;
            app.clock.advance(Duration::seconds(1));
            resolve(&app, &w.moderator, &case, "DISMISS", json!({})).await;
        }
        let first = app
            .query_as(
                &reporter,
                "{ notifications(first: 2) { edges { node { id createdAt } } pageInfo { hasNextPage endCursor } } }",
                json!({}),
            )
            .await;
        let page = &first["data"]["notifications"];
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        let mut times = Vec::new();
        for edge in page["edges"].as_array().unwrap() {
            ids.insert(edge["node"]["id"].as_str().unwrap().to_owned());
            times.push(edge["node"]["createdAt"].as_str().unwrap().to_owned());
        }
        let rest = app
            .query_as(
                &reporter,
                "query($a: String) { notifications(first: 2, after: $a) { edges { node { id createdAt } } } }",
                json!({ "a": page["pageInfo"]["endCursor"] }),
            )
            .await;
        for edge in rest["data"]["notifications"]["edges"].as_array().unwrap() {
            assert!(ids.insert(edge["node"]["id"].as_str().unwrap().to_owned()));
            times.push(edge["node"]["createdAt"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 3);
        // One second apart, newest first across both pages.
        let parsed: Vec<chrono::DateTime<chrono::Utc>> = times.iter().map(|t| t.parse().unwrap()).collect();
        assert!(parsed.windows(2).all(|pair| pair[0] > pair[1]), "newest first: {times:?}");
        assert_code(&app.query(NOTES, json!({})).await, "UNAUTHENTICATED");
    })
    .await;
}
