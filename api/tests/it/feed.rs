//! The feed: the sampler, convergence on a viewer's tastes, exploration,
//! diversity, explanations, and a flat statement count.
use std::collections::{HashMap, HashSet};

use api::service::content::{NewContent, publish};
use chrono::Duration;
use entity::{Audience, tag};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::*;

const FEED: &str = "query($first: Int, $after: String, $pillar: Pillar) {
    feed(first: $first, after: $after, pillar: $pillar) {
        edges { cursor node { id author { handle } tags { slug pillar } audience durationSeconds }
                reasons { kind label tag { slug } } }
        pageInfo { hasNextPage endCursor } } }";

async fn feed(app: &TestApp, token: Option<&str>, first: i64, after: Option<&str>) -> Value {
    let body = json!({ "query": FEED, "variables": { "first": first, "after": after } });
    let response = app.post_graphql(token, &body).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["feed"].clone()
}

fn edges(page: &Value) -> &Vec<Value> {
    page["edges"].as_array().unwrap()
}

/// The page's edges, which must not be empty: a rule checked over no items
/// would pass whatever the feed did.
fn nonempty(page: &Value) -> &Vec<Value> {
    let all = edges(page);
    assert!(!all.is_empty(), "the page is empty: {page}");
    all
}

fn tag_slugs(edge: &Value) -> Vec<&str> {
    edge["node"]["tags"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect()
}

/// `count` signed-up accounts named `{prefix}00`, `{prefix}01`, ….
async fn sign_up_creators(app: &TestApp, prefix: &str, count: usize) -> Vec<entity::user::Model> {
    let mut authors = Vec::with_capacity(count);
    for i in 0..count {
        let handle = format!("{prefix}{i:02}");
        app.token_for(&handle).await;
        authors.push(app.find_user(&handle).await);
    }
    authors
}

/// A synthetic catalogue straight through the service: `per_tag` items for
/// every tag, spread over `creators` authors and the last weeks.
async fn catalogue(app: &TestApp, creators: usize, per_tag: usize) {
    let db = &app.state.db;
    let authors = sign_up_creators(app, "creator", creators).await;
    let tags = tag::Entity::find().all(db).await.unwrap();
    let now = app.clock_now();
    let mut n = 0usize;
    for tag in &tags {
        for k in 0..per_tag {
            let author = &authors[n % authors.len()];
            let new = NewContent {
                title: format!("{} #{k}", tag.label),
                caption: format!("Một video về {}", tag.label_vi),
                language: if n.is_multiple_of(2) { "vi".into() } else { "en".into() },
                media_url: format!("https://media.example.com/{n}.mp4"),
                duration_seconds: 30 + (n % 5) as i32 * 10,
                audience: Audience::General,
                tag_slugs: vec![tag.slug.clone()],
                campaign_slug: None,
            };
            let created = now - Duration::hours((n * 7 % 500) as i64);
            publish(db, author, new, std::slice::from_ref(tag), None, created).await.unwrap();
            n += 1;
        }
    }
}

#[tokio::test]
async fn anonymous_viewers_get_a_sampler_of_all_five_pillars() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        let page = feed(&app, None, 10, None).await;
        assert_eq!(edges(&page).len(), 10);
        let pillars: HashSet<&str> = edges(&page)
            .iter()
            .flat_map(|e| e["node"]["tags"].as_array().unwrap().iter().map(|t| t["pillar"].as_str().unwrap()))
            .collect();
        assert_eq!(pillars.len(), 5, "all five pillars on the first page: {pillars:?}");
        for edge in edges(&page) {
            assert_eq!(edge["node"]["audience"], "GENERAL");
            assert!(!edge["reasons"].as_array().unwrap().is_empty(), "every item says why: {edge}");
            assert!(edge["reasons"].as_array().unwrap().iter().all(|r| r["kind"] != "TAG_AFFINITY"));
        }
        // Walking the anonymous feed never repeats and never shows MATURE content.
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let page = feed(&app, None, 50, after.as_deref()).await;
            for edge in edges(&page) {
                assert!(seen.insert(edge["node"]["id"].as_str().unwrap().to_owned()), "repeated {edge}");
                assert_eq!(edge["node"]["audience"], "GENERAL");
            }
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        assert!(seen.len() >= 80, "the walk covers the catalogue: {}", seen.len());
    }
}

