//! Age checks for children who slipped past the age gate: a moderator's
//! `REQUIRE_AGE_CHECK` locks the account and hides its content; its owner
//! answers with the token signing in gives; an admin's decision unlocks it
//! as an adult, as a teen under that band's defaults, or, under 13, purges
//! it at once and holds its email for a year.
use chrono::Duration;
use entity::Role;
use serde_json::{Value, json};

use crate::moderation::{APPEAL, CASE, case_for, data, notification_kinds, resolve};
use crate::support::*;

const LOG_IN: &str = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
const SUBMIT: &str = "mutation($d: Date!, $e: String!) { submitAgeCheck(birthDate: $d, evidence: $e) {
    id status claimedBirthDate evidence submittedAt decidedAt } }";
const QUEUE: &str = "{ ageCheckQueue(first: 50) { edges { node { id status claimedBirthDate evidence submittedAt
    user { handle } } } } }";
const DECIDE: &str = "mutation($id: ID!, $d: Date!, $n: String!) { decideAgeCheck(id: $id, birthDate: $d, note: $n) {
    id status evidence claimedBirthDate decidedAt user { handle } } }";
const EVIDENCE: &str = "Mẹ em có thể xác nhận; em có căn cước công dân.";

/// The people of a scenario: the account under check (signed up claiming
/// to be 20), a parent who reports it, a moderator and an admin.
struct Family {
    child: String,
    child_id: String,
    parent: String,
    moderator: String,
    admin: String,
}

async fn family(app: &TestApp) -> Family {
    let child = app.sign_up("be.na", 20).await["accessToken"].as_str().unwrap().to_owned();
    Family {
        child_id: app.my_id(&child).await,
        child,
        parent: app.token_for("me.cua.na").await,
        moderator: app.user_with_role("kiem.duyet", Role::Moderator).await,
        admin: app.user_with_role("quan.tri", Role::Admin).await,
    }
}

/// The parent reports the account as under 13 and the moderator asks for an age check.
async fn require_age_check(app: &TestApp, f: &Family) -> Value {
    field(
        &app.report(&f.parent, "USER", &f.child_id, "UNDERAGE_USER", Some("Con tôi mới 11 tuổi")).await,
        "fileReport",
    );
    let case = case_for(app, &f.moderator, &f.child_id).await;
    let decided = resolve(app, &f.moderator, &case, "REQUIRE_AGE_CHECK", json!({})).await;
    assert_eq!(data(&decided, "resolveCase")["resolution"], "REQUIRE_AGE_CHECK");
    case
}

/// Signing in as `handle`: refused with AGE_CHECK_REQUIRED; its extensions.
async fn locked_sign_in(app: &TestApp, handle: &str) -> Value {
    let refused = app.query(LOG_IN, json!({ "e": format!("{handle}@example.com"), "p": PASSWORD })).await;
    assert_code(&refused, "AGE_CHECK_REQUIRED");
    refused["errors"][0]["extensions"].clone()
}

