//! Family pairing, guardian controls and screen time enforced on the server.
use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::*;

const CODE: &str = "mutation { createPairingCode { code expiresAt } }";
const ACCEPT: &str =
    "mutation($c: String!) { acceptPairingCode(code: $c) { id status guardian { handle } teen { handle } } }";
const SET: &str = "mutation($t: ID!, $i: TeenControlsInput!) { setTeenControls(teenId: $t, input: $i) {
    dailyLimitMinutes restrictedMode searchEnabled commentPolicy privateAccount timeAway { days start end }
    blockedKeywords lockedByGuardian } }";
const READ: &str = "query($t: ID!) { teenControls(teenId: $t) { dailyLimitMinutes lockedByGuardian blockedKeywords } }";
const FEED: &str = "{ feed(first: 5) { edges { node { id title } } } }";
const STATUS: &str =
    "{ me { screenTime { date usedMinutes limitMinutes extraMinutes remainingMinutes limitReached inTimeAway } } }";
const SETTINGS: &str =
    "mutation($i: PrivacySettingsInput!) { updatePrivacySettings(input: $i) { privateAccount commentPolicy } }";

struct Family {
    guardian: String,
    teen: String,
    teen_id: String,
}

/// A guardian paired with a teen of `years`.
async fn family(app: &TestApp, years: i32) -> Family {
    let guardian = app.token_for("parent").await;
    let teen = app.sign_up("teen", years).await["accessToken"].as_str().unwrap().to_owned();
    app.pair(&guardian, &teen).await;
    let teen_id = app.my_id(&teen).await;
    Family { guardian, teen, teen_id }
}

