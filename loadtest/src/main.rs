//! A campaign's launch day against a TrustFeed deployment, with goose.
//!
//! Honest people: newcomers browsing, searching and answering the survey
//! anonymously; members signed in, watching their feed (`VIEW`s), liking,
//! following, commenting and reporting; moderators working the queue while a
//! socket streams `moderationQueueChanged`. At the same time, hostile
//! clients send the shapes that once took the service down: fragment
//! fan-outs, aliased aggregates, oversized searches, password guessing
//! against a real account, and socket floods.
//!
//! Each simulated person sends its own client address in
//! `TRUSTFEED_ADDRESS_HEADER` (default `x-loadtest-client`), as a trusted
//! proxy would: run the servers with `TRUSTED_PROXY_HEADER` set to it, so
//! per-address limits see many people, not one load generator.
//!
//! Settings (environment): `TRUSTFEED_HOSTS` (comma-separated base URLs;
//! users are spread over them), `TRUSTFEED_MODERATOR` and
//! `TRUSTFEED_PASSWORD` (a moderator's email and password), `TRUSTFEED_VICTIM`
//! (an account the hostile clients guess passwords of), `TRUSTFEED_CAMPAIGN`.
//! Everything else is goose's own options (`--users`, `--run-time`,
//! `--report-file`); see `run.sh`.
//!
//! An honest request fails when it gets a 5xx status or an `INTERNAL` error;
//! the error codes every request name received are printed at the end.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use goose::prelude::*;
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What one simulated person keeps between transactions.
#[derive(Clone)]
struct Person {
    base: String,
    address: String,
    token: Option<String>,
}

/// Codes received, by request name: `OK`, or each error's `extensions.code`.
fn tally() -> &'static Mutex<BTreeMap<(String, String), u64>> {
    static TALLY: OnceLock<Mutex<BTreeMap<(String, String), u64>>> = OnceLock::new();
    TALLY.get_or_init(Mutex::default)
}

fn count(name: &str, code: &str) {
    if let Ok(mut tally) = tally().lock() {
        *tally.entry((name.to_owned(), code.to_owned())).or_insert(0) += 1;
    }
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn hosts() -> Vec<String> {
    setting("TRUSTFEED_HOSTS", "http://127.0.0.1:8080").split(',').map(|h| h.trim().to_owned()).collect()
}

fn address_header() -> String {
    setting("TRUSTFEED_ADDRESS_HEADER", "x-loadtest-client")
}

/// A fresh client address for each simulated person: 10.0.0.0/8, so no
/// two share a per-address budget (hostile clients reuse a few on purpose).
fn new_address() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    std::net::Ipv4Addr::from(0x0a00_0000 | NEXT.fetch_add(1, Ordering::Relaxed)).to_string()
}

/// Starts a person on one of the instances, users spread evenly.
fn begin(user: &mut GooseUser, token: Option<String>) -> Result<(), Box<TransactionError>> {
    let hosts = hosts();
    let base = hosts[user.weighted_users_index % hosts.len()].clone();
    user.set_session_data(Person { base, address: new_address(), token });
    Ok(())
}

fn person(user: &GooseUser) -> (String, String, Option<String>) {
    match user.get_session_data::<Person>() {
        Some(p) => (p.base.clone(), p.address.clone(), p.token.clone()),
        None => (hosts()[0].clone(), new_address(), None),
    }
}

/// Sends one GraphQL operation as `name`; returns the answer's JSON. An
/// honest request that gets a 5xx or an `INTERNAL` error is a failure.
async fn graphql(
    user: &mut GooseUser,
    name: &str,
    query: &str,
    variables: Value,
    honest: bool,
) -> Result<Value, Box<TransactionError>> {
    let (base, address, token) = person(user);
    graphql_from(user, name, query, variables, honest, &base, &address, token.as_deref()).await
}

