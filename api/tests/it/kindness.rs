//! Kind words: the nudge before an unkind comment and what becomes of it,
//! comment controls for everyone, held and hidden comments, and storms.
use chrono::Duration;
use entity::NudgeOutcome;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::support::*;

const ADD: &str =
    "mutation($c: ID!, $b: String!, $p: Boolean) { addComment(contentId: $c, body: $b, postAnyway: $p) { id held } }";
const COMMENTS: &str =
    "query($id: ID!) { content(id: $id) { commentCount comments { edges { node { id body held } } } } }";
const HELD: &str = "query($id: ID!) { content(id: $id) { heldComments { edges { node { id body held } } } } }";
const CONTROLS: &str = "mutation($i: CommentControlsInput!) { setCommentControls(input: $i) { filterUnkind filterKeywords limitedUntil } }";
const APPROVE: &str = "mutation($id: ID!) { approveComment(id: $id) { id held } }";
const HIDE: &str = "mutation($ids: [ID!]!, $b: Boolean) { hideComments(ids: $ids, blockAuthors: $b) }";

async fn outcomes(app: &TestApp) -> Vec<Option<NudgeOutcome>> {
    let nudges = entity::nudge::Entity::find().order_by_asc(entity::nudge::Column::CreatedAt).all(&app.state.db).await;
    nudges.unwrap().into_iter().map(|n| n.outcome).collect()
}

fn bodies(response: &Value) -> Vec<String> {
    node_texts(&ok(response)["content"]["comments"], "body")
}

#[tokio::test]
async fn an_unkind_comment_is_nudged_and_each_nudge_settles_once() {
    on_each_database(|app| async move {
        let creator = app.token_for("nha.sang.tao").await;
        let video = app.create_content(&creator, json!({ "title": "Nhảy cùng Mai" })).await;
        let writer = app.token_for("nguoi.xem").await;

        // Nudged: the words and a suggestion in the writer's language; nothing posted.
        let nudged = app.query_as(&writer, ADD, json!({ "c": video, "b": "Mày ngu thế, nhảy như khỉ" })).await;
        assert_code(&nudged, "KINDNESS_NUDGE");
        let extensions = &nudged["errors"][0]["extensions"];
        assert_eq!(extensions["words"], json!(["Mày ngu thế"]));
        assert!(extensions["suggestion"].as_str().unwrap().contains("nhẹ nhàng"), "{nudged}");
        assert!(bodies(&app.query(COMMENTS, json!({ "id": video })).await).is_empty());
        // Rewritten kindly within ten minutes.
        app.clock.advance(Duration::minutes(3));
        ok(&app.query_as(&writer, ADD, json!({ "c": video, "b": "Mình nghĩ đoạn cuối nhảy chưa khớp nhạc" })).await);
        assert_eq!(outcomes(&app).await, [Some(NudgeOutcome::Rewritten)]);

        // Posted anyway; trying again while nudged counts one nudge.
        assert_code(&app.query_as(&writer, ADD, json!({ "c": video, "b": "xấu vãi" })).await, "KINDNESS_NUDGE");
        assert_code(&app.query_as(&writer, ADD, json!({ "c": video, "b": "xấu vãi" })).await, "KINDNESS_NUDGE");
        ok(&app.query_as(&writer, ADD, json!({ "c": video, "b": "xấu vãi", "p": true })).await);
        // Withdrawn: nothing on the item within ten minutes.
        assert_code(&app.query_as(&writer, ADD, json!({ "c": video, "b": "Đi chết đi" })).await, "KINDNESS_NUDGE");
        app.clock.advance(Duration::minutes(9));
        api::service::kindness::nudges::settle_withdrawn(&app.state.db, app.clock_now()).await.unwrap();
        assert_eq!(outcomes(&app).await[2], None, "still within ten minutes");
        app.clock.advance(Duration::minutes(2));
        api::service::kindness::nudges::settle_withdrawn(&app.state.db, app.clock_now()).await.unwrap();
        assert_eq!(
            outcomes(&app).await,
            [Some(NudgeOutcome::Rewritten), Some(NudgeOutcome::PostedAnyway), Some(NudgeOutcome::Withdrawn)]
        );

        // In English for an English reader; kind words are never nudged.
        ok(&app.query_as(&writer, "mutation { setLocale(locale: \"en\") { locale } }", json!({})).await);
        let english = app.query_as(&writer, ADD, json!({ "c": video, "b": "You're so ugly" })).await;
        assert!(english["errors"][0]["extensions"]["suggestion"].as_str().unwrap().contains("looks"), "{english}");
        for kind in ["Chúc bạn ngủ ngon", "chuc ban ngu ngon", "Ngon chết đi được", "You killed it!"] {
            ok(&app.query_as(&writer, ADD, json!({ "c": video, "b": kind })).await);
        }
    })
    .await;
}