async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    let notes = app.query_as(token, "{ notifications { edges { node { kind } } } }", json!({})).await;
    ok(&notes)["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pairing_codes_link_a_guardian_and_a_teen() {
    on_each_database(|app| async move {
        let guardian = app.token_for("parent").await;
        let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let created = app.query_as(&guardian, CODE, json!({})).await;
        let code = ok(&created)["createPairingCode"]["code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 8);
        assert!(code.chars().all(|c| "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)), "{code}");
        assert!(created["data"]["createPairingCode"]["expiresAt"].as_str().unwrap().starts_with("2026-11-29T03:15:00"));

        assert_code(&app.query_as(&teen, CODE, json!({})).await, "FORBIDDEN");
        let adult = app.token_for("other.adult").await;
        assert_code(&app.query_as(&adult, ACCEPT, json!({ "c": code })).await, "FORBIDDEN");
        assert_code(&app.query_as(&teen, ACCEPT, json!({ "c": format!("{code}ABCD") })).await, "NOT_FOUND");

        let link = app.query_as(&teen, ACCEPT, json!({ "c": code.to_lowercase() })).await;
        let link = &ok(&link)["acceptPairingCode"];
        assert_eq!((link["status"].as_str(), link["guardian"]["handle"].as_str()), (Some("ACTIVE"), Some("parent")));
        let second_teen = app.sign_up("sibling", 15).await["accessToken"].as_str().unwrap().to_owned();
        assert_code(&app.query_as(&second_teen, ACCEPT, json!({ "c": code })).await, "NOT_FOUND");
        assert_eq!(kinds(&app, &guardian).await, ["FAMILY_LINKED"]);
        assert_eq!(kinds(&app, &teen).await, ["FAMILY_LINKED"]);

        // At most two guardians.
        for (i, name) in ["second.parent", "third.parent"].iter().enumerate() {
            let other = app.token_for(name).await;
            let code = ok(&app.query_as(&other, CODE, json!({})).await)["createPairingCode"]["code"]
                .as_str()
                .unwrap()
                .to_owned();
            let accepted = app.query_as(&teen, ACCEPT, json!({ "c": code })).await;
            if i == 0 {
                // The teen already has a guardian: the second one waits.
                assert_eq!(ok(&accepted)["acceptPairingCode"]["status"], "PENDING");
            } else {
                assert_code(&accepted, "CONFLICT");
            }
        }

        // Codes expire after 15 minutes.
        let late = ok(&app.query_as(&guardian, CODE, json!({})).await)["createPairingCode"]["code"]
            .as_str()
            .unwrap()
            .to_owned();
        app.clock.advance(Duration::minutes(15));
        let second_teen = app.log_in("sibling").await;
        assert_code(&app.query_as(&second_teen, ACCEPT, json!({ "c": late })).await, "NOT_FOUND");

        // The guardian may unlink at once; the teen is told.
        let teen = app.log_in("teen").await;
        let guardian = app.log_in("parent").await;
        let links = app.query_as(&teen, "{ familyLinks { id status guardian { handle } } }", json!({})).await;
        let first = ok(&links)["familyLinks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["guardian"]["handle"] == "parent")
            .unwrap()
            .clone();
        let ended = app
            .query_as(
                &guardian,
                "mutation($id: ID!) { unlinkFamily(linkId: $id) { status } }",
                json!({ "id": first["id"] }),
            )
            .await;
        assert_eq!(ok(&ended)["unlinkFamily"]["status"], "REVOKED");
        assert_eq!(kinds(&app, &teen).await, ["FAMILY_UNLINKED", "FAMILY_LINKED"]);
        assert_eq!(kinds(&app, &guardian).await, ["FAMILY_LINK_PENDING", "FAMILY_LINKED"]);
        let adult = app.log_in("other.adult").await;
        assert_code(
            &app.query_as(
                &adult,
                "mutation($id: ID!) { unlinkFamily(linkId: $id) { status } }",
                json!({ "id": first["id"] }),
            )
            .await,
            "NOT_FOUND",
        );
    })
    .await;
}

#[tokio::test]
async fn guessing_codes_is_rate_limited() {
    on_each_database(|app| async move {
        let teen = app.sign_up("guesser", 15).await["accessToken"].as_str().unwrap().to_owned();
        for _ in 0..5 {
            assert_code(&app.query_as(&teen, ACCEPT, json!({ "c": "ABCDEFGH" })).await, "NOT_FOUND");
        }
        let limited = app.query_as(&teen, ACCEPT, json!({ "c": "ABCDEFGH" })).await;
        assert_code(&limited, "RATE_LIMITED");
        assert!(limited["errors"][0]["extensions"]["retryAfterSeconds"].as_i64().unwrap() > 0);
    })
    .await;
}

#[tokio::test]
async fn guardians_set_controls_that_teens_may_only_tighten() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let stranger = app.token_for("stranger").await;
        let input = json!({ "dailyLimitMinutes": 30, "blockedKeywords": ["thử thách nguy hiểm", "Thử thách nguy hiểm", "cờ bạc"] });
        assert_code(&app.query_as(&stranger, SET, json!({ "t": f.teen_id, "i": input })).await, "FORBIDDEN");
        assert_code(&app.query_as(&stranger, READ, json!({ "t": f.teen_id })).await, "FORBIDDEN");
        assert_code(&app.query_as(&f.teen, SET, json!({ "t": f.teen_id, "i": { "dailyLimitMinutes": 240 } })).await, "FORBIDDEN");
        for bad in [
            json!({ "dailyLimitMinutes": 14 }),
            json!({ "dailyLimitMinutes": 481 }),
            json!({ "blockedKeywords": ["x".repeat(51)] }),
            json!({ "blockedKeywords": (0..101).map(|i| format!("k{i}")).collect::<Vec<_>>() }),
            json!({ "timeAway": [{ "days": ["MON"], "start": "25:00", "end": "07:00" }] }),
            json!({ "timeAway": [{ "days": [], "start": "22:00", "end": "07:00" }] }),
            json!({ "dailyLimitMinutes": 30, "clearDailyLimit": true }),
        ] {
            assert_code(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": bad })).await, "BAD_USER_INPUT");
        }
        let set = app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": input })).await;
        let controls = &ok(&set)["setTeenControls"];
        assert_eq!(controls["dailyLimitMinutes"], 30);
        assert_eq!(controls["blockedKeywords"], json!(["thử thách nguy hiểm", "cờ bạc"]));
        assert_eq!(controls["lockedByGuardian"], true);
        assert_eq!(controls["restrictedMode"], true);
        assert_eq!(ok(&app.query_as(&f.teen, READ, json!({ "t": f.teen_id })).await)["teenControls"]["dailyLimitMinutes"], 30);
        assert_eq!(kinds(&app, &f.teen).await, ["CONTROLS_CHANGED", "FAMILY_LINKED"]);

        // The teen can make things stricter, never looser.
        assert_code(&app.query_as(&f.teen, SETTINGS, json!({ "i": { "privateAccount": false } })).await, "FORBIDDEN");
        assert_code(&app.query_as(&f.teen, SETTINGS, json!({ "i": { "commentPolicy": "EVERYONE" } })).await, "FORBIDDEN");
        assert_code(&app.query_as(&f.teen, SETTINGS, json!({ "i": { "restrictedMode": false } })).await, "FORBIDDEN");
        let stricter = app.query_as(&f.teen, SETTINGS, json!({ "i": { "commentPolicy": "NOBODY" } })).await;
        assert_eq!(ok(&stricter)["updatePrivacySettings"]["commentPolicy"], "NOBODY");
        assert_eq!(kinds(&app, &f.guardian).await[0], "CONTROLS_CHANGED");
        let me = ok(&app.query_as(&f.teen, "{ me { controls { dailyLimitMinutes commentPolicy } } }", json!({})).await).clone();
        assert_eq!(me["me"]["controls"], json!({ "dailyLimitMinutes": 30, "commentPolicy": "NOBODY" }));
    })
    .await;
}

#[tokio::test]
async fn the_daily_limit_holds_until_local_midnight_and_more_time_extends_it() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let author = app.token_for("author").await;
        let video = app.create_content(&author, json!({ "durationSeconds": 600 })).await;
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": { "dailyLimitMinutes": 30, "timeAway": [] } })).await);
        for _ in 0..2 {
            ok(&app.interact(&f.teen, &video, "VIEW", Some(600_000)).await);
        }
        ok(&app.query_as(&f.teen, FEED, json!({})).await);
        let last = app.interact(&f.teen, &video, "VIEW", Some(600_000)).await;
        assert_eq!(ok(&last)["recordInteraction"]["screenTime"]["remainingMinutes"], 0);

        let blocked = app.query_as(&f.teen, FEED, json!({})).await;
        assert_code(&blocked, "SCREEN_TIME_LIMIT_REACHED");
        let ext = &blocked["errors"][0]["extensions"];
        assert_eq!((ext["usedMinutes"].as_i64(), ext["limitMinutes"].as_i64()), (Some(30), Some(30)));
        // Midnight in Ho Chi Minh City is 17:00 UTC.
        assert!(ext["resetsAt"].as_str().unwrap().starts_with("2026-11-29T17:00:00"), "{ext}");
        assert_code(&app.query_as(&f.teen, "{ contents { edges { node { id } } } }", json!({})).await, "SCREEN_TIME_LIMIT_REACHED");
        // Everything else keeps working.
        ok(&app.query_as(&f.teen, "{ me { email screenTime { limitReached } } notifications { edges { node { kind } } } }", json!({})).await);

        // Asking for more time.
        let ask = "mutation($m: Int!, $r: String) { requestMoreTime(minutes: $m, reason: $r) { id status minutes } }";
        assert_code(&app.query_as(&f.teen, ask, json!({ "m": 20 })).await, "BAD_USER_INPUT");
        let request = ok(&app.query_as(&f.teen, ask, json!({ "m": 15, "r": "Làm bài tập nhóm" })).await)["requestMoreTime"].clone();
        assert_eq!(request["status"], "PENDING");
        assert!(kinds(&app, &f.guardian).await.contains(&"TIME_REQUESTED".to_owned()));
        let answer = "mutation($id: ID!, $a: Boolean!, $m: Int) { answerTimeRequest(requestId: $id, approve: $a, minutes: $m) { status grantedMinutes } }";
        assert_code(&app.query_as(&f.teen, answer, json!({ "id": request["id"], "a": true })).await, "NOT_FOUND");
        assert_code(&app.query_as(&f.guardian, answer, json!({ "id": request["id"], "a": true, "m": 200 })).await, "BAD_USER_INPUT");
        let approved = app.query_as(&f.guardian, answer, json!({ "id": request["id"], "a": true })).await;
        assert_eq!(ok(&approved)["answerTimeRequest"], json!({ "status": "APPROVED", "grantedMinutes": 15 }));
        assert_code(&app.query_as(&f.guardian, answer, json!({ "id": request["id"], "a": false })).await, "CONFLICT");
        assert!(kinds(&app, &f.teen).await.contains(&"TIME_REQUEST_ANSWERED".to_owned()));
        let status = ok(&app.query_as(&f.teen, STATUS, json!({})).await)["me"]["screenTime"].clone();
        assert_eq!((status["extraMinutes"].as_i64(), status["remainingMinutes"].as_i64()), (Some(15), Some(15)));
        ok(&app.query_as(&f.teen, FEED, json!({})).await);
        // Exactly fifteen minutes more.
        ok(&app.interact(&f.teen, &video, "VIEW", Some(600_000)).await);
        ok(&app.query_as(&f.teen, FEED, json!({})).await);
        ok(&app.interact(&f.teen, &video, "VIEW", Some(300_000)).await);
        assert_code(&app.query_as(&f.teen, FEED, json!({})).await, "SCREEN_TIME_LIMIT_REACHED");

        // Local midnight resets the day, and the extra minutes with it.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 17, 0, 0).unwrap());
        let teen = app.log_in("teen").await;
        ok(&app.query_as(&teen, FEED, json!({})).await);
        let fresh = ok(&app.query_as(&teen, STATUS, json!({})).await)["me"]["screenTime"].clone();
        assert_eq!(fresh["date"], "2026-11-30");
        assert_eq!((fresh["usedMinutes"].as_i64(), fresh["extraMinutes"].as_i64()), (Some(0), Some(0)));
    })
    .await;
}

