//! Policy versions and re-consent, the data export, and deletion.
use chrono::Duration;
use entity::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::support::*;

const PUBLISH: &str = "mutation($i: PublishPolicyInput!) { publishPrivacyPolicy(input: $i) { version summary } }";
const ACCEPT: &str = "mutation($v: Int!) { acceptPrivacyPolicy(version: $v) { acceptedVersion currentVersion upToDate history { version } } }";
const LIKE: &str =
    "mutation($id: ID!) { recordInteraction(input: { contentId: $id, kind: LIKE }) { content { likeCount } } }";

fn policy(summary: &str) -> Value {
    json!({ "i": { "summary": summary, "summaryVi": "Chúng tôi cập nhật cách dùng dữ liệu", "body": "Full text", "bodyVi": "Toàn văn" } })
}

#[tokio::test]
async fn a_new_policy_version_needs_consent_before_any_change() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("the.admin", Role::Admin).await;
        let session = app.sign_up("user", 30).await;
        let user = session["accessToken"].as_str().unwrap().to_owned();
        let author = app.token_for("author").await;
        let video = app.create_content(&author, json!({})).await;

        assert_code(&app.query_as(&user, PUBLISH, policy("v2")).await, "FORBIDDEN");
        assert_code(&app.query_as(&admin, PUBLISH, policy("  ")).await, "BAD_USER_INPUT");
        let published = app.query_as(&admin, PUBLISH, policy("We now explain every recommendation")).await;
        assert_eq!(ok(&published)["publishPrivacyPolicy"]["version"], 2);

        let like = app.query_as(&user, LIKE, json!({ "id": video })).await;
        assert_code(&like, "CONSENT_REQUIRED");
        assert_eq!(like["errors"][0]["extensions"]["currentVersion"], 2);
        assert_code(&app.try_create_content(&user, json!({})).await, "CONSENT_REQUIRED");
        // Reading keeps working, and so do signing in and refreshing.
        ok(&app.query_as(&user, "{ me { consent { upToDate currentVersion } } feed { edges { node { id } } } contents { edges { node { id } } } }", json!({})).await);
        let login = app.query("mutation { logIn(email: \"user@example.com\", password: \"correct horse battery\") { accessToken refreshToken } }", json!({})).await;
        let refresh_token = ok(&login)["logIn"]["refreshToken"].as_str().unwrap().to_owned();
        ok(&app.query("mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }", json!({ "t": refresh_token })).await);
        let notes = app.query_as(&user, "{ notifications { edges { node { kind } } } }", json!({})).await;
        assert_eq!(ok(&notes)["notifications"]["edges"][0]["node"]["kind"], "POLICY_UPDATED");

        assert_code(&app.query_as(&user, ACCEPT, json!({ "v": 1 })).await, "BAD_USER_INPUT");
        assert_code(&app.query_as(&user, ACCEPT, json!({ "v": 3 })).await, "BAD_USER_INPUT");
        let accepted = app.query_as(&user, ACCEPT, json!({ "v": 2 })).await;
        assert_eq!(
            ok(&accepted)["acceptPrivacyPolicy"],
            json!({ "acceptedVersion": 2, "currentVersion": 2, "upToDate": true, "history": [{ "version": 1 }, { "version": 2 }] })
        );
        assert_eq!(ok(&app.query_as(&user, LIKE, json!({ "id": video })).await)["recordInteraction"]["content"]["likeCount"], 1);
        let listed = app.query("{ privacyPolicies { version } privacyPolicy { version summary } }", json!({})).await;
        assert_eq!(ok(&listed)["privacyPolicies"], json!([{ "version": 2 }, { "version": 1 }]));
        // New accounts consent to the current version.
        assert_code(&app.try_sign_up(json!({ "handle": "late", "email": "late@example.com", "acceptedPolicyVersion": 1 })).await, "BAD_USER_INPUT");
        // Leaving is always possible.
        let out = app.query_as(&author, "mutation($t: String!) { logOut(refreshToken: $t) }", json!({ "t": session["refreshToken"] })).await;
        assert!(out["errors"].is_null(), "{out}");
    })
    .await;
}

