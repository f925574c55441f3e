//! The authorisation matrix: every root query, mutation and subscription of
//! the schema, against every kind of caller, over HTTP and over WebSocket,
//! on every database. Each cell is the expected `extensions.code` ("OK" when
//! the operation is let through). The operations come from the schema, so
//! one added without a row fails `every_operation_has_a_row`.
use std::collections::BTreeSet;

use chrono::{NaiveTime, Weekday};
use entity::Role;
use entity::user_settings::{TimeWindow, TimeWindows};
use serde_json::{Value, json};

use crate::support::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Adult,
    Teen,
    /// A teen inside a time-away window.
    TeenAway,
    /// The guardian of `Teen`.
    Guardian,
    /// The guardian of `TeenAway`, not of `Teen`.
    OtherGuardian,
    /// A moderator, on a case about their own content.
    ModeratorOwnCase,
    /// A moderator, on a case about someone else's.
    Moderator,
    Analyst,
    Admin,
    /// Holding a token issued before the suspension.
    Suspended,
    /// Deleted, inside the 30-day grace period.
    DeletedInGrace,
    /// Suspended, holding the appeal token that signing in gave them.
    AppealToken,
    /// Holding a token issued before a moderator asked for an age check.
    AgeCheckLocked,
    /// Locked for an age check, holding the token that signing in gave them.
    AgeCheckToken,
}

use Caller::*;

const CALLERS: [Caller; 15] = [
    Anonymous,
    Adult,
    Teen,
    TeenAway,
    Guardian,
    OtherGuardian,
    ModeratorOwnCase,
    Moderator,
    Analyst,
    Admin,
    Suspended,
    DeletedInGrace,
    AppealToken,
    AgeCheckLocked,
    AgeCheckToken,
];

const OK: &str = "OK";
/// Let through, with nothing to show (`me` for anonymous callers).
const NULL: &str = "OK, but null";

/// What the rows need: the callers' tokens and the objects they act on.
struct World {
    tokens: Vec<(Caller, String)>,
    teen: String,
    link: String,
    target: String,
    target_content: String,
    target_comment: String,
    own_case: String,
    other_case: String,
    admin_case: String,
    decided_case: String,
    time_request: String,
    throwaway: String,
    survey: String,
    /// Who asked to follow every caller, still waiting.
    requester: String,
    /// Per caller, two refresh tokens of the throwaway account's sessions:
    /// one to trade, one to end.
    refresh_tokens: Vec<(Caller, String, String)>,
}

impl World {
    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens.iter().find(|(c, _)| *c == caller).map(|(_, t)| t.as_str())
    }

    /// The caller's refresh token to trade (`ending`: to end instead).
    fn refresh_token(&self, caller: Caller, ending: bool) -> &str {
        let (_, trade, end) = self.refresh_tokens.iter().find(|(c, _, _)| *c == caller).unwrap();
        if ending { end } else { trade }
    }

    /// The case each moderator works on in the case rows.
    fn case(&self, caller: Caller) -> &str {
        match caller {
            ModeratorOwnCase => &self.own_case,
            Admin => &self.admin_case,
            _ => &self.other_case,
        }
    }
}

async fn case_of(app: &TestApp, moderator: &str, target: &str) -> String {
    let queue = app
        .query_as(
            moderator,
            "{ moderationQueue(first: 50) { edges { node { id target {
               ... on Content { id } ... on User { id } ... on Comment { id } } } } } }",
            json!({}),
        )
        .await;
    ok(&queue)["moderationQueue"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["target"]["id"] == target)
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no case for {target}: {queue}"))
}