#[tokio::test]
async fn time_requests_are_limited_and_listed_for_both_sides() {
    on_each_database(|app| async move {
        let f = family(&app, 15).await;
        let ask = "mutation($m: Int!) { requestMoreTime(minutes: $m) { id } }";
        let mut ids = Vec::new();
        for minutes in [15, 30, 60] {
            ids.push(ok(&app.query_as(&f.teen, ask, json!({ "m": minutes })).await)["requestMoreTime"]["id"].clone());
        }
        assert_code(&app.query_as(&f.teen, ask, json!({ "m": 15 })).await, "CONFLICT");
        let deny = "mutation($id: ID!) { answerTimeRequest(requestId: $id, approve: false) { status grantedMinutes } }";
        assert_eq!(
            ok(&app.query_as(&f.guardian, deny, json!({ "id": ids[0] })).await)["answerTimeRequest"],
            json!({ "status": "DENIED", "grantedMinutes": null })
        );
        let list = "query($s: TimeRequestStatus) { timeRequests(status: $s) { minutes status teen { handle } } }";
        for token in [&f.teen, &f.guardian] {
            let pending = ok(&app.query_as(token, list, json!({ "s": "PENDING" })).await)["timeRequests"]
                .as_array()
                .unwrap()
                .len();
            assert_eq!(pending, 2);
            assert_eq!(ok(&app.query_as(token, list, json!({})).await)["timeRequests"].as_array().unwrap().len(), 3);
        }
        let stranger = app.token_for("stranger").await;
        assert!(ok(&app.query_as(&stranger, list, json!({})).await)["timeRequests"].as_array().unwrap().is_empty());
        let unpaired = app.sign_up("alone", 15).await["accessToken"].as_str().unwrap().to_owned();
        assert_code(&app.query_as(&unpaired, ask, json!({ "m": 15 })).await, "FORBIDDEN");
    })
    .await;
}

#[tokio::test]
async fn time_away_windows_cross_midnight() {
    on_each_database(|app| async move {
        let f = family(&app, 16).await;
        let all_week = json!(["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]);
        let input = json!({ "timeAway": [{ "days": all_week, "start": "22:00", "end": "07:30" }] });
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": input })).await);
        // Local times in Asia/Ho_Chi_Minh (UTC+7).
        for (utc_hour, utc_minute, blocked) in [(16, 30, true), (0, 0, true), (1, 30, false)] {
            let day = if utc_hour >= 16 { 29 } else { 30 };
            app.clock.set(Utc.with_ymd_and_hms(2026, 11, day, utc_hour, utc_minute, 0).unwrap());
            let teen = app.log_in("teen").await;
            let response = app.query_as(&teen, FEED, json!({})).await;
            if blocked {
                assert_code(&response, "TIME_AWAY");
                assert!(
                    response["errors"][0]["extensions"]["endsAt"].as_str().unwrap().starts_with("2026-11-30T00:30:00"),
                    "{response}"
                );
                assert_eq!(ok(&app.query_as(&teen, STATUS, json!({})).await)["me"]["screenTime"]["inTimeAway"], true);
            } else {
                ok(&response);
            }
        }
    })
    .await;
}

#[tokio::test]
async fn every_teen_has_the_default_limit_and_bedtime_until_changed() {
    on_each_database(|app| async move {
        let teen = app.sign_up("unpaired", 13).await["accessToken"].as_str().unwrap().to_owned();
        let status = ok(&app.query_as(&teen, STATUS, json!({})).await)["me"]["screenTime"].clone();
        assert_eq!((status["limitMinutes"].as_i64(), status["inTimeAway"].as_bool()), (Some(60), Some(false)));
        // 21:30 local: the 13–15 default window (21:00–08:00) is open.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 14, 30, 0).unwrap());
        let teen = app.log_in("unpaired").await;
        assert_code(&app.query_as(&teen, FEED, json!({})).await, "TIME_AWAY");
        let adult = app.token_for("night.owl").await;
        ok(&app.query_as(&adult, FEED, json!({})).await);
    })
    .await;
}

#[tokio::test]
async fn blocked_keywords_and_search_off_are_enforced_on_the_server() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let author = app.token_for("author").await;
        let bad = app.create_content(&author, json!({ "title": "Thử thách NGUY HIỂM trên cầu" })).await;
        let good = app.create_content(&author, json!({ "title": "Học tiếng Anh mỗi ngày" })).await;
        let input = json!({ "blockedKeywords": ["nguy hiem"], "searchEnabled": false, "timeAway": [] });
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": input })).await);
        let by_id = |id: &str| json!({ "id": id });
        let one = "query($id: ID!) { content(id: $id) { id } }";
        assert!(ok(&app.query_as(&f.teen, one, by_id(&bad)).await)["content"].is_null());
        assert!(!ok(&app.query_as(&f.teen, one, by_id(&good)).await)["content"].is_null());
        let listed = app.query_as(&f.teen, "{ contents { edges { node { id } } } }", json!({})).await;
        assert_eq!(node_ids(&ok(&listed)["contents"]), vec![good.clone()]);
        let feed = app.query_as(&f.teen, "{ feed(first: 10) { edges { node { id } } } }", json!({})).await;
        assert_eq!(node_ids(&ok(&feed)["feed"]), vec![good.clone()]);
        let search = app
            .query_as(&f.teen, "{ contents(filter: { search: \"tieng anh\" }) { edges { node { id } } } }", json!({}))
            .await;
        assert_code(&search, "FORBIDDEN");
        // Adults are untouched.
        let adult = app.token_for("adult").await;
        assert!(!ok(&app.query_as(&adult, one, by_id(&bad)).await)["content"].is_null());
    })
    .await;
}

/// The tricks of the finding: a Cyrillic "у" inside the blocked keyword
/// is seen through; a zero-width space or a soft hyphen is refused at the
/// door, so it cannot hide a word from the keyword either.
#[tokio::test]
async fn look_alike_letters_and_hidden_characters_do_not_get_past_a_blocked_keyword() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let author = app.token_for("author").await;
        let cyrillic = app.create_content(&author, json!({ "title": "Thử thách ngu\u{0443} hiểm trên cầu" })).await;
        for hidden in ["Thử thách nguy\u{200B} hiểm", "Thử thách ngu\u{00AD}y hiểm", "\u{202E}mêih yugn hcáht ửhT"]
        {
            let refused = app.try_create_content(&author, json!({ "title": hidden })).await;
            assert_code(&refused, "BAD_USER_INPUT");
            assert!(refused.to_string().contains("invisible"), "{refused}");
        }
        let input = json!({ "blockedKeywords": ["thử thách nguy hiểm"], "timeAway": [] });
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": input })).await);
        let one = "query($id: ID!) { content(id: $id) { id } }";
        assert!(ok(&app.query_as(&f.teen, one, json!({ "id": cyrillic })).await)["content"].is_null());
        let adult = app.token_for("adult").await;
        assert!(!ok(&app.query_as(&adult, one, json!({ "id": cyrillic })).await)["content"].is_null());
        // Comments hide nothing either, not even a right-to-left override.
        let add = "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id } }";
        let overridden = app.query_as(&adult, add, json!({ "c": cyrillic, "b": "hay quá \u{202E}ihc" })).await;
        assert_code(&overridden, "BAD_USER_INPUT");
        ok(&app.query_as(&adult, add, json!({ "c": cyrillic, "b": "Cả nhà cùng xem 👨‍👩‍👧 ❤️" })).await);
    })
    .await;
}

