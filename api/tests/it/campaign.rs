//! Campaign surveys, KPIs and transparency, as analysts and the public see them.
use chrono::Duration;
use entity::Role;
use serde_json::{Value, json};

use crate::support::*;

const CREATE_CAMPAIGN: &str = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { slug name hashtag tagline startsAt endsAt isActive } }";
const CREATE_SURVEY: &str = "mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id wave opensAt closesAt campaign { slug } questions { key kind measures text textVi } } }";
const SUBMIT: &str = "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) { id group submittedAt } }";
const KPIS: &str = "query($s: String!) { campaignKpis(campaignSlug: $s) {
    all { ...G } users { ...G } nonUsers { ...G } trustGap { ...C }
    behaviour { newcomers newcomersFindingUseful reportsFiled medianHoursToDecision reportersToldOutcome teensWithGuardian entries }
    csv } }
  fragment C on KpiChange { key pre { value low high n suppressed } post { value low high n suppressed } change low high significant }
  fragment G on GroupKpis { group trustIndex { ...C } relevance { ...C } usefulness { ...C } awareness { ...C } }";
const AWARENESS: [&str; 4] = ["aware_reporting", "aware_privacy", "aware_guardian", "aware_screen_time"];

/// An admin, a campaign and a PRE survey open now; the POST survey opens in
/// two days. Returns (admin token, PRE id, POST id).
async fn campaign_with_waves(app: &TestApp, slug: &str) -> (String, String, String) {
    let admin = app.user_with_role(&format!("admin.{}", slug.replace('-', "")), Role::Admin).await;
    let now = app.clock_now();
    let campaign = json!({ "slug": slug, "name": "Thử nghiệm", "hashtag": "#thunghiem",
        "startsAt": now.to_rfc3339(), "endsAt": (now + Duration::days(2)).to_rfc3339() });
    ok(&app.query_as(&admin, CREATE_CAMPAIGN, json!({ "i": campaign })).await);
    let survey = |wave: &str, opens: chrono::DateTime<chrono::Utc>| {
        json!({ "i": { "campaignSlug": slug, "wave": wave, "opensAt": opens.to_rfc3339(),
            "closesAt": (opens + Duration::days(1)).to_rfc3339() } })
    };
    let pre = app.query_as(&admin, CREATE_SURVEY, survey("PRE", now - Duration::hours(1))).await;
    let post = app.query_as(&admin, CREATE_SURVEY, survey("POST", now + Duration::days(2))).await;
    let id = |r: &Value, name: &str| field(r, name)["id"].as_str().unwrap().to_owned();
    (admin, id(&pre, "createSurvey"), id(&post, "createSurvey"))
}

/// The answers of synthetic respondent `i` of a group, as the oracle
/// (`fixtures/kpi_expected.py`) draws them.
fn answers(
    i: usize,
    (a, b): (usize, usize),
    relevance: (usize, usize),
    usefulness: (usize, usize),
    aware: (usize, usize),
) -> Value {
    let trusted = (i * a + b) % 4;
    let mut list: Vec<Value> = ["trust_data", "trust_teens", "trust_reports"]
        .iter()
        .enumerate()
        // Answers on both sides of the cut (6 trusts, 5 does not), as raw 1..=9 values.
        .map(|(k, key)| {
            let value = if k < trusted { [6, 7, 8, 9][(i + k) % 4] } else { [1, 3, 4, 5][(i + k) % 4] };
            json!({ "key": key, "value": value })
        })
        .collect();
    list.push(json!({ "key": "relevance", "value": if i % relevance.0 < relevance.1 { 5 } else { 2 } }));
    list.push(json!({ "key": "usefulness", "value": if i % usefulness.0 < usefulness.1 { 4 } else { 3 } }));
    for (j, key) in AWARENESS.iter().enumerate() {
        list.push(json!({ "key": key, "value": i32::from((i + j) % aware.0 < aware.1) }));
    }
    Value::Array(list)
}

type Group = (usize, (usize, usize), (usize, usize), (usize, usize), (usize, usize));
const PRE_USERS: Group = (40, (1, 1), (5, 3), (4, 2), (3, 2));
// Group sizes whose sums per survey are whole batches (see `inbox::BATCH`),
// so that every response is written when the figures are read.
const PRE_NON_USERS: Group = (30, (3, 0), (5, 2), (3, 1), (4, 1));
const POST_USERS: Group = (40, (2, 3), (5, 4), (4, 3), (3, 2));
const POST_NON_USERS: Group = (30, (1, 1), (2, 1), (2, 1), (2, 1));

