//! Who is who: profiles, the verified badge, and look-alikes of verified
//! accounts refused, flagged and sent to moderators.
use chrono::Duration;
use entity::Role;
use serde_json::{Value, json};

use crate::support::*;

const REQUEST: &str =
    "mutation($k: VerificationKind!, $e: String!) { requestVerification(kind: $k, evidence: $e) { id status } }";
const DECIDE: &str = "mutation($id: ID!, $a: Boolean!, $n: String!) { decideVerification(id: $id, approve: $a, note: $n) { status note } }";
const PROFILE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { user { handle displayName bio verified verifiedKind } } }";
const EVIDENCE: &str = "Kênh chính thức của tôi: youtube.com/@minhtran, 120.000 người theo dõi.";

/// `handle` signs up as "Minh Trần" and an admin verifies them as a creator.
async fn verified_minh(app: &TestApp, admin: &str) -> String {
    let signed = app
        .try_sign_up(json!({ "handle": "minh.tran", "displayName": "Minh Trần", "email": "minh@example.com" }))
        .await;
    let token = signed["data"]["signUp"]["accessToken"].as_str().unwrap().to_owned();
    let asked = app.query_as(&token, REQUEST, json!({ "k": "CREATOR", "e": EVIDENCE })).await;
    let id = ok(&asked)["requestVerification"]["id"].clone();
    let decided = app.query_as(admin, DECIDE, json!({ "id": id, "a": true, "n": "Kênh đã được kiểm tra" })).await;
    assert_eq!(ok(&decided)["decideVerification"]["status"], "APPROVED");
    token
}

fn sign_up_as(handle: &str, display_name: &str) -> Value {
    json!({ "handle": handle, "displayName": display_name, "email": format!("{}@example.com", handle.replace('.', "-")) })
}

#[tokio::test]
async fn look_alikes_of_a_verified_account_are_refused_and_real_names_are_not() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("quan.tri", Role::Admin).await;
        verified_minh(&app, &admin).await;
        // The tricks of the finding, and more, on the handle or the name.
        for (handle, name) in [
            ("minh_tran", "Người dùng"),
            ("minhtran", "Người dùng"),
            ("rninh.tran", "Người dùng"),
            ("minh..tran", "Người dùng"),
            (".minh.tran", "Người dùng"),
            ("m1nh.tran", "Người dùng"),
            ("khach.moi", "Minh Tran"),
            ("khach.hai", "MINH TRẦN"),
            ("khach.ba", "Мinh Тrần"),
            ("khach.bon", "minh.tran"),
        ] {
            let refused = app.try_sign_up(sign_up_as(handle, name)).await;
            assert_code(&refused, "BAD_USER_INPUT");
            assert!(refused.to_string().contains("too close to a verified account"), "{handle} / {name}: {refused}");
        }
        for name in ["Minh Trần ✔", "Minh Trần\u{200B}", "Minh ✅"] {
            assert_code(&app.try_sign_up(sign_up_as("khach.nam", name)).await, "BAD_USER_INPUT");
        }
        // Real, different Vietnamese names are welcome.
        for (handle, name) in
            [("minh.tuan", "Minh Tuấn"), ("tran.minh.chau", "Trần Minh Châu"), ("nguyen.van.an", "Nguyễn Văn An")]
        {
            ok(&app.try_sign_up(sign_up_as(handle, name)).await);
        }
        // One edit away is allowed, and flagged: "this is not @minh.tran".
        ok(&app.try_sign_up(sign_up_as("minh.tram", "Minh Trâm")).await);
        let look = "{ user(handle: \"minh.tram\") { resembles { handle verified } } }";
        assert_eq!(
            ok(&app.query(look, json!({})).await)["user"]["resembles"],
            json!({ "handle": "minh.tran", "verified": true })
        );
        // (Minh Tuấn is one letter from Minh Trần: flagged too, as the rule says.)
        let real = "{ user(handle: \"nguyen.van.an\") { resembles { handle } } }";
        assert_eq!(ok(&app.query(real, json!({})).await)["user"]["resembles"], Value::Null);
        // A hidden account is not shown through its look-alike's profile.
        app.update_user("minh.tran", |u| u.suspended_until = sea_orm::Set(Some(app.clock_now() + Duration::days(3))))
            .await;
        assert_eq!(ok(&app.query(look, json!({})).await)["user"]["resembles"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn becoming_verified_sends_existing_look_alikes_to_moderators_first() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("quan.tri", Role::Admin).await;
        ok(&app.try_sign_up(sign_up_as("minh_tran", "Minh Trần")).await);
        let someone = app.token_for("nguoi.bao.cao").await;
        let spam = app.create_content(&app.token_for("tac.gia").await, json!({ "title": "khuyến mãi" })).await;
        ok(&app.report(&someone, "CONTENT", &spam, "SPAM", None).await);
        verified_minh(&app, &admin).await;

        let moderator = app.user_with_role("mod.one", Role::Moderator).await;
        let queue = "{ moderationQueue { edges { node { tier reasons reportCount target { ... on User { handle resembles { handle } } } } } } }";
        let edges = ok(&app.query_as(&moderator, queue, json!({})).await)["moderationQueue"]["edges"].clone();
        let first = &edges[0]["node"];
        assert_eq!(first["reasons"], json!(["IMPERSONATION"]), "{edges}");
        assert_eq!(first["tier"], 2, "impersonation of a verified account is tier 2: {edges}");
        assert_eq!(first["reportCount"], 0, "opened by the system, with no reporter");
        assert_eq!(first["target"]["handle"], "minh_tran");
        assert_eq!(first["target"]["resembles"]["handle"], "minh.tran");
        assert_eq!(edges[1]["node"]["reasons"], json!(["SPAM"]));

        // A person's IMPERSONATION report on a look-alike is tier 2 too; on
        // an account that resembles nobody verified, tier 3.
        ok(&app.try_sign_up(sign_up_as("minh.tram", "Minh Trâm")).await);
        ok(&app.try_sign_up(sign_up_as("an.khac", "An Khác")).await);
        for handle in ["minh.tram", "an.khac"] {
            let id = ok(&app.query(&format!("{{ user(handle: \"{handle}\") {{ id }} }}"), json!({})).await)["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            ok(&app.report(&someone, "USER", &id, "IMPERSONATION", None).await);
        }
        let tiers = "{ moderationQueue(filter: { reason: IMPERSONATION }) { edges { node { tier target { ... on User { handle } } } } } }";
        let edges = ok(&app.query_as(&moderator, tiers, json!({})).await)["moderationQueue"]["edges"].clone();
        let by_handle = |h: &str| edges.as_array().unwrap().iter().find(|e| e["node"]["target"]["handle"] == h).unwrap()["node"]["tier"].clone();
        assert_eq!(by_handle("minh.tram"), 2, "{edges}");
        assert_eq!(by_handle("an.khac"), 3, "{edges}");
    })
    .await;
}