async fn world(app: &TestApp) -> World {
    let adult = app.token_for("adult").await;
    let target = app.token_for("target").await;
    let target_id = app.my_id(&target).await;
    let target_content = app.create_content(&target, json!({ "title": "Phở bò" })).await;
    let comment = app
        .query_as(
            &target,
            "mutation($c: ID!) { addComment(contentId: $c, body: \"Ngon quá\") { id } }",
            json!({ "c": target_content }),
        )
        .await;
    let target_comment = ok(&comment)["addComment"]["id"].as_str().unwrap().to_owned();

    let teen = app.sign_up("teen", 14).await["accessToken"].as_str().unwrap().to_owned();
    let teen_away = app.sign_up("teen.away", 14).await["accessToken"].as_str().unwrap().to_owned();
    let guardian = app.token_for("guardian").await;
    let other_guardian = app.token_for("other.guardian").await;
    let link = app.pair(&guardian, &teen).await;
    app.pair(&other_guardian, &teen_away).await;
    let always = TimeWindow {
        days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun],
        start: NaiveTime::MIN,
        end: NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
    };
    app.update_settings("teen.away", |s| s.time_away = sea_orm::Set(TimeWindows(vec![always]))).await;
    let request = app.query_as(&teen, "mutation { requestMoreTime(minutes: 15) { id } }", json!({})).await;
    let time_request = ok(&request)["requestMoreTime"]["id"].as_str().unwrap().to_owned();

    let own_moderator = app.user_with_role("mod.own", Role::Moderator).await;
    let moderator = app.user_with_role("mod", Role::Moderator).await;
    let analyst = app.user_with_role("analyst", Role::Analyst).await;
    let admin = app.user_with_role("admin", Role::Admin).await;
    let own_content = app.create_content(&own_moderator, json!({})).await;
    field(&app.report(&adult, "CONTENT", &own_content, "SPAM", None).await, "fileReport");
    field(&app.report(&adult, "CONTENT", &target_content, "SPAM", None).await, "fileReport");
    field(&app.report(&adult, "COMMENT", &target_comment, "SPAM", None).await, "fileReport");
    let adult_id = app.my_id(&adult).await;
    field(&app.report(&target, "USER", &adult_id, "SPAM", None).await, "fileReport");
    let decided_case = case_of(app, &moderator, &adult_id).await;
    let decided = app
        .query_as(
            &moderator,
            "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id } }",
            json!({ "i": { "caseId": decided_case, "action": "WARN_USER", "note": "First warning", "expectedVersion": 1 } }),
        )
        .await;
    ok(&decided);

    let suspended = app.token_for("suspended").await;
    app.update_user("suspended", |u| {
        u.suspended_until = sea_orm::Set(Some(app.clock_now() + chrono::Duration::days(3)))
    })
    .await;
    let sign_in = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
    let refused = app.query(sign_in, json!({ "e": "suspended@example.com", "p": PASSWORD })).await;
    let appeal_token = refused["errors"][0]["extensions"]["appealToken"].as_str().unwrap().to_owned();
    let (age_check_locked, age_check_token) = locked_for_an_age_check(app, &adult, &moderator).await;
    let deleted = app.token_for("deleted").await;
    ok(&app
        .query_as(
            &deleted,
            "mutation($p: String!) { deleteAccount(password: $p) { scheduledFor } }",
            json!({ "p": PASSWORD }),
        )
        .await);
    let throwaway = app.token_for("throwaway").await;
    let survey = app
        .query_as(
            &admin,
            "mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }",
            json!({ "i": { "campaignSlug": "tryitwithtiktok", "wave": "POST",
                "opensAt": app.clock_now().to_rfc3339(), "closesAt": (app.clock_now() + chrono::Duration::days(30)).to_rfc3339() } }),
        )
        .await;
    let survey = ok(&survey)["createSurvey"]["id"].as_str().unwrap().to_owned();

    // The target follows every caller, and a requester waits on each of
    // them, so that removing a follower and answering a request reach the
    // allowed path. Written directly: some callers can no longer be asked.
    let requester = app.token_for("requester").await;
    let requester = app.my_id(&requester).await;
    let handles = ["adult", "teen", "teen.away", "guardian", "other.guardian", "mod.own", "mod", "analyst", "admin"]
        .into_iter()
        .chain(["suspended", "deleted", "age.check"]);
    for handle in handles {
        let followed = app.find_user(handle).await.id;
        for (follower, state) in
            [(&target_id, entity::FollowState::Accepted), (&requester, entity::FollowState::Requested)]
        {
            let row = entity::follow::ActiveModel {
                follower_id: sea_orm::Set(follower.parse().unwrap()),
                followee_id: sea_orm::Set(followed),
                status: sea_orm::Set(state),
                created_at: sea_orm::Set(app.clock_now()),
                updated_at: sea_orm::Set(app.clock_now()),
            };
            sea_orm::ActiveModelTrait::insert(row, &app.state.db).await.unwrap();
        }
    }
    let log_in = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { refreshToken } }";
    let mut refresh_tokens = Vec::new();
    for caller in CALLERS {
        let mut pair = Vec::new();
        for _ in 0..2 {
            let session = app.query(log_in, json!({ "e": "throwaway@example.com", "p": PASSWORD })).await;
            pair.push(ok(&session)["logIn"]["refreshToken"].as_str().unwrap().to_owned());
        }
        refresh_tokens.push((caller, pair.remove(0), pair.remove(0)));
    }

    World {
        requester,
        refresh_tokens,
        survey,
        own_case: case_of(app, &moderator, &own_content).await,
        other_case: case_of(app, &moderator, &target_content).await,
        admin_case: case_of(app, &moderator, &target_comment).await,
        throwaway: app.my_id(&throwaway).await,
        teen: app.my_id(&teen).await,
        tokens: vec![
            (Adult, adult),
            (Teen, teen),
            (TeenAway, teen_away),
            (Guardian, guardian),
            (OtherGuardian, other_guardian),
            (ModeratorOwnCase, own_moderator),
            (Moderator, moderator),
            (Analyst, analyst),
            (Admin, admin),
            (Suspended, suspended),
            (DeletedInGrace, deleted),
            (AppealToken, appeal_token),
            (AgeCheckLocked, age_check_locked),
            (AgeCheckToken, age_check_token),
        ],
        target: target_id,
        decided_case,
        link,
        target_content,
        target_comment,
        time_request,
    }
}

/// An account a moderator asked for an age check: its session from before,
/// and the token signing in gives it.
async fn locked_for_an_age_check(app: &TestApp, reporter: &str, moderator: &str) -> (String, String) {
    let session = app.token_for("age.check").await;
    let id = app.my_id(&session).await;
    field(&app.report(reporter, "USER", &id, "UNDERAGE_USER", None).await, "fileReport");
    let case = case_of(app, moderator, &id).await;
    let decided = app
        .query_as(
            moderator,
            "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id } }",
            json!({ "i": { "caseId": case, "action": "REQUIRE_AGE_CHECK", "note": "May be 11", "expectedVersion": 1 } }),
        )
        .await;
    ok(&decided);
    let sign_in = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
    let refused = app.query(sign_in, json!({ "e": "age.check@example.com", "p": PASSWORD })).await;
    let token = refused["errors"][0]["extensions"]["ageCheckToken"].as_str().unwrap().to_owned();
    (session, token)
}

/// A signed-in member: refused to anonymous callers and ended sessions.
fn member(caller: Caller, allowed: &'static str) -> &'static str {
    match caller {
        Anonymous | DeletedInGrace => "UNAUTHENTICATED",
        Suspended => "ACCOUNT_SUSPENDED",
        AgeCheckLocked => "AGE_CHECK_REQUIRED",
        _ => allowed,
    }
}

/// Anyone, but a token that was sent must be good.
fn anyone(caller: Caller) -> &'static str {
    match caller {
        Anonymous => OK,
        other => member(other, OK),
    }
}

/// Reads of content: anyone, and never a teen in time away.
fn reads(caller: Caller) -> &'static str {
    match caller {
        TeenAway => "TIME_AWAY",
        other => anyone(other),
    }
}

/// What a locked account's token gets: its own decisions (the world's
/// decided case is someone else's), the age check when one is asked of it
/// (the row's input is refused once let through), and the lock's own code
/// everywhere else.
fn locked_only(operation: &str, age_check: bool) -> &'static str {
    match (operation, age_check) {
        ("myDecisions", _) => OK,
        ("appealDecision", _) => "NOT_FOUND",
        ("submitAgeCheck", true) => "BAD_USER_INPUT",
        ("submitAgeCheck", false) => "FORBIDDEN",
        (_, true) => "AGE_CHECK_REQUIRED",
        (_, false) => "ACCOUNT_SUSPENDED",
    }
}