/// The waiting check of the only account in the queue.
async fn waiting_check(app: &TestApp, admin: &str) -> Value {
    let queue = data(&app.query_as(admin, QUEUE, json!({})).await, "ageCheckQueue");
    let edges = queue["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "one check waits: {queue}");
    edges[0]["node"].clone()
}

#[tokio::test]
async fn an_account_asked_for_an_age_check_is_locked_hidden_and_answers_with_its_token() {
    on_each_database(|app| async move {
        let f = family(&app).await;
        let video = app.create_content(&f.child, json!({ "title": "Nhảy cùng em" })).await;
        let reported = app.create_content(&f.child, json!({ "title": "Em đi học" })).await;
        field(&app.report(&f.parent, "CONTENT", &reported, "SPAM", None).await, "fileReport");
        // An age check is for accounts only.
        let content_case = case_for(&app, &f.moderator, &reported).await;
        let refused = resolve(&app, &f.moderator, &content_case, "REQUIRE_AGE_CHECK", json!({})).await;
        assert_code(&refused, "BAD_USER_INPUT");

        let case = require_age_check(&app, &f).await;
        // The session it had is refused, its video and profile are hidden.
        assert_code(&app.query_as(&f.child, "{ me { user { handle } } }", json!({})).await, "AGE_CHECK_REQUIRED");
        let seen = app.query("query($id: ID!) { content(id: $id) { id } }", json!({ "id": video })).await;
        assert!(ok(&seen)["content"].is_null(), "the video is hidden while the check waits: {seen}");
        assert!(ok(&app.query("{ user(handle: \"be.na\") { handle } }", json!({})).await)["user"].is_null());
        // A wrong password learns nothing; the right one gets the token.
        let wrong = app.query(LOG_IN, json!({ "e": "be.na@example.com", "p": "not the password" })).await;
        assert_code(&wrong, "UNAUTHENTICATED");
        assert!(wrong["errors"][0]["extensions"]["ageCheckToken"].is_null());
        let pass = locked_sign_in(&app, "be.na").await;
        assert_eq!(pass["caseId"], case["id"]);
        assert!(pass["submittedAt"].is_null());
        let token = pass["ageCheckToken"].as_str().unwrap().to_owned();

        // The token opens the answer and the decisions, nothing else.
        assert_code(
            &app.query_as(&token, "{ feed(first: 5) { edges { cursor } } }", json!({})).await,
            "AGE_CHECK_REQUIRED",
        );
        let decisions = app.query_as(&token, "{ myDecisions { edges { node { id resolution } } } }", json!({})).await;
        assert_eq!(ok(&decisions)["myDecisions"]["edges"][0]["node"]["resolution"], "REQUIRE_AGE_CHECK");
        let tomorrow = (app.clock_now() + Duration::days(1)).date_naive().to_string();
        for (date, evidence, field_name) in [
            (born_years_ago(20), " ".to_owned(), "evidence"),
            (born_years_ago(20), "x".repeat(2001), "evidence"),
            (born_years_ago(20), "Mẹ em\u{202E}xác nhận".to_owned(), "evidence"),
            (tomorrow, EVIDENCE.to_owned(), "birthDate"),
            (born_years_ago(121), EVIDENCE.to_owned(), "birthDate"),
        ] {
            let bad = app.query_as(&token, SUBMIT, json!({ "d": date, "e": evidence })).await;
            assert_code(&bad, "BAD_USER_INPUT");
            assert!(bad["errors"][0]["extensions"]["fields"][field_name].is_array(), "{field_name}: {bad}");
        }
        let answered = data(
            &app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(20), "e": EVIDENCE })).await,
            "submitAgeCheck",
        );
        assert_eq!(answered["status"], "PENDING");
        assert_eq!(answered["evidence"], EVIDENCE);
        assert!(answered["submittedAt"].is_string());
        // Once: an admin decides now.
        assert_code(&app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(30), "e": EVIDENCE })).await, "CONFLICT");
        assert_eq!(locked_sign_in(&app, "be.na").await["submittedAt"], answered["submittedAt"]);
        // Nobody else may answer it, the account's old session included.
        assert_code(
            &app.query_as(&f.parent, SUBMIT, json!({ "d": born_years_ago(20), "e": EVIDENCE })).await,
            "FORBIDDEN",
        );
        assert_code(
            &app.query_as(&f.child, SUBMIT, json!({ "d": born_years_ago(20), "e": EVIDENCE })).await,
            "AGE_CHECK_REQUIRED",
        );

        let check = waiting_check(&app, &f.admin).await;
        assert_eq!(check["user"]["handle"], "be.na");
        assert_eq!(check["evidence"], EVIDENCE);
        assert_eq!(check["claimedBirthDate"], born_years_ago(20));
        let decided = app
            .query_as(&f.admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(19), "n": "Căn cước hợp lệ" }))
            .await;
        let decided = data(&decided, "decideAgeCheck");
        assert_eq!(decided["status"], "CONFIRMED_ADULT");
        assert!(decided["evidence"].is_null(), "the evidence is erased once decided");
        assert_eq!(decided["user"]["handle"], "be.na");
        let again =
            app.query_as(&f.admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(19), "n": "Lần nữa" })).await;
        assert_code(&again, "CONFLICT");
        assert!(
            data(&app.query_as(&f.admin, QUEUE, json!({})).await, "ageCheckQueue")["edges"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // Open again: signing in works, the video shows, the owner is told,
        // and the case's audit log has the admin's decision.
        let child = app.log_in("be.na").await;
        assert_eq!(app.find_user("be.na").await.birth_date.to_string(), born_years_ago(19));
        let seen = app.query("query($id: ID!) { content(id: $id) { id } }", json!({ "id": video })).await;
        assert_eq!(ok(&seen)["content"]["id"], video);
        assert!(notification_kinds(&app, &child).await.contains(&"AGE_CHECK_DECIDED".to_owned()));
        let audit = data(&app.query_as(&f.moderator, CASE, json!({ "id": case["id"] })).await, "moderationCase");
        let events = audit["events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["kind"] == "AGE_CHECK" && e["note"] == "Căn cước hợp lệ"), "{audit}");
        // What is kept of the check is in the owner's export, the evidence gone.
        let export = field(&app.query_as(&child, "mutation { exportMyData }", json!({})).await, "exportMyData").clone();
        let export: Value = serde_json::from_str(export.as_str().unwrap_or_default()).unwrap_or(export);
        assert_eq!(export["ageChecks"][0]["status"], "CONFIRMED_ADULT", "{export}");
        assert!(!export.to_string().contains(EVIDENCE));
        // The token of a decided check opens the answer no more.
        assert_code(
            &app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(20), "e": EVIDENCE })).await,
            "FORBIDDEN",
        );
    })
    .await;
}