async fn submit_group(
    app: &TestApp,
    survey: &str,
    group: Group,
    uses_app: bool,
    range: std::ops::Range<usize>,
    tag: &str,
) {
    let (_, trust, relevance, usefulness, aware) = group;
    for i in range {
        let input = json!({ "surveyId": survey, "respondentKey": format!("respondent-{tag}-{i:04}"), "usesApp": uses_app,
            "answers": answers(i, trust, relevance, usefulness, aware) });
        let receipt = app.query(SUBMIT, json!({ "i": input })).await;
        assert_eq!(field(&receipt, "submitSurveyResponse")["group"], if uses_app { "USER" } else { "NON_USER" });
    }
}

/// Every figure equal to the oracle's to three decimals; counts, flags and
/// nulls exactly.
fn assert_matches(actual: &Value, expected: &Value, path: &str, wrong: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (key, e) in e {
                assert_matches(&a[key], e, &format!("{path}.{key}"), wrong);
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                assert_matches(a, e, &format!("{path}[{i}]"), wrong);
            }
        }
        (Value::Number(a), Value::Number(e)) if (a.as_f64().unwrap() - e.as_f64().unwrap()).abs() < 0.0005 => {}
        (a, e) if a == e => {}
        (a, e) => wrong.push(format!("{path}: {a} instead of {e}")),
    }
}

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn compare(kpis: &Value, expected: &Value) {
    let mut wrong = Vec::new();
    for part in ["all", "users", "nonUsers", "trustGap"] {
        assert_matches(&kpis[part], &expected[part], part, &mut wrong);
    }
    assert!(wrong.is_empty(), "KPIs differ from the independent computation:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn kpis_match_an_independent_computation_with_small_groups_suppressed() {
    on_each_database(|app| async move {
        let (_, pre, post) = campaign_with_waves(&app, "kpi-check").await;
        submit_group(&app, &pre, PRE_USERS, true, 0..PRE_USERS.0, "pre-u").await;
        submit_group(&app, &pre, PRE_NON_USERS, false, 0..PRE_NON_USERS.0, "pre-n").await;
        app.clock.advance(Duration::days(2) + Duration::hours(1));
        submit_group(&app, &post, POST_USERS, true, 0..POST_USERS.0, "post-u").await;
        submit_group(&app, &post, POST_NON_USERS, false, 0..20, "post-n").await;

        let analyst = app.user_with_role("kpi.analyst", Role::Analyst).await;
        let first = app.query_as(&analyst, KPIS, json!({ "s": "kpi-check" })).await;
        let kpis = field(&first, "campaignKpis");
        compare(kpis, &fixture("kpis_20.json"));
        assert_eq!(kpis["all"]["group"], Value::Null);
        assert_eq!(kpis["nonUsers"]["group"], "NON_USER");
        // Every figure is in the CSV, and no respondent is.
        let csv = kpis["csv"].as_str().unwrap();
        assert!(csv.starts_with("section,group,key,wave,value,low,high,n,suppressed,significant\n"), "{csv}");
        // A header, 3 groups × 7 KPIs × 3 rows, the trust gap, and 12 behaviour figures (5 of kindness).
        assert_eq!(csv.lines().count(), 1 + 3 * 7 * 3 + 3 + 12, "{csv}");
        assert!(
            csv.contains("survey,ALL,TRUST,PRE,") && csv.contains("survey,NON_USER,RELEVANCE,POST,,,,20,true,"),
            "{csv}"
        );
        assert!(!csv.contains("respondent-"), "no respondent keys in the CSV");

        // While non-users are too few to show, so is everyone's POST figure,
        // or everyone minus users would give the non-users' away.
        assert_eq!(kpis["all"]["trustIndex"]["post"]["suppressed"], true);
        assert_eq!(kpis["all"]["relevance"]["post"]["n"], 60);
        assert_eq!(kpis["users"]["trustIndex"]["post"]["suppressed"], false);
        assert_eq!(kpis["all"]["trustIndex"]["pre"]["suppressed"], false, "PRE has enough of both");

        // Ten more non-users answer: their figures, everyone's and the gap's change appear.
        submit_group(&app, &post, POST_NON_USERS, false, 20..POST_NON_USERS.0, "post-n").await;
        let analyst = app.log_in("kpi.analyst").await;
        let second = app.query_as(&analyst, KPIS, json!({ "s": "kpi-check" })).await;
        compare(field(&second, "campaignKpis"), &fixture("kpis_30.json"));
    })
    .await;
}

/// Sealed responses waiting for their batch.
async fn waiting(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::survey_inbox::Entity::find().count(&app.state.db).await.unwrap()
}

/// The fixtures are what the oracle prints, so a change to either shows.
#[test]
fn the_kpi_fixtures_are_the_oracles_output() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures");
    for (argument, name) in [("20", "kpis_20.json"), ("30", "kpis_30.json")] {
        let run = std::process::Command::new("python3").arg("kpi_expected.py").arg(argument).current_dir(&dir).output();
        let run = run.unwrap_or_else(|e| panic!("python3 runs the oracle (.ci/run installs it): {e}"));
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let printed: Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(printed, fixture(name), "{name} is not what `python3 kpi_expected.py {argument}` prints");
    }
}