/// Plays a viewer who loves `tastes`: watches such items to the end and
/// likes some, swipes everything else away, for `signals` interactions.
async fn play(app: &TestApp, token: &str, tastes: &[&str], signals: usize) {
    let mut done = 0;
    let mut after: Option<String> = None;
    while done < signals {
        let page = feed(app, Some(token), 10, after.as_deref()).await;
        for edge in edges(&page) {
            if done >= signals {
                break;
            }
            let id = edge["node"]["id"].as_str().unwrap();
            if tag_slugs(edge).iter().any(|t| tastes.contains(t)) {
                assert!(app.interact(token, id, "VIEW", Some(60_000)).await["errors"].is_null());
                if done.is_multiple_of(3) {
                    ok(&app.interact(token, id, "LIKE", None).await);
                }
            } else {
                let swiped = app.interact(token, id, "SWIPE_AWAY", None).await;
                assert!(swiped["errors"].is_null(), "{swiped}");
            }
            done += 1;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        app.clock.advance(Duration::minutes(3));
    }
}

fn precision(page: &Value, tastes: &[&str]) -> f64 {
    let hits = edges(page).iter().filter(|e| tag_slugs(e).iter().any(|t| tastes.contains(t))).count();
    hits as f64 / edges(page).len().max(1) as f64
}

#[tokio::test]
async fn the_feed_converges_on_hidden_tastes_while_still_exploring() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        catalogue(&app, 12, 24).await;
        let mut personalised = Vec::new();
        let mut baseline = Vec::new();
        for (name, tastes) in [
            ("cook", ["food", "personal-finance"]),
            ("scholar", ["science", "language-learning"]),
            ("joker", ["comedy", "pets"]),
        ] {
            let token = app.token_for(name).await;
            play(&app, &token, &tastes, 30).await;
            let page = feed(&app, Some(&token), 10, None).await;
            personalised.push(precision(&page, &tastes));
            // Exploration: at least one item from outside the strongest tags.
            assert!(
                edges(&page).iter().any(|e| e["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["kind"] == "EXPLORATION"))
            );
            // The reasons name the tastes, and only them. (A taste met less
            // often can be outranked for a while by the stronger one: taste
            // items are not capped, so a one-interest viewer gets nine in ten.)
            let named: HashSet<&str> = edges(&page)
                .iter()
                .flat_map(|e| e["reasons"].as_array().unwrap().iter())
                .filter(|r| r["kind"] == "TAG_AFFINITY")
                .map(|r| r["tag"]["slug"].as_str().unwrap())
                .collect();
            assert!(!named.is_empty() && named.iter().all(|t| tastes.contains(t)), "{name}: {named:?} {page}");

            // The same person with personalisation off, as the baseline.
            ok(&app
                .query_as(
                    &token,
                    "mutation { updatePrivacySettings(input: { personalizedFeed: false }) { personalizedFeed } }",
                    json!({}),
                )
                .await);
            let plain = feed(&app, Some(&token), 10, None).await;
            baseline.push(precision(&plain, &tastes));
            assert!(
                nonempty(&plain).iter().all(|e| e["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["kind"] != "TAG_AFFINITY"))
            );
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (p, b) = (mean(&personalised), mean(&baseline));
        assert!(
            // A newcomer's first page samples ten tags at random, so one of
            // two tastes may go unmet for all thirty signals: the bar is
            // lower than in the goal test below. Twenty-four items a tag, so
            // thirty signals cannot use up a taste that was met (with twelve,
            // one in eight runs found its only taste used up).
            p >= 0.6 && p >= b + 0.3,
            "personalised precision {p:.2} vs baseline {b:.2} ({personalised:?} / {baseline:?})"
        );
    }
}

/// A catalogue where supply never binds: `items` videos of one or two tags
/// drawn at random, by `creators` authors, over the last month.
async fn random_catalogue(app: &TestApp, rng: &mut StdRng, creators: usize, items: usize) {
    let db = &app.state.db;
    let authors = sign_up_creators(app, "maker", creators).await;
    let tags = tag::Entity::find().all(db).await.unwrap();
    let now = app.clock_now();
    for n in 0..items {
        let count = rng.random_range(1..=2);
        let chosen: Vec<tag::Model> = tags.choose_multiple(rng, count).cloned().collect();
        let new = NewContent {
            title: format!("Video {n}"),
            caption: String::new(),
            language: "vi".into(),
            media_url: format!("https://media.example.com/r{n}.mp4"),
            duration_seconds: rng.random_range(15..=90),
            audience: Audience::General,
            tag_slugs: chosen.iter().map(|t| t.slug.clone()).collect(),
            campaign_slug: None,
        };
        let created = now - Duration::minutes(rng.random_range(0..60 * 24 * 30));
        publish(db, authors.choose(rng).unwrap(), new, &chosen, None, created).await.unwrap();
    }
}

/// Plays the feed's first three pages as someone who loves `taste`
/// (watches to the end and likes), swiping everything else, and returns the
/// fourth page and every tag of the videos they liked.
async fn learn(app: &TestApp, token: &str, taste: &HashSet<String>) -> (Value, HashSet<String>) {
    let mut after: Option<String> = None;
    let mut liked = HashSet::new();
    for _ in 0..3 {
        let page = feed(app, Some(token), 10, after.as_deref()).await;
        for edge in nonempty(&page) {
            let id = edge["node"]["id"].as_str().unwrap();
            if tag_slugs(edge).iter().any(|t| taste.contains(*t)) {
                liked.extend(tag_slugs(edge).into_iter().map(str::to_owned));
                let ms = edge["node"]["durationSeconds"].as_i64().unwrap() * 1000;
                assert!(app.interact(token, id, "VIEW", Some(ms)).await["errors"].is_null());
                assert!(app.interact(token, id, "LIKE", None).await["errors"].is_null());
            } else {
                assert!(app.interact(token, id, "SWIPE_AWAY", None).await["errors"].is_null());
            }
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        app.clock.advance(Duration::minutes(3));
    }
    (feed(app, Some(token), 10, after.as_deref()).await, liked)
}

/// The learning goal over tastes no one chose: twelve tastes of one to three
/// tags drawn at random, on a catalogue where supply never binds. Page four
/// must be mostly on taste (mean precision at least 0.8, four times the
/// taste's share of the catalogue and 0.4 above the non-personalised feed),
/// keep one exploration item, and say which learned taste each item serves.
#[tokio::test]
async fn randomly_drawn_tastes_are_learned_within_three_pages() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        let mut rng = StdRng::seed_from_u64(2026);
        random_catalogue(&app, &mut rng, 30, 600).await;
        let slugs: Vec<String> =
            tag::Entity::find().all(&app.state.db).await.unwrap().into_iter().map(|t| t.slug).collect();
        let on_taste = |edge: &Value, taste: &HashSet<String>| tag_slugs(edge).iter().any(|t| taste.contains(*t));
        // One viewer with personalisation off walks four pages: the baseline.
        let plain = app.token_for("plain").await;
        ok(&app
            .query_as(
                &plain,
                "mutation { updatePrivacySettings(input: { personalizedFeed: false }) { personalizedFeed } }",
                json!({}),
            )
            .await);
        let mut after: Option<String> = None;
        let mut plain_page = Value::Null;
        for _ in 0..4 {
            plain_page = feed(&app, Some(&plain), 10, after.as_deref()).await;
            after = plain_page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        let (mut precision_sum, mut baseline_sum, mut share_sum) = (0.0, 0.0, 0.0);
        const VIEWERS: usize = 12;
        for v in 0..VIEWERS {
            let size = rng.random_range(1..=3);
            let taste: HashSet<String> = slugs.choose_multiple(&mut rng, size).cloned().collect();
            let token = app.token_for(&format!("taster{v:02}")).await;
            let (fourth, liked) = learn(&app, &token, &taste).await;
            let items = nonempty(&fourth);
            let hits = items.iter().filter(|e| on_taste(e, &taste)).count();
            precision_sum += hits as f64 / items.len() as f64;
            baseline_sum += nonempty(&plain_page).iter().filter(|e| on_taste(e, &taste)).count() as f64 / 10.0;
            share_sum += catalogue_share(&app, &taste).await;
            let kinds = |e: &Value| -> Vec<String> {
                e["reasons"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap().to_owned()).collect()
            };
            assert!(items.iter().any(|e| kinds(e).contains(&"EXPLORATION".to_owned())), "{taste:?}: {fourth}");
            // Each on-taste item says why, and truly: the tag it names is one
            // of the videos the viewer liked (a drawn taste's video may carry
            // another tag, which the viewer then liked too).
            for edge in items.iter().filter(|e| on_taste(e, &taste) && !kinds(e).contains(&"EXPLORATION".to_owned())) {
                let named = edge["reasons"].as_array().unwrap().iter().any(|r| {
                    r["kind"] == "TAG_AFFINITY" && r["tag"]["slug"].as_str().is_some_and(|s| liked.contains(s))
                });
                assert!(named, "{taste:?}: the reason names a taste the viewer showed: {edge}");
            }
        }
        let n = VIEWERS as f64;
        let (precision, baseline, share) = (precision_sum / n, baseline_sum / n, share_sum / n);
        let summary = format!("page-4 precision {precision:.3}, baseline {baseline:.3}, catalogue share {share:.3}");
        assert!(precision >= 0.8, "{summary}");
        assert!(precision >= 4.0 * share, "{summary}");
        assert!(precision >= baseline + 0.4, "{summary}");
    }
}

/// The share of the catalogue with at least one of the taste's tags.
async fn catalogue_share(app: &TestApp, taste: &HashSet<String>) -> f64 {
    let rows = entity::content_tag::Entity::find().all(&app.state.db).await.unwrap();
    let mut on: HashMap<uuid::Uuid, bool> = HashMap::new();
    for row in rows {
        *on.entry(row.content_id).or_default() |= taste.contains(&row.tag_slug);
    }
    on.values().filter(|o| **o).count() as f64 / on.len().max(1) as f64
}

#[tokio::test]
async fn a_newcomer_who_loves_cooking_and_money_sees_them_within_three_pages() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        let token = app.token_for("newcomer").await;
        let tastes = ["food", "personal-finance"];
        let mut after: Option<String> = None;
        let mut last = Value::Null;
        for _ in 0..3 {
            let page = feed(&app, Some(&token), 10, after.as_deref()).await;
            let ids: Vec<&str> = edges(&page).iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
            let mut per_author: HashMap<&str, usize> = HashMap::new();
            for edge in edges(&page) {
                *per_author.entry(edge["node"]["author"]["handle"].as_str().unwrap()).or_default() += 1;
            }
            assert_eq!(ids.len(), 10, "a full page");
            assert!(per_author.values().all(|n| *n <= 2), "at most two per author: {per_author:?}");
            assert_eq!(ids.len(), ids.iter().collect::<HashSet<_>>().len());
            for edge in edges(&page) {
                let id = edge["node"]["id"].as_str().unwrap();
                if tag_slugs(edge).iter().any(|t| tastes.contains(t)) {
                    ok(&app.interact(&token, id, "VIEW", Some(600_000)).await);
                } else {
                    ok(&app.interact(&token, id, "SWIPE_AWAY", None).await);
                }
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            last = page;
        }
        let fourth = feed(&app, Some(&token), 10, after.as_deref()).await;
        assert!(precision(&fourth, &tastes) >= 0.8, "dominated by the tastes: {}", precision(&fourth, &tastes));
        assert!(
            edges(&fourth).iter().any(|e| e["reasons"].as_array().unwrap().iter().any(|r| r["kind"] == "EXPLORATION"))
        );
        // Nothing seen on the pages before comes back while unseen content remains.
        let earlier: HashSet<&str> = nonempty(&last).iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
        let fresh = feed(&app, Some(&token), 10, None).await;
        assert!(nonempty(&fresh).iter().all(|e| !earlier.contains(e["node"]["id"].as_str().unwrap())));
    }
}

/// When a taste runs out, the feed moves on to its neighbours (unmet tags of
/// the same pillar), saying so, rather than to unrelated popular items.
#[tokio::test]
async fn a_taste_that_runs_out_leads_to_its_neighbours() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        catalogue(&app, 9, 3).await;
        let token = app.token_for("curious").await;
        // Every science video, watched to the end and liked: nothing else is known.
        let science = app
            .post_graphql(
                None,
                &json!({ "query": "{ contents(first: 50, filter: { tag: \"science\" }) { edges { node { id } } } }" }),
            )
            .await;
        let ids: Vec<String> = science["data"]["contents"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 3, "{science}");
        for id in &ids {
            assert!(app.interact(&token, id, "VIEW", Some(600_000)).await["errors"].is_null());
            assert!(app.interact(&token, id, "LIKE", None).await["errors"].is_null());
        }
        let page = feed(&app, Some(&token), 10, None).await;
        let learn = nonempty(&page)
            .iter()
            .filter(|e| e["node"]["tags"].as_array().unwrap().iter().any(|t| t["pillar"] == "LEARN"))
            .collect::<Vec<_>>();
        // Four other LEARN tags of eighteen: about two in ten if the pillar did not matter.
        assert!(learn.len() >= 6, "the neighbours of science lead: {page}");
        for edge in &learn {
            assert!(tag_slugs(edge).iter().all(|t| *t != "science"), "seen science stays away while unseen remains");
            let said = edge["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["kind"] == "EXPLORATION" && r["label"].as_str().is_some_and(|l| l.contains("khoa học")));
            assert!(said, "the reason names the learned taste: {edge}");
        }
    }
}

#[tokio::test]
async fn not_interested_makes_an_author_vanish_from_the_feed() {
    not_interested_author_vanishes(false).await;
}

/// Items without tags teach the feed only of their authors: such a viewer
/// has weights for authors and none for tags, and the feed still knows
/// them (the tastes' statement says so in a row of its own; the weights
/// come with each candidate).
#[tokio::test]
async fn an_author_marked_not_interested_stays_gone_when_no_tag_is_learned() {
    not_interested_author_vanishes(true).await;
}

/// A viewer marks the first item NOT_INTERESTED; its author is gone from
/// the next five pages. With `forget_tags`, the weights that taught the
/// item's tags are deleted first.
async fn not_interested_author_vanishes(forget_tags: bool) {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        catalogue(&app, 4, 3).await;
        let token = app.token_for("picky").await;
        let page = feed(&app, Some(&token), 10, None).await;
        let first = &edges(&page)[0];
        let author = first["node"]["author"]["handle"].as_str().unwrap().to_owned();
        ok(&app.interact(&token, first["node"]["id"].as_str().unwrap(), "NOT_INTERESTED", None).await);
        if forget_tags {
            let viewer = app.find_user("picky").await.id;
            let forgotten = entity::tag_taste::Entity::delete_many()
                .filter(entity::tag_taste::Column::UserId.eq(viewer))
                .exec(&app.state.db)
                .await
                .unwrap();
            assert!(forgotten.rows_affected > 0, "the item's tags were learned");
        }
        let mut after: Option<String> = None;
        for _ in 0..5 {
            let page = feed(&app, Some(&token), 10, after.as_deref()).await;
            assert!(
                nonempty(&page).iter().all(|e| e["node"]["author"]["handle"] != author.as_str()),
                "{author} is gone"
            );
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
    }
}

/// Two creators post alike items (one tag, none yet seen), the unmet one's
/// two days newer: only the weight learned for the creator the viewer
/// watched and liked can put that creator's items first, against a
/// freshness that ranks them last when the weight is ignored.
#[tokio::test]
async fn a_creator_watched_and_liked_comes_before_a_newer_one_never_met() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        let db = &app.state.db;
        let creators = sign_up_creators(&app, "twin", 2).await;
        let food = tag::Entity::find().filter(tag::Column::Slug.eq("food")).one(db).await.unwrap().unwrap();
        let now = app.clock_now();
        for k in 0..6 {
            for (creator, older) in [(&creators[0], Duration::days(2)), (&creators[1], Duration::zero())] {
                let new = NewContent {
                    title: format!("{} #{k}", creator.handle),
                    caption: "Một video".into(),
                    language: "vi".into(),
                    media_url: format!("https://media.example.com/{}-{k}.mp4", creator.handle),
                    duration_seconds: 30,
                    audience: Audience::General,
                    tag_slugs: vec![food.slug.clone()],
                    campaign_slug: None,
                };
                let created = now - Duration::hours(k) - older;
                publish(db, creator, new, std::slice::from_ref(&food), None, created).await.unwrap();
            }
        }
        let token = app.token_for("fan").await;
        let first = feed(&app, Some(&token), 10, None).await;
        let mut watched = 0;
        for edge in nonempty(&first).iter().filter(|e| e["node"]["author"]["handle"] == "twin00") {
            let id = edge["node"]["id"].as_str().unwrap();
            ok(&app.interact(&token, id, "VIEW", Some(60_000)).await);
            ok(&app.interact(&token, id, "LIKE", None).await);
            watched += 1;
        }
        assert!(watched > 0, "the first page shows the creator to watch: {first}");
        let next = feed(&app, Some(&token), 10, first["pageInfo"]["endCursor"].as_str()).await;
        let authors: Vec<&str> =
            nonempty(&next).iter().map(|e| e["node"]["author"]["handle"].as_str().unwrap()).collect();
        // Two a page from each (the per-author cap), the watched one's first.
        assert_eq!(authors, ["twin00", "twin00", "twin01", "twin01"], "the watched creator comes first");
    }
}