#[tokio::test]
async fn a_teen_found_by_an_age_check_gets_the_teen_defaults_of_their_band() {
    on_each_database(|app| async move {
        let f = family(&app).await;
        // Signed up as an adult: a public account with no limit.
        require_age_check(&app, &f).await;
        let check = waiting_check(&app, &f.admin).await;
        assert!(check["submittedAt"].is_null(), "an admin may decide before the owner answers: {check}");
        let decided = app
            .query_as(
                &f.admin,
                DECIDE,
                json!({ "id": check["id"], "d": born_years_ago(14), "n": "Phụ huynh xác nhận" }),
            )
            .await;
        assert_eq!(data(&decided, "decideAgeCheck")["status"], "CONFIRMED_TEEN");

        let child = app.log_in("be.na").await;
        let me = app
            .query_as(
                &child,
                "{ me { ageBand settings { privateAccount commentPolicy } screenTime { limitMinutes } } }",
                json!({}),
            )
            .await;
        let me = &ok(&me)["me"];
        assert_eq!(me["ageBand"], "TEEN_13_15");
        assert_eq!(me["settings"]["privateAccount"], true);
        assert_eq!(me["settings"]["commentPolicy"], "FOLLOWERS");
        assert_eq!(me["screenTime"]["limitMinutes"], 60);
    })
    .await;
}

#[tokio::test]
async fn a_child_found_under_13_is_purged_at_once_and_their_email_waits_a_year() {
    on_each_database(|app| async move {
        let f = family(&app).await;
        let parents_video = app.create_content(&f.parent, json!({ "title": "Bữa cơm gia đình" })).await;
        let like =
            "mutation($id: ID!) { recordInteraction(input: { contentId: $id, kind: LIKE }) { content { likeCount } } }";
        ok(&app.query_as(&f.child, like, json!({ "id": parents_video })).await);
        let comment = "mutation($c: ID!) { addComment(contentId: $c, body: \"Ngon quá mẹ ơi\") { id } }";
        ok(&app.query_as(&f.child, comment, json!({ "c": parents_video })).await);
        app.create_content(&f.child, json!({ "title": "Video của em" })).await;
        let case = require_age_check(&app, &f).await;
        let token = locked_sign_in(&app, "be.na").await["ageCheckToken"].as_str().unwrap().to_owned();
        ok(&app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(20), "e": EVIDENCE })).await);

        let check = waiting_check(&app, &f.admin).await;
        let decided = app
            .query_as(
                &f.admin,
                DECIDE,
                json!({ "id": check["id"], "d": born_years_ago(11), "n": "Giấy khai sinh: 11 tuổi" }),
            )
            .await;
        let decided = data(&decided, "decideAgeCheck");
        assert_eq!(decided["status"], "UNDER_13");
        assert_eq!(decided["user"]["handle"], "be.na", "the answer names the account it purged");
        assert!(decided["evidence"].is_null() && decided["claimedBirthDate"].is_null(), "{decided}");

        // Gone at once: no grace period, nothing of theirs left.
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let db = &app.state.db;
        let left =
            entity::user::Entity::find().filter(entity::user::Column::Handle.eq("be.na")).count(db).await.unwrap();
        assert_eq!(left, 0);
        // The decision stays, with nobody and no birth date in it.
        let kept_checks = entity::age_check::Entity::find().all(db).await.unwrap();
        assert_eq!(kept_checks.len(), 1);
        assert_eq!((kept_checks[0].user_id, kept_checks[0].claimed_birth_date), (None, None));
        assert_eq!(kept_checks[0].status, entity::AgeCheckStatus::Under13);
        let counts = app
            .query("query($id: ID!) { content(id: $id) { likeCount commentCount } }", json!({ "id": parents_video }))
            .await;
        assert_eq!(ok(&counts)["content"], json!({ "likeCount": 0, "commentCount": 0 }));
        assert_code(&app.query(LOG_IN, json!({ "e": "be.na@example.com", "p": PASSWORD })).await, "UNAUTHENTICATED");
        // The case stays for the record, with nobody in it.
        let kept = data(&app.query_as(&f.moderator, CASE, json!({ "id": case["id"] })).await, "moderationCase");
        assert!(kept["target"].is_null(), "{kept}");
        assert!(kept["events"].as_array().unwrap().iter().any(|e| e["kind"] == "AGE_CHECK"));

        // The email may not sign up again for a year; the handle is free.
        let again = json!({ "handle": "be.na.moi", "email": "be.na@example.com", "birthDate": born_years_ago(20) });
        assert_code(&app.try_sign_up(again.clone()).await, "AGE_RESTRICTED");
        let tagged =
            json!({ "handle": "be.na.hai", "email": "Be.Na+hai@example.com", "birthDate": born_years_ago(20) });
        assert_code(&app.try_sign_up(tagged).await, "AGE_RESTRICTED");
        app.clock.advance(Duration::days(364));
        assert_code(&app.try_sign_up(again.clone()).await, "AGE_RESTRICTED");
        app.clock.advance(Duration::days(2));
        ok(&app.try_sign_up(again).await);
        ok(&app.try_sign_up(json!({ "handle": "be.na", "email": "other@example.com" })).await);
    })
    .await;
}