fn full_answers() -> Value {
    answers(0, (1, 3), (1, 1), (1, 1), (1, 1))
}

#[tokio::test]
async fn responses_are_deduplicated_checked_and_taken_only_while_open() {
    on_each_database(|app| async move {
        let (_, pre, post) = campaign_with_waves(&app, "checks").await;
        let submit = |survey: &str, key: &str, answers: Value| {
            json!({ "i": { "surveyId": survey, "respondentKey": key, "answers": answers } })
        };
        let receipt = app.query(SUBMIT, submit(&pre, "the-same-key-0001", full_answers())).await;
        // Timed to the hour only, so the time joins it to nothing.
        let submitted: chrono::DateTime<chrono::Utc> =
            field(&receipt, "submitSurveyResponse")["submittedAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(submitted.timestamp() % 3600, 0, "{receipt}");
        assert_code(&app.query(SUBMIT, submit(&pre, "the-same-key-0001", full_answers())).await, "CONFLICT");
        // Once per wave: a second PRE survey of the campaign is answered already.
        let admin = app.log_in("admin.checks").await;
        let now = app.clock_now();
        let another = json!({ "i": { "campaignSlug": "checks", "wave": "PRE", "opensAt": now.to_rfc3339(),
            "closesAt": (now + Duration::hours(2)).to_rfc3339() } });
        let another = field(&app.query_as(&admin, CREATE_SURVEY, another).await, "createSurvey")["id"].as_str().unwrap().to_owned();
        assert_code(&app.query(SUBMIT, submit(&another, "the-same-key-0001", full_answers())).await, "CONFLICT");

        // Bad answers are refused field by field, and nothing is stored.
        let mut unknown = full_answers();
        unknown.as_array_mut().unwrap().push(json!({ "key": "favourite_colour", "value": 1 }));
        let mut out_of_range = full_answers();
        out_of_range[0]["value"] = json!(10);
        let mut missing = full_answers();
        missing.as_array_mut().unwrap().pop();
        let mut twice = full_answers();
        twice.as_array_mut().unwrap().push(json!({ "key": "relevance", "value": 3 }));
        for (answers, key) in [(unknown, "bad-key-unknown-0"), (out_of_range, "bad-key-range-000"), (missing, "bad-key-missing-0"), (twice, "bad-key-twice-000")] {
            let refused = app.query(SUBMIT, submit(&pre, key, answers)).await;
            assert_code(&refused, "BAD_USER_INPUT");
            assert!(refused["errors"][0]["extensions"]["fields"]["answers"].is_array(), "{refused}");
        }
        assert_code(&app.query(SUBMIT, submit(&pre, "short", full_answers())).await, "BAD_USER_INPUT");
        let unknown_survey = submit(&uuid::Uuid::new_v4().to_string(), "a-key-for-nothing-1", full_answers());
        assert_code(&app.query(SUBMIT, unknown_survey).await, "NOT_FOUND");
        // The refused keys were not used up: they answer now.
        ok(&app.query(SUBMIT, submit(&pre, "bad-key-unknown-0", full_answers())).await);

        // Outside the window: the POST survey has not opened, the PRE one closes.
        assert_code(&app.query(SUBMIT, submit(&post, "too-early-key-0001", full_answers())).await, "FORBIDDEN");
        app.clock.advance(Duration::days(1));
        assert_code(&app.query(SUBMIT, submit(&pre, "too-late-key-00001", full_answers())).await, "FORBIDDEN");

        assert_eq!(waiting(&app).await, 2, "only the two good responses, sealed until eight more come");
    })
    .await;
}

#[tokio::test]
async fn a_signed_in_user_answers_once_and_their_group_follows_their_account() {
    on_each_database(|app| async move {
        let (_, pre, _) = campaign_with_waves(&app, "groups").await;
        let newcomer = app.token_for("moi.den").await;
        let submit = |key: &str, uses_app: bool| {
            json!({ "i": { "surveyId": pre, "respondentKey": key, "usesApp": uses_app, "answers": full_answers() } })
        };
        // A new account answers as it says.
        let first = app.query_as(&newcomer, SUBMIT, submit("newcomer-key-0001", false)).await;
        assert_eq!(field(&first, "submitSurveyResponse")["group"], "NON_USER");
        // A second response from the same account is refused, whatever its key.
        assert_code(&app.query_as(&newcomer, SUBMIT, submit("newcomer-key-0002", true)).await, "CONFLICT");
        // An account a week old is a user, whatever it says.
        let regular = app.token_for("quen.thuoc").await;
        app.update_user("quen.thuoc", |u| u.created_at = sea_orm::Set(app.clock_now() - Duration::days(8))).await;
        let second = app.query_as(&regular, SUBMIT, submit("regular-key-00001", false)).await;
        assert_eq!(field(&second, "submitSurveyResponse")["group"], "USER");
        // The export holds nothing of the response.
        let export = app.query_as(&regular, "mutation { exportMyData }", json!({})).await;
        let text = field(&export, "exportMyData").to_string();
        assert!(!text.contains("regular-key") && !text.to_lowercase().contains("survey"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn anonymous_responses_are_limited_per_client_address() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.survey_responses_per_address_per_hour = 3).await;
        let (_, pre, _) = campaign_with_waves(&app, "limits").await;
        let from = |address: &str, i: usize| {
            let input = json!({ "surveyId": pre, "respondentKey": format!("limited-key-{address}-{i}"), "answers": full_answers() });
            app.client
                .post(format!("{}/graphql", app.address))
                .header(CLIENT_ADDRESS_HEADER, address)
                .json(&json!({ "query": SUBMIT, "variables": { "i": input } }))
                .send()
        };
        for i in 0..3 {
            ok(&from("203.0.113.7", i).await.unwrap().json::<Value>().await.unwrap());
        }
        let refused: Value = from("203.0.113.7", 3).await.unwrap().json().await.unwrap();
        assert_code(&refused, "RATE_LIMITED");
        assert!(refused["errors"][0]["extensions"]["retryAfterSeconds"].as_i64().unwrap() > 0);
        ok(&from("198.51.100.2", 0).await.unwrap().json::<Value>().await.unwrap());
    }
}

#[tokio::test]
async fn campaigns_and_surveys_are_made_by_admins_with_checked_input() {
    on_each_database(|app| async move {
        let admin = app.user_with_role("boss", Role::Admin).await;
        let now = app.clock_now();
        let input = json!({ "slug": "tet-2027", "name": "Tết 2027", "hashtag": "#tet2027",
            "startsAt": now.to_rfc3339(), "endsAt": (now + Duration::days(30)).to_rfc3339() });
        let created = app.query_as(&admin, CREATE_CAMPAIGN, json!({ "i": input })).await;
        assert_eq!(field(&created, "createCampaign")["isActive"], true);
        assert_eq!(field(&created, "createCampaign")["tagline"], "");
        assert_code(&app.query_as(&admin, CREATE_CAMPAIGN, json!({ "i": input })).await, "CONFLICT");
        let analyst = app.user_with_role("phan.tich", Role::Analyst).await;
        assert_code(&app.query_as(&analyst, CREATE_CAMPAIGN, json!({ "i": input })).await, "FORBIDDEN");
        let bad = json!({ "slug": "Bad Slug!", "name": "", "hashtag": "nohash",
            "startsAt": now.to_rfc3339(), "endsAt": now.to_rfc3339() });
        let refused = app.query_as(&admin, CREATE_CAMPAIGN, json!({ "i": bad })).await;
        assert_code(&refused, "BAD_USER_INPUT");
        let fields = &refused["errors"][0]["extensions"]["fields"];
        for name in ["slug", "name", "hashtag", "endsAt"] {
            assert!(fields[name].is_array(), "{name}: {refused}");
        }

        // The standard questionnaire, in both languages.
        let survey = json!({ "i": { "campaignSlug": "tet-2027", "wave": "PRE", "opensAt": now.to_rfc3339(),
            "closesAt": (now + Duration::days(7)).to_rfc3339() } });
        let standard = app.query_as(&admin, CREATE_SURVEY, survey).await;
        let questions = field(&standard, "createSurvey")["questions"].as_array().unwrap().clone();
        let kinds: Vec<&str> = questions.iter().map(|q| q["kind"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["TRUST_9", "TRUST_9", "TRUST_9", "AGREE_5", "AGREE_5", "YES_NO", "YES_NO", "YES_NO", "YES_NO"]
        );
        assert!(questions.iter().all(|q| !q["text"].as_str().unwrap().is_empty() && q["textVi"] != q["text"]));
        let open =
            app.query("{ campaignSurveys(campaignSlug: \"tet-2027\") { id wave questions { key } } }", json!({})).await;
        assert_eq!(field(&open, "campaignSurveys").as_array().unwrap().len(), 1);

        // A custom questionnaire must pair kinds and measures, with unique keys.
        let custom = json!({ "i": { "campaignSlug": "tet-2027", "wave": "POST", "opensAt": now.to_rfc3339(),
            "closesAt": now.to_rfc3339(), "questions": [
                { "key": "q1", "kind": "YES_NO", "measures": "TRUST", "text": "?", "textVi": "?" },
                { "key": "q1", "kind": "AGREE_5", "measures": "RELEVANCE", "text": "?", "textVi": "?" } ] } });
        let refused = app.query_as(&admin, CREATE_SURVEY, custom).await;
        assert_code(&refused, "BAD_USER_INPUT");
        assert_eq!(refused["errors"][0]["extensions"]["fields"]["questions"].as_array().unwrap().len(), 2, "{refused}");
        assert!(refused["errors"][0]["extensions"]["fields"]["closesAt"].is_array());
    })
    .await;
}

const TRANSPARENCY: &str =
    "query($d: Int) { safetyTransparency(days: $d) { days reportsReceived casesDecided actionedShare
    medianHoursToDecision appealsDecided overturnedShare byReason { reason count } } }";

/// `count` reports of `reason`, each on a new video, by reporters who stay
/// within their hourly budget.
async fn reports(app: &TestApp, author: &str, prefix: &str, count: usize, reason: &str) {
    let mut reporters = Vec::new();
    for r in 0..count.div_ceil(15) {
        reporters.push(app.token_for(&format!("{prefix}{r}")).await);
    }
    for i in 0..count {
        let video = app.create_content(author, json!({ "title": format!("{prefix} {i}") })).await;
        ok(&app.report(&reporters[i / 15], "CONTENT", &video, reason, None).await);
    }
}

/// Decides every open case as the moderator `kiem.duyet`, the first
/// `removed` by removing the content, the rest by dismissing them.
async fn decide_all(app: &TestApp, removed: usize) {
    let moderator = &app.log_in("kiem.duyet").await;
    let queue =
        app.query_as(moderator, "{ moderationQueue(first: 50) { edges { node { id version } } } }", json!({})).await;
    for (i, case) in field(&queue, "moderationQueue")["edges"].as_array().unwrap().iter().enumerate() {
        let action = if i < removed { "REMOVE_CONTENT" } else { "DISMISS" };
        let input = json!({ "caseId": case["node"]["id"], "action": action, "note": "Đã xem xét", "expectedVersion": case["node"]["version"] });
        ok(&app
            .query_as(
                moderator,
                "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await);
    }
}

/// Figures that cannot be differenced: windows of 7, 30, 90 or 365 days
/// ending at the last full UTC day (a report shows only once its day ends),
/// counts under 10 shown as 0, and a share only when its numerator, its
/// denominator and their difference are each 10 or more.
#[tokio::test]
async fn transparency_counts_closed_days_and_hides_what_could_single_out_a_case() {
    on_each_database(|app| async move {
        app.user_with_role("kiem.duyet", Role::Moderator).await;
        let author = app.token_for("tac.gia").await;
        let next_day = |app: &TestApp| {
            let now = app.clock_now();
            (now.date_naive() + chrono::Days::new(1)).and_hms_opt(0, 30, 0).unwrap().and_utc() - now
        };
        // Day one: 9 spam reports and 21 scams, decided an hour after they
        // opened, 25 by removing and 5 by dismissing.
        reports(&app, &author, "spam", 9, "SPAM").await;
        reports(&app, &author, "scam", 21, "SCAM_FRAUD").await;
        app.clock.advance(Duration::hours(1));
        decide_all(&app, 25).await;
        let today = field(&app.query(TRANSPARENCY, json!({ "d": 7 })).await, "safetyTransparency").clone();
        assert_eq!((today["reportsReceived"].clone(), today["casesDecided"].clone()), (json!(0), json!(0)), "{today}");

        app.clock.advance(next_day(&app));
        let day_two = field(&app.query(TRANSPARENCY, json!({ "d": 7 })).await, "safetyTransparency").clone();
        assert_eq!(day_two["days"], 7);
        assert_eq!(day_two["reportsReceived"], 30);
        assert_eq!(day_two["casesDecided"], 30);
        assert_eq!(day_two["actionedShare"], Value::Null, "25 of 30 would reveal 5 dismissed: {day_two}");
        assert!((day_two["medianHoursToDecision"].as_f64().unwrap() - 1.0).abs() < 1e-9, "{day_two}");
        assert_eq!(day_two["appealsDecided"], 0);
        assert_eq!(day_two["overturnedShare"], Value::Null);
        let by_reason = day_two["byReason"].as_array().unwrap();
        assert_eq!(by_reason.len(), 14, "every reason, UNDERAGE_USER included");
        assert_eq!(by_reason.iter().find(|r| r["reason"] == "SPAM").unwrap()["count"], 0, "9 spam reports hidden");
        assert_eq!(
            by_reason.iter().find(|r| r["reason"] == "SCAM_FRAUD").unwrap()["count"],
            0,
            "the 21 scams hidden too: 30 received minus 21 would give the 9 spam back"
        );

        // Day two: new reports change nothing today; five more dismissals
        // make the share showable once the day ends.
        let author = app.log_in("tac.gia").await;
        reports(&app, &author, "late", 5, "SPAM").await;
        decide_all(&app, 0).await;
        assert_eq!(field(&app.query(TRANSPARENCY, json!({ "d": 7 })).await, "safetyTransparency"), &day_two);
        app.clock.advance(next_day(&app));
        let day_three = field(&app.query(TRANSPARENCY, json!({})).await, "safetyTransparency").clone();
        assert_eq!(day_three["days"], 30);
        assert_eq!(day_three["reportsReceived"], 35);
        assert_eq!(day_three["casesDecided"], 35);
        assert!((day_three["actionedShare"].as_f64().unwrap() - 25.0 / 35.0).abs() < 1e-9, "{day_three}");
        assert_eq!(
            day_three["byReason"].as_array().unwrap().iter().find(|r| r["reason"] == "SPAM").unwrap()["count"],
            14
        );

        // Only the four windows: neighbouring lengths would difference a day.
        for days in [0, 1, 6, 8, 29, 31, 364, 366] {
            assert_code(&app.query(TRANSPARENCY, json!({ "d": days })).await, "BAD_USER_INPUT");
        }
        for days in [90, 365] {
            assert_eq!(
                field(&app.query(TRANSPARENCY, json!({ "d": days })).await, "safetyTransparency")["casesDecided"],
                35
            );
        }
        // Analysts read KPIs but nothing of moderation; users read no KPIs.
        let reporter = app.log_in("spam0").await;
        let analyst = app.user_with_role("phan.tich", Role::Analyst).await;
        assert_code(
            &app.query_as(&analyst, "{ moderationQueue { edges { node { id } } } }", json!({})).await,
            "FORBIDDEN",
        );
        assert_code(&app.query_as(&reporter, KPIS, json!({ "s": "tryitwithtiktok" })).await, "FORBIDDEN");
        ok(&app.query_as(&analyst, KPIS, json!({ "s": "tryitwithtiktok" })).await);
    })
    .await;
}

#[tokio::test]
async fn of_simultaneous_responses_with_one_key_exactly_one_is_taken() {
    on_each_database(|app| async move {
        let (_, pre, _) = campaign_with_waves(&app, "race").await;
        let input =
            json!({ "i": { "surveyId": pre, "respondentKey": "one-key-many-tabs-01", "answers": full_answers() } });
        let attempts = (0..10).map(|_| app.query(SUBMIT, input.clone()));
        let answers = futures_util::future::join_all(attempts).await;
        let taken = answers.iter().filter(|a| a["errors"].is_null()).count();
        assert_eq!(taken, 1, "{answers:?}");
        assert!(answers.iter().filter(|a| !a["errors"].is_null()).all(|a| error_code(a) == "CONFLICT"), "{answers:?}");
        assert_eq!(waiting(&app).await, 1);
    })
    .await;
}

/// Aggregate figures are worked out once and served while fresh
/// (`AGGREGATE_CACHE_SECONDS`, on the app's clock): a response taken since
/// shows once the figure is worked out again.
#[tokio::test]
async fn aggregate_figures_are_shared_while_fresh() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.aggregate_ttl = std::time::Duration::from_secs(60)).await;
        let (_, pre, _) = campaign_with_waves(&app, "shared").await;
        let analyst = app.user_with_role("analyst", Role::Analyst).await;
        let taken = |answer: Value| answer["data"]["campaignKpis"]["all"]["trustIndex"]["pre"]["n"].as_i64().unwrap();
        assert_eq!(taken(app.query_as(&analyst, KPIS, json!({ "s": "shared" })).await), 0);
        for i in 0..10 {
            let key = format!("shared-figure-{i:02}");
            ok(&app
                .query(SUBMIT, json!({ "i": { "surveyId": pre, "respondentKey": key, "answers": full_answers() } }))
                .await);
        }
        assert_eq!(
            taken(app.query_as(&analyst, KPIS, json!({ "s": "shared" })).await),
            0,
            "the figure of a minute ago"
        );
        app.clock.advance(chrono::Duration::seconds(61));
        assert_eq!(taken(app.query_as(&analyst, KPIS, json!({ "s": "shared" })).await), 10, "worked out again");
    }
}

/// With figures kept, the keeper works them out at start: a request for any
/// transparency window then runs no SQL at all.
#[tokio::test]
async fn aggregate_requests_answer_from_figures_worked_out_ahead() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.aggregate_ttl = std::time::Duration::from_secs(60)).await;
        let figures = app.state.figures.clone();
        tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while figures.passes() == 0 {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the keeper's first pass ends");
        let before = app.statements();
        for days in [7, 30, 90, 365] {
            let answer = app.query(TRANSPARENCY, json!({ "d": days })).await;
            assert_eq!(field(&answer, "safetyTransparency")["days"], days);
        }
        assert_eq!(app.statements(), before, "four windows answered from the figures kept");
    }
}