#[tokio::test]
async fn the_export_holds_every_section_and_nothing_of_others() {
    on_each_database(|app| async move {
        let guardian = app.token_for("parent").await;
        let teen = app.sign_up("busy.teen", 15).await["accessToken"].as_str().unwrap().to_owned();
        app.pair(&guardian, &teen).await;
        let teen_id = app.my_id(&teen).await;
        ok(&app.query_as(&guardian, "mutation($t: ID!) { setTeenControls(teenId: $t, input: { dailyLimitMinutes: 90, timeAway: [] }) { lockedByGuardian } }", json!({ "t": teen_id })).await);
        let author = app.token_for("author").await;
        let author_id = app.my_id(&author).await;
        let video = app.create_content(&author, json!({ "title": "Bánh mì", "durationSeconds": 120 })).await;
        app.create_content(&teen, json!({ "title": "Bài tập của em" })).await;
        ok(&app.interact(&teen, &video, "VIEW", Some(90_000)).await);
        ok(&app.interact(&teen, &video, "LIKE", None).await);
        ok(&app.query_as(&teen, "{ contents(filter: { search: \"banh mi\" }) { edges { node { id } } } }", json!({})).await);
        ok(&app.query_as(&teen, "mutation($c: ID!) { addComment(contentId: $c, body: \"Ngon quá\") { id } }", json!({ "c": video })).await);
        ok(&app.query_as(&teen, "mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": author_id })).await);
        ok(&app.query_as(&teen, "mutation { requestMoreTime(minutes: 15, reason: \"Ôn thi\") { id } }", json!({})).await);
        // A report, also filed by someone else, decided with a private note.
        let other = app.token_for("other.reporter").await;
        let report = "mutation($id: ID!) { fileReport(input: { targetType: CONTENT, targetId: $id, reason: SPAM }) { id } }";
        ok(&app.query_as(&teen, report, json!({ "id": video })).await);
        ok(&app.query_as(&other, report, json!({ "id": video })).await);
        let moderator = app.user_with_role("mod", Role::Moderator).await;
        let queue = app.query_as(&moderator, "{ moderationQueue { edges { node { id version } } } }", json!({})).await;
        let case = ok(&queue)["moderationQueue"]["edges"][0]["node"].clone();
        ok(&app.query_as(&moderator, "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id } }",
            json!({ "i": { "caseId": case["id"], "action": "DISMISS", "note": "SECRET-MODERATOR-NOTE", "expectedVersion": case["version"] } })).await);

        let export = app.query_as(&teen, "mutation { exportMyData }", json!({})).await;
        let data = &ok(&export)["exportMyData"];
        assert_eq!(data["profile"]["handle"], "busy.teen");
        assert_eq!(data["profile"]["email"], "busy.teen@example.com");
        assert_eq!(data["settings"]["restrictedMode"], true);
        assert_eq!(data["controls"]["dailyLimitMinutes"], 90);
        assert_eq!(data["consents"].as_array().unwrap().len(), 1);
        assert_eq!(data["content"][0]["title"], "Bài tập của em");
        assert_eq!(data["comments"][0]["body"], "Ngon quá");
        let kinds: Vec<&str> = data["interactions"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["VIEW", "LIKE", "SEARCH"]);
        assert_eq!(data["likes"].as_array().unwrap().len(), 1);
        assert_eq!(data["follows"]["following"][0]["handle"], "author");
        assert_eq!(data["reports"][0]["status"], "DISMISSED");
        assert!(data["reports"][0]["outcome"].as_str().unwrap().contains("không thấy vi phạm"));
        assert_eq!(data["familyLinks"][0]["with"], "parent");
        assert_eq!(data["familyLinks"][0]["role"], "TEEN");
        assert_eq!(data["screenTime"][0]["minutes"], 1);
        assert_eq!(data["timeRequests"][0]["reason"], "Ôn thi");
        let note_kinds: Vec<&str> = data["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        for kind in ["FAMILY_LINKED", "CONTROLS_CHANGED", "REPORT_RESOLVED"] {
            assert!(note_kinds.contains(&kind), "{kind} in {note_kinds:?}");
        }
        let text = data.to_string();
        for secret in ["other.reporter", "SECRET-MODERATOR-NOTE", "parent@example.com", "author@example.com", "password"] {
            assert!(!text.contains(secret), "the export leaks {secret}");
        }
        assert_code(&app.query("mutation { exportMyData }", json!({})).await, "UNAUTHENTICATED");
    })
    .await;
}

/// Whether the viewer still finds the account and its video, and how many
/// comments they see under the friend's video.
async fn traces(app: &TestApp, token: &str, video: &str, friends_video: &str) -> (bool, usize) {
    let seen = app
        .query_as(
            token,
            "query($id: ID!) { content(id: $id) { id } user(handle: \"leaving\") { id } }",
            json!({ "id": video }),
        )
        .await;
    let comments = app
        .query_as(
            token,
            "query($id: ID!) { content(id: $id) { comments { edges { node { body } } } } }",
            json!({ "id": friends_video }),
        )
        .await;
    let found = !ok(&seen)["content"].is_null() && !ok(&seen)["user"].is_null();
    (found, ok(&comments)["content"]["comments"]["edges"].as_array().unwrap().len())
}