#[tokio::test]
async fn two_admins_deciding_one_age_check_at_once_leave_one_decision() {
    on_each_database(|app| async move {
        let f = family(&app).await;
        let second_admin = app.user_with_role("quan.tri.hai", Role::Admin).await;
        require_age_check(&app, &f).await;
        let check = waiting_check(&app, &f.admin).await;
        let (adult, child) = tokio::join!(
            app.query_as(&f.admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(25), "n": "Người lớn" })),
            app.query_as(&second_admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(10), "n": "Trẻ em" })),
        );
        let codes = [error_code(&adult).to_owned(), error_code(&child).to_owned()];
        assert_eq!(codes.iter().filter(|c| c.is_empty()).count(), 1, "one decision wins: {adult} {child}");
        assert!(codes.contains(&"CONFLICT".to_owned()), "the other is told: {adult} {child}");
        let purged = child["errors"].is_null();
        let users = {
            use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
            entity::user::Entity::find()
                .filter(entity::user::Column::Handle.eq("be.na"))
                .count(&app.state.db)
                .await
                .unwrap()
        };
        assert_eq!(users, if purged { 0 } else { 1 });
    })
    .await;
}

#[tokio::test]
async fn an_appeal_that_reverses_an_age_check_unlocks_the_account_and_no_other_decision_replaces_it() {
    on_each_database(|app| async move {
        let f = family(&app).await;
        let case = require_age_check(&app, &f).await;
        let token = locked_sign_in(&app, "be.na").await["ageCheckToken"].as_str().unwrap().to_owned();
        let appealed =
            app.query_as(&token, APPEAL, json!({ "id": case["id"], "m": "Em đã 20 tuổi, đây là nhầm lẫn." })).await;
        assert_eq!(data(&appealed, "appealDecision")["status"], "APPEALED");
        // A different moderator may reverse it, escalate it or uphold it as
        // it was, never swap it for a decision nobody carries out.
        let other = app.user_with_role("kiem.duyet.hai", Role::Moderator).await;
        let appeal = data(&app.query_as(&other, CASE, json!({ "id": case["id"] })).await, "moderationCase");
        let swapped = resolve(&app, &other, &appeal, "SUSPEND_USER", json!({ "suspendDays": 30 })).await;
        assert_code(&swapped, "BAD_USER_INPUT");
        assert!(swapped["errors"][0]["extensions"]["fields"]["action"].is_array(), "{swapped}");
        // The reversal: the lock and the check go.
        ok(&resolve(&app, &other, &appeal, "DISMISS", json!({})).await);
        app.log_in("be.na").await;
        assert!(
            data(&app.query_as(&f.admin, QUEUE, json!({})).await, "ageCheckQueue")["edges"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

/// The hostile review's escape: a teen who got an age check on their own
/// account, and told the truth, came out without the controls their
/// guardian set and without the former guardian's hold. A teen confirmed a
/// teen keeps both; an "adult" found to be a teen guards nobody.
#[tokio::test]
async fn an_age_check_neither_wipes_a_guardians_controls_nor_leaves_a_teen_guarding() {
    on_each_database(|app| async move {
        let f = family(&app).await;
        // A real 14-year-old, guarded, whose guardian set strict controls,
        // and whom "be.na" (who said she was 20) guards.
        let teen = app.sign_up("con.that", 14).await["accessToken"].as_str().unwrap().to_owned();
        let teen_id = app.my_id(&teen).await;
        let guardian = app.token_for("me.that").await;
        app.pair(&guardian, &teen).await;
        let set = "mutation($t: ID!, $i: TeenControlsInput!) { setTeenControls(teenId: $t, input: $i) { dailyLimitMinutes } }";
        ok(&app.query_as(&guardian, set, json!({ "t": teen_id, "i": { "dailyLimitMinutes": 30, "searchEnabled": false } })).await);
        let ward = app.sign_up("em.ho", 15).await["accessToken"].as_str().unwrap().to_owned();
        let ward_link = app.pair(&f.child, &ward).await;

        // The teen's own account goes through an age check and is confirmed 14.
        field(&app.report(&f.parent, "USER", &teen_id, "UNDERAGE_USER", None).await, "fileReport");
        let case = case_for(&app, &f.moderator, &teen_id).await;
        ok(&resolve(&app, &f.moderator, &case, "REQUIRE_AGE_CHECK", json!({})).await);
        let token = locked_sign_in(&app, "con.that").await["ageCheckToken"].as_str().unwrap().to_owned();
        ok(&app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(14), "e": EVIDENCE })).await);
        let check = waiting_check(&app, &f.admin).await;
        ok(&app.query_as(&f.admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(14), "n": "Đúng 14 tuổi" })).await);
        let teen = app.log_in("con.that").await;
        let controls = "{ me { controls { dailyLimitMinutes searchEnabled lockedByGuardian } } }";
        assert_eq!(
            ok(&app.query_as(&teen, controls, json!({})).await)["me"]["controls"],
            json!({ "dailyLimitMinutes": 30, "searchEnabled": false, "lockedByGuardian": true })
        );

        // "be.na" is found to be 16: the link where she guards ends.
        require_age_check(&app, &f).await;
        let token = locked_sign_in(&app, "be.na").await["ageCheckToken"].as_str().unwrap().to_owned();
        ok(&app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(16), "e": EVIDENCE })).await);
        let check = waiting_check(&app, &f.admin).await;
        ok(&app.query_as(&f.admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(16), "n": "16 tuổi" })).await);
        let links = app.query_as(&ward, "{ familyLinks { id status } }", json!({})).await;
        let link = ok(&links)["familyLinks"].as_array().unwrap().iter().find(|l| l["id"] == ward_link.as_str()).cloned();
        assert_eq!(link.unwrap()["status"], "REVOKED");
        assert!(notification_kinds(&app, &ward).await.contains(&"FAMILY_UNLINKED".to_owned()));

        // And a "teen" found to be an adult is nobody's teen: the guardian is told.
        let older = app.sign_up("con.lon", 15).await["accessToken"].as_str().unwrap().to_owned();
        let older_id = app.my_id(&older).await;
        let older_guardian = app.token_for("bo.lon").await;
        app.pair(&older_guardian, &older).await;
        field(&app.report(&f.parent, "USER", &older_id, "UNDERAGE_USER", None).await, "fileReport");
        let case = case_for(&app, &f.moderator, &older_id).await;
        ok(&resolve(&app, &f.moderator, &case, "REQUIRE_AGE_CHECK", json!({})).await);
        let token = locked_sign_in(&app, "con.lon").await["ageCheckToken"].as_str().unwrap().to_owned();
        ok(&app.query_as(&token, SUBMIT, json!({ "d": born_years_ago(20), "e": EVIDENCE })).await);
        let check = waiting_check(&app, &f.admin).await;
        ok(&app.query_as(&f.admin, DECIDE, json!({ "id": check["id"], "d": born_years_ago(20), "n": "20 tuổi" })).await);
        let guardian = app.log_in("bo.lon").await;
        assert!(notification_kinds(&app, &guardian).await.contains(&"FAMILY_UNLINKED".to_owned()));
        let links = app.query_as(&guardian, "{ familyLinks { status } }", json!({})).await;
        assert_eq!(ok(&links)["familyLinks"], json!([{ "status": "REVOKED" }]));
    })
    .await;
}