/// A column of the rows the database keeps, as hex without dashes, in the
/// order it keeps them (SQLite's rowid, PostgreSQL's physical position),
/// with each row's writing transaction on PostgreSQL.
async fn stored_order(app: &TestApp, table: &str, column: &str) -> Vec<(String, Option<String>)> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let backend = app.state.db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "SELECT replace(CAST({column} AS TEXT), '-', '') AS v, CAST(xmin AS TEXT) AS tx FROM {table} ORDER BY ctid"
        ),
        _ => format!("SELECT lower(hex({column})) AS v, NULL AS tx FROM {table} ORDER BY rowid"),
    };
    let rows = app.state.db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    rows.iter()
        .map(|r| (r.try_get::<String>("", "v").unwrap(), r.try_get::<Option<String>>("", "tx").unwrap()))
        .collect()
}

/// The linking attack of issue 26: the dedup rows (with the account) and the
/// responses were written one after another, so their order and their
/// transactions paired them. Now responses wait sealed, and ten are written
/// at once in shuffled order, in one transaction, at one time.
#[tokio::test]
async fn no_row_order_transaction_or_time_ties_a_response_to_its_respondent() {
    on_each_database(|app| async move {
        let (_, pre, _) = campaign_with_waves(&app, "unlinkable").await;
        let mut receipts = Vec::new();
        for i in 0..10 {
            // One group: a batch hides a respondent among ten of their group.
            let input = json!({ "i": { "surveyId": pre, "respondentKey": format!("unlinkable-key-{i:04}"),
                "usesApp": false, "answers": answers(i, (1, 1), (2, 1), (2, 1), (2, 1)) } });
            // Half sign in, so their dedup rows name them.
            let answer = if i < 5 {
                app.query_as(&app.token_for(&format!("respondent{i}")).await, SUBMIT, input).await
            } else {
                app.query(SUBMIT, input).await
            };
            receipts.push(field(&answer, "submitSurveyResponse")["id"].as_str().unwrap().replace('-', ""));
            if i < 9 {
                // Nothing is written yet, and what waits is unreadable.
                assert!(stored_order(&app, "survey_responses", "id").await.is_empty());
                let sealed = stored_order(&app, "survey_inbox", "length(sealed)").await;
                assert_eq!(sealed.len(), i + 1);
                assert!(sealed.windows(2).all(|w| w[0].0 == w[1].0), "every sealed response as long: {sealed:?}");
            }
        }
        assert_eq!(waiting(&app).await, 0, "the batch left nothing waiting");
        let responses = stored_order(&app, "survey_responses", "id").await;
        let mut stored: Vec<String> = responses.iter().map(|(id, _)| id.clone()).collect();
        assert_ne!(stored, receipts, "the rows are not in the order they were given");
        stored.sort();
        let mut given = receipts.clone();
        given.sort();
        assert_eq!(stored, given, "every response was written");
        let times = stored_order(&app, "survey_responses", "submitted_at").await;
        assert!(times.windows(2).all(|w| w[0].0 == w[1].0), "one time for the batch: {times:?}");
        let claims = stored_order(&app, "survey_respondents", "key_hash").await;
        if let Some(Some(batch)) = responses.first().map(|(_, tx)| tx.clone()) {
            assert!(
                responses.iter().all(|(_, tx)| tx.as_deref() == Some(batch.as_str())),
                "one transaction: {responses:?}"
            );
            assert!(claims.iter().all(|(_, tx)| tx.as_deref() != Some(batch.as_str())), "apart from every claim");
        }
        assert_eq!(claims.len(), 10);

        // Nine of one group and one of the other: nobody is written yet,
        // since the one would stand alone among its group.
        for i in 0..10 {
            let input = json!({ "i": { "surveyId": pre, "respondentKey": format!("mixed-group-key-{i:04}"),
                "usesApp": i == 9, "answers": answers(i, (1, 1), (2, 1), (2, 1), (2, 1)) } });
            field(&app.query(SUBMIT, input).await, "submitSurveyResponse");
        }
        assert_eq!(waiting(&app).await, 10);
        assert_eq!(stored_order(&app, "survey_responses", "id").await.len(), 10, "only the first batch");
        // The tenth non-user completes their group's batch; the user waits.
        let input = json!({ "i": { "surveyId": pre, "respondentKey": "mixed-group-key-0010", "usesApp": false,
            "answers": answers(10, (1, 1), (2, 1), (2, 1), (2, 1)) } });
        field(&app.query(SUBMIT, input).await, "submitSurveyResponse");
        assert_eq!(waiting(&app).await, 1);
        assert_eq!(stored_order(&app, "survey_responses", "id").await.len(), 20);
    })
    .await;
}