#[tokio::test]
async fn guardians_read_daily_reports_with_late_nights() {
    on_each_database(|app| async move {
        let f = family(&app, 15).await;
        let author = app.token_for("author").await;
        let video = app.create_content(&author, json!({ "durationSeconds": 600 })).await;
        // Yesterday 23:00 local (16:00 UTC) and today 10:00 local (03:00 UTC).
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 28, 16, 0, 0).unwrap());
        let teen = app.log_in("teen").await;
        // Bedtime: the minutes of a video already playing still count,
        // though the answer says it is time away.
        assert_code(&app.interact(&teen, &video, "VIEW", Some(600_000)).await, "TIME_AWAY");
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 3, 0, 0).unwrap());
        let teen = app.log_in("teen").await;
        ok(&app.interact(&teen, &video, "VIEW", Some(300_000)).await);
        ok(&app.interact(&teen, &video, "VIEW", Some(120_000)).await);

        let report = "query($u: ID!, $d: Int) { screenTimeReport(userId: $u, days: $d) { date minutes views lateNightMinutes } }";
        let guardian = app.log_in("parent").await;
        let days = ok(&app.query_as(&guardian, report, json!({ "u": f.teen_id, "d": 3 })).await)["screenTimeReport"].clone();
        assert_eq!(days, json!([
            { "date": "2026-11-27", "minutes": 0, "views": 0, "lateNightMinutes": 0 },
            { "date": "2026-11-28", "minutes": 10, "views": 1, "lateNightMinutes": 10 },
            { "date": "2026-11-29", "minutes": 7, "views": 2, "lateNightMinutes": 0 },
        ]));
        assert_eq!(ok(&app.query_as(&teen, report, json!({ "u": f.teen_id })).await)["screenTimeReport"].as_array().unwrap().len(), 7);
        for bad in [0, 29] {
            assert_code(&app.query_as(&guardian, report, json!({ "u": f.teen_id, "d": bad })).await, "BAD_USER_INPUT");
        }
        let stranger = app.token_for("stranger").await;
        assert_code(&app.query_as(&stranger, report, json!({ "u": f.teen_id })).await, "FORBIDDEN");
    })
    .await;
}

#[tokio::test]
async fn at_eighteen_the_controls_stop_and_the_links_end() {
    on_each_database(|app| async move {
        let guardian = app.token_for("parent").await;
        // 17 now, 18 on 1 December 2026.
        let signed = app.try_sign_up(json!({ "handle": "almost", "email": "almost@example.com", "birthDate": "2008-12-01" })).await;
        let teen = signed["data"]["signUp"]["accessToken"].as_str().unwrap().to_owned();
        app.pair(&guardian, &teen).await;
        let teen_id = app.my_id(&teen).await;
        ok(&app.query_as(&guardian, SET, json!({ "t": teen_id, "i": { "dailyLimitMinutes": 15, "blockedKeywords": ["x"] } })).await);

        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 17, 0, 0).unwrap()); // 1 December, 00:00 local
        api::service::family::end_links_of_adults(&app.state.db, app.clock_now()).await.unwrap();
        let adult = app.log_in("almost").await;
        let me = ok(&app.query_as(&adult, "{ me { ageBand controls { dailyLimitMinutes } settings { restrictedMode } screenTime { limitMinutes } } }", json!({})).await).clone();
        assert_eq!(me["me"], json!({ "ageBand": "ADULT", "controls": null, "settings": { "restrictedMode": false }, "screenTime": { "limitMinutes": null } }));
        assert!(kinds(&app, &adult).await.contains(&"FAMILY_UNLINKED".to_owned()));
        let guardian = app.log_in("parent").await;
        assert!(kinds(&app, &guardian).await.contains(&"FAMILY_UNLINKED".to_owned()));
        let links = ok(&app.query_as(&guardian, "{ familyLinks { status } }", json!({})).await).clone();
        assert_eq!(links["familyLinks"], json!([{ "status": "REVOKED" }]));
        assert_code(&app.query_as(&guardian, SET, json!({ "t": teen_id, "i": { "dailyLimitMinutes": 30 } })).await, "FORBIDDEN");
    })
    .await;
}

#[tokio::test]
async fn a_teen_can_tell_their_guardians_they_reported_something_without_the_item() {
    on_each_database(|app| async move {
        let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
        let mother = app.token_for("mother").await;
        let father = app.token_for("father").await;
        app.pair(&mother, &teen).await;
        let second = app.pair(&father, &teen).await;
        app.approve(&mother, &second).await;
        let stranger = app.token_for("stranger").await;
        let video = app.create_content(&stranger, json!({ "title": "Thử thách nguy hiểm trên mái nhà" })).await;
        let report = "mutation($i: FileReportInput!) { fileReport(input: $i) { id } }";
        let input = json!({ "targetType": "CONTENT", "targetId": video, "reason": "BULLYING_HARASSMENT", "notifyGuardian": true });
        ok(&app.query_as(&teen, report, json!({ "i": input })).await);
        let notes = "{ notifications { edges { node { kind title body caseId contentId } } } }";
        for guardian in [&mother, &father] {
            let seen = app.query_as(guardian, notes, json!({})).await;
            let edges = ok(&seen)["notifications"]["edges"].as_array().unwrap().clone();
            let alert = edges.iter().find(|e| e["node"]["kind"] == "TEEN_REPORTED").expect("an alert").clone();
            let body = alert["node"]["body"].as_str().unwrap();
            assert!(body.contains("@teen") && body.contains("bắt nạt, quấy rối"), "{body}");
            assert!(!alert.to_string().contains("mái nhà"), "the item stays out: {alert}");
            assert!(alert["node"]["caseId"].is_null() && alert["node"]["contentId"].is_null());
        }
        // Without the tick, nobody is told.
        let other = app.create_content(&stranger, json!({})).await;
        let quiet = json!({ "targetType": "CONTENT", "targetId": other, "reason": "SPAM" });
        ok(&app.query_as(&teen, report, json!({ "i": quiet })).await);
        let seen = app.query_as(&mother, notes, json!({})).await;
        let alerts = ok(&seen)["notifications"]["edges"].as_array().unwrap().iter().filter(|e| e["node"]["kind"] == "TEEN_REPORTED").count();
        assert_eq!(alerts, 1);
    })
    .await;
}