/// Moderators and admins.
fn staff(caller: Caller, allowed: &'static str) -> &'static str {
    match caller {
        ModeratorOwnCase | Moderator | Admin => allowed,
        other => member(other, "FORBIDDEN"),
    }
}

/// Admins only.
fn admins(caller: Caller, allowed: &'static str) -> &'static str {
    match caller {
        Admin => allowed,
        other => member(other, "FORBIDDEN"),
    }
}

fn adults(caller: Caller, allowed: &'static str, teens: &'static str) -> &'static str {
    match caller {
        Teen | TeenAway => teens,
        other => member(other, allowed),
    }
}

/// One row: an operation and what each caller gets.
struct Row {
    operation: &'static str,
    query: fn(&World, Caller) -> String,
    expect: fn(Caller) -> &'static str,
}

/// Rows run in this order; the ones that end sessions or change the policy
/// come last.
fn rows() -> Vec<Row> {
    vec![
        // Public reads.
        Row { operation: "tags", query: |_, _| "{ tags { slug } }".into(), expect: |_| OK },
        Row { operation: "campaigns", query: |_, _| "{ campaigns { slug } }".into(), expect: |_| OK },
        Row {
            operation: "campaign",
            query: |_, _| "{ campaign(slug: \"tryitwithtiktok\") { slug } }".into(),
            expect: |_| OK,
        },
        Row { operation: "privacyPolicy", query: |_, _| "{ privacyPolicy { version } }".into(), expect: |_| OK },
        // Campaign surveys, KPIs and transparency.
        Row {
            operation: "campaignSurveys",
            query: |_, _| "{ campaignSurveys(campaignSlug: \"tryitwithtiktok\") { id } }".into(),
            expect: anyone,
        },
        Row {
            operation: "campaignKpis",
            query: |_, _| "{ campaignKpis(campaignSlug: \"tryitwithtiktok\") { csv } }".into(),
            expect: |c| match c {
                Analyst | Admin => OK,
                other => member(other, "FORBIDDEN"),
            },
        },
        Row { operation: "safetyTransparency", query: |_, _| "{ safetyTransparency { days } }".into(), expect: anyone },
        Row {
            operation: "submitSurveyResponse",
            // Each caller answers once, with a key of its own.
            query: |w, c| {
                let answers = ["trust_data", "trust_teens", "trust_reports", "relevance", "usefulness"]
                    .iter()
                    .map(|k| format!("{{ key: \"{k}\", value: 4 }}"))
                    .chain(
                        ["aware_reporting", "aware_privacy", "aware_guardian", "aware_screen_time"]
                            .iter()
                            .map(|k| format!("{{ key: \"{k}\", value: 1 }}")),
                    )
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "mutation {{ submitSurveyResponse(input: {{ surveyId: \"{}\", respondentKey: \"matrix-key-{c:?}-0123456789\",
                     answers: [{answers}] }}) {{ id }} }}",
                    w.survey
                )
            },
            expect: anyone,
        },
        Row {
            operation: "createSurvey",
            query: |_, _| {
                "mutation { createSurvey(input: { campaignSlug: \"tryitwithtiktok\", wave: PRE,
                 opensAt: \"2026-12-01T00:00:00Z\", closesAt: \"2026-12-15T00:00:00Z\" }) { id } }"
                    .into()
            },
            expect: |c| admins(c, OK),
        },
        Row {
            operation: "createCampaign",
            query: |_, _| {
                "mutation { createCampaign(input: { slug: \"matrix-campaign\", name: \"Matrix\", hashtag: \"#matrix\",
                 startsAt: \"2026-12-01T00:00:00Z\", endsAt: \"2027-01-01T00:00:00Z\" }) { slug } }"
                    .into()
            },
            expect: |c| admins(c, OK),
        },
        Row { operation: "privacyPolicies", query: |_, _| "{ privacyPolicies { version } }".into(), expect: |_| OK },
        Row {
            operation: "me",
            query: |_, _| "{ me { email } }".into(),
            expect: |c| match c {
                Anonymous => NULL,
                other => anyone(other),
            },
        },
        Row { operation: "user", query: |_, _| "{ user(handle: \"target\") { handle } }".into(), expect: anyone },
        // Content.
        Row {
            operation: "content",
            query: |w, _| format!("{{ content(id: \"{}\") {{ id }} }}", w.target_content),
            expect: reads,
        },
        Row { operation: "contents", query: |_, _| "{ contents { edges { cursor } } }".into(), expect: reads },
        Row { operation: "feed", query: |_, _| "{ feed { edges { cursor } } }".into(), expect: reads },
        Row {
            operation: "createContent",
            query: |_, _| {
                "mutation { createContent(input: { title: \"Mẹo nhỏ\", language: \"vi\",
            mediaUrl: \"https://cdn.example.com/v.mp4\", durationSeconds: 30, tagSlugs: [\"food\"] }) { id } }"
                    .into()
            },
            expect: |c| member(c, OK),
        },
        Row {
            operation: "deleteContent",
            query: |w, _| format!("mutation {{ deleteContent(id: \"{}\") }}", w.target_content),
            expect: |c| match c {
                TeenAway => "FORBIDDEN",
                other => member(other, "FORBIDDEN"),
            },
        },
        Row {
            operation: "recordInteraction",
            query: |w, _| {
                format!(
                    "mutation {{ recordInteraction(input: {{ contentId: \"{}\", kind: LIKE }}) {{ content {{ id }} }} }}",
                    w.target_content
                )
            },
            expect: |c| match c {
                Anonymous => "UNAUTHENTICATED",
                other => reads(other),
            },
        },
        Row {
            operation: "addComment",
            query: |w, _| {
                format!("mutation {{ addComment(contentId: \"{}\", body: \"Cảm ơn!\") {{ id }} }}", w.target_content)
            },
            expect: |c| match c {
                Anonymous => "UNAUTHENTICATED",
                other => reads(other),
            },
        },
        Row {
            operation: "deleteComment",
            query: |w, _| format!("mutation {{ deleteComment(id: \"{}\") }}", w.target_comment),
            expect: |c| member(c, "FORBIDDEN"),
        },
        // Comment controls: everyone's own; the world's comment is nobody's
        // here to approve (it is the target's, on their own video), and hiding
        // it passes it over.
        Row {
            operation: "setCommentControls",
            query: |_, _| "mutation { setCommentControls(input: { filterUnkind: true }) { filterUnkind } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "approveComment",
            query: |w, _| format!("mutation {{ approveComment(id: \"{}\") {{ id }} }}", w.target_comment),
            expect: |c| match c {
                TeenAway => "TIME_AWAY",
                other => member(other, "FORBIDDEN"),
            },
        },
        Row {
            operation: "hideComments",
            query: |w, _| format!("mutation {{ hideComments(ids: [\"{}\"]) }}", w.target_comment),
            expect: |c| member(c, OK),
        },
        // Follows.
        Row {
            operation: "follow",
            query: |w, _| format!("mutation {{ follow(userId: \"{}\") {{ id }} }}", w.target),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "unfollow",
            query: |w, _| format!("mutation {{ unfollow(userId: \"{}\") {{ id }} }}", w.target),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "followRequests",
            query: |_, _| "{ followRequests { edges { cursor } } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "removeFollower",
            query: |w, _| format!("mutation {{ removeFollower(userId: \"{}\") }}", w.target),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "answerFollowRequest",
            query: |w, _| {
                format!("mutation {{ answerFollowRequest(userId: \"{}\", accept: true) {{ id }} }}", w.requester)
            },
            expect: |c| member(c, OK),
        },
        // Accounts.
        Row {
            operation: "signUp",
            query: |_, c| {
                format!("mutation {{ signUp(input: {{ handle: \"matrix.{n}\", displayName: \"M\",
            email: \"matrix{n}@example.com\", password: \"{PASSWORD}\", birthDate: \"1990-01-01\", acceptedPolicyVersion: 1 }})
            {{ accessToken }} }}", n = CALLERS.iter().position(|x| *x == c).unwrap_or(0))
            },
            expect: |_| OK,
        },
        Row {
            operation: "logIn",
            query: |_, _| {
                format!(
                    "mutation {{ logIn(email: \"throwaway@example.com\", password: \"{PASSWORD}\") {{ accessToken }} }}"
                )
            },
            expect: |_| OK,
        },
        Row {
            operation: "refreshSession",
            query: |w, c| {
                format!(
                    "mutation {{ refreshSession(refreshToken: \"{}\") {{ accessToken }} }}",
                    w.refresh_token(c, false)
                )
            },
            expect: |_| OK,
        },
        Row {
            operation: "setUserRole",
            query: |w, _| format!("mutation {{ setUserRole(userId: \"{}\", role: USER) {{ id }} }}", w.throwaway),
            expect: |c| admins(c, OK),
        },
        // Reports and moderation.
        // The account, not the content: five reporters would hide the content.
        Row {
            operation: "fileReport",
            query: |w, _| {
                format!(
                    "mutation {{ fileReport(input: {{ targetType: USER,
            targetId: \"{}\", reason: SPAM }}) {{ id }} }}",
                    w.target
                )
            },
            expect: |c| member(c, OK),
        },
        Row {
            operation: "myReports",
            query: |_, _| "{ myReports { edges { cursor } } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "myDecisions",
            query: |_, _| "{ myDecisions { edges { cursor } } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "moderationQueue",
            query: |_, _| "{ moderationQueue { edges { cursor } } }".into(),
            expect: |c| staff(c, OK),
        },
        Row {
            operation: "moderationCase",
            query: |w, c| format!("{{ moderationCase(id: \"{}\") {{ id }} }}", w.case(c)),
            expect: |c| staff(c, OK),
        },
        Row {
            operation: "moderationLog",
            query: |_, _| "{ moderationLog { edges { cursor } } }".into(),
            expect: |c| staff(c, OK),
        },
        Row {
            operation: "claimCase",
            query: |w, c| format!("mutation {{ claimCase(id: \"{}\") {{ id }} }}", w.case(c)),
            expect: |c| match c {
                ModeratorOwnCase => "FORBIDDEN",
                other => staff(other, OK),
            },
        },
        Row {
            operation: "releaseCase",
            query: |w, c| format!("mutation {{ releaseCase(id: \"{}\") {{ id }} }}", w.case(c)),
            expect: |c| match c {
                ModeratorOwnCase => "CONFLICT",
                other => staff(other, OK),
            },
        },
        // A stale version: the decision is refused after authorisation.
        Row {
            operation: "resolveCase",
            query: |w, c| {
                format!(
                    "mutation {{ resolveCase(input: {{ caseId: \"{}\", action: DISMISS,
            note: \"n\", expectedVersion: -1 }}) {{ id }} }}",
                    w.case(c)
                )
            },
            expect: |c| match c {
                ModeratorOwnCase => "FORBIDDEN",
                other => staff(other, "CONFLICT"),
            },
        },
        Row {
            operation: "appealDecision",
            query: |w, _| {
                format!(
                    "mutation {{ appealDecision(caseId: \"{}\", message: \"Xin xem lại\") {{ id }} }}",
                    w.decided_case
                )
            },
            expect: |c| match c {
                Adult => OK,
                other => member(other, "NOT_FOUND"),
            },
        },
        Row {
            operation: "notifications",
            query: |_, _| "{ notifications { edges { cursor } } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "markNotificationsRead",
            query: |_, _| "mutation { markNotificationsRead(ids: []) }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "moderationQueueChanged",
            query: |_, _| "subscription { moderationQueueChanged { id } }".into(),
            expect: |c| staff(c, OK),
        },
        // Family.
        Row { operation: "familyLinks", query: |_, _| "{ familyLinks { id } }".into(), expect: |c| member(c, OK) },
        Row {
            operation: "teenControls",
            query: |w, _| format!("{{ teenControls(teenId: \"{}\") {{ searchEnabled }} }}", w.teen),
            expect: |c| match c {
                Teen | Guardian => OK,
                other => member(other, "FORBIDDEN"),
            },
        },
        Row {
            operation: "screenTimeReport",
            query: |w, _| format!("{{ screenTimeReport(userId: \"{}\") {{ date }} }}", w.teen),
            expect: |c| match c {
                Teen | Guardian => OK,
                other => member(other, "FORBIDDEN"),
            },
        },
        Row {
            operation: "setTeenControls",
            query: |w, _| {
                format!(
                    "mutation {{ setTeenControls(teenId: \"{}\", input: {{ searchEnabled: true }}) {{ searchEnabled }} }}",
                    w.teen
                )
            },
            expect: |c| match c {
                Guardian => OK,
                other => member(other, "FORBIDDEN"),
            },
        },
        Row { operation: "timeRequests", query: |_, _| "{ timeRequests { id } }".into(), expect: |c| member(c, OK) },
        Row {
            operation: "requestMoreTime",
            query: |_, _| "mutation { requestMoreTime(minutes: 15) { id } }".into(),
            expect: |c| adults(c, "FORBIDDEN", OK),
        },
        Row {
            operation: "answerTimeRequest",
            query: |w, _| {
                format!("mutation {{ answerTimeRequest(requestId: \"{}\", approve: false) {{ id }} }}", w.time_request)
            },
            expect: |c| match c {
                Guardian => OK,
                other => member(other, "NOT_FOUND"),
            },
        },
        Row {
            operation: "dismissWindDown",
            query: |_, _| "mutation { dismissWindDown }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "createPairingCode",
            query: |_, _| "mutation { createPairingCode { code } }".into(),
            expect: |c| adults(c, OK, "FORBIDDEN"),
        },
        Row {
            operation: "acceptPairingCode",
            query: |_, _| "mutation { acceptPairingCode(code: \"ZZZZZZZZ\") { id } }".into(),
            expect: |c| adults(c, "FORBIDDEN", "NOT_FOUND"),
        },
        // The world's link is already active: its guardian is told so.
        Row {
            operation: "answerFamilyLink",
            query: |w, _| format!("mutation {{ answerFamilyLink(linkId: \"{}\", approve: true) {{ id }} }}", w.link),
            expect: |c| match c {
                Guardian => "CONFLICT",
                Teen => "FORBIDDEN",
                other => member(other, "NOT_FOUND"),
            },
        },
        Row {
            operation: "unlinkFamily",
            query: |w, _| format!("mutation {{ unlinkFamily(linkId: \"{}\") {{ id }} }}", w.link),
            expect: |c| match c {
                Teen | Guardian => OK,
                other => member(other, "NOT_FOUND"),
            },
        },
        // Privacy and data rights.
        Row {
            operation: "acceptPrivacyPolicy",
            query: |_, _| "mutation { acceptPrivacyPolicy(version: 1) { upToDate } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "updatePrivacySettings",
            query: |_, _| {
                "mutation { updatePrivacySettings(input: { personalizedFeed: true }) { personalizedFeed } }".into()
            },
            expect: |c| member(c, OK),
        },
        Row { operation: "exportMyData", query: |_, _| "mutation { exportMyData }".into(), expect: |c| member(c, OK) },
        Row {
            operation: "setLocale",
            query: |_, _| "mutation { setLocale(locale: \"vi\") { locale } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "logOut",
            query: |w, c| format!("mutation {{ logOut(refreshToken: \"{}\") }}", w.refresh_token(c, true)),
            expect: |_| OK,
        },
        // Profiles and verification.
        Row {
            operation: "updateProfile",
            query: |_, _| "mutation { updateProfile(input: { bio: \"Xin chào\" }) { user { bio } } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "requestVerification",
            // Evidence too short: refused after the caller is let through.
            query: |_, _| "mutation { requestVerification(kind: CREATOR, evidence: \"me\") { id } }".into(),
            expect: |c| adults(c, "BAD_USER_INPUT", "FORBIDDEN"),
        },
        Row {
            operation: "myVerificationRequests",
            query: |_, _| "{ myVerificationRequests { id } }".into(),
            expect: |c| member(c, OK),
        },
        Row {
            operation: "verificationQueue",
            query: |_, _| "{ verificationQueue { edges { cursor } } }".into(),
            expect: |c| admins(c, OK),
        },
        Row {
            operation: "decideVerification",
            query: |_, _| {
                format!(
                    "mutation {{ decideVerification(id: \"{}\", approve: true, note: \"ok\") {{ id }} }}",
                    uuid::Uuid::nil()
                )
            },
            expect: |c| match c {
                Admin => "NOT_FOUND",
                other => member(other, "FORBIDDEN"),
            },
        },
        // Age checks.
        Row {
            operation: "submitAgeCheck",
            // Only the locked account's token opens it (see `locked_only`).
            query: |_, _| "mutation { submitAgeCheck(birthDate: \"2010-01-01\", evidence: \" \") { id } }".into(),
            expect: |c| member(c, "FORBIDDEN"),
        },
        Row {
            operation: "ageCheckQueue",
            query: |_, _| "{ ageCheckQueue { edges { cursor } } }".into(),
            expect: |c| admins(c, OK),
        },
        Row {
            operation: "decideAgeCheck",
            query: |_, _| {
                format!(
                    "mutation {{ decideAgeCheck(id: \"{}\", birthDate: \"2000-01-01\", note: \"ok\") {{ id }} }}",
                    uuid::Uuid::nil()
                )
            },
            expect: |c| match c {
                Admin => "NOT_FOUND",
                other => member(other, "FORBIDDEN"),
            },
        },
        Row {
            operation: "publishPrivacyPolicy",
            query: |_, _| {
                "mutation { publishPrivacyPolicy(input: { summary: \"s\",
            summaryVi: \"s\", body: \"b\", bodyVi: \"b\" }) { version } }"
                    .into()
            },
            expect: |c| admins(c, OK),
        },
        Row {
            operation: "deleteAccount",
            query: |_, _| format!("mutation {{ deleteAccount(password: \"{PASSWORD}\") {{ scheduledFor }} }}"),
            expect: |c| member(c, OK),
        },
    ]
}