/// What people did over the campaign's dates, set beside the surveys: every
/// figure of `behaviour`, from a small world whose answers are known.
#[tokio::test]
async fn behaviour_counts_what_people_did_over_the_campaigns_dates() {
    on_each_database(|app| async move {
        // Every account below is made during the campaign: ten newcomers.
        campaign_with_waves(&app, "behaviour").await;
        let guardian = app.token_for("parent.b").await;
        let teen = app.sign_up("teen.b", 14).await["accessToken"].as_str().unwrap().to_owned();
        app.pair(&guardian, &teen).await;
        app.sign_up("teen.alone", 15).await;
        let author = app.token_for("author.b").await;
        let entry = app.create_content(&author, json!({ "campaignSlug": "behaviour", "durationSeconds": 30 })).await;
        let other = app.create_content(&author, json!({ "durationSeconds": 30 })).await;
        // One newcomer watches a video to the end; another gives up early.
        let viewer = app.token_for("viewer.b").await;
        ok(&app.interact(&viewer, &entry, "VIEW", Some(30_000)).await);
        let skimmer = app.token_for("skimmer.b").await;
        ok(&app.interact(&skimmer, &entry, "VIEW", Some(5_000)).await);
        let reporter = app.token_for("reporter.b").await;
        ok(&app.report(&reporter, "CONTENT", &other, "SPAM", None).await);
        app.user_with_role("kiem.duyet", Role::Moderator).await;
        app.clock.advance(Duration::hours(2));
        decide_all(&app, 0).await;
        let analyst = app.user_with_role("analyst.b", Role::Analyst).await;
        let kpis = app.query_as(&analyst, KPIS, json!({ "s": "behaviour" })).await;
        assert_eq!(
            field(&kpis, "campaignKpis")["behaviour"],
            json!({ "newcomers": 10, "newcomersFindingUseful": 0.1, "reportsFiled": 1, "medianHoursToDecision": 2.0,
                "reportersToldOutcome": 1.0, "teensWithGuardian": 0.5, "entries": 1 })
        );
    })
    .await;
}