#[tokio::test]
async fn weekend_limits_hold_on_saturday_and_sunday_in_the_teens_zone() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let set = |input: Value| app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": input }));
        assert_code(&set(json!({ "weekendLimitMinutes": 10 })).await, "BAD_USER_INPUT");
        assert_code(&set(json!({ "weekendLimitMinutes": 30, "clearWeekendLimit": true })).await, "BAD_USER_INPUT");
        ok(&set(json!({ "dailyLimitMinutes": 60, "weekendLimitMinutes": 15, "timeAway": [] })).await);
        let read =
            app.query_as(&f.teen, "{ me { controls { weekendLimitMinutes dailyLimitMinutes } } }", json!({})).await;
        assert_eq!(ok(&read)["me"]["controls"], json!({ "weekendLimitMinutes": 15, "dailyLimitMinutes": 60 }));
        let author = app.token_for("author").await;
        let video = app.create_content(&author, json!({ "durationSeconds": 600 })).await;
        // Friday 10:00 in Vietnam: twenty minutes are within the daily hour.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap());
        let teen = app.log_in("teen").await;
        for _ in 0..2 {
            ok(&app.interact(&teen, &video, "VIEW", Some(10 * 60_000)).await);
        }
        ok(&app.query_as(&teen, FEED, json!({})).await);
        // Friday 18:00 UTC is Saturday 01:00 in Ho Chi Minh City: a new day,
        // and a weekend one, where fifteen minutes use up the limit; and
        // Sunday 10:00 there likewise.
        for (day, hour) in [(27, 18), (29, 3)] {
            app.clock.set(Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap());
            let teen = app.log_in("teen").await;
            ok(&app.query_as(&teen, FEED, json!({})).await);
            ok(&app.interact(&teen, &video, "VIEW", Some(10 * 60_000)).await);
            ok(&app.interact(&teen, &video, "VIEW", Some(5 * 60_000)).await);
            let refused = app.query_as(&teen, FEED, json!({})).await;
            assert_code(&refused, "SCREEN_TIME_LIMIT_REACHED");
            assert_eq!(refused["errors"][0]["extensions"]["limitMinutes"], 15, "day {day} {hour}:00 UTC");
        }
        // Monday 10:00 there: the daily hour again.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap());
        let teen = app.log_in("teen").await;
        ok(&app.interact(&teen, &video, "VIEW", Some(10 * 60_000)).await);
        ok(&app.interact(&teen, &video, "VIEW", Some(10 * 60_000)).await);
        ok(&app.query_as(&teen, FEED, json!({})).await);
        // Back on Sunday, cleared, the daily limit applies on weekends too.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 4, 0, 0).unwrap());
        let teen = app.log_in("teen").await;
        assert_code(&app.query_as(&teen, FEED, json!({})).await, "SCREEN_TIME_LIMIT_REACHED");
        let guardian = app.log_in("parent").await;
        let clear = json!({ "t": f.teen_id, "i": { "clearWeekendLimit": true } });
        ok(&app.query_as(&guardian, SET, clear).await);
        ok(&app.query_as(&teen, FEED, json!({})).await);
    })
    .await;
}

#[tokio::test]
async fn wind_down_nudges_young_teens_late_at_night() {
    on_each_database(|app| async move {
        app.sign_up("young", 14).await;
        app.sign_up("older", 17).await;
        for handle in ["young", "older"] {
            // Their default time-away windows would close the feed at night.
            app.update_settings(handle, |s| s.time_away = sea_orm::Set(entity::user_settings::TimeWindows(vec![])))
                .await;
        }
        let prompt = |token: String| {
            let app = &app;
            async move {
                let feed = app.query_as(&token, "{ feed(first: 1) { windDown { level message } } }", json!({})).await;
                ok(&feed)["feed"]["windDown"].clone()
            }
        };
        // 21:30 in Vietnam: not yet.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 14, 30, 0).unwrap());
        let young = app.log_in("young").await;
        assert!(prompt(young.clone()).await.is_null());
        assert_eq!(
            *ok(&app.query_as(&young, "mutation { dismissWindDown }", json!({})).await),
            json!({ "dismissWindDown": false })
        );
        // 22:30: level 1, in Vietnamese; never for a 17-year-old.
        app.clock.advance(Duration::hours(1));
        let (young, older) = (app.log_in("young").await, app.log_in("older").await);
        let first = prompt(young.clone()).await;
        assert_eq!(first["level"], 1);
        assert!(first["message"].as_str().unwrap().contains("khuya"), "{first}");
        assert!(prompt(older.clone()).await.is_null());
        // Dismissed: gone for 30 minutes, then back at level 2.
        assert_eq!(
            *ok(&app.query_as(&young, "mutation { dismissWindDown }", json!({})).await),
            json!({ "dismissWindDown": true })
        );
        assert!(prompt(young.clone()).await.is_null());
        app.clock.advance(Duration::minutes(29));
        let young = app.log_in("young").await;
        assert!(prompt(young.clone()).await.is_null());
        app.clock.advance(Duration::minutes(2));
        let young = app.log_in("young").await;
        assert_eq!(prompt(young.clone()).await["level"], 2);
        // 06:30 the next morning: gone, and the next night starts at level 1.
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap());
        let young = app.log_in("young").await;
        assert!(prompt(young.clone()).await.is_null());
        app.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 15, 30, 0).unwrap());
        let young = app.log_in("young").await;
        assert_eq!(prompt(young).await["level"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_guardian_sees_the_teens_circle_and_nobody_else_does() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let friend = app.token_for("friend").await;
        let friend_id = app.my_id(&friend).await;
        let fan = app.token_for("fan").await;
        let follow = "mutation($u: ID!) { follow(userId: $u) { id } }";
        ok(&app.query_as(&f.teen, follow, json!({ "u": friend_id })).await);
        // The teen's account is private: the fan's request needs accepting.
        ok(&app.query_as(&fan, follow, json!({ "u": f.teen_id })).await);
        let fan_id = app.my_id(&fan).await;
        ok(&app.query_as(&f.teen, "mutation($u: ID!) { answerFollowRequest(userId: $u, accept: true) { id } }", json!({ "u": fan_id })).await);
        let circle = "{ familyLinks { status teenFollowing { edges { node { handle } } } teenFollowers { edges { node { handle } } } } }";
        let seen = app.query_as(&f.guardian, circle, json!({})).await;
        let link = &ok(&seen)["familyLinks"][0];
        assert_eq!(link["teenFollowing"]["edges"][0]["node"]["handle"], "friend");
        assert_eq!(link["teenFollowers"]["edges"][0]["node"]["handle"], "fan");
        assert_eq!(link["teenFollowing"]["edges"].as_array().unwrap().len(), 1);
        // The teen reads the link, not the circle through it.
        assert_code(&app.query_as(&f.teen, circle, json!({})).await, "FORBIDDEN");
        // Nor does a guardian once the link has ended.
        let links = app.query_as(&f.guardian, "{ familyLinks { id } }", json!({})).await;
        let link_id = ok(&links)["familyLinks"][0]["id"].clone();
        ok(&app.query_as(&f.guardian, "mutation($l: ID!) { unlinkFamily(linkId: $l) { id } }", json!({ "l": link_id })).await);
        assert_code(&app.query_as(&f.guardian, circle, json!({})).await, "FORBIDDEN");
    })
    .await;
}