#[tokio::test]
async fn the_pillar_filter_keeps_to_its_pillar() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        let body = json!({ "query": FEED, "variables": { "first": 20, "pillar": "KINDNESS" } });
        let page = app.post_graphql(None, &body).await["data"]["feed"].clone();
        assert!(!edges(&page).is_empty());
        for edge in edges(&page) {
            assert!(edge["node"]["tags"].as_array().unwrap().iter().any(|t| t["pillar"] == "KINDNESS"), "{edge}");
        }
        assert_code(
            &app.post_graphql(None, &json!({ "query": FEED, "variables": { "first": 51 } })).await,
            "BAD_USER_INPUT",
        );
        assert_code(
            &app.post_graphql(None, &json!({ "query": FEED, "variables": { "after": "!!" } })).await,
            "BAD_USER_INPUT",
        );
    }
}

#[tokio::test]
async fn statement_counts_do_not_grow_with_the_page() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        let token = app.token_for("counter").await;
        let fields =
            "id title author { handle displayName verified isPrivate resembles { handle } } tags { slug label } campaign { hashtag }
            viewCount likeCount commentCount viewerHasLiked";
        let queries = [
            format!("query($n: Int) {{ feed(first: $n) {{ edges {{ node {{ {fields} }} reasons {{ kind }} }} }} }}"),
            format!("query($n: Int) {{ contents(first: $n) {{ edges {{ node {{ {fields} }} }} }} }}"),
        ];
        for query in &queries {
            ok(&app.query_as(&token, query, json!({ "n": 1 })).await);
            let mut counts = Vec::new();
            // (Pages of 20 and 50 both show verified and unverified authors, so
            // the look-alike check runs in both.)
            for n in [20, 50] {
                let before = app.statements();
                let response = app.query_as(&token, query, json!({ "n": n })).await;
                assert!(response["errors"].is_null(), "{response}");
                counts.push(app.statements() - before);
            }
            assert_eq!(counts[0], counts[1], "{query}: {counts:?}");
            assert!(counts[1] <= 10, "{query}: {counts:?}");
        }
    }
}