#[allow(clippy::too_many_arguments)]
async fn graphql_from(
    user: &mut GooseUser,
    name: &str,
    query: &str,
    variables: Value,
    honest: bool,
    base: &str,
    address: &str,
    token: Option<&str>,
) -> Result<Value, Box<TransactionError>> {
    let mut builder = user
        .get_request_builder(&GooseMethod::Post, &format!("{base}/graphql"))?
        .header(address_header(), address)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    let request = GooseRequest::builder().set_request_builder(builder).name(name).expect_status_code(200).build();
    let mut goose = user.request(request).await?;
    let (status, body) = match goose.response {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
        Err(_) => {
            // As a load balancer would: the next request goes to another instance.
            let hosts = hosts();
            if let Some(person) = user.get_session_data_mut::<Person>()
                && let Some(at) = hosts.iter().position(|h| *h == person.base)
            {
                person.base = hosts[(at + 1) % hosts.len()].clone();
                count(name, "FAILED OVER to another instance");
            }
            (0, Value::Null)
        }
    };
    let codes: Vec<String> = match body["errors"].as_array() {
        Some(errors) => {
            errors.iter().map(|e| e["extensions"]["code"].as_str().unwrap_or("NO_CODE").to_owned()).collect()
        }
        None if status == 200 => vec!["OK".to_owned()],
        None => vec![format!("HTTP {status}")],
    };
    for code in &codes {
        count(name, code);
    }
    let broken = status == 0 || status >= 500 || codes.iter().any(|c| c == "INTERNAL");
    if honest && broken {
        return user.set_failure(name, &mut goose.request, None, Some(&body.to_string())).map(|()| body);
    }
    if !honest && status != 0 && status < 500 {
        // A refused hostile request is the expected outcome, not a failure.
        goose.request.success = true;
        goose.request.error.clear();
    }
    Ok(body)
}

const PAGE: &str = "query Browse($after: String) { contents(first: 20, after: $after) {
    edges { node { id title author { id handle displayName verified } tags { slug label } } }
    pageInfo { hasNextPage endCursor } } }";
const SEARCH: &str = "query Search($q: String!) { contents(first: 20, filter: { search: $q }) {
    edges { node { id title author { handle } } } } }";
const SEARCHES: [&str; 8] = ["pho", "tiết kiệm", "tiếng anh", "nấu ăn", "an toàn", "học", "mèo", "khoa học"];

async fn browse(user: &mut GooseUser) -> TransactionResult {
    let page = graphql(user, "anonymous: contents", PAGE, json!({}), true).await?;
    if let Some(after) = page["data"]["contents"]["pageInfo"]["endCursor"].as_str() {
        graphql(user, "anonymous: contents page 2", PAGE, json!({ "after": after }), true).await?;
    }
    Ok(())
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let term = SEARCHES.choose(&mut rand::rng()).copied().unwrap_or("pho");
    graphql(user, "anonymous: search", SEARCH, json!({ "q": term }), true).await?;
    Ok(())
}

async fn transparency(user: &mut GooseUser) -> TransactionResult {
    let query = "{ safetyTransparency(days: 30) { reportsReceived casesDecided actionedShare } }";
    graphql(user, "anonymous: safetyTransparency", query, json!({}), true).await?;
    Ok(())
}

async fn answer_survey(user: &mut GooseUser) -> TransactionResult {
    let campaign = setting("TRUSTFEED_CAMPAIGN", "tryitwithtiktok-2026");
    let surveys = graphql(
        user,
        "anonymous: campaignSurveys",
        "query($c: String!) { campaignSurveys(campaignSlug: $c) { id questions { key kind } } }",
        json!({ "c": campaign }),
        true,
    )
    .await?;
    let Some(survey) = surveys["data"]["campaignSurveys"].as_array().and_then(|s| s.first()).cloned() else {
        return Ok(());
    };
    let answers: Vec<Value> = survey["questions"]
        .as_array()
        .map(|questions| {
            questions
                .iter()
                .map(|q| {
                    let value = match q["kind"].as_str() {
                        Some("TRUST_9") => rand::rng().random_range(1..=9),
                        Some("AGREE_5") => rand::rng().random_range(1..=5),
                        _ => rand::rng().random_range(0..=1),
                    };
                    json!({ "key": q["key"], "value": value })
                })
                .collect()
        })
        .unwrap_or_default();
    let key: String = (0..24).map(|_| rand::rng().random_range(b'a'..=b'z') as char).collect();
    graphql(
        user,
        "anonymous: submitSurveyResponse",
        "mutation($i: SurveyResponseInput!) { submitSurveyResponse(input: $i) { id } }",
        json!({ "i": { "surveyId": survey["id"], "respondentKey": key, "usesApp": false, "answers": answers } }),
        true,
    )
    .await?;
    Ok(())
}

