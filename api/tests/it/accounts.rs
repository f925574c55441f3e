//! Sign-up, the age gate, age-band defaults, profiles and roles.
use chrono::Duration;
use entity::Role;
use serde_json::{Value, json};

use crate::support::*;

async fn me(app: &TestApp, token: &str) -> Value {
    let response = app.query_as(token, &format!("{{ me {{ {ME_FIELDS} }} }}"), json!({})).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["me"].clone()
}

#[tokio::test]
async fn an_adult_signs_up_with_adult_defaults_and_recorded_consent() {
    on_each_database(|app| async move {
        let payload = app.sign_up("lan.nguyen", 30).await;
        assert_eq!(payload["me"]["ageBand"], "ADULT");
        let me = me(&app, payload["accessToken"].as_str().unwrap()).await;
        assert_eq!(me["user"]["handle"], "lan.nguyen");
        assert_eq!(me["user"]["displayName"], "Người dùng");
        assert_eq!(me["user"]["isPrivate"], false);
        assert_eq!(me["email"], "lan.nguyen@example.com");
        assert_eq!(me["role"], "USER");
        assert_eq!(me["timezone"], "Asia/Ho_Chi_Minh");
        assert_eq!(me["locale"], "vi");
        assert_eq!(
            me["settings"],
            json!({ "privateAccount": false, "personalizedFeed": true, "commentPolicy": "EVERYONE", "restrictedMode": false })
        );
        assert!(me["controls"].is_null(), "adults have no teen controls");
        assert_eq!(me["consent"]["acceptedVersion"], 1);
        assert_eq!(me["consent"]["currentVersion"], 1);
        assert_eq!(me["consent"]["upToDate"], true);
        let history = me["consent"]["history"].as_array().unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0]["version"], 1);
        assert!(history[0]["acceptedAt"].as_str().unwrap().starts_with("2026-11-29T03:00:00"));
    })
    .await;
}