/// The cell's outcome: the error's code, or OK when the operation answered
/// with data (a null answer without an error is not taken for OK).
fn code(response: &Value, operation: &str) -> String {
    match response["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => code.to_owned(),
        None if response["errors"].is_null() && !response["data"][operation].is_null() => OK.to_owned(),
        None if response["errors"].is_null() => NULL.to_owned(),
        None => format!("uncoded error: {response}"),
    }
}

/// The subscription's answer: an event after a change, or a refusal.
async fn subscribe(app: &TestApp, world: &World, caller: Caller, operation: &str, query: &str) -> String {
    let mut socket = connect_as(app, world.token(caller)).await;
    send(&mut socket, "live", query).await;
    // A change for those let through: a report on the target's account
    // (repeated, it returns the first report and announces the case again).
    // The subscription starts a moment after `subscribe` is sent, so the
    // change is made again until an answer comes.
    let reporter = world.token(Adult).unwrap_or_default();
    for _ in 0..20 {
        field(&app.report(reporter, "USER", &world.target, "SPAM", None).await, "fileReport");
        if let Ok(message) = tokio::time::timeout(std::time::Duration::from_millis(500), next_json(&mut socket)).await {
            return code(&message["payload"], operation);
        }
    }
    panic!("{caller:?} got no answer to the subscription");
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Http,
    WebSocket,
}