#[tokio::test]
async fn profiles_change_within_their_rules_and_a_verified_rename_loses_the_badge() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("quan.tri", Role::Admin).await;
        verified_minh(&app, &admin).await;
        let lan = app.token_for("lan.nguyen").await;

        let changed =
            app.query_as(&lan, PROFILE, json!({ "i": { "handle": "lan.nau.an", "bio": "Nấu ăn mỗi ngày 🍜" } })).await;
        assert_eq!(ok(&changed)["updateProfile"]["user"]["handle"], "lan.nau.an");
        let again = app.query_as(&lan, PROFILE, json!({ "i": { "handle": "lan.lan" } })).await;
        assert_code(&again, "BAD_USER_INPUT");
        assert!(again.to_string().contains("once every 30 days"), "{again}");
        app.clock.advance(Duration::days(31));
        let lan = app.log_in("lan.nguyen").await;
        ok(&app.query_as(&lan, PROFILE, json!({ "i": { "handle": "lan.lan" } })).await);
        for refused in [
            json!({ "displayName": "Minh Tran" }),
            json!({ "handle": "rninh.tran" }),
            json!({ "bio": "xin chào\u{202E}" }),
            json!({ "bio": "x".repeat(161) }),
            json!({ "displayName": "Lan ✔" }),
        ] {
            assert_code(&app.query_as(&lan, PROFILE, json!({ "i": refused })).await, "BAD_USER_INPUT");
        }
        let guest = app.token_for("khach.le").await;
        assert_code(&app.query_as(&guest, PROFILE, json!({ "i": { "handle": "lan.lan" } })).await, "CONFLICT");

        // The verified account keeps its badge for a bio, and loses it with a new name.
        let minh = app.log_in_with("minh@example.com", PASSWORD).await;
        let kept = app.query_as(&minh, PROFILE, json!({ "i": { "bio": "Đầu bếp" } })).await;
        assert_eq!(ok(&kept)["updateProfile"]["user"]["verifiedKind"], "CREATOR");
        let renamed = app.query_as(&minh, PROFILE, json!({ "i": { "displayName": "Minh Trần Official" } })).await;
        assert_eq!(ok(&renamed)["updateProfile"]["user"]["verified"], false);
        assert_eq!(ok(&renamed)["updateProfile"]["user"]["verifiedKind"], Value::Null);
        // Its old names are free again.
        ok(&app.try_sign_up(sign_up_as("minh_tran", "Minh Trần")).await);
    })
    .await;
}