#[tokio::test]
async fn held_comments_wait_for_the_creator_and_only_they_are_told() {
    on_each_database(|app| async move {
        let creator = app.token_for("nha.sang.tao").await;
        let video = app.create_content(&creator, json!({ "title": "Phở bò" })).await;
        let writer = app.token_for("nguoi.xem").await;
        let controls = app
            .query_as(
                &creator,
                CONTROLS,
                json!({ "i": { "filterUnkind": true, "filterKeywords": ["spoiler", " Spoiler "] } }),
            )
            .await;
        assert_eq!(
            ok(&controls)["setCommentControls"],
            json!({ "filterUnkind": true, "filterKeywords": ["spoiler"], "limitedUntil": null })
        );

        let unkind = app.query_as(&writer, ADD, json!({ "c": video, "b": "Nấu dở ẹc, đồ ngu", "p": true })).await;
        let unkind_id = ok(&unkind)["addComment"]["id"].clone();
        assert_eq!(ok(&unkind)["addComment"]["held"], false, "its writer is not told");
        let keyword =
            app.query_as(&writer, ADD, json!({ "c": video, "b": "S.P.O.I.L.E.R: cuối video có bất ngờ" })).await;
        let keyword_id = ok(&keyword)["addComment"]["id"].clone();
        ok(&app.query_as(&writer, ADD, json!({ "c": video, "b": "Ngon quá" })).await);

        // Everyone else sees only the kind one; the writer sees all three,
        // and the count, held ones in it, does not give the hold away.
        let seen = app.query(COMMENTS, json!({ "id": video })).await;
        assert_eq!(bodies(&seen), ["Ngon quá"]);
        assert_eq!(ok(&seen)["content"]["commentCount"], 3);
        // Nobody else may report what they cannot see.
        let reporter = app.token_for("nguoi.bao.cao").await;
        assert_code(
            &app.report(&reporter, "COMMENT", unkind_id.as_str().unwrap(), "BULLYING_HARASSMENT", None).await,
            "NOT_FOUND",
        );
        assert_eq!(bodies(&app.query_as(&writer, COMMENTS, json!({ "id": video })).await).len(), 3);
        // The creator finds them held, and nobody else may look.
        let held = app.query_as(&creator, HELD, json!({ "id": video })).await;
        let held = ok(&held)["content"]["heldComments"]["edges"].as_array().unwrap().clone();
        assert_eq!(held.len(), 2);
        assert!(held.iter().all(|e| e["node"]["held"] == true));
        assert_code(&app.query_as(&writer, HELD, json!({ "id": video })).await, "FORBIDDEN");

        let approved = app.query_as(&creator, APPROVE, json!({ "id": keyword_id })).await;
        assert_eq!(ok(&approved)["approveComment"]["held"], false);
        assert_code(&app.query_as(&creator, APPROVE, json!({ "id": keyword_id })).await, "CONFLICT");
        assert_code(&app.query_as(&writer, APPROVE, json!({ "id": unkind_id })).await, "FORBIDDEN");
        assert_eq!(ok(&app.query(COMMENTS, json!({ "id": video })).await)["content"]["commentCount"], 3);

        // Hidden, and its writer stopped from commenting here again.
        let hidden = app.query_as(&creator, HIDE, json!({ "ids": [unkind_id, keyword_id], "b": true })).await;
        assert_eq!(ok(&hidden)["hideComments"], 2);
        let after = app.query(COMMENTS, json!({ "id": video })).await;
        assert_eq!(bodies(&after), ["Ngon quá"]);
        assert_eq!(ok(&after)["content"]["commentCount"], 1);
        assert_code(&app.query_as(&writer, ADD, json!({ "c": video, "b": "Xin lỗi" })).await, "FORBIDDEN");
        // Someone else's comments are passed over.
        let other = app.create_content(&writer, json!({ "title": "Của tôi" })).await;
        let mine = app.query_as(&writer, ADD, json!({ "c": other, "b": "Video của mình" })).await;
        let mine = ok(&mine)["addComment"]["id"].clone();
        assert_eq!(ok(&app.query_as(&creator, HIDE, json!({ "ids": [mine] })).await)["hideComments"], 0);
        assert_code(&app.query_as(&creator, HIDE, json!({ "ids": [] })).await, "BAD_USER_INPUT");
        let many: Vec<String> = (0..101).map(|n| format!("not-a-comment-{n}")).collect();
        assert_code(
            &app.query_as(&creator, CONTROLS, json!({ "i": { "filterKeywords": many } })).await,
            "BAD_USER_INPUT",
        );
    })
    .await;
}