async fn run_matrix(app: &TestApp, transport: Transport) {
    let world = world(app).await;
    let mut wrong = Vec::new();
    for row in rows() {
        for caller in CALLERS {
            let query = (row.query)(&world, caller);
            let got = if query.starts_with("subscription") {
                subscribe(app, &world, caller, row.operation, &query).await
            } else if transport == Transport::Http {
                let body = json!({ "query": query });
                code(&app.post_graphql(world.token(caller), &body).await, row.operation)
            } else {
                // A socket of its own per cell, so an ended session's socket
                // being closed does not take the next cell with it.
                let mut socket = connect_as(app, world.token(caller)).await;
                code(&run(&mut socket, &query).await, row.operation)
            };
            let expected = match caller {
                // One rule for every row: the token opens the appeal (and the age check) only.
                AppealToken => locked_only(row.operation, false),
                AgeCheckToken => locked_only(row.operation, true),
                other => (row.expect)(other),
            };
            if got != expected {
                wrong.push(format!("{} as {caller:?}: expected {expected}, got {got}", row.operation));
            }
        }
    }
    assert!(wrong.is_empty(), "{:?} on {:?}:\n{}", transport_name(transport), app.backend, wrong.join("\n"));
}

fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Http => "HTTP",
        Transport::WebSocket => "WebSocket",
    }
}