#[tokio::test]
async fn a_teen_cannot_bypass_a_guardian_with_a_second_account() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": { "dailyLimitMinutes": 30 } })).await);
        // The teen makes an "adult" account and pairs it.
        let fake = app.token_for("fake.parent").await;
        let link = app.pair(&fake, &f.teen).await;
        let pending = app.query_as(&f.teen, "{ familyLinks { id status } }", json!({})).await;
        let status = |links: &Value, id: &str| {
            links["data"]["familyLinks"].as_array().unwrap().iter().find(|l| l["id"] == id).unwrap()["status"].clone()
        };
        assert_eq!(status(&pending, &link), "PENDING");
        // It has no powers: the limit stays.
        let clear = app.query_as(&fake, SET, json!({ "t": f.teen_id, "i": { "clearDailyLimit": true } })).await;
        assert_code(&clear, "FORBIDDEN");
        let controls = app.query_as(&f.guardian, READ, json!({ "t": f.teen_id })).await;
        assert_eq!(ok(&controls)["teenControls"]["dailyLimitMinutes"], 30);
        // The existing guardian is told at once, with the link to answer.
        let notes = app.query_as(&f.guardian, "{ notifications { edges { node { kind linkId } } } }", json!({})).await;
        let told = ok(&notes)["notifications"]["edges"].as_array().unwrap().iter().any(|e| e["node"]["kind"] == "FAMILY_LINK_PENDING" && e["node"]["linkId"] == link.as_str());
        assert!(told, "{notes}");
        // Neither the teen nor the waiting adult can approve it.
        let answer = "mutation($l: ID!, $a: Boolean!) { answerFamilyLink(linkId: $l, approve: $a) { status } }";
        assert_code(&app.query_as(&f.teen, answer, json!({ "l": link, "a": true })).await, "FORBIDDEN");
        assert_code(&app.query_as(&fake, answer, json!({ "l": link, "a": true })).await, "FORBIDDEN");
        assert_code(&app.query_as(&app.token_for("stranger").await, answer, json!({ "l": link, "a": true })).await, "NOT_FOUND");
        // The guardian refuses: revoked, and both the teen and the adult are told.
        assert_eq!(ok(&app.query_as(&f.guardian, answer, json!({ "l": link, "a": false })).await)["answerFamilyLink"]["status"], "REVOKED");
        assert_code(&app.query_as(&f.guardian, answer, json!({ "l": link, "a": true })).await, "CONFLICT");
        for token in [&f.teen, &fake] {
            assert!(kinds(&app, token).await.contains(&"FAMILY_LINK_REFUSED".to_owned()));
        }
        // A real second guardian, once approved, has a guardian's powers.
        let aunt = app.token_for("aunt").await;
        let second = app.pair(&aunt, &f.teen).await;
        app.approve(&f.guardian, &second).await;
        ok(&app.query_as(&aunt, SET, json!({ "t": f.teen_id, "i": { "searchEnabled": false } })).await);
        // A link nobody is left to answer does not wait for ever.
        let uncle = app.token_for("uncle").await;
        ok(&app.query_as(&aunt, "mutation($l: ID!) { unlinkFamily(linkId: $l) { id } }", json!({ "l": second })).await);
        let waiting = app.pair(&uncle, &f.teen).await;
        let links = app.query_as(&f.teen, "{ familyLinks { id status guardian { handle } } }", json!({})).await;
        assert_eq!(status(&links, &waiting), "PENDING");
        let first = ok(&links)["familyLinks"].as_array().unwrap().iter().find(|l| l["guardian"]["handle"] == "parent").unwrap()["id"].clone();
        ok(&app.query_as(&f.guardian, "mutation($l: ID!) { unlinkFamily(linkId: $l) { id } }", json!({ "l": first })).await);
        let links = app.query_as(&f.teen, "{ familyLinks { id status } }", json!({})).await;
        assert_eq!(status(&links, &waiting), "REVOKED");
        assert!(kinds(&app, &uncle).await.contains(&"FAMILY_LINK_REFUSED".to_owned()));
    })
    .await;
}

#[tokio::test]
async fn the_demo_family_works_without_setting_anything_up() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        let sign_in = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
        let minh = app.query(sign_in, json!({ "e": "minh@demo.trustfeed.vn", "p": api::seed::DEMO_PASSWORD })).await;
        let minh = ok(&minh)["logIn"]["accessToken"].as_str().unwrap().to_owned();
        let links = app.query_as(&minh, "{ familyLinks { status teen { id handle } } }", json!({})).await;
        let link = &ok(&links)["familyLinks"][0];
        assert_eq!((link["status"].as_str(), link["teen"]["handle"].as_str()), (Some("ACTIVE"), Some("bao.an")));
        let controls = app
            .query_as(&minh, "query($t: ID!) { teenControls(teenId: $t) { dailyLimitMinutes weekendLimitMinutes blockedKeywords lockedByGuardian } }", json!({ "t": link["teen"]["id"] }))
            .await;
        assert_eq!(
            ok(&controls)["teenControls"],
            json!({ "dailyLimitMinutes": 60, "weekendLimitMinutes": 90, "blockedKeywords": ["thử thách nguy hiểm"], "lockedByGuardian": true })
        );
        let requests =
            app.query_as(&minh, "{ timeRequests(status: PENDING) { minutes teen { handle } } }", json!({})).await;
        assert_eq!(ok(&requests)["timeRequests"], json!([{ "minutes": 30, "teen": { "handle": "bao.an" } }]));
    }
}

#[tokio::test]
async fn when_guardians_disagree_the_stricter_setting_wins() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let set = |token: String, input: Value| {
            let app = &app;
            let teen = f.teen_id.clone();
            async move { app.query_as(&token, SET, json!({ "t": teen, "i": input })).await }
        };
        ok(&set(f.guardian.clone(), json!({ "dailyLimitMinutes": 30, "searchEnabled": false })).await);
        let aunt = app.token_for("aunt").await;
        let link = app.pair(&aunt, &f.teen).await;
        app.approve(&f.guardian, &link).await;
        // The second guardian may tighten what the first set, never loosen it.
        assert_code(&set(aunt.clone(), json!({ "dailyLimitMinutes": 60 })).await, "FORBIDDEN");
        assert_code(&set(aunt.clone(), json!({ "clearDailyLimit": true })).await, "FORBIDDEN");
        assert_code(&set(aunt.clone(), json!({ "searchEnabled": true })).await, "FORBIDDEN");
        ok(&set(aunt.clone(), json!({ "dailyLimitMinutes": 20 })).await);
        // Now both have set the limit: neither loosens it alone.
        assert_code(&set(f.guardian.clone(), json!({ "dailyLimitMinutes": 30 })).await, "FORBIDDEN");
        assert_code(&set(aunt.clone(), json!({ "dailyLimitMinutes": 30 })).await, "FORBIDDEN");
        // What only the first set, the first may loosen.
        ok(&set(f.guardian.clone(), json!({ "searchEnabled": true })).await);
        let seen = app.query_as(&f.teen, "{ me { controls { dailyLimitMinutes searchEnabled } } }", json!({})).await;
        assert_eq!(ok(&seen)["me"]["controls"], json!({ "dailyLimitMinutes": 20, "searchEnabled": true }));
        // The weekend follows the daily limit until it has one of its own: a
        // higher weekend limit, or clearing a lower one, loosens it too.
        assert_code(&set(aunt.clone(), json!({ "weekendLimitMinutes": 480 })).await, "FORBIDDEN");
        ok(&set(aunt.clone(), json!({ "weekendLimitMinutes": 15 })).await);
        assert_code(&set(aunt.clone(), json!({ "clearWeekendLimit": true })).await, "FORBIDDEN");
        // Once the second guardian has gone, the first decides alone again.
        ok(&app.query_as(&aunt, "mutation($l: ID!) { unlinkFamily(linkId: $l) { id } }", json!({ "l": link })).await);
        ok(&set(f.guardian.clone(), json!({ "dailyLimitMinutes": 45 })).await);
    })
    .await;
}

const LINKS: &str =
    "{ familyLinks { id status unlinkRequestedAt answerBy waitsForFormerGuardian guardian { handle } } }";
const UNLINK: &str = "mutation($l: ID!) { unlinkFamily(linkId: $l) { status unlinkRequestedAt answerBy } }";
const ANSWER: &str =
    "mutation($l: ID!, $a: Boolean!) { answerFamilyLink(linkId: $l, approve: $a) { status unlinkRequestedAt } }";