async fn newcomer_start(user: &mut GooseUser) -> TransactionResult {
    begin(user, None)
}

/// A member signs up on arrival: a person trying the app for the first time.
async fn member_start(user: &mut GooseUser) -> TransactionResult {
    begin(user, None)?;
    // A person who meets an error tries again (a restart may be under way).
    for _ in 0..5 {
        let handle: String =
            std::iter::once('m').chain((0..15).map(|_| (b'a' + rand::rng().random_range(0..26)) as char)).collect();
        let born = format!("{}-03-14", rand::rng().random_range(1970..=2004));
        let input = json!({ "handle": handle, "displayName": "Người thử", "email": format!("{handle}@loadtest.example"),
            "password": "mot lan thu cho biet", "birthDate": born, "acceptedPolicyVersion": 1 });
        let signed = graphql(
            user,
            "member: signUp",
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken deviceToken } }",
            json!({ "i": input }),
            true,
        )
        .await?;
        if let (Some(token), Some(person)) =
            (signed["data"]["signUp"]["accessToken"].as_str(), user.get_session_data_mut::<Person>())
        {
            person.token = Some(token.to_owned());
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

const FEED: &str = "query Feed { feed(first: 10) { edges { node { id durationSeconds author { id } }
    reasons { kind label } } } }";

async fn watch_feed(user: &mut GooseUser) -> TransactionResult {
    let page = graphql(user, "member: feed", FEED, json!({}), true).await?;
    let items: Vec<Value> = page["data"]["feed"]["edges"].as_array().cloned().unwrap_or_default();
    let record = "mutation($i: InteractionInput!) { recordInteraction(input: $i) { content { id viewCount } } }";
    for (n, edge) in items.iter().take(3).enumerate() {
        let id = &edge["node"]["id"];
        let duration = edge["node"]["durationSeconds"].as_i64().unwrap_or(30);
        let watched = rand::rng().random_range(1_000..=duration.max(2) * 1_000);
        let view = json!({ "i": { "contentId": id, "kind": "VIEW", "watchedMs": watched } });
        graphql(user, "member: recordInteraction VIEW", record, view, true).await?;
        if n == 0 {
            let like = json!({ "i": { "contentId": id, "kind": "LIKE" } });
            graphql(user, "member: recordInteraction LIKE", record, like, true).await?;
        }
    }
    if let Some(author) = items.first().map(|e| e["node"]["author"]["id"].clone()) {
        let follow = "mutation($u: ID!) { follow(userId: $u) { id } }";
        graphql(user, "member: follow", follow, json!({ "u": author }), true).await?;
    }
    Ok(())
}

async fn comment(user: &mut GooseUser) -> TransactionResult {
    let page = graphql(user, "member: feed", FEED, json!({}), true).await?;
    let Some(id) = page["data"]["feed"]["edges"][0]["node"]["id"].as_str().map(str::to_owned) else { return Ok(()) };
    let add = "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id } }";
    let body = ["Hay quá, cảm ơn bạn!", "Mình sẽ thử làm theo", "Video hữu ích ghê"]
        .choose(&mut rand::rng())
        .copied()
        .unwrap_or("Hay quá");
    graphql(user, "member: addComment", add, json!({ "c": id, "b": body }), true).await?;
    Ok(())
}

async fn report(user: &mut GooseUser) -> TransactionResult {
    let page = graphql(user, "member: feed", FEED, json!({}), true).await?;
    let Some(id) = page["data"]["feed"]["edges"][0]["node"]["id"].as_str().map(str::to_owned) else { return Ok(()) };
    let file = "mutation($i: FileReportInput!) { fileReport(input: $i) { id } }";
    let input =
        json!({ "i": { "targetType": "CONTENT", "targetId": id, "reason": "SPAM", "details": "Quảng cáo lặp lại" } });
    graphql(user, "member: fileReport", file, input, true).await?;
    Ok(())
}

