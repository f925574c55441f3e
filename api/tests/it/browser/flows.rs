//! What a newcomer, a moderator and a family do in the demo app.
use std::time::Duration;

use entity::InteractionKind;
use fantoccini::key::Key;
use serde_json::{Value, json};

use super::{DESKTOP, PHONE, on_each_database_in_browser};
use crate::support::{PASSWORD, TestApp, born_years_ago, field, ok};

const DEMO_PASSWORD: &str = "motlanthu2023";

/// The pillars of the tags on the cards shown so far, and whether each card
/// gives a reason.
const CARDS: &str = "[...document.querySelectorAll('.card')].map(c => ({
    id: c.dataset.id,
    tags: c.dataset.tags.split(' '),
    pillars: [...c.querySelectorAll('.tag')].map(t => t.dataset.pillar),
    reasons: c.querySelectorAll('.reason').length,
}))";

/// The guardian's "saved" notice, once the controls are stored.
const SAVED: &str = "[...document.querySelectorAll('.notice')].some((n) => n.textContent.includes('Đã lưu'))";

#[tokio::test]
async fn anonymous_visitors_see_all_five_pillars_with_reasons_in_both_languages() {
    on_each_database_in_browser(|app, mut driver| async move {
        let page = driver.open(&app, "anonymous", PHONE).await;
        page.goto("").await;
        page.until("document.querySelectorAll('.card').length >= 10").await;
        let cards = page.eval(CARDS).await;
        let first_screen = &cards.as_array().unwrap()[..10];
        let mut pillars: Vec<&str> =
            first_screen.iter().flat_map(|c| c["pillars"].as_array().unwrap()).filter_map(Value::as_str).collect();
        pillars.sort_unstable();
        pillars.dedup();
        assert_eq!(pillars, ["CONNECT", "DISCOVER", "KINDNESS", "LAUGH", "LEARN"], "{cards}");
        assert!(first_screen.iter().all(|c| c["reasons"].as_u64() >= Some(1)), "a card without a reason: {cards}");
        page.until("document.querySelector('.banner') && document.querySelector('.intro')").await;
        // Browsing loads no screen the visitor has not opened.
        let fetched = "performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)";
        let files = page.eval(fetched).await;
        for screen in ["/assets/views/family.js", "/assets/views/moderation.js", "/assets/views/campaign.js"] {
            assert!(!files.as_array().unwrap().contains(&json!(screen)), "{screen} loaded for browsing: {files}");
        }
        assert!(page.text(".banner").await.contains("#tryitwithtiktok"));
        assert!(page.text(".intro").await.contains("Bạn chưa đăng nhập"), "Vietnamese by default");
        page.screenshot("feed-vi").await;

        page.click("button.lang").await;
        page.until("document.querySelector('.intro').innerText.includes('not signed in')").await;
        assert_eq!(page.eval("document.documentElement.lang").await, "en");
        // The cards are drawn again in the new language: wait for them.
        // (Times out, naming what the page says, if a reason stays Vietnamese.)
        page.until(
            "document.querySelector('.card .reason') && [...document.querySelectorAll('.card .reason')]
                .every((reason) => /^[\\x00-\\x7F]*$/.test(reason.innerText))",
        )
        .await;
        page.resize(DESKTOP).await;
        page.screenshot("feed-en-desktop").await;

        // Search ignores diacritics.
        page.fill("#search-box", "pho bo").await;
        page.click("form.search button").await;
        // The feed's cards stay for a moment after the address changes: wait
        // for the results themselves (or time out, naming what the page says).
        page.until("location.hash.startsWith('#/?q=') && document.querySelector('.card .card-title')?.innerText.includes('Phở bò')").await;

        // The banner leads to the entries of the campaign running now.
        page.click(".banner a").await;
        page.until(
            "location.hash === '#/?campaign=tryitwithtiktok-2026' && document.querySelectorAll('.card').length > 0",
        )
        .await;

        // A video with a real mediaUrl plays in a <video> element; one that
        // cannot be fetched says so, and the player goes on.
        let creator = app.token_for("nguoi.dang").await;
        let clip = "https://media.example.invalid/clip.mp4";
        app.create_content(&creator, json!({ "title": "Clip that lives elsewhere", "mediaUrl": clip })).await;
        page.goto("#/?q=lives%20elsewhere").await;
        page.click(".card button.poster").await;
        page.until(&format!("document.querySelector('dialog.player video[src=\"{clip}\"]')")).await;
        page.until("document.querySelector('dialog.player .error[data-code=MEDIA]')").await;
        page.screenshot("player-media-error").await;
        page.press(Key::Escape).await;
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_new_adult_who_watches_two_kinds_of_video_gets_mostly_those_by_the_third_screen() {
    on_each_database_in_browser(|app, mut driver| async move {
        let page = driver.open(&app, "learning", PHONE).await;
        page.goto("#/signup").await;
        page.fill("#field-handle", "hoa.learner").await;
        page.fill("#field-displayName", "Phạm Hoa").await;
        page.fill("#field-email", "hoa@example.com").await;
        page.fill("#field-password", PASSWORD).await;
        page.set_value("#field-birthDate", &born_years_ago(15)).await;
        page.until("document.querySelector('.teen-defaults')").await;
        page.set_value("#field-birthDate", &born_years_ago(26)).await;
        page.until("!document.querySelector('.teen-defaults')").await;
        page.click("input[name=accepted]").await;
        page.click("form button[type=submit]").await;
        page.until("location.hash === '#/' && document.querySelector('.sign-out')").await;
        page.until("document.querySelectorAll('.card').length >= 10").await;

        // Watched in the player: food and money played to the end and
        // liked, anything else skipped as soon as it plays.
        let tastes = ["food", "personal-finance"];
        page.click(".card[data-index=\"0\"] button.poster").await;
        let mut played_through = 0;
        for index in 0..20 {
            let playing = format!("dialog.player[data-index=\"{index}\"] .playing[data-state=playing]");
            page.until(&format!("document.querySelector('{playing}')")).await;
            let tags = page.eval("document.querySelector('dialog.player').dataset.tags").await;
            if tastes.iter().any(|taste| tags.as_str().unwrap().split(' ').any(|tag| tag == *taste)) {
                page.advance_clock(600_000).await;
                page.until("document.querySelector('dialog.player .playing[data-state=ended]')").await;
                if played_through == 0 {
                    page.screenshot("player-ended").await;
                }
                played_through += 1;
                page.click("dialog.player button.like").await;
                page.until("document.querySelector('dialog.player button.like.on')").await;
            }
            page.press(Key::Down).await;
        }
        page.until("document.querySelector('dialog.player[data-index=\"20\"] .playing[data-state=playing]')").await;
        page.press(Key::Escape).await;
        page.until("!document.querySelector('dialog.player')").await;
        // What the server heard is what was played: a whole VIEW for each
        // video played to the end, a SWIPE_AWAY for each one skipped (the
        // 21st too, closed as soon as it played).
        let viewer = app.find_user("hoa.learner").await.id;
        // The last one is sent as the player closes: wait for it to arrive.
        let swipes_of = |heard: &[(InteractionKind, Option<i32>, i32)]| {
            heard.iter().filter(|(kind, _, _)| *kind == InteractionKind::SwipeAway).count()
        };
        let started = std::time::Instant::now();
        let mut heard = played(&app, viewer).await;
        while swipes_of(&heard) < 21 - played_through && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            heard = played(&app, viewer).await;
        }
        let views: Vec<_> = heard.iter().filter(|(kind, _, _)| *kind == InteractionKind::View).collect();
        assert_eq!(views.len(), played_through, "{heard:?}");
        assert!(views.iter().all(|(_, watched, duration)| *watched == Some(duration * 1000)), "{heard:?}");
        assert_eq!(swipes_of(&heard), 21 - played_through, "{heard:?}");
        page.until("document.querySelectorAll('.card').length >= 30").await;
        let cards = page.eval(CARDS).await;
        let third_screen = &cards.as_array().unwrap()[20..30];
        let on_taste = third_screen
            .iter()
            .filter(|c| c["tags"].as_array().unwrap().iter().any(|t| tastes.contains(&t.as_str().unwrap())))
            .count();
        assert!(on_taste >= 6, "only {on_taste} of the third screen's 10 are food or finance: {cards}");
        let learned = page.eval("[...document.querySelectorAll('.card')].slice(20, 30).flatMap(c => [...c.querySelectorAll('.reason')].map(r => r.dataset.kind))").await;
        assert!(learned.as_array().unwrap().iter().any(|k| k == "TAG_AFFINITY"), "reasons name the taste: {learned}");
        page.screenshot("third-screen").await;
        page.close().await;
    })
    .await;
}

/// (kind, watched ms, video's seconds) of each signal `viewer` gave about a video.
async fn played(app: &TestApp, viewer: uuid::Uuid) -> Vec<(InteractionKind, Option<i32>, i32)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = &app.state.db;
    let signals = entity::interaction::Entity::find()
        .filter(entity::interaction::Column::UserId.eq(viewer))
        .all(db)
        .await
        .unwrap();
    let videos = entity::content::Entity::find().all(db).await.unwrap();
    signals
        .into_iter()
        .filter_map(|signal| {
            let video = videos.iter().find(|video| Some(video.id) == signal.content_id)?;
            Some((signal.kind, signal.watched_ms, video.duration_seconds))
        })
        .collect()
}

#[tokio::test]
async fn a_report_reaches_the_live_console_and_its_outcome_reaches_the_reporter() {
    on_each_database_in_browser(|app, mut driver| async move {
        let moderator = driver.open(&app, "moderator", DESKTOP).await;
        moderator.sign_in("moderator@demo.trustfeed.vn", DEMO_PASSWORD).await;
        moderator.goto("#/moderation").await;
        moderator.until("document.querySelector('.live.on')").await;
        let before = moderator.eval("document.querySelectorAll('.case-row').length").await;

        // The access token expires under the open console: the server closes
        // the socket (4401) and the app refreshes and reconnects by itself.
        let token = "JSON.parse(localStorage.getItem('trustfeed.session')).accessToken";
        let first_token = moderator.eval(token).await;
        app.clock.advance(chrono::Duration::minutes(16));
        moderator.until(&format!("{token} !== {first_token}")).await;
        moderator.until("document.querySelector('.live.on')").await;

        let reporter = driver.open(&app, "reporter", PHONE).await;
        reporter.sign_in("lan@demo.trustfeed.vn", DEMO_PASSWORD).await;
        let card = ".card[data-index=\"0\"]";
        let content_id = reporter.eval(&format!("document.querySelector('{card}').dataset.id")).await;
        let title = reporter.text(&format!("{card} .card-title")).await;
        reporter.click(&format!("{card} button.report")).await;
        reporter.click("dialog input[value=SCAM_FRAUD]").await;
        reporter.fill("dialog textarea[name=details]", "Hứa lãi 30% mỗi tháng").await;
        reporter.screenshot("report-dialog").await;
        reporter.click("dialog button[type=submit]").await;
        reporter.until("!document.querySelector('dialog')").await;

        // The console shows it without a reload.
        let row = format!("[...document.querySelectorAll('.case-row')].find(r => r.innerText.includes({title:?}))");
        moderator.until(&row).await;
        assert_eq!(moderator.eval("performance.getEntriesByType('navigation').length").await, 1);
        assert!(moderator.eval("document.querySelectorAll('.case-row').length").await.as_u64() > before.as_u64());
        moderator.screenshot("live-queue").await;
        moderator.eval(&format!("{row}.querySelector('button.claim').click()")).await;
        moderator.until("document.querySelector('article.case')").await;
        assert!(moderator.text("article.case .evidence").await.contains(&title), "the snapshot shows the video");
        moderator.eval("(() => { const s = document.querySelector('select[name=action]'); s.value = 'REMOVE_CONTENT'; s.dispatchEvent(new Event('change', { bubbles: true })); })()").await;
        moderator.fill("textarea[name=note]", "Lừa đảo đầu tư").await;
        moderator.screenshot("case").await;
        moderator.click("button.resolve").await;
        moderator.until("location.hash === '#/moderation'").await;

        // The reporter's bell, then the outcome, then the feed without it.
        reporter.goto("#/privacy").await;
        reporter.until("document.querySelector('.bell .badge')").await;
        reporter.click(".bell").await;
        reporter.until("document.querySelector('.my-report[data-status=ACTIONED] .outcome')").await;
        reporter.screenshot("outcome").await;
        reporter.goto("#/").await;
        reporter.until("document.querySelectorAll('.card').length >= 10").await;
        let shown = reporter.eval(CARDS).await;
        assert!(shown.as_array().unwrap().iter().all(|c| c["id"] != content_id), "the removed video is gone: {shown}");
        reporter.close().await;
        moderator.close().await;
    })
    .await;
}

/// Records `minutes` of watching for the user holding `token`, as another device would.
async fn watch_for(app: &TestApp, author: &str, token: &str, minutes: i64) {
    let long = app.create_content(author, json!({ "durationSeconds": 600 })).await;
    let mut left = minutes * 60_000;
    while left > 0 {
        let watched = left.min(600_000);
        ok(&app.interact(token, &long, "VIEW", Some(watched)).await);
        left -= watched;
    }
}

#[tokio::test]
async fn a_guardian_sets_time_away_and_a_limit_and_answers_a_request_for_more_time() {
    on_each_database_in_browser(|app, mut driver| async move {
        app.sign_up("cha.binh", 41).await;
        app.sign_up("con.nhi", 14).await;
        let guardian = driver.open(&app, "guardian", DESKTOP).await;
        guardian.sign_in("cha.binh@example.com", PASSWORD).await;
        let teen = driver.open(&app, "teen", PHONE).await;
        teen.sign_in("con.nhi@example.com", PASSWORD).await;

        guardian.goto("#/family").await;
        guardian.click(".pairing button").await;
        let code = guardian.text(".pairing-code").await;
        assert!(guardian.text(".countdown").await.contains("14:"), "a 15-minute countdown");
        guardian.screenshot("pairing-code").await;
        teen.goto("#/family").await;
        teen.fill("#pairing-code", &code).await;
        teen.click("form.pairing button[type=submit]").await;
        teen.until("document.querySelector('.link-row[data-status=ACTIVE]')").await;

        // A time-away window around now (10:00 in Vietnam). The new teen's
        // chart says there is nothing yet rather than drawing empty days.
        guardian.goto("#/").await;
        guardian.goto("#/family").await;
        guardian.until("document.querySelector('.usage .no-usage')").await;
        guardian.click(".guardian-panel .add-window").await;
        guardian.set_value(".windows div.window:last-of-type input[name=start]", "09:00").await;
        guardian.set_value(".windows div.window:last-of-type input[name=end]", "11:00").await;
        guardian.click(".save-controls").await;
        // The saved notice itself (an earlier notice may still be showing).
        guardian.until(SAVED).await;
        teen.goto("#/").await;
        teen.until("document.querySelector('.gate[data-gate=TIME_AWAY]')").await;
        teen.screenshot("time-away").await;

        guardian.goto("#/").await;
        guardian.goto("#/family").await;
        guardian.click(".windows div.window:last-of-type .remove-window").await;
        guardian.fill(".guardian-panel input[name=dailyLimit]", "15").await;
        // The first save's notice shows for 6 seconds: once it is gone, the
        // next one can only be this save's.
        guardian.until(&format!("!({SAVED})")).await;
        guardian.click(".save-controls").await;
        guardian.until(SAVED).await;
        teen.click(".gate button.secondary").await;
        teen.until("!document.querySelector('.gate') && document.querySelector('.card')").await;
        teen.until("document.querySelector('.minutes-left')").await;

        // The day's 15 minutes are used up on another device.
        let teen_token = app.log_in("con.nhi").await;
        let author = app.token_for("nguoi.lam.video").await;
        watch_for(&app, &author, &teen_token, 16).await;
        teen.goto("#/privacy").await;
        teen.goto("#/").await;
        teen.until("document.querySelector('.gate[data-gate=SCREEN_TIME_LIMIT_REACHED]')").await;
        teen.click(".ask-time input[value=\"30\"]").await;
        teen.fill(".ask-time input[name=reason]", "Con đang xem video học tiếng Anh").await;
        teen.click(".ask-time button[type=submit]").await;
        teen.until("document.querySelector('.gate .ok')").await;
        teen.screenshot("limit-reached").await;
        // Out of time, the teen still reaches the menu: family, inbox, privacy, sign-out.
        teen.click(".menu-toggle").await;
        teen.until("document.querySelector('#main-nav.open .sign-out') && document.querySelector('#main-nav a[href=\"#/inbox\"]')").await;
        teen.click("#main-nav a[href=\"#/family\"]").await;
        teen.until("location.hash === '#/family' && !document.querySelector('.gate') && document.querySelector('.panel')").await;
        teen.goto("#/").await;
        teen.until("document.querySelector('.gate[data-gate=SCREEN_TIME_LIMIT_REACHED]')").await;

        // The guardian grants 45 of the 30 minutes asked for, and is told so.
        guardian.goto("#/").await;
        guardian.goto("#/family").await;
        guardian.set_value(".time-request select[name=grant]", "45").await;
        guardian.until("document.querySelector('.time-request button.approve').innerText.includes('45')").await;
        guardian.click(".time-request button.approve").await;
        guardian.until("!document.querySelector('.time-request')").await;
        guardian.until("[...document.querySelectorAll('.notice')].some((n) => n.textContent.includes('45'))").await;
        // Today's 16 minutes are written on their bar.
        guardian.until("[...document.querySelectorAll('.usage text.value')].some((v) => Number(v.textContent) >= 16)").await;
        guardian.screenshot("panel").await;
        guardian.eval("document.querySelector('.usage').scrollIntoView()").await;
        guardian.screenshot("usage").await;
        teen.click(".gate button.secondary").await;
        teen.until("!document.querySelector('.gate') && document.querySelector('.card')").await;
        // The header's minutes left follow the grant, no longer "0 minutes".
        teen.until("Number(document.querySelector('.minutes-left')?.dataset.remaining) > 0").await;
        teen.close().await;
        guardian.close().await;
    })
    .await;
}

#[tokio::test]
async fn after_a_new_policy_a_user_must_accept_it_before_liking_again() {
    on_each_database_in_browser(|app, mut driver| async move {
        app.sign_up("thao.reader", 30).await;
        let page = driver.open(&app, "reconsent", PHONE).await;
        page.sign_in("thao.reader@example.com", PASSWORD).await;
        assert_eq!(page.eval("document.querySelector('.consent-banner')").await, Value::Null);

        // The admin publishes the demo's prepared version 2 from their screen.
        app.user_with_role("quan.tri", entity::Role::Admin).await;
        let admin = driver.open(&app, "policy-admin", DESKTOP).await;
        admin.sign_in("quan.tri@example.com", PASSWORD).await;
        admin.click("a[href='#/admin']").await;
        admin.click("a[href='#/admin/policy']").await;
        admin.click("button.demo-draft").await;
        admin.until("document.querySelector('#policy-bodyVi').value.includes('Lời tử tế')").await;
        let publish = "document.querySelector('.admin-policy button[type=submit]')";
        assert_eq!(admin.eval(&format!("{publish}.disabled")).await, true, "not before the admin says they understand");
        admin.click("input[name=understood]").await;
        admin.screenshot("ready").await;
        admin.click(".admin-policy button[type=submit]").await;
        admin.until("document.querySelector('.admin-policy .ok')").await;
        let current = app.query("{ privacyPolicy { version bodyVi } }", json!({})).await;
        assert_eq!(field(&current, "privacyPolicy")["version"], 2, "{current}");
        assert!(field(&current, "privacyPolicy")["bodyVi"].as_str().unwrap().contains("Lời tử tế"), "{current}");
        admin.until("document.querySelector('.consent-banner')").await;
        admin.close().await;

        page.goto("#/privacy").await;
        page.goto("#/").await;
        page.until("document.querySelector('.consent-banner')").await;
        page.click(".card[data-index=\"0\"] button.like").await;
        page.until("document.querySelector('.notice.error')").await;
        assert!(page.text(".notice").await.contains("chính sách"), "the refusal is explained in Vietnamese");
        assert_eq!(page.eval("document.querySelector('.card[data-index=\"0\"] button.like.on')").await, Value::Null);
        page.screenshot("banner").await;

        page.click(".consent-banner a").await;
        page.click(".accept-policy").await;
        page.until("!document.querySelector('.consent-banner')").await;
        page.goto("#/").await;
        page.click(".card[data-index=\"0\"] button.like").await;
        page.until("document.querySelector('.card[data-index=\"0\"] button.like.on')").await;
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn download_my_data_saves_a_json_file_with_the_users_content() {
    on_each_database_in_browser(|app, mut driver| async move {
        let token = app.sign_up("duc.maker", 28).await["accessToken"].as_str().unwrap().to_owned();
        app.create_content(&token, json!({ "title": "Cách gói bánh chưng" })).await;
        let page = driver.open(&app, "export", PHONE).await;
        page.sign_in("duc.maker@example.com", PASSWORD).await;

        // The access token expires (a laptop waking up): the next request
        // refreshes it quietly and goes through.
        let session = "JSON.parse(localStorage.getItem('trustfeed.session')).refreshToken";
        let first_refresh_token = page.eval(session).await;
        app.clock.advance(chrono::Duration::minutes(16));
        page.goto("#/privacy").await;
        page.until(&format!("{session} !== {first_refresh_token}")).await;
        page.until("document.querySelector('button.export')").await;
        assert_eq!(page.eval("document.querySelector('.error')").await, Value::Null);

        page.click("button.export").await;
        let file = page.downloads.join("trustfeed-duc.maker.json");
        let started = std::time::Instant::now();
        while !file.exists() && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let exported: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("the file was saved")).unwrap();
        assert!(exported.to_string().contains("Cách gói bánh chưng"), "{exported}");
        assert!(exported.to_string().contains("duc.maker@example.com"));
        page.screenshot("privacy-centre").await;

        // A wrong password is a wrong password, not an expired sign-in.
        let before_wrong_password = page.eval(session).await;
        page.fill("#delete-password", "not my password at all").await;
        page.click("button.danger").await;
        page.until("document.querySelector('.error[data-code=UNAUTHENTICATED]')").await;
        assert!(page.text(".error[data-code=UNAUTHENTICATED]").await.contains("Mật khẩu chưa đúng"));
        assert_eq!(page.eval(session).await, before_wrong_password, "no refresh for a wrong password");

        // Signing out ends the session on the server too.
        let refresh_token = page.eval(session).await;
        page.click(".menu-toggle").await;
        page.click(".sign-out").await;
        page.until("!document.querySelector('.sign-out') && !localStorage.getItem('trustfeed.session')").await;
        let reused = app
            .query(
                "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
                json!({ "t": refresh_token }),
            )
            .await;
        assert_eq!(crate::support::error_code(&reused), "UNAUTHENTICATED", "{reused}");
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_moderator_deciding_a_case_someone_else_decided_is_told_so() {
    on_each_database_in_browser(|app, mut driver| async move {
        let author = app.token_for("tac.gia").await;
        let video = app.create_content(&author, json!({ "title": "Mẹo vặt nhà bếp" })).await;
        let reporter = app.token_for("nguoi.bao.cao").await;
        ok(&app.report(&reporter, "CONTENT", &video, "SPAM", None).await);
        let moderator = driver.open(&app, "stale", DESKTOP).await;
        moderator.sign_in("moderator@demo.trustfeed.vn", DEMO_PASSWORD).await;
        moderator.goto("#/moderation").await;
        let row = "[...document.querySelectorAll('.case-row')].find(r => r.innerText.includes('Mẹo vặt nhà bếp'))";
        moderator.until(row).await;
        moderator.eval(&format!("{row}.querySelector('a.button').click()")).await;
        moderator.until("document.querySelector('article.case')").await;

        // Meanwhile an admin decides it.
        let admin = app.user_with_role("quan.tri.vien", entity::Role::Admin).await;
        let case = moderator.eval("({ id: document.querySelector('article.case').dataset.id, version: Number(document.querySelector('article.case').dataset.version) })").await;
        let input = json!({ "caseId": case["id"], "action": "DISMISS", "note": "Không vi phạm", "expectedVersion": case["version"] });
        ok(&app.query_as(&admin, "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id } }", json!({ "i": input })).await);

        moderator.fill("textarea[name=note]", "Spam rõ ràng").await;
        moderator.click("button.resolve").await;
        moderator.until("document.querySelector('.conflict')").await;
        assert!(moderator.text(".conflict").await.contains("kiểm duyệt viên khác"));
        moderator.screenshot("conflict").await;
        moderator.click(".conflict button").await;
        moderator.until("document.querySelector('article.case') && !document.querySelector('form.decide')").await;
        moderator.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_campaign_pages_show_safety_figures_take_a_survey_and_chart_the_kpis() {
    on_each_database_in_browser(|app, mut driver| async move {
        let visitor = driver.open(&app, "campaign", PHONE).await;
        visitor.goto("#/numbers").await;
        visitor.until("document.querySelector('.numbers .figures dd')").await;
        let reports = visitor.text(".numbers .figures dd").await;
        assert!(reports.starts_with(|c: char| c.is_ascii_digit()), "the seeded month of moderation shows figures: {reports}");
        visitor.screenshot("numbers").await;

        // The relaunch's survey, answered anonymously.
        visitor.goto("#/survey").await;
        visitor.until("document.querySelectorAll('fieldset.question').length === 9").await;
        visitor
            .eval("[...document.querySelectorAll('fieldset.question')].forEach(q => q.querySelector('input[type=radio]').click())")
            .await;
        visitor.screenshot("survey").await;
        visitor.click(".survey button[type=submit]").await;
        visitor.until("document.querySelector('.survey .ok')").await;
        // A refresh does not bring the answered form back.
        visitor.eval("location.reload()").await;
        visitor.until("document.querySelector('.survey .ok') && !document.querySelector('fieldset.question')").await;
        visitor.close().await;

        let analyst = driver.open(&app, "analyst", DESKTOP).await;
        analyst.sign_in("analyst@demo.trustfeed.vn", DEMO_PASSWORD).await;
        analyst.goto("#/dashboard").await;
        // The latest campaign first: the 2026 relaunch, whose POST wave has
        // not started, said once rather than under every figure.
        analyst.until("document.querySelectorAll('.change-row').length >= 10").await;
        let relaunch = analyst.text(".dashboard").await;
        // The visitor's answer waits, sealed, for nine more to be written with it.
        assert!(relaunch.contains("n=240"), "the 240 seeded answers: {relaunch}");
        assert_eq!(analyst.eval("document.querySelectorAll('.dashboard .notice-line').length").await, 1, "{relaunch}");
        analyst
            .eval("(() => { const s = document.querySelector('.dashboard select'); s.value = 'tryitwithtiktok'; s.dispatchEvent(new Event('change', { bubbles: true })); return 1; })()")
            .await;
        analyst.until("document.querySelector('.dashboard').innerText.includes('n=600')").await;
        let report = analyst.text(".dashboard").await;
        assert!(report.contains("n=600"), "the 2023 waves: {report}");
        assert!(report.contains("có ý nghĩa thống kê"), "a significant change is marked: {report}");
        analyst.screenshot("dashboard").await;
        analyst.close().await;
    })
    .await;
}

/// The web app keeps the device token each sign-in returns, per email, and
/// presents it at the next sign-in: ten wrong passwords from elsewhere use
/// up the account's budget, yet the owner's browser still signs in.
#[tokio::test]
async fn a_browser_that_signed_in_before_is_not_locked_out_by_guesses_from_elsewhere() {
    on_each_database_in_browser(|app, mut driver| async move {
        app.token_for("chu.nha").await;
        let email = "chu.nha@example.com";
        let page = driver.open(&app, "device", PHONE).await;
        page.sign_in(email, PASSWORD).await;
        let kept = page.eval(&format!("JSON.parse(localStorage.getItem('trustfeed.devices') || '{{}}')['{email}']")).await;
        assert!(kept.as_str().is_some_and(|token| token.len() > 20), "the device token is kept: {kept}");
        page.click(".menu-toggle").await;
        page.click(".sign-out").await;
        page.until("!document.querySelector('.sign-out') && !localStorage.getItem('trustfeed.session')").await;

        let log_in = |password: &str| {
            let body = json!({ "query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }",
                               "variables": { "e": email, "p": password } });
            app.client
                .post(format!("{}/graphql", app.address))
                .header(crate::support::CLIENT_ADDRESS_HEADER, "10.66.0.1")
                .json(&body)
                .send()
        };
        for _ in 0..10 {
            log_in("a wrong guess, from elsewhere").await.unwrap();
        }
        let elsewhere: Value = log_in(PASSWORD).await.unwrap().json().await.unwrap();
        assert_eq!(crate::support::error_code(&elsewhere), "RATE_LIMITED", "{elsewhere}");
        assert!(elsewhere["errors"][0]["message"].as_str().unwrap().contains("this email"), "the account's budget: {elsewhere}");

        page.sign_in(email, PASSWORD).await;
        page.close().await;
    })
    .await;
}

/// The queue tells cases apart by type and excerpt, and a moderator opening
/// the appeal of their own decision is told another moderator decides it,
/// instead of being offered Claim and Decide and then refused.
#[tokio::test]
async fn a_moderator_is_told_before_acting_that_their_own_decisions_appeal_is_not_theirs() {
    on_each_database_in_browser(|app, mut driver| async move {
        let author = app.token_for("tac.gia").await;
        let video = app.create_content(&author, json!({ "title": "Mẹo tiết kiệm điện", "caption": "Tắt thiết bị khi không dùng." })).await;
        let reporter = app.token_for("nguoi.bao").await;
        ok(&app.report(&reporter, "CONTENT", &video, "MISINFORMATION", None).await);
        app.user_with_role("kiem.duyet", entity::Role::Moderator).await;
        let moderator = app.log_in("kiem.duyet").await;
        let queue =
            app.query_as(&moderator, "{ moderationQueue(first: 50) { edges { node { id version snapshot { title } } } } }", json!({})).await;
        let case = field(&queue, "moderationQueue")["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"].clone())
            .find(|node| node["snapshot"]["title"] == "Mẹo tiết kiệm điện")
            .expect("the new case is queued");
        let row = format!(".case-row[data-id=\"{}\"]", case["id"].as_str().unwrap());

        let page = driver.open(&app, "own-appeal", PHONE).await;
        page.sign_in("kiem.duyet@example.com", PASSWORD).await;
        page.goto("#/moderation").await;
        page.until(&format!("document.querySelector('{row} .pill.target') && document.querySelector('{row} .excerpt')")).await;
        let excerpt = page.text(&format!("{row} .excerpt")).await;
        assert!(excerpt.contains("Tắt thiết bị"), "the excerpt of what was reported: {excerpt}");
        page.screenshot("queue").await;

        let input = json!({ "caseId": case["id"], "action": "REMOVE_CONTENT", "note": "Sai sự thật", "expectedVersion": case["version"] });
        ok(&app.query_as(&moderator, "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id } }", json!({ "i": input })).await);
        let appeal = "mutation($c: ID!) { appealDecision(caseId: $c, message: \"Video của tôi có nguồn rõ ràng\") { id status } }";
        ok(&app.query_as(&author, appeal, json!({ "c": case["id"] })).await);

        page.goto(&format!("#/moderation/case/{}", case["id"].as_str().unwrap())).await;
        page.until("document.querySelector('.cannot-decide[data-why=\"mod.ownDecision\"]') && !document.querySelector('form.decide')").await;
        page.screenshot("own-appeal").await;

        // The language follows the account: switched to English here, back to
        // Vietnamese while signed out, and English again on signing in.
        page.click("button.lang").await;
        page.until("document.documentElement.lang === 'en'").await;
        let locale = "{ me { locale } }";
        let started = std::time::Instant::now();
        while field(&app.query_as(&moderator, locale, json!({})).await, "me")["locale"] != "en" {
            assert!(started.elapsed() < Duration::from_secs(10), "the account's locale follows the switch");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        page.click(".menu-toggle").await;
        page.click(".sign-out").await;
        page.until("!document.querySelector('.sign-out')").await;
        page.click("button.lang").await;
        page.until("document.documentElement.lang === 'vi'").await;
        page.sign_in("kiem.duyet@example.com", PASSWORD).await;
        page.until("document.documentElement.lang === 'en'").await;
        page.close().await;
    })
    .await;
}

/// An anonymous visitor who taps Report is told why an account is needed,
/// comes back after signing in to the same video's report form, and the
/// report is filed: one sign-in, not eight steps.
#[tokio::test]
async fn an_anonymous_report_survives_signing_in_and_is_filed() {
    on_each_database_in_browser(|app, mut driver| async move {
        let reporter = app.token_for("nguoi.xem").await;
        let page = driver.open(&app, "intent", PHONE).await;
        page.goto("").await;
        page.until("document.querySelectorAll('.card').length >= 3").await;
        let card = ".card[data-index=\"1\"]";
        let title = page.text(&format!("{card} .card-title")).await;
        let id = page.eval(&format!("document.querySelector('{card}').dataset.id")).await;
        page.click(&format!("{card} button.report")).await;
        page.until("location.hash === '#/signin' && document.querySelector('.intent')").await;
        let why = page.text(".intent").await;
        assert!(why.contains(&title) && why.contains("báo cáo"), "the sign-in says why: {why}");
        page.screenshot("why-sign-in").await;

        page.fill("#field-email", "nguoi.xem@example.com").await;
        page.fill("#field-password", PASSWORD).await;
        page.click("form button[type=submit]").await;
        page.until(&format!(
            "document.querySelector('.intent-report[data-content=\"{}\"] dialog')",
            id.as_str().unwrap()
        ))
        .await;
        page.click(".intent-report dialog input[value=SPAM]").await;
        page.screenshot("report-after-sign-in").await;
        page.click(".intent-report dialog button[type=submit]").await;
        page.until("!document.querySelector('.intent-report dialog')").await;

        let mine =
            app.query_as(&reporter, "{ myReports(first: 5) { edges { node { reason targetId } } } }", json!({})).await;
        let filed = &field(&mine, "myReports")["edges"];
        assert_eq!(filed.as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(filed[0]["node"]["targetId"], id);
        assert_eq!(filed[0]["node"]["reason"], "SPAM");
        page.close().await;
    })
    .await;
}

/// Each persona's main screen, on a phone and a desktop, in Vietnamese and
/// in English: axe-core finds nothing serious, no text lacks a translation,
/// and nothing breaks the Content-Security-Policy. The pictures are the
/// ones in `docs/screenshots/`.
#[tokio::test]
async fn every_persona_main_screen_reads_well_in_both_languages_on_a_phone_and_a_desktop() {
    on_each_database_in_browser(|app, mut driver| async move {
        let personas = [
            ("newcomer", None, "#/", ".card"),
            ("teen", Some("an@demo.trustfeed.vn"), "#/", ".card"),
            ("guardian", Some("minh@demo.trustfeed.vn"), "#/family", ".usage svg"),
            ("moderator", Some("moderator@demo.trustfeed.vn"), "#/moderation", ".case-row"),
            ("analyst", Some("analyst@demo.trustfeed.vn"), "#/dashboard", ".kpi svg"),
            ("admin", Some("admin@demo.trustfeed.vn"), "#/admin/policy", ".admin-policy textarea"),
        ];
        // One window per persona, signed in once, drawn at each size in turn.
        for (persona, email, route, ready) in personas {
            let page = driver.open(&app, persona, PHONE).await;
            if let Some(email) = email {
                page.sign_in(email, DEMO_PASSWORD).await;
            }
            page.goto(route).await;
            for (size_name, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
                page.resize(size).await;
                for lang in ["vi", "en"] {
                    page.until(&format!(
                        "document.documentElement.lang === '{lang}' && document.querySelector('{ready}')"
                    ))
                    .await;
                    page.screenshot(&format!("{size_name}-{lang}")).await;
                    if persona == "newcomer" {
                        page.click(".card[data-index=\"0\"] button.poster").await;
                        page.until(
                            "document.querySelector('dialog.player .playing[data-state=playing] .scene-caption')",
                        )
                        .await;
                        page.screenshot(&format!("{size_name}-player-{lang}")).await;
                        page.press(Key::Escape).await;
                        page.until("!document.querySelector('dialog.player')").await;
                    }
                    page.click("button.lang").await;
                }
                page.until("document.documentElement.lang === 'vi'").await;
            }
            page.close().await;
        }
    })
    .await;
}

/// The newcomer of the finding, in the app: searches "pho bo", likes two
/// food videos, follows the food creator and plays a dance video for two
/// seconds. The first three cards are food, from the followed creator, or
/// say they are something new; no reason names a taste other than food.
#[tokio::test]
async fn a_newcomers_first_reasons_name_only_what_they_showed_they_like() {
    on_each_database_in_browser(|app, mut driver| async move {
        app.sign_up("nguoi.moi", 30).await;
        let page = driver.open(&app, "honest", PHONE).await;
        page.sign_in("nguoi.moi@example.com", PASSWORD).await;
        for search in ["pho bo", "banh mi"] {
            page.fill("#search-box", search).await;
            page.click("form.search button[type=submit]").await;
            let food = ".card[data-tags~=food]";
            // This search's results, not the last one's still on screen.
            let hash = format!("#/?q={}", search.replace(' ', "%20"));
            page.until(&format!(
                "location.hash === '{hash}' && document.querySelector('.feed[aria-busy=false]') && document.querySelector('{food}')"
            ))
            .await;
            page.click(&format!("{food} button.like")).await;
            page.until(&format!("document.querySelector('{food} button.like.on')")).await;
        }
        page.goto("#/u/bep.nha.lan").await;
        page.click(".panel .actions button:not(.report)").await;
        page.until("document.querySelector('.panel .actions button:not(.report)').innerText.includes('Bỏ theo dõi')")
            .await;
        page.goto("#/?q=nhay").await;
        // The page's clock stands still from here: two seconds played are two.
        page.advance_clock(0).await;
        page.click(".card[data-tags~=dance] button.poster").await;
        page.until("document.querySelector('dialog.player .playing[data-state=playing]')").await;
        page.advance_clock(2_100).await;
        page.press(Key::Escape).await;
        page.until("!document.querySelector('dialog.player')").await;

        page.goto("#/").await;
        page.until("document.querySelectorAll('.card').length >= 3").await;
        let named = page
            .eval("[...document.querySelectorAll('.card .reason[data-kind=TAG_AFFINITY]')].map((r) => r.dataset.tag)")
            .await;
        assert!(named.as_array().unwrap().iter().all(|tag| tag == "food"), "only food is named: {named}");
        let first = page
            .eval(
                "[...document.querySelectorAll('.card')].slice(0, 3).map((c) => ({ tags: c.dataset.tags,
                   kinds: [...c.querySelectorAll('.reason')].map((r) => r.dataset.kind) }))",
            )
            .await;
        for card in first.as_array().unwrap() {
            let food = card["tags"].as_str().unwrap().split(' ').any(|tag| tag == "food");
            let kinds = card["kinds"].as_array().unwrap();
            let honest = kinds.iter().any(|k| k == "FOLLOWING_AUTHOR" || k == "EXPLORATION");
            assert!(food || honest, "the first cards are food or honest exploration: {first}");
        }
        assert_eq!(page.eval("document.querySelector('#search-box').value").await, "", "the search is over");
        // The cards may be drawn again meanwhile: wait for their reasons.
        page.until("document.querySelector('.card .reasons')").await;
        page.eval("document.querySelector('.card .reasons').scrollIntoView({ block: 'center' })").await;
        page.screenshot("first-cards").await;
        page.close().await;
    })
    .await;
}

/// Who is who in the app: a look-alike's profile warns and links to the
/// real account; the admin verifies a waiting request; the person then edits
/// their own profile.
#[tokio::test]
async fn a_look_alike_is_named_as_such_and_an_admin_verifies_a_creator() {
    on_each_database_in_browser(|app, mut driver| async move {
        let visitor = driver.open(&app, "look-alike", PHONE).await;
        // Cards of verified creators carry the mark, named for screen readers.
        visitor.goto("#/").await;
        visitor.until("document.querySelector('.card .creator .verified-mark .visually-hidden')?.textContent === 'Tài khoản đã xác minh'").await;
        visitor.goto("#/u/bep_nha_lan").await;
        visitor.until("document.querySelector('.look-alike a[href=\"#/u/bep.nha.lan\"]')").await;
        visitor.screenshot("warning").await;
        visitor.click(".look-alike a").await;
        visitor.until("document.querySelector('.verified-badge')?.innerText.includes('Nhà sáng tạo')").await;
        visitor.close().await;

        // The moderator's case on the impersonator says whom it resembles.
        let token = app.log_in_with("moderator@demo.trustfeed.vn", DEMO_PASSWORD).await;
        let cases = "{ moderationQueue(filter: { reason: IMPERSONATION }) { edges { node { id } } } }";
        let case =
            field(&app.query_as(&token, cases, json!({})).await, "moderationQueue")["edges"][0]["node"]["id"].clone();
        let moderator = driver.open(&app, "impersonation", DESKTOP).await;
        moderator.sign_in("moderator@demo.trustfeed.vn", DEMO_PASSWORD).await;
        moderator.goto(&format!("#/moderation/case/{}", case.as_str().unwrap())).await;
        moderator.until("document.querySelector('.case .look-alike')?.innerText.includes('@bep.nha.lan')").await;
        moderator.screenshot("case").await;
        moderator.close().await;

        let admin = driver.open(&app, "verifier", DESKTOP).await;
        admin.sign_in("admin@demo.trustfeed.vn", DEMO_PASSWORD).await;
        admin.click("a[href='#/admin']").await;
        admin.click("a[href='#/admin/verification']").await;
        admin.until("document.querySelector('.verification-request .evidence')").await;
        assert_eq!(admin.eval("document.querySelector('.verification-request button.approve').disabled").await, true);
        admin.fill(".verification-request input.note", "Kênh đã được kiểm tra").await;
        admin.screenshot("queue").await;
        admin.click(".verification-request button.approve").await;
        admin
            .until("document.querySelector('.verification-queue') && !document.querySelector('.verification-request')")
            .await;
        admin.close().await;

        let lan = driver.open(&app, "verified", PHONE).await;
        lan.sign_in("lan@demo.trustfeed.vn", DEMO_PASSWORD).await;
        lan.goto("#/u/lan.nguyen").await;
        lan.until("document.querySelector('.verified-badge') && document.querySelector('.edit-profile')").await;
        lan.fill("#profile-bio", "Nấu ăn cho cả nhà mỗi ngày").await;
        lan.click(".edit-profile button[type=submit]").await;
        lan.until("document.querySelector('.bio')?.innerText.includes('cả nhà')").await;
        lan.screenshot("own-profile").await;
        lan.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_child_locked_for_an_age_check_answers_and_an_admin_confirms_her_age() {
    on_each_database_in_browser(|app, mut driver| async move {
        // The demo's child, who said she was 18, signs in and learns why
        // her account waits, in both languages, and answers.
        let child = driver.open(&app, "age-check", PHONE).await;
        child.goto("#/signin").await;
        child.fill("#field-email", "bong@demo.trustfeed.vn").await;
        child.fill("#field-password", DEMO_PASSWORD).await;
        child.click("form button[type=submit]").await;
        child.until("document.querySelector('.age-check .send-age-check')?.disabled === true").await;
        child.screenshot("locked-vi").await;
        child.click("button.lang").await;
        child.until("document.querySelector('.age-check h2')?.innerText.includes('confirm your age')").await;
        child.screenshot("locked-en").await;
        child.set_value("#field-birthDate", &born_years_ago(13)).await;
        child.fill("#age-evidence", "My mum can vouch; I have my school card.").await;
        child.click(".send-age-check").await;
        child.until("document.querySelector('.age-check .submitted')").await;
        child.screenshot("answered").await;
        child.close().await;

        // The admin sees her answer, is told what a date will do before
        // deciding, and confirms her a teen.
        let admin = driver.open(&app, "age-checks", DESKTOP).await;
        admin.sign_in("admin@demo.trustfeed.vn", DEMO_PASSWORD).await;
        admin.click("a[href='#/admin']").await;
        admin.click("a[href='#/admin/age-checks']").await;
        admin.until("document.querySelector('.age-check-item .evidence')?.innerText.includes('school card')").await;
        admin.set_value(".age-check-item .birth-date", &born_years_ago(11)).await;
        admin.until("document.querySelector('.age-check-item button.danger.decide')").await;
        admin.set_value(".age-check-item .birth-date", &born_years_ago(13)).await;
        admin.until("document.querySelector('.age-check-item .outcome')?.innerText.includes('Thiếu niên')").await;
        admin.fill(".age-check-item input.note", "Thẻ học sinh lớp 8, mẹ xác nhận qua điện thoại").await;
        admin.screenshot("queue").await;
        admin.click(".age-check-item button.decide").await;
        admin.until("document.querySelector('.age-check-queue') && !document.querySelector('.age-check-item')").await;
        admin.close().await;

        // Open again, as a teen: her day's minutes show in the header.
        let teen = driver.open(&app, "age-checked", PHONE).await;
        teen.sign_in("bong@demo.trustfeed.vn", DEMO_PASSWORD).await;
        teen.until("document.querySelector('.minutes-left')").await;
        teen.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_unkind_comment_is_nudged_rewritten_and_a_creator_reviews_what_was_held() {
    on_each_database_in_browser(|app, mut driver| async move {
        // A viewer writes an unkind comment, is shown the words and a kinder
        // way, and rewrites it.
        let viewer = driver.open(&app, "nudge", PHONE).await;
        viewer.sign_in("minh@demo.trustfeed.vn", DEMO_PASSWORD).await;
        viewer.click(".card .comments-toggle").await;
        viewer.fill(".card .comments input", "Béo như lợn còn bày đặt").await;
        viewer.click(".card .comments button[type=submit]").await;
        viewer.until("document.querySelector('.kind-nudge mark')?.innerText === 'Béo như lợn'").await;
        viewer.screenshot("dialog").await;
        viewer.click(".kind-nudge .rethink").await;
        viewer
            .until(
                "!document.querySelector('.kind-nudge') && document.activeElement?.value === 'Béo như lợn còn bày đặt'",
            )
            .await;
        viewer.fill(".card .comments input", "Mình thấy đoạn cuối nhảy chưa khớp nhạc lắm").await;
        viewer.click(".card .comments button[type=submit]").await;
        viewer
            .until(
                "[...document.querySelectorAll('.card .comment')].some((c) => c.innerText.includes('chưa khớp nhạc'))",
            )
            .await;
        // In English, the dialog speaks English, the suggestion included.
        viewer.click("button.lang").await;
        viewer.until("document.querySelector('.card .comments button[type=submit]')?.innerText === 'Send'").await;
        viewer.fill(".card .comments input", "You're so ugly").await;
        viewer.click(".card .comments button[type=submit]").await;
        viewer.until("document.querySelector('.kind-nudge .suggestion')?.innerText.includes('looks')").await;
        viewer.screenshot("dialog-en").await;
        viewer.click(".kind-nudge .withdraw").await;
        viewer.until("!document.querySelector('.kind-nudge') && document.querySelector('.card .comments input').value === ''").await;
        viewer.close().await;

        // The dance creator finds the storm held for her, shows one and hides
        // two at once, stopping their writers.
        let creator = driver.open(&app, "held-comments", PHONE).await;
        creator.sign_in("nhay.cung.mai@creators.demo.trustfeed.vn", DEMO_PASSWORD).await;
        creator.goto("#/comments").await;
        creator.until("document.querySelectorAll('.held-comment').length === 12").await;
        creator.screenshot("review").await;
        creator.click(".held-comment:nth-child(1) .approve").await;
        creator.until("document.querySelectorAll('.held-comment').length === 11").await;
        creator.click(".held-comment:nth-child(1) input[type=checkbox]").await;
        creator.click(".held-comment:nth-child(2) input[type=checkbox]").await;
        creator.click(".bulk input[name=blockAuthors]").await;
        creator.click(".bulk .hide-chosen").await;
        creator.until("document.querySelectorAll('.held-comment').length === 9").await;
        // Back up the page, past the sticky header, to the limit switch.
        creator.eval("document.querySelector('.controls .start-limit').scrollIntoView({ block: 'center' })").await;
        creator.click(".controls .start-limit").await;
        creator.until("document.querySelector('.controls .end-limit')").await;
        creator.screenshot("limited").await;
        creator.click("button.lang").await;
        creator.until("document.querySelector('#comments-title')?.innerText === 'Comments on your videos'").await;
        creator.screenshot("review-en").await;
        creator.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_young_teen_asks_to_unlink_and_a_new_guardian_waits_for_the_former_one() {
    on_each_database_in_browser(|app, mut driver| async move {
        // The demo's 14-year-old asks to end the link; the app says the
        // guardian decides, and by when.
        let teen = driver.open(&app, "unlink-teen", PHONE).await;
        teen.sign_in("an@demo.trustfeed.vn", DEMO_PASSWORD).await;
        teen.goto("#/family").await;
        teen.eval("window.confirm = () => true").await;
        teen.click(".link-row .unlink").await;
        teen.until("document.querySelector('.link-row .unlink-request')?.innerText.includes('Minh')").await;
        teen.screenshot("asked-vi").await;
        teen.click("button.lang").await;
        teen.until("document.querySelector('.link-row .unlink-request')?.innerText.includes('asked to end')").await;
        teen.screenshot("asked-en").await;

        // The guardian sees the request and keeps the link.
        let guardian = driver.open(&app, "unlink-guardian", PHONE).await;
        guardian.sign_in("minh@demo.trustfeed.vn", DEMO_PASSWORD).await;
        guardian.goto("#/family").await;
        guardian.until("document.querySelector('.unlink-request button')").await;
        guardian.screenshot("asked-of-guardian").await;
        guardian.click(".unlink-request button.secondary").await;
        guardian.until("!document.querySelector('.unlink-request')").await;

        // Asked again, the guardian agrees: the link ends.
        teen.goto("#/").await;
        teen.goto("#/family").await;
        teen.click(".link-row .unlink").await;
        teen.until("document.querySelector('.link-row .unlink-request')").await;
        guardian.goto("#/").await;
        guardian.goto("#/family").await;
        guardian.click(".unlink-request button:not(.secondary)").await;
        guardian.until("!document.querySelector('.link-row[data-status=ACTIVE]')").await;

        // An "adult" the teen made: its link waits for the former guardian.
        let fake = app.token_for("nguoi.lon.gia").await;
        let code = app.query_as(&fake, "mutation { createPairingCode { code } }", json!({})).await;
        let code = code["data"]["createPairingCode"]["code"].as_str().unwrap().to_owned();
        teen.goto("#/").await;
        teen.goto("#/family").await;
        teen.fill("#pairing-code", &code).await;
        teen.click("form.pairing button[type=submit]").await;
        teen.until("document.querySelector('.link-row[data-status=PENDING] .pill')?.innerText.includes('former parent')").await;
        teen.until("[...document.querySelectorAll('.notice')].some((n) => n.textContent.includes('waits for approval'))").await;
        teen.screenshot("waits-for-former").await;
        guardian.goto("#/").await;
        guardian.goto("#/family").await;
        guardian.until("document.querySelector('.pending-guardian')?.innerText.includes('7 ngày') || document.querySelector('.pending-guardian')?.innerText.includes('hiệu lực')").await;
        guardian.screenshot("former-guardian-asked").await;
        guardian.click(".pending-guardian button.secondary").await;
        guardian.until("!document.querySelector('.pending-guardian')").await;
        teen.close().await;
        guardian.close().await;
    })
    .await;
}