/// The statements of the bench's pages, counted with the anonymous cache
/// off: the browse page with its authors and tags is one statement (after
/// the caller's own when signed in), and a learned viewer's feed with
/// authors, tags, likes and campaigns at most four. What came along in those
/// statements is what the loaders would have read: each item's author, and
/// the viewer's likes.
#[tokio::test]
async fn a_page_with_its_authors_is_one_statement_and_the_feed_at_most_four() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| {
            s.seed_demo = true;
            s.anon_cache_ttl = std::time::Duration::ZERO;
        })
        .await;
        let browse = json!({ "query": "{ contents(first: 20) { edges { node { id title author { handle } tags { slug } } } } }" });
        let counted = |token: Option<String>, body: Value| {
            let app = &app;
            async move {
                let before = app.statements();
                let answer = app.post_graphql(token.as_deref(), &body).await;
                assert!(answer["errors"].is_null(), "{answer}");
                (app.statements() - before, answer)
            }
        };
        let (anonymous, page) = counted(None, browse.clone()).await;
        assert_eq!(anonymous, 1, "the anonymous page");
        let token = app.token_for("one_statement").await;
        let (signed_in, same) = counted(Some(token.clone()), browse.clone()).await;
        assert_eq!(signed_in, 2, "the caller, then the page");
        assert_eq!(same, page, "an adult and an anonymous caller see the same page");
        let db = &app.state.db;
        for edge in nonempty(&page["data"]["contents"]) {
            let id: uuid::Uuid = edge["node"]["id"].as_str().unwrap().parse().unwrap();
            let item = entity::content::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
            let author = entity::user::Entity::find_by_id(item.author_id).one(db).await.unwrap().unwrap();
            assert_eq!(edge["node"]["author"]["handle"], author.handle.as_str());
        }

        let query = "query($n: Int) { feed(first: $n) { edges { node { id author { handle } tags { slug }
            campaign { hashtag } viewerHasLiked } reasons { kind label } } } }";
        let (statements, walk) =
            counted(Some(token.clone()), json!({ "query": query, "variables": { "n": 10 } })).await;
        assert!(statements <= 4, "{statements} statements");
        let mut campaigns = 0;
        for edge in nonempty(&walk["data"]["feed"]) {
            let id: uuid::Uuid = edge["node"]["id"].as_str().unwrap().parse().unwrap();
            let item = entity::content::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
            let author = entity::user::Entity::find_by_id(item.author_id).one(db).await.unwrap().unwrap();
            assert_eq!(edge["node"]["author"]["handle"], author.handle.as_str());
            assert_eq!(edge["node"]["campaign"].is_null(), item.campaign_id.is_none(), "{edge}");
            campaigns += usize::from(item.campaign_id.is_some());
        }
        assert!(campaigns > 0, "the demo's campaign shows on the first page: {walk}");

        // The viewer's likes come with the feed's statement: on a catalogue
        // small enough that a page of 50 holds it all, liked items come back
        // once everything unseen is used up.
        let app = TestApp::spawn(backend, |s| s.anon_cache_ttl = std::time::Duration::ZERO).await;
        catalogue(&app, 10, 1).await;
        let token = app.token_for("liker").await;
        let first = feed(&app, Some(&token), 10, None).await;
        let liked: Vec<String> =
            nonempty(&first).iter().take(3).map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect();
        for id in &liked {
            ok(&app.interact(&token, id, "LIKE", None).await);
        }
        let whole = app.query_as(&token, query, json!({ "n": 50 })).await;
        let mut shown_liked: Vec<String> = nonempty(&whole["data"]["feed"])
            .iter()
            .filter(|e| e["node"]["viewerHasLiked"] == true)
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect();
        shown_liked.sort();
        let mut expected = liked.clone();
        expected.sort();
        assert_eq!(shown_liked, expected, "{whole}");
    }
}