/// A moderator signs in and keeps a socket subscribed to the live queue.
async fn moderator_start(user: &mut GooseUser) -> TransactionResult {
    begin(user, None)?;
    let login = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
    let credentials = json!({ "e": setting("TRUSTFEED_MODERATOR", "moderator@demo.trustfeed.vn"),
        "p": setting("TRUSTFEED_PASSWORD", "motlanthu2023") });
    let mut token = None;
    for _ in 0..5 {
        let signed = graphql(user, "moderator: logIn", login, credentials.clone(), true).await?;
        token = signed["data"]["logIn"]["accessToken"].as_str().map(str::to_owned);
        if token.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let (base, _, _) = person(user);
    if let (Some(token), Some(person)) = (token.clone(), user.get_session_data_mut::<Person>()) {
        person.token = Some(token);
    }
    // One account may hold 10 sockets: the first few moderators watch live,
    // the rest work the queue over HTTP only.
    static WATCHING: AtomicU32 = AtomicU32::new(0);
    if let Some(token) = token
        && WATCHING.fetch_add(1, Ordering::Relaxed) < 5
    {
        tokio::spawn(live_queue(base, new_address(), token));
    }
    Ok(())
}

/// Holds a `moderationQueueChanged` subscription, reconnecting when the
/// socket closes (an instance restarted, say), and counts what arrives.
async fn live_queue(base: String, address: String, token: String) {
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    loop {
        if let Ok(mut request) = url.as_str().into_client_request()
            && let Ok(value) = "graphql-transport-ws".parse()
        {
            request.headers_mut().insert("Sec-WebSocket-Protocol", value);
            if let (Ok(name), Ok(address)) = (
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(address_header().as_bytes()),
                address.parse(),
            ) {
                request.headers_mut().insert(name, address);
            }
            if let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await {
                count("moderator: socket", "CONNECTED");
                let init =
                    json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
                let subscribe = json!({ "id": "q", "type": "subscribe",
                    "payload": { "query": "subscription { moderationQueueChanged { id status } }" } });
                let _ = socket.send(Message::Text(init.to_string().into())).await;
                let _ = socket.send(Message::Text(subscribe.to_string().into())).await;
                let mut last = std::time::Instant::now();
                while let Some(Ok(message)) = socket.next().await {
                    if let Message::Text(text) = message
                        && text.contains("\"next\"")
                    {
                        count("moderator: socket", "CASE_CHANGED");
                        // Reports arrive every few seconds under the load: a
                        // long silence that ends is the live queue resuming.
                        if last.elapsed() > Duration::from_secs(10) {
                            count("moderator: socket", "RESUMED after 10 s or more of silence");
                        }
                        last = std::time::Instant::now();
                    }
                }
                count("moderator: socket", "CLOSED");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn work_queue(user: &mut GooseUser) -> TransactionResult {
    let queue = "{ moderationQueue(first: 10) { edges { node { id version status } } } }";
    let open = graphql(user, "moderator: moderationQueue", queue, json!({}), true).await?;
    let cases: Vec<Value> = open["data"]["moderationQueue"]["edges"].as_array().cloned().unwrap_or_default();
    let Some(case) = cases.choose(&mut rand::rng()).map(|e| e["node"].clone()) else { return Ok(()) };
    let claim = "mutation($c: ID!) { claimCase(id: $c) { id version } }";
    let claimed = graphql(user, "moderator: claimCase", claim, json!({ "c": case["id"] }), true).await?;
    let Some(version) = claimed["data"]["claimCase"]["version"].as_i64() else { return Ok(()) };
    let resolve = "mutation($i: ResolveCaseInput!) { resolveCase(input: $i) { id status } }";
    let input = json!({ "i": { "caseId": case["id"], "action": "DISMISS", "note": "Không vi phạm", "expectedVersion": version } });
    graphql(user, "moderator: resolveCase", resolve, input, true).await?;
    Ok(())
}

async fn hostile_start(user: &mut GooseUser) -> TransactionResult {
    begin(user, None)?;
    // A few attackers share one address, as a botnet's single host would.
    if let Some(person) = user.get_session_data_mut::<Person>() {
        person.address = "203.0.113.66".to_owned();
    }
    Ok(())
}

async fn fan_out(user: &mut GooseUser) -> TransactionResult {
    let mut text = String::from("query { ...F0 }");
    for level in 0..26 {
        text.push_str(&format!(" fragment F{level} on Query {{ ...F{n} ...F{n} }}", n = level + 1));
    }
    text.push_str(" fragment F26 on Query { __typename }");
    graphql(user, "hostile: fragment fan-out", &text, json!({}), false).await?;
    Ok(())
}

async fn aliased_aggregates(user: &mut GooseUser) -> TransactionResult {
    let aliases: String =
        (0..100).map(|i| format!("a{i}: safetyTransparency(days: 365) {{ reportsReceived }} ")).collect();
    graphql(user, "hostile: 100 aliased aggregates", &format!("{{ {aliases} }}"), json!({}), false).await?;
    Ok(())
}

async fn huge_search(user: &mut GooseUser) -> TransactionResult {
    let words = "a ".repeat(20_000);
    graphql(user, "hostile: 20,000-word search", SEARCH, json!({ "q": words }), false).await?;
    Ok(())
}

async fn guess_passwords(user: &mut GooseUser) -> TransactionResult {
    let (base, _, _) = person(user);
    let login = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }";
    let guess: String = (0..12).map(|_| (b'a' + rand::rng().random_range(0..26)) as char).collect();
    let variables = json!({ "e": setting("TRUSTFEED_VICTIM", "lan@demo.trustfeed.vn"), "p": guess });
    // Each guess from an address of its own: the per-address limit alone cannot stop them.
    graphql_from(user, "hostile: password guess", login, variables, false, &base, &new_address(), None).await?;
    Ok(())
}

async fn socket_flood(user: &mut GooseUser) -> TransactionResult {
    let (base, _, _) = person(user);
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let mut sockets = Vec::new();
    for _ in 0..25 {
        let Ok(mut request) = url.as_str().into_client_request() else { break };
        if let (Ok(protocol), Ok(address)) = ("graphql-transport-ws".parse(), "203.0.113.66".parse()) {
            request.headers_mut().insert("Sec-WebSocket-Protocol", protocol);
            if let Ok(name) = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(address_header().as_bytes())
            {
                request.headers_mut().insert(name, address);
            }
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => sockets.push(socket),
            Err(_) => count("hostile: socket flood", "REFUSED"),
        }
    }
    let mut refused = 0;
    for socket in &mut sockets {
        if let Ok(Some(Ok(Message::Close(Some(frame))))) =
            tokio::time::timeout(Duration::from_millis(200), socket.next()).await
            && u16::from(frame.code) == 4429
        {
            refused += 1;
        }
    }
    count("hostile: socket flood", &format!("{refused} of 25 closed with 4429"));
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    GooseAttack::initialize()?
        .register_scenario(
            scenario!("Newcomer")
                .set_weight(12)?
                .set_wait_time(Duration::from_secs(2), Duration::from_secs(8))?
                .register_transaction(transaction!(newcomer_start).set_on_start())
                .register_transaction(transaction!(browse).set_weight(6)?)
                .register_transaction(transaction!(search).set_weight(3)?)
                .register_transaction(transaction!(answer_survey).set_weight(1)?)
                .register_transaction(transaction!(transparency).set_weight(1)?),
        )
        .register_scenario(
            scenario!("Member")
                .set_weight(6)?
                .set_wait_time(Duration::from_secs(3), Duration::from_secs(10))?
                .register_transaction(transaction!(member_start).set_on_start())
                .register_transaction(transaction!(watch_feed).set_weight(8)?)
                .register_transaction(transaction!(comment).set_weight(2)?)
                .register_transaction(transaction!(report).set_weight(1)?),
        )
        .register_scenario(
            scenario!("Moderator")
                .set_weight(1)?
                .set_wait_time(Duration::from_secs(2), Duration::from_secs(5))?
                .register_transaction(transaction!(moderator_start).set_on_start())
                .register_transaction(transaction!(work_queue)),
        )
        .register_scenario(
            scenario!("Hostile")
                .set_weight(1)?
                .set_wait_time(Duration::from_millis(200), Duration::from_secs(1))?
                .register_transaction(transaction!(hostile_start).set_on_start())
                .register_transaction(transaction!(fan_out))
                .register_transaction(transaction!(aliased_aggregates))
                .register_transaction(transaction!(huge_search))
                .register_transaction(transaction!(guess_passwords).set_weight(3)?)
                .register_transaction(transaction!(socket_flood)),
        )
        .execute()
        .await?;
    println!("\nCodes received, by request name:");
    if let Ok(tally) = tally().lock() {
        for ((name, code), n) in tally.iter() {
            println!("  {name:<40} {code:<32} {n}");
        }
    }
    Ok(())
}