#[tokio::test]
async fn a_limit_holds_strangers_and_newcomers_until_it_ends() {
    on_each_database(|app| async move {
        let creator = app.token_for("nha.sang.tao").await;
        let creator_id = app.my_id(&creator).await;
        let follow = "mutation($u: ID!) { follow(userId: $u) { handle } }";
        let follower = app.token_for("ban.cu").await;
        ok(&app.query_as(&follower, follow, json!({ "u": creator_id })).await);
        app.token_for("nguoi.la").await;
        // Eight days on, the two are old accounts; the newcomer, who follows, is not.
        app.clock.advance(Duration::days(8));
        let newcomer = app.token_for("moi.vao").await;
        ok(&app.query_as(&newcomer, follow, json!({ "u": creator_id })).await);
        let (creator, follower, stranger) =
            (app.log_in("nha.sang.tao").await, app.log_in("ban.cu").await, app.log_in("nguoi.la").await);
        let video = app.create_content(&creator, json!({ "title": "Học tiếng Anh" })).await;
        let set = app.query_as(&creator, CONTROLS, json!({ "i": { "limitDays": 3 } })).await;
        assert!(ok(&set)["setCommentControls"]["limitedUntil"].is_string());
        assert_code(&app.query_as(&creator, CONTROLS, json!({ "i": { "limitDays": 31 } })).await, "BAD_USER_INPUT");

        for (token, body) in [(&follower, "Bạn cũ đây"), (&stranger, "Người lạ đây"), (&newcomer, "Người mới đây")]
        {
            ok(&app.query_as(token, ADD, json!({ "c": video, "b": body })).await);
        }
        assert_eq!(bodies(&app.query(COMMENTS, json!({ "id": video })).await), ["Bạn cũ đây"]);
        // The limit ends by itself, or when the creator ends it.
        app.clock.advance(Duration::days(3) + Duration::minutes(1));
        let (creator, stranger, newcomer) =
            (app.log_in("nha.sang.tao").await, app.log_in("nguoi.la").await, app.log_in("moi.vao").await);
        ok(&app.query_as(&stranger, ADD, json!({ "c": video, "b": "Lại là người lạ" })).await);
        assert_eq!(bodies(&app.query(COMMENTS, json!({ "id": video })).await).len(), 2);
        ok(&app.query_as(&creator, CONTROLS, json!({ "i": { "limitDays": 5 } })).await);
        ok(&app.query_as(&creator, CONTROLS, json!({ "i": { "endLimit": true } })).await);
        ok(&app.query_as(&newcomer, ADD, json!({ "c": video, "b": "Người mới lần hai" })).await);
        assert_eq!(bodies(&app.query(COMMENTS, json!({ "id": video })).await).len(), 3);
    })
    .await;
}