#[tokio::test]
async fn deleted_accounts_vanish_at_once_return_on_sign_in_and_are_purged_after_30_days() {
    on_each_database(|app| async move {
        let leaving = app.token_for("leaving").await;
        let friend = app.token_for("friend").await;
        let friend_id = app.my_id(&friend).await;
        let leaving_id = app.my_id(&leaving).await;
        let video = app.create_content(&leaving, json!({ "title": "Video riêng tư của tôi" })).await;
        let friends_video = app.create_content(&friend, json!({ "title": "Của bạn" })).await;
        ok(&app.query_as(&leaving, "mutation($c: ID!) { addComment(contentId: $c, body: \"Bình luận bí mật\") { id } }", json!({ "c": friends_video })).await);
        ok(&app.interact(&leaving, &friends_video, "LIKE", None).await);
        ok(&app.query_as(&leaving, "mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": friend_id })).await);
        // Moderation history involving the account, in both roles.
        let report = "mutation($t: ReportTargetType!, $id: ID!) { fileReport(input: { targetType: $t, targetId: $id, reason: SPAM }) { id } }";
        ok(&app.query_as(&friend, report, json!({ "t": "CONTENT", "id": video })).await);
        ok(&app.query_as(&leaving, report, json!({ "t": "USER", "id": friend_id })).await);
        let admin = app.user_with_role("the.admin", Role::Admin).await;
        let log_before = app.query_as(&admin, "{ moderationLog { edges { node { id kind } } } }", json!({})).await;
        let events_before = ok(&log_before)["moderationLog"]["edges"].as_array().unwrap().len();

        let delete = "mutation($p: String!) { deleteAccount(password: $p) { scheduledFor } }";
        assert_code(&app.query_as(&leaving, delete, json!({ "p": "wrong password" })).await, "UNAUTHENTICATED");
        let deleted = app.query_as(&leaving, delete, json!({ "p": PASSWORD })).await;
        assert!(ok(&deleted)["deleteAccount"]["scheduledFor"].as_str().unwrap().starts_with("2026-12-29T03:00:00"));
        assert_code(&app.query_as(&leaving, "{ me { email } }", json!({})).await, "UNAUTHENTICATED");
        assert_eq!(traces(&app, &friend, &video, &friends_video).await, (false, 0));

        // Signing in within 30 days brings everything back.
        app.clock.advance(Duration::days(29));
        let log_in = "mutation { logIn(email: \"leaving@example.com\", password: \"correct horse battery\") { accessToken deletionCancelled } }";
        let restored = app.query(log_in, json!({})).await;
        assert_eq!(ok(&restored)["logIn"]["deletionCancelled"], true, "the person is told the deletion was cancelled");
        assert_eq!(ok(&app.query(log_in, json!({})).await)["logIn"]["deletionCancelled"], false, "and only once");
        let back = app.log_in("leaving").await;
        ok(&app.query_as(&back, "{ me { email } }", json!({})).await);
        let friend = app.log_in("friend").await;
        assert_eq!(traces(&app, &friend, &video, &friends_video).await, (true, 1));

        // Deleted again, and after 30 days purged.
        ok(&app.query_as(&back, delete, json!({ "p": PASSWORD })).await);
        app.clock.advance(Duration::days(30));
        // What the scheduled task does (it may also have run meanwhile, hence `<= 1`).
        assert!(api::service::data_rights::purge(&app.state.db, app.clock_now()).await.unwrap() <= 1);
        assert_eq!(api::service::data_rights::purge(&app.state.db, app.clock_now()).await.unwrap(), 0, "idempotent");
        assert_code(&app.query("mutation { logIn(email: \"leaving@example.com\", password: \"correct horse battery\") { accessToken } }", json!({})).await, "UNAUTHENTICATED");

        let db = &app.state.db;
        let mut rows = Vec::new();
        rows.extend(entity::user::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::content::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::comment::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::moderation_case::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::report::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::notification::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::moderation_event::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::follow::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::like::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::interaction::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        rows.extend(entity::session::Entity::find().all(db).await.unwrap().iter().map(|r| format!("{r:?}")));
        for row in &rows {
            for trace in ["leaving@example.com", "\"leaving\"", "@leaving", "Video riêng tư", "Bình luận bí mật", &leaving_id] {
                assert!(!row.contains(trace), "{trace} survives in {row}");
            }
        }
        // The audit log still reads whole.
        let admin = app.log_in("the.admin").await;
        let log_after = app.query_as(&admin, "{ moderationLog { edges { node { id kind actor { handle } } } } }", json!({})).await;
        assert_eq!(ok(&log_after)["moderationLog"]["edges"].as_array().unwrap().len(), events_before);
        let friend = app.log_in("friend").await;
        let counts = app.query_as(&friend, "query($id: ID!) { content(id: $id) { likeCount commentCount } }", json!({ "id": friends_video })).await;
        assert_eq!(ok(&counts)["content"], json!({ "likeCount": 0, "commentCount": 0 }));
    })
    .await;
}

#[tokio::test]
async fn purge_command_runs_for_operators() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        // One account past its 30 days, one still inside them. The command
        // runs on the system clock, not the test's.
        app.token_for("long.gone").await;
        app.token_for("just.left").await;
        let now = chrono::Utc::now();
        app.update_user("long.gone", |u| u.deleted_at = sea_orm::Set(Some(now - chrono::Duration::days(31)))).await;
        app.update_user("just.left", |u| u.deleted_at = sea_orm::Set(Some(now - chrono::Duration::days(29)))).await;
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_api"))
            .arg("purge")
            .env("DATABASE_URL", &app.database.url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "purged 1 account(s)");
        let left = api::service::accounts::find_by_handle(&app.state.db, "long.gone").await.unwrap();
        assert!(left.is_none(), "the account past its grace period is gone");
        let kept = api::service::accounts::find_by_handle(&app.state.db, "just.left").await.unwrap();
        assert!(kept.is_some(), "the one inside it stays");
    }
}