#[tokio::test]
async fn verification_is_for_adults_one_request_at_a_time_decided_once_and_told() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("quan.tri", Role::Admin).await;
        let teen = app.sign_up("hoc.sinh", 15).await["accessToken"].as_str().unwrap().to_owned();
        assert_code(&app.query_as(&teen, REQUEST, json!({ "k": "CREATOR", "e": EVIDENCE })).await, "FORBIDDEN");
        let shop = app.token_for("cua.hang").await;
        assert_code(&app.query_as(&shop, REQUEST, json!({ "k": "ORGANISATION", "e": "ngắn" })).await, "BAD_USER_INPUT");
        let asked = app.query_as(&shop, REQUEST, json!({ "k": "ORGANISATION", "e": EVIDENCE })).await;
        let id = ok(&asked)["requestVerification"]["id"].clone();
        assert_code(&app.query_as(&shop, REQUEST, json!({ "k": "ORGANISATION", "e": EVIDENCE })).await, "CONFLICT");

        let queue = "{ verificationQueue { edges { node { id kind evidence user { handle } } } } }";
        let waiting = ok(&app.query_as(&admin, queue, json!({})).await)["verificationQueue"]["edges"].clone();
        assert_eq!(waiting[0]["node"]["user"]["handle"], "cua.hang", "{waiting}");
        let denied = app.query_as(&admin, DECIDE, json!({ "id": id, "a": false, "n": "Chưa đủ bằng chứng" })).await;
        assert_eq!(ok(&denied)["decideVerification"], json!({ "status": "DENIED", "note": "Chưa đủ bằng chứng" }));
        assert_code(&app.query_as(&admin, DECIDE, json!({ "id": id, "a": true, "n": "ok" })).await, "CONFLICT");
        let mine = ok(&app.query_as(&shop, "{ myVerificationRequests { status note } }", json!({})).await).clone();
        assert_eq!(mine["myVerificationRequests"][0]["status"], "DENIED");
        let told = app.query_as(&shop, "{ notifications { edges { node { kind } } } }", json!({})).await;
        assert_eq!(ok(&told)["notifications"]["edges"][0]["node"]["kind"], "VERIFICATION_DECIDED", "{told}");
        // A new request may follow a decided one.
        ok(&app.query_as(&shop, REQUEST, json!({ "k": "ORGANISATION", "e": EVIDENCE })).await);
    })
    .await;
}

/// Twice at once: one request for the badge waits, the other is a
/// CONFLICT; one handle change goes through, the other meets the 30-day rule.
#[tokio::test]
async fn two_requests_or_renames_at_once_leave_one() {
    on_each_database(|app| async move {
        let shop = app.token_for("cua.hang").await;
        let ask = json!({ "k": "ORGANISATION", "e": EVIDENCE });
        let (a, b) = tokio::join!(app.query_as(&shop, REQUEST, ask.clone()), app.query_as(&shop, REQUEST, ask.clone()));
        let codes: Vec<Value> = [&a, &b].iter().map(|r| r["errors"][0]["extensions"]["code"].clone()).collect();
        assert!(codes.contains(&Value::Null) && codes.contains(&json!("CONFLICT")), "{a} {b}");
        let mine = ok(&app.query_as(&shop, "{ myVerificationRequests { id } }", json!({})).await).clone();
        assert_eq!(mine["myVerificationRequests"].as_array().unwrap().len(), 1);

        let (a, b) = tokio::join!(
            app.query_as(&shop, PROFILE, json!({ "i": { "handle": "cua.hang.mot" } })),
            app.query_as(&shop, PROFILE, json!({ "i": { "handle": "cua.hang.hai" } })),
        );
        let passed = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
        assert_eq!(passed, 1, "{a} {b}");
    })
    .await;
}