#[tokio::test]
async fn a_14_year_old_gets_the_youngest_teen_defaults() {
    on_each_database(|app| async move {
        let payload = app.sign_up("bao.an", 14).await;
        let me = me(&app, payload["accessToken"].as_str().unwrap()).await;
        assert_eq!(me["ageBand"], "TEEN_13_15");
        assert_eq!(me["user"]["isPrivate"], true);
        assert_eq!(me["settings"]["privateAccount"], true);
        assert_eq!(me["settings"]["commentPolicy"], "FOLLOWERS");
        assert_eq!(me["settings"]["restrictedMode"], true);
        let controls = &me["controls"];
        assert_eq!(controls["dailyLimitMinutes"], 60);
        assert_eq!(controls["restrictedMode"], true);
        assert_eq!(controls["searchEnabled"], true);
        assert_eq!(controls["privateAccount"], true);
        assert_eq!(controls["lockedByGuardian"], false);
        assert_eq!(controls["blockedKeywords"], json!([]));
        assert_eq!(
            controls["timeAway"],
            json!([{ "days": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"], "start": "21:00", "end": "08:00" }])
        );
    })
    .await;
}

#[tokio::test]
async fn a_16_year_old_gets_the_older_teen_defaults() {
    on_each_database(|app| async move {
        let payload = app.sign_up("khanh.vy", 16).await;
        let me = me(&app, payload["accessToken"].as_str().unwrap()).await;
        assert_eq!(me["ageBand"], "TEEN_16_17");
        assert_eq!(me["settings"]["privateAccount"], true);
        assert_eq!(me["settings"]["commentPolicy"], "EVERYONE");
        assert_eq!(me["settings"]["restrictedMode"], true);
        assert_eq!(me["controls"]["dailyLimitMinutes"], 60);
        assert_eq!(me["controls"]["timeAway"][0]["start"], "22:00");
        assert_eq!(me["controls"]["timeAway"][0]["end"], "08:00");
    })
    .await;
}

#[tokio::test]
async fn the_age_gate_refuses_under_13s_and_locks_the_email_for_a_day() {
    on_each_database(|app| async move {
        let refused = app.try_sign_up(json!({ "email": "kid@example.com", "birthDate": born_years_ago(12) })).await;
        assert_code(&refused, "AGE_RESTRICTED");
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(!message.contains("13") && !message.contains("age"), "the message is neutral: {message}");
        assert!(refused["data"].is_null());

        // Another birth date, even in other letter case, is refused the same way.
        let again = app.try_sign_up(json!({ "email": "Kid@Example.com", "birthDate": born_years_ago(30) })).await;
        assert_code(&again, "AGE_RESTRICTED");
        assert_eq!(again["errors"][0]["message"], message);

        app.clock.advance(Duration::hours(23));
        let still = app.try_sign_up(json!({ "email": "kid@example.com", "birthDate": born_years_ago(30) })).await;
        assert_code(&still, "AGE_RESTRICTED");

        // Other emails are unaffected, and the lock lifts after 24 hours.
        app.sign_up("someone.else", 30).await;
        app.clock.advance(Duration::hours(1) + Duration::seconds(1));
        let later = app.try_sign_up(json!({ "email": "kid@example.com", "birthDate": born_years_ago(30) })).await;
        assert!(later["errors"].is_null(), "{later}");
    })
    .await;
}

#[tokio::test]
async fn sign_up_rejects_bad_input_field_by_field() {
    on_each_database(|app| async move {
        let cases: Vec<(Value, &str)> = vec![
            (json!({ "handle": "ab" }), "handle"),
            (json!({ "handle": "a".repeat(25) }), "handle"),
            (json!({ "handle": "lan anh!" }), "handle"),
            (json!({ "handle": "phở" }), "handle"),
            (json!({ "email": "not-an-email" }), "email"),
            (json!({ "email": "two@@example.com" }), "email"),
            (json!({ "displayName": "" }), "displayName"),
            (json!({ "displayName": "ấ".repeat(51) }), "displayName"),
            (json!({ "password": "short" }), "password"),
            (json!({ "password": "p".repeat(129) }), "password"),
            (json!({ "timezone": "Mars/Olympus" }), "timezone"),
            (json!({ "locale": "fr" }), "locale"),
            (json!({ "birthDate": "2026-11-30" }), "birthDate"),
            (json!({ "birthDate": "1905-01-01" }), "birthDate"),
            (json!({ "acceptedPolicyVersion": 2 }), "acceptedPolicyVersion"),
            (json!({ "acceptedPolicyVersion": 0 }), "acceptedPolicyVersion"),
        ];
        for (input, field) in cases {
            let response = app.try_sign_up(input.clone()).await;
            assert_code(&response, "BAD_USER_INPUT");
            let fields = &response["errors"][0]["extensions"]["fields"];
            assert!(fields[field].as_array().is_some_and(|m| !m.is_empty()), "{input} should flag {field}: {response}");
        }

        // Several bad fields are all reported at once.
        let response = app.try_sign_up(json!({ "handle": "x", "email": "nope", "password": "short" })).await;
        let fields = response["errors"][0]["extensions"]["fields"].as_object().unwrap();
        let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["email", "handle", "password"]);

        // Nothing was created by any of it.
        let login = app
            .query(
                "mutation { logIn(email: \"user@example.com\", password: \"correct horse battery\") { accessToken } }",
                json!({}),
            )
            .await;
        assert_code(&login, "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn wrongly_typed_input_is_bad_user_input() {
    on_each_database(|app| async move {
        for input in [
            json!({ "birthDate": 20100101 }),
            json!({ "birthDate": "2010-02-30" }),
            json!({ "birthDate": "01/02/2010" }),
            json!({ "handle": 42 }),
            json!({ "acceptedPolicyVersion": "one" }),
        ] {
            let response = app.try_sign_up(input.clone()).await;
            assert_code(&response, "BAD_USER_INPUT");
        }
        let missing = app.query("mutation { signUp(input: { handle: \"abc\" }) { accessToken } }", json!({})).await;
        assert_code(&missing, "BAD_USER_INPUT");
        let inline = app.query("mutation { logIn(email: 5, password: \"x\") { accessToken } }", json!({})).await;
        assert_code(&inline, "BAD_USER_INPUT");
        assert!(inline["errors"][0]["extensions"]["fields"]["email"].is_array(), "{inline}");
    })
    .await;
}

#[tokio::test]
async fn handles_and_emails_are_unique_whatever_their_letter_case() {
    on_each_database(|app| async move {
        app.sign_up("minh.tran", 40).await;
        let same_handle = app.try_sign_up(json!({ "handle": "Minh.Tran", "email": "other@example.com" })).await;
        assert_code(&same_handle, "CONFLICT");
        let same_email = app.try_sign_up(json!({ "handle": "other", "email": "MINH.TRAN@example.com" })).await;
        assert_code(&same_email, "CONFLICT");
    })
    .await;
}

#[tokio::test]
async fn users_are_found_by_handle_in_any_letter_case() {
    on_each_database(|app| async move {
        let created = app.sign_up("thu.ha", 30).await;
        let id = me(&app, created["accessToken"].as_str().unwrap()).await["user"]["id"].clone();
        let found = app
            .query("query($h: String!) { user(handle: $h) { id handle isPrivate } }", json!({ "h": "Thu.Ha" }))
            .await;
        assert_eq!(found["data"]["user"]["id"], id);
        assert_eq!(found["data"]["user"]["handle"], "thu.ha");
        for unknown in ["nobody", "x", "not a handle!"] {
            let missing = app.query("query($h: String!) { user(handle: $h) { id } }", json!({ "h": unknown })).await;
            assert!(missing["errors"].is_null() && missing["data"]["user"].is_null(), "{missing}");
        }
    })
    .await;
}

#[tokio::test]
async fn only_admins_set_roles() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("the.admin", Role::Admin).await;
        let user = app.token_for("plain.user").await;
        let target = me(&app, &app.token_for("future.mod").await).await["user"]["id"].as_str().unwrap().to_owned();
        let set_role = "mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id handle } }";
        let vars = json!({ "id": target, "role": "MODERATOR" });

        assert_code(&app.query(set_role, vars.clone()).await, "UNAUTHENTICATED");
        assert_code(&app.query_as(&user, set_role, vars.clone()).await, "FORBIDDEN");

        let done = app.query_as(&admin, set_role, vars).await;
        assert_eq!(done["data"]["setUserRole"]["handle"], "future.mod", "{done}");
        let login = app
            .query(
                "mutation { logIn(email: \"future.mod@example.com\", password: \"correct horse battery\") { me { role } } }",
                json!({}),
            )
            .await;
        assert_eq!(login["data"]["logIn"]["me"]["role"], "MODERATOR");

        let admin_id = me(&app, &admin).await["user"]["id"].clone();
        let own = app.query_as(&admin, set_role, json!({ "id": admin_id, "role": "USER" })).await;
        assert_code(&own, "FORBIDDEN");
        let unknown = app
            .query_as(&admin, set_role, json!({ "id": uuid::Uuid::new_v4().to_string(), "role": "ADMIN" }))
            .await;
        assert_code(&unknown, "NOT_FOUND");
        let malformed = app.query_as(&admin, set_role, json!({ "id": "not-a-uuid", "role": "ADMIN" })).await;
        assert_code(&malformed, "NOT_FOUND");
        let bad_role = app.query_as(&admin, set_role, json!({ "id": target, "role": "OWNER" })).await;
        assert_code(&bad_role, "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn privacy_policies_are_readable_by_anyone() {
    on_each_database(|app| async move {
        let current =
            app.query("{ privacyPolicy { version summary summaryVi body bodyVi publishedAt } }", json!({})).await;
        let policy = &current["data"]["privacyPolicy"];
        assert_eq!(policy["version"], 1);
        assert!(policy["summaryVi"].as_str().unwrap().contains("dữ liệu"));
        assert!(!policy["body"].as_str().unwrap().is_empty());
        let v1 = app.query("{ privacyPolicy(version: 1) { version } }", json!({})).await;
        assert_eq!(v1["data"]["privacyPolicy"]["version"], 1);
        assert_code(&app.query("{ privacyPolicy(version: 99) { version } }", json!({})).await, "NOT_FOUND");
        let all = app.query("{ privacyPolicies { version } }", json!({})).await;
        assert_eq!(all["data"]["privacyPolicies"], json!([{ "version": 1 }]));
    })
    .await;
}

#[tokio::test]
async fn the_demo_seed_creates_working_accounts_and_reference_data() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        // The screens are lived in: kind comments under most videos, and a
        // circle around the demo teen, as their guardian sees it.
        let page = app.query("{ contents(first: 50) { edges { node { mediaUrl durationSeconds commentCount comments(first: 5) { edges { node { body } } } } } } }", json!({})).await;
        let videos = field(&page, "contents")["edges"].as_array().unwrap().clone();
        // Every demo video plays: its mediaUrl is a scene as long as the video.
        for video in &videos {
            let url = video["node"]["mediaUrl"].as_str().unwrap();
            let scene = app.get(url).await;
            assert_eq!(scene.status(), 200, "{url}");
            assert_eq!(scene.headers()["content-type"], "application/json", "{url}");
            let scene: serde_json::Value = scene.json().await.unwrap();
            assert_eq!(scene["durationSeconds"], video["node"]["durationSeconds"], "{url}");
            assert!(scene["beats"].as_array().is_some_and(|b| b.len() >= 3), "{url}: {scene}");
        }
        assert_eq!(app.get("/media/demo/999.json").await.status(), 404);
        let commented = videos.iter().filter(|v| v["node"]["commentCount"] == 2).count();
        assert!(commented * 10 >= videos.len() * 7, "{commented} of {} videos have comments", videos.len());
        assert!(videos.iter().any(|v| v["node"]["comments"]["edges"].as_array().is_some_and(|c| c.len() == 2)));
        let guardian = app.log_in_with("minh@demo.trustfeed.vn", "motlanthu2023").await;
        let circle = app.query_as(&guardian, "{ familyLinks { teenFollowing(first: 5) { edges { node { handle } } } teenFollowers(first: 5) { edges { node { handle } } } } }", json!({})).await;
        let link = &field(&circle, "familyLinks")[0];
        assert_eq!(link["teenFollowing"]["edges"].as_array().unwrap().len(), 3, "{circle}");
        assert_eq!(link["teenFollowers"]["edges"].as_array().unwrap().len(), 2, "{circle}");
        // Two weeks of the teen's watching, late nights included, none today.
        let teen = app.find_user("bao.an").await.id;
        let usage = app
            .query_as(
                &guardian,
                "query($id: ID!) { screenTimeReport(userId: $id, days: 15) { date minutes lateNightMinutes } }",
                json!({ "id": teen }),
            )
            .await;
        let days = field(&usage, "screenTimeReport").as_array().unwrap().clone();
        let today = days.iter().max_by_key(|d| d["date"].as_str().unwrap().to_owned()).unwrap();
        assert_eq!(today["minutes"], 0, "the teen starts today with all their time: {usage}");
        assert_eq!(days.iter().filter(|d| d["minutes"].as_i64().unwrap() >= 20).count(), 14, "{usage}");
        assert!(days.iter().filter(|d| d["lateNightMinutes"].as_i64().unwrap() > 0).count() >= 3, "{usage}");
        // An appeal waits for a moderator, and the 2026 relaunch has figures.
        let moderator = app.log_in_with("moderator@demo.trustfeed.vn", "motlanthu2023").await;
        let queue = app
            .query_as(
                &moderator,
                "{ moderationQueue(first: 50) { edges { node { status appealMessage } } } }",
                json!({}),
            )
            .await;
        let appeals = field(&queue, "moderationQueue")["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["node"]["status"] == "APPEALED")
            .count();
        assert_eq!(appeals, 1, "{queue}");
        // Who is who: a verified creator and organisation, the impersonator
        // of the cook waiting for a moderator, and a request for the badge.
        let badges = app.query("{ a: user(handle: \"bep.nha.lan\") { verifiedKind } b: user(handle: \"tin.nhanh.vn\") { verifiedKind } c: user(handle: \"bep_nha_lan\") { verified resembles { handle } } }", json!({})).await;
        assert_eq!(
            badges["data"],
            json!({ "a": { "verifiedKind": "CREATOR" }, "b": { "verifiedKind": "ORGANISATION" },
            "c": { "verified": false, "resembles": { "handle": "bep.nha.lan" } } }),
            "{badges}"
        );
        let impersonation = app.query_as(&moderator, "{ moderationQueue(first: 50, filter: { reason: IMPERSONATION }) { edges { node { tier target { ... on User { handle } } } } } }", json!({})).await;
        assert_eq!(
            field(&impersonation, "moderationQueue")["edges"],
            json!([{ "node": { "tier": 2, "target": { "handle": "bep_nha_lan" } } }])
        );
        let admin = app.log_in_with("admin@demo.trustfeed.vn", "motlanthu2023").await;
        let requests =
            app.query_as(&admin, "{ verificationQueue { edges { node { kind user { handle } } } } }", json!({})).await;
        assert_eq!(
            field(&requests, "verificationQueue")["edges"],
            json!([{ "node": { "kind": "CREATOR", "user": { "handle": "lan.nguyen" } } }])
        );
        // A child who said she was 18, locked for an age check that waits
        // for her answer; the admin's queue has it.
        let locked = app
            .query(
                "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }",
                json!({ "e": "bong@demo.trustfeed.vn", "p": api::seed::DEMO_PASSWORD }),
            )
            .await;
        assert_code(&locked, "AGE_CHECK_REQUIRED");
        assert!(locked["errors"][0]["extensions"]["submittedAt"].is_null(), "{locked}");
        let checks = app
            .query_as(&admin, "{ ageCheckQueue { edges { node { status submittedAt user { handle } } } } }", json!({}))
            .await;
        assert_eq!(
            field(&checks, "ageCheckQueue")["edges"],
            json!([{ "node": { "status": "PENDING", "submittedAt": null, "user": { "handle": "bong.be.xiu" } } }])
        );
        // Kind words: a month of nudges in the public figures, and the dance
        // creator's storm held for her.
        let kindness = app
            .query(
                "{ safetyTransparency { kindness { nudgesShown rewrittenShare postedAnywayShare commentsHeld } } }",
                json!({}),
            )
            .await;
        let kindness = &field(&kindness, "safetyTransparency")["kindness"];
        assert!(kindness["nudgesShown"].as_i64().unwrap() >= 100 && kindness["rewrittenShare"].is_f64(), "{kindness}");
        assert_eq!(kindness["commentsHeld"], 12, "{kindness}");
        let mai = app.log_in_with("nhay.cung.mai@creators.demo.trustfeed.vn", api::seed::DEMO_PASSWORD).await;
        let held = app
            .query_as(
                &mai,
                "{ me { commentControls { filterUnkind filterKeywords } } notifications { edges { node { kind } } } }",
                json!({}),
            )
            .await;
        assert_eq!(field(&held, "me")["commentControls"], json!({ "filterUnkind": true, "filterKeywords": ["béo"] }));
        assert!(
            field(&held, "notifications")["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["node"]["kind"] == "COMMENT_STORM")
        );
        let kpis = app.query_as(&admin, "{ campaignKpis(campaignSlug: \"tryitwithtiktok-2026\") { users { trustIndex { pre { n suppressed } } } nonUsers { trustIndex { pre { n suppressed } } } } }", json!({})).await;
        for group in ["users", "nonUsers"] {
            let pre = &field(&kpis, "campaignKpis")[group]["trustIndex"]["pre"];
            assert_eq!(pre["suppressed"], false, "{group}: {kpis}");
            assert!(pre["n"].as_i64().unwrap() >= 100, "{group}: {kpis}");
        }
        for (email, band, role) in [
            ("lan@demo.trustfeed.vn", "ADULT", "USER"),
            ("minh@demo.trustfeed.vn", "ADULT", "USER"),
            ("an@demo.trustfeed.vn", "TEEN_13_15", "USER"),
            ("vy@demo.trustfeed.vn", "TEEN_16_17", "USER"),
            ("moderator@demo.trustfeed.vn", "ADULT", "MODERATOR"),
            ("admin@demo.trustfeed.vn", "ADULT", "ADMIN"),
        ] {
            let login = app
                .query(
                    "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { me { ageBand role } } }",
                    json!({ "e": email, "p": api::seed::DEMO_PASSWORD }),
                )
                .await;
            assert_eq!(login["data"]["logIn"]["me"], json!({ "ageBand": band, "role": role }), "{email}: {login}");
        }
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let tags = entity::tag::Entity::find().all(&app.state.db).await.unwrap();
        let pillars: std::collections::HashSet<_> = tags.iter().map(|t| t.pillar).collect();
        assert_eq!(pillars.len(), 5, "tags span all five pillars");
        let campaign = entity::campaign::Entity::find()
            .filter(entity::campaign::Column::Slug.eq("tryitwithtiktok"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(campaign.tagline, "Trăm xem không bằng một thử");
        assert_eq!(campaign.hashtag, "#tryitwithtiktok");
        assert_eq!(campaign.starts_at.to_rfc3339(), "2023-05-16T17:00:00+00:00");
    }
}

/// `create-user` with `role`: the command's output and whether it worked.
fn create_user(app: &TestApp, handle: &str, role: &str) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_api"))
        .args(["create-user", "--email", &format!("{handle}@Example.com"), "--handle", handle])
        .args(["--birth-date", "1990-04-30", "--role", role, "--password-stdin"])
        .env("DATABASE_URL", &app.database.url)
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a long operator password\n").unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_user_command_makes_accounts_of_every_role_that_can_sign_in() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        for (handle, role, shown) in [("mod.one", "moderator", "MODERATOR"), ("analyst.one", "ANALYST", "ANALYST")] {
            let output = create_user(&app, handle, role);
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            let login = app
                .query(
                    "mutation($e: String!) { logIn(email: $e, password: \"a long operator password\") { me { role user { handle } } } }",
                    json!({ "e": format!("{handle}@example.com") }),
                )
                .await;
            assert_eq!(login["data"]["logIn"]["me"], json!({ "role": shown, "user": { "handle": handle } }), "{login}");
        }
        let refused = create_user(&app, "boss.one", "OWNER");
        assert!(!refused.status.success());
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("expected USER, MODERATOR, ANALYST or ADMIN"), "{said}");
    }
}