/// The link as `token` sees it in `familyLinks`.
async fn link_as(app: &TestApp, token: &str, id: &str) -> Value {
    let links = app.query_as(token, LINKS, json!({})).await;
    ok(&links)["familyLinks"].as_array().unwrap().iter().find(|l| l["id"] == id).cloned().unwrap_or(Value::Null)
}

async fn settle(app: &TestApp) {
    api::service::family::settle_links(&app.state.db, app.clock_now()).await.unwrap();
}

/// Notifications of `kind` that `token` got, with the link each is about.
async fn told(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let notes = app.query_as(token, "{ notifications { edges { node { kind linkId } } } }", json!({})).await;
    ok(&notes)["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == kind)
        .map(|e| e["node"]["linkId"].clone())
        .collect()
}

#[tokio::test]
async fn a_young_teen_asks_the_guardian_to_unlink_and_the_link_ends_when_they_agree_or_a_week_later() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let links = app.query_as(&f.teen, LINKS, json!({})).await;
        let link = ok(&links)["familyLinks"][0]["id"].as_str().unwrap().to_owned();
        let asked = app.query_as(&f.teen, UNLINK, json!({ "l": link })).await;
        let asked = &ok(&asked)["unlinkFamily"];
        assert_eq!(asked["status"], "ACTIVE", "a teen of 14 cannot end the link alone");
        assert_eq!(asked["unlinkRequestedAt"], "2026-11-29T03:00:00+00:00");
        assert_eq!(asked["answerBy"], "2026-12-06T03:00:00+00:00");
        // Asking twice tells the guardian once.
        ok(&app.query_as(&f.teen, UNLINK, json!({ "l": link })).await);
        assert_eq!(told(&app, &f.guardian, "FAMILY_UNLINK_REQUESTED").await, [json!(link)]);
        // Only the guardian answers.
        assert_code(&app.query_as(&f.teen, ANSWER, json!({ "l": link, "a": true })).await, "FORBIDDEN");
        let stranger = app.token_for("stranger").await;
        assert_code(&app.query_as(&stranger, ANSWER, json!({ "l": link, "a": true })).await, "NOT_FOUND");
        // The guardian keeps the link: the request is gone, the teen is told.
        let kept = app.query_as(&f.guardian, ANSWER, json!({ "l": link, "a": false })).await;
        assert_eq!(ok(&kept)["answerFamilyLink"], json!({ "status": "ACTIVE", "unlinkRequestedAt": null }));
        assert_code(&app.query_as(&f.guardian, ANSWER, json!({ "l": link, "a": true })).await, "CONFLICT");
        assert_eq!(told(&app, &f.teen, "FAMILY_UNLINK_DECLINED").await, [json!(link)]);
        // Asked again, the guardian agrees: the link ends and the teen is told.
        ok(&app.query_as(&f.teen, UNLINK, json!({ "l": link })).await);
        let agreed = app.query_as(&f.guardian, ANSWER, json!({ "l": link, "a": true })).await;
        assert_eq!(ok(&agreed)["answerFamilyLink"]["status"], "REVOKED");
        assert_eq!(told(&app, &f.teen, "FAMILY_UNLINKED").await, [json!(link)]);

        // Unanswered, the request ends the link 7 days later, not before.
        let aunt = app.token_for("aunt").await;
        let second = app.pair(&aunt, &f.teen).await;
        assert_eq!(link_as(&app, &f.teen, &second).await["status"], "PENDING", "within 30 days it waits for parent");
        app.approve(&f.guardian, &second).await;
        ok(&app.query_as(&f.teen, UNLINK, json!({ "l": second })).await);
        app.clock.advance(Duration::days(7) - Duration::minutes(1));
        settle(&app).await;
        let (teen, aunt) = (app.log_in("teen").await, app.log_in("aunt").await);
        assert_eq!(link_as(&app, &teen, &second).await["status"], "ACTIVE");
        app.clock.advance(Duration::minutes(1));
        settle(&app).await;
        let (teen, aunt) = (app.log_in("teen").await, {
            drop(aunt);
            app.log_in("aunt").await
        });
        assert_eq!(link_as(&app, &teen, &second).await["status"], "REVOKED");
        assert_eq!(told(&app, &teen, "FAMILY_UNLINKED").await.len(), 2);
        assert_eq!(told(&app, &aunt, "FAMILY_UNLINKED").await, [json!(second)]);
    })
    .await;
}

#[tokio::test]
async fn an_older_teen_unlinks_at_once_and_a_new_guardian_waits_for_the_former_one() {
    on_each_database(|app| async move {
        let f = family(&app, 16).await;
        let limits = json!({ "dailyLimitMinutes": 30, "searchEnabled": false, "privateAccount": true,
            "commentPolicy": "FOLLOWERS", "blockedKeywords": ["thử thách"] });
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": limits })).await);
        let links = app.query_as(&f.teen, LINKS, json!({})).await;
        let link = ok(&links)["familyLinks"][0]["id"].as_str().unwrap().to_owned();
        let ended = app.query_as(&f.teen, UNLINK, json!({ "l": link })).await;
        assert_eq!(ok(&ended)["unlinkFamily"]["status"], "REVOKED", "a teen of 16 ends it at once");
        assert_eq!(told(&app, &f.guardian, "FAMILY_UNLINKED").await, [json!(link)]);

        // The controls in force stay in force: the teen cannot loosen them.
        let open = app.query_as(&f.teen, SETTINGS, json!({ "i": { "privateAccount": false } })).await;
        assert_code(&open, "FORBIDDEN");
        let controls = app.query_as(&f.teen, READ, json!({ "t": f.teen_id })).await;
        assert_eq!(ok(&controls)["teenControls"]["dailyLimitMinutes"], 30);
        assert_code(
            &app.query_as(
                &f.teen,
                "{ contents(first: 1, filter: { search: \"x\" }) { edges { node { id } } } }",
                json!({}),
            )
            .await,
            "FORBIDDEN",
        );

        // An "adult" the teen made waits, powerless, for the former guardian.
        let fake = app.token_for("fake.parent").await;
        let swapped = app.pair(&fake, &f.teen).await;
        let seen = link_as(&app, &f.teen, &swapped).await;
        assert_eq!((seen["status"].clone(), seen["waitsForFormerGuardian"].clone()), (json!("PENDING"), json!(true)));
        assert_eq!(seen["answerBy"], "2026-12-06T03:00:00+00:00");
        let clear = json!({ "t": f.teen_id, "i": { "clearDailyLimit": true, "searchEnabled": true } });
        assert_code(&app.query_as(&fake, SET, clear.clone()).await, "FORBIDDEN");
        assert_code(&app.query_as(&fake, ANSWER, json!({ "l": swapped, "a": true })).await, "FORBIDDEN");
        assert_code(&app.query_as(&f.teen, ANSWER, json!({ "l": swapped, "a": true })).await, "FORBIDDEN");
        // The former guardian is told, sees the link, and refuses it.
        assert_eq!(told(&app, &f.guardian, "FAMILY_LINK_PENDING").await, [json!(swapped)]);
        assert_eq!(link_as(&app, &f.guardian, &swapped).await["guardian"]["handle"], "fake.parent");
        let refused = app.query_as(&f.guardian, ANSWER, json!({ "l": swapped, "a": false })).await;
        assert_eq!(ok(&refused)["answerFamilyLink"]["status"], "REVOKED");
        assert!(kinds(&app, &fake).await.contains(&"FAMILY_LINK_REFUSED".to_owned()));

        // Another try that nobody answers is active after 7 days, and only
        // then may its guardian loosen what the former one set.
        let again = app.pair(&fake, &f.teen).await;
        app.clock.advance(Duration::days(7) - Duration::minutes(1));
        settle(&app).await;
        let fake = app.log_in("fake.parent").await;
        assert_code(&app.query_as(&fake, SET, clear.clone()).await, "FORBIDDEN");
        app.clock.advance(Duration::minutes(1));
        settle(&app).await;
        let fake = app.log_in("fake.parent").await;
        assert_eq!(link_as(&app, &fake, &again).await["status"], "ACTIVE");
        assert!(kinds(&app, &fake).await.contains(&"FAMILY_LINKED".to_owned()));
        ok(&app.query_as(&fake, SET, clear).await);
    })
    .await;
}