async fn storms(app: &TestApp, creator: &str) -> usize {
    let notes = app.query_as(creator, "{ notifications { edges { node { kind } } } }", json!({})).await;
    ok(&notes)["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "COMMENT_STORM")
        .count()
}

#[tokio::test]
async fn a_storm_of_unkind_comments_is_told_to_the_creator_once_a_day() {
    on_each_database(|app| async move {
        let creator = app.token_for("nha.sang.tao").await;
        let video = app.create_content(&creator, json!({ "title": "Bữa tối" })).await;
        let mut writers = Vec::new();
        for n in 0..12 {
            writers.push(app.token_for(&format!("anh.hung.phim{n:02}")).await);
        }
        for writer in &writers[..9] {
            ok(&app.query_as(writer, ADD, json!({ "c": video, "b": "Đồ ngu", "p": true })).await);
        }
        assert_eq!(storms(&app, &creator).await, 0, "nine is not a storm");
        for writer in &writers[9..] {
            ok(&app.query_as(writer, ADD, json!({ "c": video, "b": "Đồ ngu", "p": true })).await);
        }
        assert_eq!(storms(&app, &creator).await, 1, "told once");
        app.clock.advance(Duration::days(1));
        let creator = app.log_in("nha.sang.tao").await;
        let mut writers = Vec::new();
        for n in 0..10 {
            writers.push(app.log_in(&format!("anh.hung.phim{n:02}")).await);
        }
        for writer in &writers {
            ok(&app.query_as(writer, ADD, json!({ "c": video, "b": "Óc chó", "p": true })).await);
        }
        assert_eq!(storms(&app, &creator).await, 2, "and again the next day");
    })
    .await;
}

const KINDNESS: &str = "{ safetyTransparency(days: 7) { kindness { nudgesShown rewrittenShare withdrawnShare postedAnywayShare commentsHeld } } }";

/// `count` videos of `creator`'s, each with one nudge of `writer`'s, then a
/// kind comment (`Some(false)`), the unkind one posted anyway (`Some(true)`),
/// or nothing (`None`).
async fn nudges(app: &TestApp, creator: &str, writer: &str, count: usize, then: Option<bool>) {
    for n in 0..count {
        let video = app.create_content(creator, json!({ "title": format!("Video {n}") })).await;
        assert_code(&app.query_as(writer, ADD, json!({ "c": video, "b": "Đồ ngu" })).await, "KINDNESS_NUDGE");
        // Tried again while it waits: still one nudge.
        assert_code(&app.query_as(writer, ADD, json!({ "c": video, "b": "Đồ ngu" })).await, "KINDNESS_NUDGE");
        match then {
            Some(false) => ok(&app.query_as(writer, ADD, json!({ "c": video, "b": "Mình chưa thích đoạn này" })).await),
            Some(true) => ok(&app.query_as(writer, ADD, json!({ "c": video, "b": "Đồ ngu", "p": true })).await),
            None => &Value::Null,
        };
    }
}

#[tokio::test]
async fn the_kindness_figures_count_what_happened_and_hide_what_could_single_someone_out() {
    on_each_database(|app| async move {
        let creator = app.token_for("nha.sang.tao").await;
        let writer = app.token_for("nguoi.xem").await;
        ok(&app.query_as(&creator, CONTROLS, json!({ "i": { "filterKeywords": ["quảng cáo"] } })).await);
        nudges(&app, &creator, &writer, 10, Some(false)).await;
        nudges(&app, &creator, &writer, 10, Some(true)).await;
        nudges(&app, &creator, &writer, 10, None).await;
        let video = app.create_content(&creator, json!({ "title": "Quảng cáo" })).await;
        for n in 0..10 {
            ok(&app.query_as(&writer, ADD, json!({ "c": video, "b": format!("Quảng cáo số {n}") })).await);
        }
        app.clock.advance(Duration::minutes(11));
        api::service::kindness::nudges::settle_withdrawn(&app.state.db, app.clock_now()).await.unwrap();
        // Today counts from tomorrow: the window ends at the last full day.
        assert_eq!(ok(&app.query(KINDNESS, json!({})).await)["safetyTransparency"]["kindness"]["nudgesShown"], 0);
        app.clock.advance(Duration::days(1));
        let figures = ok(&app.query(KINDNESS, json!({})).await)["safetyTransparency"]["kindness"].clone();
        let third = 10.0 / 30.0;
        assert_eq!(figures["nudgesShown"], 30);
        assert_eq!(figures["commentsHeld"], 10);
        for share in ["rewrittenShare", "withdrawnShare", "postedAnywayShare"] {
            assert!((figures[share].as_f64().unwrap() - third).abs() < 1e-9, "{share}: {figures}");
        }
    })
    .await;
}

#[tokio::test]
async fn one_small_outcome_hides_all_three_shares() {
    on_each_database(|app| async move {
        let creator = app.token_for("nha.sang.tao").await;
        let writer = app.token_for("nguoi.xem").await;
        nudges(&app, &creator, &writer, 20, Some(false)).await;
        nudges(&app, &creator, &writer, 9, Some(true)).await;
        app.clock.advance(Duration::days(1));
        let figures = ok(&app.query(KINDNESS, json!({})).await)["safetyTransparency"]["kindness"].clone();
        // 20 rewritten and 9 posted anyway: showing the first two would reveal the 9.
        assert_eq!(figures["nudgesShown"], 29);
        assert_eq!(figures["rewrittenShare"], Value::Null);
        assert_eq!(figures["postedAnywayShare"], Value::Null);
        assert_eq!(figures["withdrawnShare"], Value::Null);
        assert_eq!(figures["commentsHeld"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_guardians_comment_policy_still_wins_over_a_teens_controls() {
    on_each_database(|app| async move {
        let teen = app.sign_up("be.an", 14).await["accessToken"].as_str().unwrap().to_owned();
        let guardian = app.token_for("bo.cua.an").await;
        app.pair(&guardian, &teen).await;
        let teen_id = app.my_id(&teen).await;
        let locked = "mutation($t: ID!) { setTeenControls(teenId: $t, input: { commentPolicy: NOBODY, privateAccount: false }) { lockedByGuardian } }";
        ok(&app.query_as(&guardian, locked, json!({ "t": teen_id })).await);
        // The teen's own controls only ever hold more; nobody may comment still.
        ok(&app.query_as(&teen, CONTROLS, json!({ "i": { "filterUnkind": false, "endLimit": true } })).await);
        let video = app.create_content(&teen, json!({ "title": "Bài tập vẽ" })).await;
        let stranger = app.token_for("nguoi.la").await;
        assert_code(&app.query_as(&stranger, ADD, json!({ "c": video, "b": "Vẽ đẹp quá" })).await, "FORBIDDEN");
    })
    .await;
}

/// `commentCount` stays right when the author approves, hides and deletes,
/// and a writer deletes, all at once (the item's row is locked while each
/// counts again; a race on PostgreSQL would otherwise lose a change).
#[tokio::test]
async fn the_comment_count_holds_when_approvals_hides_and_deletions_race() {
    on_each_database(|app| async move {
        let creator = app.token_for("creator").await;
        let video = app.create_content(&creator, json!({})).await;
        ok(&app.query_as(&creator, CONTROLS, json!({ "i": { "filterKeywords": ["quảng cáo"] } })).await);
        let mut ids = Vec::new();
        let mut writers = Vec::new();
        for round in 0..8 {
            let writer = app.token_for(&format!("writer{round}")).await;
            let body = if round < 2 { format!("Xem quảng cáo số {round}") } else { format!("Hay quá {round}") };
            let added = app.query_as(&writer, ADD, json!({ "c": video, "b": body })).await;
            ids.push(ok(&added)["addComment"]["id"].as_str().unwrap().to_owned());
            writers.push(writer);
        }
        let delete = "mutation($id: ID!) { deleteComment(id: $id) }";
        let (approved, hidden, by_author, by_writer, approved_too) = tokio::join!(
            app.query_as(&creator, APPROVE, json!({ "id": ids[0] })),
            app.query_as(&creator, HIDE, json!({ "ids": [ids[2], ids[3]] })),
            app.query_as(&creator, delete, json!({ "id": ids[4] })),
            app.query_as(&writers[5], delete, json!({ "id": ids[5] })),
            app.query_as(&creator, APPROVE, json!({ "id": ids[1] })),
        );
        for answer in [&approved, &hidden, &by_author, &by_writer, &approved_too] {
            ok(answer);
        }
        assert_eq!(ok(&hidden)["hideComments"], 2);
        // Left: the two approved and comments 6 and 7.
        let seen = app.query(COMMENTS, json!({ "id": video })).await;
        assert_eq!(ok(&seen)["content"]["commentCount"], 4, "{seen}");
        assert_eq!(bodies(&seen).len(), 4, "{seen}");
    })
    .await;
}

/// From the hostile review: a held comment of a writer since banned is gone
/// from the creator's review too, as from every other read.
#[tokio::test]
async fn a_banned_writers_held_comment_leaves_the_creators_review() {
    on_each_database(|app| async move {
        let creator = app.token_for("creator").await;
        let video = app.create_content(&creator, json!({})).await;
        ok(&app.query_as(&creator, CONTROLS, json!({ "i": { "filterKeywords": ["xyzzy"] } })).await);
        let mut ids = Vec::new();
        for writer in ["stays", "banned"] {
            let token = app.token_for(writer).await;
            let added = app.query_as(&token, ADD, json!({ "c": video, "b": format!("xyzzy from {writer}") })).await;
            ids.push(ok(&added)["addComment"]["id"].as_str().unwrap().to_owned());
        }
        app.update_user("banned", |u| u.banned_at = sea_orm::Set(Some(app.clock_now()))).await;
        let held = app.query_as(&creator, HELD, json!({ "id": video })).await;
        assert_eq!(node_texts(&ok(&held)["content"]["heldComments"], "body"), ["xyzzy from stays"]);
        // Nor can an id kept from before approve it into view.
        assert_code(&app.query_as(&creator, APPROVE, json!({ "id": ids[1] })).await, "NOT_FOUND");
    })
    .await;
}