#[test]
fn every_operation_has_a_row() {
    let document = async_graphql::parser::parse_schema(api::graphql::sdl()).unwrap();
    let mut operations = BTreeSet::new();
    for definition in &document.definitions {
        if let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = definition
            && ["Query", "Mutation", "Subscription"].contains(&ty.node.name.node.as_str())
            && let async_graphql::parser::types::TypeKind::Object(object) = &ty.node.kind
        {
            operations.extend(object.fields.iter().map(|f| f.node.name.node.to_string()));
        }
    }
    let table = rows();
    let covered: BTreeSet<String> = table.iter().map(|r| r.operation.to_owned()).collect();
    let missing: Vec<_> = operations.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&operations).collect();
    assert!(missing.is_empty(), "operations without a row in the matrix: {missing:?}");
    assert!(unknown.is_empty(), "rows for operations the schema does not have: {unknown:?}");
    assert_eq!(covered.len(), table.len(), "one row per operation");
}

#[tokio::test]
async fn every_operation_as_every_caller_over_http() {
    on_each_database(|app| async move { run_matrix(&app, Transport::Http).await }).await;
}

#[tokio::test]
async fn every_operation_as_every_caller_over_websocket() {
    on_each_database(|app| async move { run_matrix(&app, Transport::WebSocket).await }).await;
}

// The nested matrix: every field that returns content, a comment, a user, a
// case or a connection of them, read by every kind of caller on a target
// they may not see. Each cell is the code of the answer's first error, or
// whether the target's id is in the answer ("SHOWN") or not ("HIDDEN").

const SHOWN: &str = "SHOWN";
const HIDDEN: &str = "HIDDEN";

/// What the nested rows read: the world, and targets hidden from most.
struct Hidden {
    world: World,
    /// A suspended account, its video (an entry of `campaign`) and its comment
    /// on the target's video: moderators still see them, nobody else does.
    shadow: String,
    shadow_content: String,
    campaign: String,
    /// A comment held on the target's video, for its writer and the author only.
    held_comment: String,
    /// The case on the shadow's video, claimed by `Moderator`.
    shadow_case: String,
    moderator: String,
    /// A suspended verified account and the look-alike that resembles it.
    verified: String,
    /// Waiting: an age check answered, and a badge request.
    age_checked: String,
    badge_asker: String,
    /// Ids of people: the adult, the teen's guardian, whom the teen follows.
    adult: String,
    guardian: String,
}

async fn hidden_world(app: &TestApp) -> Hidden {
    let world = world(app).await;
    let token = |caller| world.token(caller).unwrap().to_owned();
    let (adult, admin, moderator) = (token(Adult), token(Admin), token(Moderator));
    let now = app.clock_now();
    let campaign = json!({ "slug": "nested", "name": "Nested", "hashtag": "#nested",
        "startsAt": now.to_rfc3339(), "endsAt": (now + chrono::Duration::days(30)).to_rfc3339() });
    ok(&app
        .query_as(
            &admin,
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { slug } }",
            json!({ "i": campaign }),
        )
        .await);
    let shadow_token = app.token_for("shadow").await;
    let shadow_content = app.create_content(&shadow_token, json!({ "campaignSlug": "nested" })).await;
    let comment =
        "mutation($c: ID!, $b: String!, $p: Boolean) { addComment(contentId: $c, body: $b, postAnyway: $p) { id } }";
    ok(&app.query_as(&shadow_token, comment, json!({ "c": world.target_content, "b": "Góc quay đẹp" })).await);
    field(&app.report(&adult, "CONTENT", &shadow_content, "SPAM", None).await, "fileReport");
    let shadow_case = case_of(app, &moderator, &shadow_content).await;
    ok(&app
        .query_as(&moderator, "mutation($id: ID!) { claimCase(id: $id) { id } }", json!({ "id": shadow_case }))
        .await);
    let shadow = app.find_user("shadow").await.id.to_string();
    app.update_user("shadow", |u| u.suspended_until = sea_orm::Set(Some(now + chrono::Duration::days(3)))).await;

    let target = app.log_in("target").await;
    ok(&app
        .query_as(
            &target,
            "mutation { setCommentControls(input: { filterKeywords: [\"quảng cáo\"] }) { filterUnkind } }",
            json!({}),
        )
        .await);
    let writer = app.token_for("writer").await;
    let held = app.query_as(&writer, comment, json!({ "c": world.target_content, "b": "Xem quảng cáo của tôi" })).await;
    let held_comment = ok(&held)["addComment"]["id"].as_str().unwrap().to_owned();

    let asker = app.query(
        "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        json!({ "i": { "handle": "minh.tran", "displayName": "Minh Trần", "email": "minh.tran@example.com",
            "password": PASSWORD, "birthDate": "1990-01-01", "acceptedPolicyVersion": 1 } }),
    );
    let minh = ok(&asker.await)["signUp"]["accessToken"].as_str().unwrap().to_owned();
    let request = "mutation($k: VerificationKind!, $e: String!) { requestVerification(kind: $k, evidence: $e) { id } }";
    let evidence = "Kênh chính thức của tôi: youtube.com/@minhtran, 120.000 người theo dõi.";
    let asked = app.query_as(&minh, request, json!({ "k": "CREATOR", "e": evidence })).await;
    let decide = "mutation($id: ID!) { decideVerification(id: $id, approve: true, note: \"Đã kiểm tra\") { status } }";
    ok(&app.query_as(&admin, decide, json!({ "id": ok(&asked)["requestVerification"]["id"] })).await);
    app.sign_up("minh.tram", 30).await;
    app.update_user("minh.tran", |u| u.suspended_until = sea_orm::Set(Some(now + chrono::Duration::days(3)))).await;
    let badge = app.token_for("badge.asker").await;
    ok(&app.query_as(&badge, request, json!({ "k": "CREATOR", "e": evidence })).await);
    let submit = "mutation { submitAgeCheck(birthDate: \"2010-03-01\", evidence: \"Giấy khai sinh\") { id } }";
    ok(&app.query_as(&token(AgeCheckToken), submit, json!({})).await);
    let adult_id = app.find_user("adult").await.id.to_string();
    ok(&app
        .query_as(&token(Teen), "mutation($id: ID!) { follow(userId: $id) { id } }", json!({ "id": adult_id }))
        .await);

    Hidden {
        shadow,
        shadow_content,
        campaign: "nested".into(),
        held_comment,
        shadow_case,
        moderator: app.find_user("mod").await.id.to_string(),
        verified: app.find_user("minh.tran").await.id.to_string(),
        age_checked: app.find_user("age.check").await.id.to_string(),
        badge_asker: app.find_user("badge.asker").await.id.to_string(),
        adult: adult_id,
        guardian: app.find_user("guardian").await.id.to_string(),
        world,
    }
}