#[tokio::test]
async fn controls_stay_thirty_days_after_the_last_link_and_the_former_guardian_may_pair_again_at_once() {
    on_each_database(|app| async move {
        let f = family(&app, 17).await;
        ok(&app.query_as(&f.guardian, SET, json!({ "t": f.teen_id, "i": { "privateAccount": true } })).await);
        let links = app.query_as(&f.teen, LINKS, json!({})).await;
        let link = ok(&links)["familyLinks"][0]["id"].as_str().unwrap().to_owned();
        ok(&app.query_as(&f.teen, UNLINK, json!({ "l": link })).await);
        // The former guardian pairs again: no one to wait for.
        let back = app.pair(&f.guardian, &f.teen).await;
        assert_eq!(link_as(&app, &f.teen, &back).await["status"], "ACTIVE");
        ok(&app.query_as(&f.guardian, UNLINK, json!({ "l": back })).await);

        app.clock.advance(Duration::days(30) - Duration::minutes(1));
        let teen = app.log_in("teen").await;
        let open = json!({ "i": { "privateAccount": false } });
        assert_code(&app.query_as(&teen, SETTINGS, open.clone()).await, "FORBIDDEN");
        // A stricter setting is always fine.
        ok(&app.query_as(&teen, SETTINGS, json!({ "i": { "commentPolicy": "NOBODY" } })).await);
        app.clock.advance(Duration::minutes(1));
        let teen = app.log_in("teen").await;
        assert_eq!(ok(&app.query_as(&teen, SETTINGS, open).await)["updatePrivacySettings"]["privateAccount"], false);
        // And a new pairing no longer waits for anyone.
        let uncle = app.token_for("uncle").await;
        let fresh = app.pair(&uncle, &teen).await;
        assert_eq!(link_as(&app, &teen, &fresh).await["status"], "ACTIVE");
    })
    .await;
}

#[tokio::test]
async fn guardians_hear_when_their_teen_deletes_the_account() {
    on_each_database(|app| async move {
        let f = family(&app, 15).await;
        let aunt = app.token_for("aunt").await;
        let second = app.pair(&aunt, &f.teen).await;
        app.approve(&f.guardian, &second).await;
        let stranger = app.token_for("stranger").await;
        let deleted = app
            .query_as(
                &f.teen,
                "mutation($p: String!) { deleteAccount(password: $p) { scheduledFor } }",
                json!({ "p": PASSWORD }),
            )
            .await;
        ok(&deleted);
        for guardian in [&f.guardian, &aunt] {
            assert_eq!(told(&app, guardian, "TEEN_ACCOUNT_DELETION").await.len(), 1);
        }
        assert!(told(&app, &stranger, "TEEN_ACCOUNT_DELETION").await.is_empty());
    })
    .await;
}

/// From the hostile review: a link waiting for the guardian who just agreed
/// to a young teen's unlink was left with nobody to answer it; and a teen's
/// circle listed accounts hidden from everyone else.
#[tokio::test]
async fn an_agreed_unlink_ends_what_waited_on_it_and_the_circle_shows_no_hidden_account() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let links = app.query_as(&f.teen, LINKS, json!({})).await;
        let link = ok(&links)["familyLinks"][0]["id"].as_str().unwrap().to_owned();
        let aunt = app.token_for("aunt").await;
        let waiting = app.pair(&aunt, &f.teen).await;
        ok(&app.query_as(&f.teen, UNLINK, json!({ "l": link })).await);
        ok(&app.query_as(&f.guardian, ANSWER, json!({ "l": link, "a": true })).await);
        assert_eq!(link_as(&app, &f.teen, &waiting).await["status"], "REVOKED");
        assert!(kinds(&app, &aunt).await.contains(&"FAMILY_LINK_REFUSED".to_owned()));

        // A new guardian; the teen follows two accounts, one then suspended.
        let uncle = app.token_for("uncle").await;
        let current = app.pair(&uncle, &f.teen).await;
        app.clock.advance(Duration::days(7));
        settle(&app).await;
        let (teen, uncle) = (app.log_in("teen").await, app.log_in("uncle").await);
        assert_eq!(link_as(&app, &uncle, &current).await["status"], "ACTIVE");
        for handle in ["friend", "gone"] {
            let id = app.my_id(&app.token_for(handle).await).await;
            ok(&app.query_as(&teen, "mutation($id: ID!) { follow(userId: $id) { id } }", json!({ "id": id })).await);
        }
        app.update_user("gone", |u| u.banned_at = sea_orm::Set(Some(app.clock_now()))).await;
        let circle = "{ familyLinks { teenFollowing { edges { node { handle } } } } }";
        let seen = app.query_as(&uncle, circle, json!({})).await;
        let handles: Vec<Value> = ok(&seen)["familyLinks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["teenFollowing"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["handle"].clone()))
            .collect();
        assert_eq!(handles, [json!("friend")]);
    })
    .await;
}

/// A guardian who deletes their account leaves: the link ends, the teen is
/// told, and a link that waited on that guardian ends too.
#[tokio::test]
async fn a_guardian_who_deletes_their_account_leaves_and_what_waited_on_them_ends() {
    on_each_database(|app| async move {
        let f = family(&app, 14).await;
        let aunt = app.token_for("aunt").await;
        let waiting = app.pair(&aunt, &f.teen).await;
        let delete = "mutation($p: String!) { deleteAccount(password: $p) { scheduledFor } }";
        ok(&app.query_as(&f.guardian, delete, json!({ "p": PASSWORD })).await);
        assert_eq!(link_as(&app, &f.teen, &waiting).await["status"], "REVOKED");
        assert!(kinds(&app, &aunt).await.contains(&"FAMILY_LINK_REFUSED".to_owned()));
        assert!(kinds(&app, &f.teen).await.contains(&"FAMILY_UNLINKED".to_owned()));
        let links = app.query_as(&f.teen, LINKS, json!({})).await;
        let ended = ok(&links)["familyLinks"].as_array().unwrap().iter().all(|l| l["status"] == "REVOKED");
        assert!(ended, "{links}");
    })
    .await;
}