/// A viewer's weights, tag rows then author rows: (slug or author id,
/// [fading, lasting, against], searched).
async fn learned(app: &TestApp, viewer: uuid::Uuid) -> Vec<(String, [f64; 3], bool)> {
    use sea_orm::QueryOrder;
    let db = &app.state.db;
    let mut rows: Vec<(String, [f64; 3], bool)> = entity::tag_taste::Entity::find()
        .filter(entity::tag_taste::Column::UserId.eq(viewer))
        .order_by_asc(entity::tag_taste::Column::TagSlug)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.tag_slug, [t.fading, t.lasting, t.against], t.searched))
        .collect();
    let authors = entity::author_taste::Entity::find()
        .filter(entity::author_taste::Column::UserId.eq(viewer))
        .order_by_asc(entity::author_taste::Column::AuthorId)
        .all(db)
        .await
        .unwrap();
    rows.extend(authors.into_iter().map(|a| (a.author_id.to_string(), [a.fading, a.lasting, 0.0], false)));
    rows
}

#[tokio::test]
async fn weights_kept_as_signals_arrive_equal_those_relearned_from_history() {
    on_each_database(|app| async move {
        catalogue(&app, 6, 2).await;
        let token = app.token_for("learner").await;
        let viewer = app.find_user("learner").await.id;
        let ids = node_ids(&feed(&app, Some(&token), 10, None).await);
        let signals = [("VIEW", Some(60_000)), ("LIKE", None), ("SWIPE_AWAY", None), ("SHARE", None)];
        for (i, id) in ids.iter().take(8).enumerate() {
            let (kind, watched) = signals[i % signals.len()];
            let recorded = app.interact(&token, id, kind, watched).await;
            assert!(recorded["errors"].is_null(), "{recorded}");
            app.clock.advance(Duration::minutes(1));
        }
        let away = app.interact(&token, &ids[8], "NOT_INTERESTED", None).await;
        assert!(away["errors"].is_null(), "{away}");
        let searched = app
            .query_as(
                &token,
                "{ contents(first: 5, filter: { search: \"ẩm thực\" }) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        assert!(searched["errors"].is_null(), "{searched}");

        let live = learned(&app, viewer).await;
        assert!(
            live.iter().any(|(slug, _, searched)| slug == "food" && *searched),
            "a search names its tags: {live:?}"
        );
        assert!(live.iter().any(|(_, [_, lasting, _], _)| *lasting <= -100.0), "NOT_INTERESTED lasts: {live:?}");
        assert!(live.iter().any(|(_, [_, _, against], _)| *against > 0.0), "a swipe counts against: {live:?}");
        let same = |relearned: Vec<(String, [f64; 3], bool)>| {
            assert_eq!(live.len(), relearned.len(), "{live:?} vs {relearned:?}");
            for (a, b) in live.iter().zip(&relearned) {
                assert_eq!((&a.0, a.2), (&b.0, b.2));
                for (x, y) in a.1.iter().zip(&b.1) {
                    assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{a:?} vs {b:?}");
                }
            }
        };
        api::service::feed::tastes::relearn(&app.state.db, &[viewer]).await.unwrap();
        same(learned(&app, viewer).await);

        // History from before the weights were kept: the start-up job learns
        // them once, and leaves learned weights alone.
        entity::tag_taste::Entity::delete_many().exec(&app.state.db).await.unwrap();
        entity::author_taste::Entity::delete_many().exec(&app.state.db).await.unwrap();
        assert!(api::service::feed::tastes::learn_what_is_missing(&app.state.db).await.unwrap());
        same(learned(&app, viewer).await);
        assert!(!api::service::feed::tastes::learn_what_is_missing(&app.state.db).await.unwrap());
    })
    .await;
}

/// The newcomer of the finding: searches "pho bo", likes two food videos,
/// follows a food creator, likes one comedy video and leaves a dance video
/// after 2 s. A reason names a taste only when the viewer gave it two
/// signals or more: food, never comedy or dance; and each of the first three
/// cards is food, from the followed creator, or says it is something new.
#[tokio::test]
async fn reasons_name_only_tastes_the_viewers_own_signals_support() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.seed_demo = true).await;
        let token = app.token_for("nguoi.moi").await;
        let found = |filter: Value| {
            let app = &app;
            let token = &token;
            async move {
                let page = app
                    .query_as(
                        token,
                        "query($f: ContentFilter) { contents(first: 5, filter: $f) { edges { node { id } } } }",
                        json!({ "f": filter }),
                    )
                    .await;
                field(&page, "contents")["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert!(!found(json!({ "search": "pho bo" })).await.is_empty());
        for food in &found(json!({ "tag": "food" })).await[..2] {
            ok(&app.interact(&token, food, "LIKE", None).await);
        }
        ok(&app.interact(&token, &found(json!({ "tag": "comedy" })).await[0], "LIKE", None).await);
        ok(&app.interact(&token, &found(json!({ "tag": "dance" })).await[0], "VIEW", Some(2_000)).await);
        let cook =
            field(&app.query_as(&token, "{ user(handle: \"bep.nha.lan\") { id } }", json!({})).await, "user")["id"]
                .clone();
        ok(&app.query_as(&token, "mutation($u: ID!) { follow(userId: $u) { id } }", json!({ "u": cook })).await);

        let page = feed(&app, Some(&token), 10, None).await;
        for edge in nonempty(&page) {
            for reason in edge["reasons"].as_array().unwrap() {
                let label = reason["label"].as_str().unwrap();
                if reason["kind"] == "TAG_AFFINITY" {
                    assert_eq!(reason["tag"]["slug"], "food", "{edge}");
                }
                if label.contains("bạn hay xem") {
                    assert!(label.contains("ẩm thực"), "only food was watched or liked twice: {edge}");
                }
            }
        }
        for edge in &edges(&page)[..3] {
            let kinds: Vec<&str> =
                edge["reasons"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
            let food = tag_slugs(edge).contains(&"food");
            assert!(
                food || kinds.contains(&"FOLLOWING_AUTHOR") || kinds.contains(&"EXPLORATION"),
                "the first cards are food or honest exploration: {edge}"
            );
        }

        // One like is a lead the feed follows, not a taste it may claim.
        let once = app.token_for("mot.lan.thich").await;
        let comedy = field(
            &app.query_as(
                &once,
                "{ contents(first: 1, filter: { tag: \"comedy\" }) { edges { node { id } } } }",
                json!({}),
            )
            .await,
            "contents",
        )["edges"][0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(&app.interact(&once, &comedy, "LIKE", None).await);
        let page = feed(&app, Some(&once), 10, None).await;
        assert!(nonempty(&page).iter().any(|e| tag_slugs(e).contains(&"comedy")), "the lead is followed: {page}");
        for edge in edges(&page) {
            for reason in edge["reasons"].as_array().unwrap() {
                assert_ne!(reason["kind"], "TAG_AFFINITY", "one like names no taste: {edge}");
                assert!(!reason["label"].as_str().unwrap().contains("bạn hay xem"), "{edge}");
            }
        }
    }
}

/// Moving on from a liked video within two seconds is a swipe the player
/// sends like any other; it teaches nothing against the video.
#[tokio::test]
async fn a_swipe_away_after_a_like_never_undoes_it() {
    on_each_database(|app| async move {
        catalogue(&app, 2, 1).await;
        let token = app.token_for("liker").await;
        let viewer = app.find_user("liker").await.id;
        let ids = node_ids(&feed(&app, Some(&token), 2, None).await);
        let liked = app.interact(&token, &ids[0], "LIKE", None).await;
        assert_eq!(liked["data"]["recordInteraction"]["content"]["viewerHasLiked"], true, "{liked}");
        let after_like = learned(&app, viewer).await;
        let swiped = app.interact(&token, &ids[0], "SWIPE_AWAY", None).await;
        assert!(swiped["errors"].is_null(), "{swiped}");
        assert_eq!(swiped["data"]["recordInteraction"]["content"]["viewerHasLiked"], true, "{swiped}");
        assert_eq!(learned(&app, viewer).await, after_like, "the like's weights stand");
        // A video not liked still counts a swipe against it.
        assert!(app.interact(&token, &ids[1], "SWIPE_AWAY", None).await["errors"].is_null());
        let after_swipe = learned(&app, viewer).await;
        assert!(after_swipe.iter().any(|(_, [_, _, against], _)| *against > 0.0), "{after_swipe:?}");
    })
    .await;
}

/// The same search again within half an hour (a page drawn twice, a
/// refresh) is one sign of a taste, not two: two would let a reason name it.
#[tokio::test]
async fn a_search_repeated_at_once_counts_once() {
    on_each_database(|app| async move {
        catalogue(&app, 2, 1).await;
        let token = app.token_for("tim.kiem").await;
        let viewer = app.find_user("tim.kiem").await.id;
        let search = "{ contents(first: 5, filter: { search: \"ẩm thực\" }) { edges { node { id } } } }";
        ok(&app.query_as(&token, search, json!({})).await);
        let once = learned(&app, viewer).await;
        ok(&app.query_as(&token, search, json!({})).await);
        assert_eq!(learned(&app, viewer).await, once, "the repeat teaches nothing");
        app.clock.advance(Duration::minutes(31));
        let token = app.log_in("tim.kiem").await;
        ok(&app.query_as(&token, search, json!({})).await);
        assert_ne!(learned(&app, viewer).await, once, "a search later is a new sign");
    })
    .await;
}