/// One field, reached by the most permissive path there is, on a target.
struct NestedRow {
    field: &'static str,
    /// The root operation the path starts from.
    root: &'static str,
    query: fn(&Hidden) -> String,
    target: fn(&Hidden) -> &str,
    expect: fn(Caller) -> &'static str,
}

/// Moderators and admins see what the rules hide from the rest.
fn reviewers(caller: Caller) -> &'static str {
    match caller {
        ModeratorOwnCase | Moderator | Admin => SHOWN,
        other => reads(other).replace_ok(HIDDEN),
    }
}

/// Only `who` see the target; the rest, signed in, see nothing of it.
fn only(caller: Caller, who: &[Caller]) -> &'static str {
    match caller {
        c if who.contains(&c) => SHOWN,
        other => member(other, HIDDEN),
    }
}

trait ReplaceOk {
    fn replace_ok(self, with: &'static str) -> &'static str;
}

impl ReplaceOk for &'static str {
    fn replace_ok(self, with: &'static str) -> &'static str {
        if self == OK { with } else { self }
    }
}

fn nested_rows() -> Vec<NestedRow> {
    vec![
        NestedRow {
            field: "Content.author",
            root: "content",
            query: |h| format!("{{ content(id: \"{}\") {{ author {{ id }} }} }}", h.shadow_content),
            target: |h| &h.shadow,
            expect: reviewers,
        },
        NestedRow {
            field: "Comment.author",
            root: "content",
            query: |h| {
                format!(
                    "{{ content(id: \"{}\") {{ comments {{ edges {{ node {{ author {{ id }} }} }} }} }} }}",
                    h.world.target_content
                )
            },
            target: |h| &h.shadow,
            expect: reviewers,
        },
        NestedRow {
            field: "Content.comments",
            root: "content",
            query: |h| {
                format!(
                    "{{ content(id: \"{}\") {{ comments {{ edges {{ node {{ id }} }} }} }} }}",
                    h.world.target_content
                )
            },
            target: |h| &h.held_comment,
            expect: |c| reads(c).replace_ok(HIDDEN),
        },
        NestedRow {
            field: "Content.heldComments",
            root: "content",
            query: |h| {
                format!(
                    "{{ content(id: \"{}\") {{ heldComments {{ edges {{ node {{ id }} }} }} }} }}",
                    h.world.target_content
                )
            },
            target: |h| &h.held_comment,
            expect: |c| match c {
                Anonymous => "UNAUTHENTICATED",
                other => reads(other).replace_ok("FORBIDDEN"),
            },
        },
        NestedRow {
            field: "Campaign.contents",
            root: "campaign",
            query: |h| {
                format!("{{ campaign(slug: \"{}\") {{ contents {{ edges {{ node {{ id }} }} }} }} }}", h.campaign)
            },
            target: |h| &h.shadow_content,
            expect: reviewers,
        },
        NestedRow {
            field: "InteractionResult.content",
            root: "recordInteraction",
            query: |h| {
                format!(
                    "mutation {{ recordInteraction(input: {{ contentId: \"{}\", kind: SHARE }}) {{ content {{ id }} }} }}",
                    h.shadow_content
                )
            },
            target: |h| &h.shadow_content,
            expect: |c| match c {
                ModeratorOwnCase | Moderator | Admin => SHOWN,
                Anonymous => "UNAUTHENTICATED",
                TeenAway => "TIME_AWAY",
                other => member(other, "NOT_FOUND"),
            },
        },
        NestedRow {
            field: "User.resembles",
            root: "user",
            query: |_| "{ user(handle: \"minh.tram\") { resembles { id } } }".into(),
            target: |h| &h.verified,
            expect: |c| anyone(c).replace_ok(HIDDEN),
        },
        NestedRow {
            field: "ModerationCase.target",
            root: "moderationCase",
            query: |h| {
                format!("{{ moderationCase(id: \"{}\") {{ target {{ ... on Content {{ id }} }} }} }}", h.shadow_case)
            },
            target: |h| &h.shadow_content,
            expect: |c| staff(c, SHOWN),
        },
        NestedRow {
            field: "ModerationCase.assignee",
            root: "moderationCase",
            query: |h| format!("{{ moderationCase(id: \"{}\") {{ assignee {{ id }} }} }}", h.shadow_case),
            target: |h| &h.moderator,
            expect: |c| staff(c, SHOWN),
        },
        NestedRow {
            field: "ModerationEvent.actor",
            root: "moderationCase",
            query: |h| format!("{{ moderationCase(id: \"{}\") {{ events {{ actor {{ id }} }} }} }}", h.shadow_case),
            target: |h| &h.moderator,
            expect: |c| staff(c, SHOWN),
        },
        NestedRow {
            field: "AgeCheck.user",
            root: "ageCheckQueue",
            query: |_| "{ ageCheckQueue { edges { node { user { id } } } } }".into(),
            target: |h| &h.age_checked,
            expect: |c| admins(c, SHOWN),
        },
        NestedRow {
            field: "VerificationRequest.user",
            root: "verificationQueue",
            query: |_| "{ verificationQueue { edges { node { user { id } } } } }".into(),
            target: |h| &h.badge_asker,
            expect: |c| admins(c, SHOWN),
        },
        NestedRow {
            field: "FamilyLink.guardian",
            root: "familyLinks",
            query: |_| "{ familyLinks { guardian { id } } }".into(),
            target: |h| &h.guardian,
            expect: |c| only(c, &[Teen, Guardian]),
        },
        NestedRow {
            field: "FamilyLink.teen",
            root: "familyLinks",
            query: |_| "{ familyLinks { teen { id } } }".into(),
            target: |h| &h.world.teen,
            expect: |c| only(c, &[Teen, Guardian]),
        },
        NestedRow {
            field: "FamilyLink.teenFollowing",
            root: "familyLinks",
            query: |_| "{ familyLinks { teenFollowing { edges { node { id } } } } }".into(),
            target: |h| &h.adult,
            expect: |c| match c {
                Teen | TeenAway => "FORBIDDEN",
                other => only(other, &[Guardian]),
            },
        },
        NestedRow {
            field: "FamilyLink.teenFollowers",
            root: "familyLinks",
            // The target follows every caller, both teens included.
            query: |_| "{ familyLinks { teenFollowers { edges { node { id } } } } }".into(),
            target: |h| &h.world.target,
            expect: |c| match c {
                Teen | TeenAway => "FORBIDDEN",
                other => only(other, &[Guardian, OtherGuardian]),
            },
        },
        NestedRow {
            field: "Me.user",
            root: "me",
            query: |_| "{ me { user { id } } }".into(),
            target: |h| &h.adult,
            expect: |c| match c {
                Adult => SHOWN,
                other => anyone(other).replace_ok(HIDDEN),
            },
        },
        NestedRow {
            field: "TimeRequest.teen",
            root: "timeRequests",
            query: |_| "{ timeRequests { teen { id } } }".into(),
            target: |h| &h.world.teen,
            expect: |c| only(c, &[Teen, Guardian]),
        },
    ]
}

/// The cell: the first error's code, else whether the target is in the answer.
fn seen(response: &Value, target: &str) -> String {
    match response["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => code.to_owned(),
        None if !response["errors"].is_null() => format!("uncoded error: {response}"),
        None if response.to_string().contains(target) => SHOWN.to_owned(),
        None => HIDDEN.to_owned(),
    }
}

async fn run_nested(app: &TestApp, transport: Transport) {
    let hidden = hidden_world(app).await;
    let mut wrong = Vec::new();
    for row in nested_rows() {
        let (query, target) = ((row.query)(&hidden), (row.target)(&hidden));
        for caller in CALLERS {
            let token = hidden.world.token(caller);
            let answer = match transport {
                Transport::Http => app.post_graphql(token, &json!({ "query": query })).await,
                Transport::WebSocket => run(&mut connect_as(app, token).await, &query).await,
            };
            let got = seen(&answer, target);
            let expected = match caller {
                AppealToken => locked_only(row.root, false),
                AgeCheckToken => locked_only(row.root, true),
                other => (row.expect)(other),
            };
            if got != expected {
                wrong.push(format!("{} as {caller:?}: expected {expected}, got {got}", row.field));
            }
        }
    }
    assert!(wrong.is_empty(), "{} on {:?}:\n{}", transport_name(transport), app.backend, wrong.join("\n"));
}

/// Every field of the schema that returns content, a comment, a user, a case
/// or a connection of them (their edges and nodes aside, which the field
/// that returns the connection covers) has a nested row.
#[test]
fn every_nested_field_that_reads_people_or_content_has_a_row() {
    use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
    fn base(ty: &Type) -> String {
        match &ty.base {
            BaseType::Named(name) => name.to_string(),
            BaseType::List(inner) => base(inner),
        }
    }
    let guarded = ["Content", "Comment", "User", "ModerationCase", "ReportTarget"];
    let document = async_graphql::parser::parse_schema(api::graphql::sdl()).unwrap();
    let mut fields = BTreeSet::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let name = ty.node.name.node.as_str();
        let TypeKind::Object(object) = &ty.node.kind else { continue };
        if ["Query", "Mutation", "Subscription"].contains(&name) {
            continue;
        }
        for f in &object.fields {
            let (field, returns) = (f.node.name.node.as_str(), base(&f.node.ty.node));
            let plumbing =
                (name.ends_with("Connection") && field == "edges") || (name.ends_with("Edge") && field == "node");
            let connection = returns.strip_suffix("Connection").is_some_and(|item| guarded.contains(&item));
            if !plumbing && (guarded.contains(&returns.as_str()) || connection) {
                fields.insert(format!("{name}.{field}"));
            }
        }
    }
    let covered: BTreeSet<String> = nested_rows().iter().map(|r| r.field.to_owned()).collect();
    let missing: Vec<_> = fields.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&fields).collect();
    assert!(missing.is_empty(), "nested fields without a row: {missing:?}");
    assert!(unknown.is_empty(), "rows for fields the schema does not have: {unknown:?}");
}

#[tokio::test]
async fn every_nested_field_as_every_caller_over_http() {
    on_each_database(|app| async move { run_nested(&app, Transport::Http).await }).await;
}

#[tokio::test]
async fn every_nested_field_as_every_caller_over_websocket() {
    on_each_database(|app| async move { run_nested(&app, Transport::WebSocket).await }).await;
}
