//! Limits every deployment enforces, health checks and production mode.
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

/// A query `depth` fields deep, counting the leaf: `{ me { email } }` is 2.
fn nested_query(depth: usize) -> String {
    let inner = depth - 4; // __type, fields, type and the leaf `name` are four.
    format!(
        "{{ __type(name: \"Me\") {{ fields {{ type {{ {}name{} }} }} }} }}",
        "ofType { ".repeat(inner),
        " }".repeat(inner)
    )
}

async fn post_raw(app: &TestApp, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Data fields nest at most as deep as the limit (12 by default); the
/// introspection fields, bounded by the schema, do not count.
#[tokio::test]
async fn data_nests_at_most_the_depth_limit_and_introspection_is_exempt() {
    for backend in backends() {
        // The schema's deepest data path is 8 fields: a limit of 7 shows the rule.
        let app = TestApp::spawn(backend, |s| s.limits.max_depth = 7).await;
        let seven = "{ contents(first: 1) { edges { node { comments(first: 1) { edges { node { id } } } } } } }";
        let ok = app.query(seven, json!({})).await;
        assert!(ok["errors"].is_null(), "depth 7 is allowed: {ok}");
        let eight =
            "{ contents(first: 1) { edges { node { comments(first: 1) { edges { node { author { handle } } } } } } } }";
        let deep = app.query(eight, json!({})).await;
        assert_code(&deep, "QUERY_TOO_COMPLEX");
        assert!(deep["data"].is_null());
        // A fragment counts where it is spread, an inline one too.
        let spread = "{ contents(first: 1) { ...E } } fragment E on ContentConnection { edges { node { \
                      comments(first: 1) { edges { ... on CommentEdge { node { author { handle } } } } } } } }";
        assert_code(&app.query(spread, json!({})).await, "QUERY_TOO_COMPLEX");
        // Introspection 13 deep: past this limit and past the default one.
        let introspection = app.query(&nested_query(13), json!({})).await;
        assert!(introspection["errors"].is_null(), "{introspection}");
        // Past the parser's own bound (32 levels), nothing is exempt.
        let absurd = app.query(&nested_query(40), json!({})).await;
        assert!(absurd["data"].is_null(), "{absurd}");
        assert_code(&absurd, "QUERY_TOO_COMPLEX");
    }
}

/// graphql-js's `getIntrospectionQuery()`, which GraphiQL, graphql-codegen
/// and Apollo send.
const STANDARD_INTROSPECTION: &str = "query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
    kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}";

#[tokio::test]
async fn the_standard_introspection_query_gets_the_whole_schema() {
    on_each_database(|app| async move {
        let response = app.query(STANDARD_INTROSPECTION, json!({})).await;
        assert!(response["errors"].is_null(), "{response}");
        let schema = &response["data"]["__schema"];
        assert_eq!(
            [&schema["queryType"]["name"], &schema["mutationType"]["name"], &schema["subscriptionType"]["name"]],
            [&json!("Query"), &json!("Mutation"), &json!("Subscription")]
        );
        let types: Vec<&Value> = schema["types"].as_array().unwrap().iter().collect();
        let named = |name: &str| types.iter().find(|t| t["name"] == name).copied();
        let document = async_graphql::parser::parse_schema(api::graphql::sdl()).unwrap();
        let mut checked = 0;
        for definition in &document.definitions {
            let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = definition else { continue };
            let name = ty.node.name.node.as_str();
            let found = named(name).unwrap_or_else(|| panic!("{name} is missing from the introspection"));
            if let async_graphql::parser::types::TypeKind::Object(object) = &ty.node.kind {
                let fields = found["fields"].as_array().map_or(0, Vec::len);
                assert_eq!(fields, object.fields.len(), "{name}'s fields");
            }
            checked += 1;
        }
        assert!(checked > 50, "{checked} types");
    })
    .await;
}

#[tokio::test]
async fn complexity_counts_every_field_and_multiplies_by_page_size() {
    on_each_database(|app| async move {
        // 1 + 50 × (edges + node + id + title + __typename) = 251 per copy.
        let page = |n: usize| {
            (0..n).map(|i| format!("p{i}: contents(first: 50) {{ edges {{ node {{ id title __typename }} }} }}")).collect::<Vec<_>>().join(" ")
        };
        let ok = app.query(&format!("{{ {} }}", page(7)), json!({})).await;
        assert!(ok["errors"].is_null(), "7 × 251 = 1757 fits: {ok}");
        let too_many_pages = app.query(&format!("{{ {} }}", page(8)), json!({})).await;
        assert_code(&too_many_pages, "QUERY_TOO_COMPLEX");
        // The page size may come from a variable, and is counted the same.
        let nested = "query($n: Int) { contents(first: $n) { edges { node { comments(first: $n) { edges { node { id body } } } } } } }";
        assert!(app.query(nested, json!({ "n": 5 })).await["errors"].is_null());
        assert_code(&app.query(nested, json!({ "n": 50 })).await, "QUERY_TOO_COMPLEX");
        // A fragment is counted where it is spread.
        let spread = format!(
            "query {{ {} }} fragment F on ContentConnection {{ edges {{ node {{ id title __typename }} }} }}",
            (0..8).map(|i| format!("p{i}: contents(first: 50) {{ ...F }}")).collect::<Vec<_>>().join(" ")
        );
        assert_code(&app.query(&spread, json!({})).await, "QUERY_TOO_COMPLEX");
    })
    .await;
}

#[tokio::test]
async fn at_most_100_root_fields_and_typename_counts() {
    on_each_database(|app| async move {
        let aliases =
            |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}{i}: __typename")).collect::<Vec<_>>().join(" ");
        let typenames = |n: usize| aliases("t", n);
        assert!(app.query(&format!("{{ {} }}", typenames(100)), json!({})).await["errors"].is_null());
        assert_code(&app.query(&format!("{{ {} }}", typenames(101)), json!({})).await, "QUERY_TOO_COMPLEX");
        assert_code(&app.query(&format!("{{ {} }}", typenames(3000)), json!({})).await, "QUERY_TOO_COMPLEX");
        // Root fields hidden in fragments count too.
        let fragments = format!(
            "{{ ...A ...B }} fragment A on Query {{ {} }} fragment B on Query {{ {} }}",
            aliases("a", 60),
            aliases("b", 60)
        );
        assert_code(&app.query(&fragments, json!({})).await, "QUERY_TOO_COMPLEX");
    })
    .await;
}

/// Shapes built to make checking expensive are refused at once, and the
/// server goes on answering: fragments that each spread the next twice,
/// deep nesting, very wide selections, many fragments, long argument lists.
/// (That the check is linear is proved by `cost::tests`; this shows the
/// answers over HTTP.)
#[tokio::test]
async fn documents_shaped_to_cost_analysis_are_refused_and_the_server_goes_on() {
    on_each_database(|app| async move {
        let fan_out = |levels: usize| {
            let mut text = String::from("query { ...F0 }");
            for level in 0..levels {
                text.push_str(&format!(" fragment F{level} on Query {{ ...F{n} ...F{n} }}", n = level + 1));
            }
            text + &format!(" fragment F{levels} on Query {{ __typename }}")
        };
        for levels in [22, 26, 64] {
            assert_code(&app.query(&fan_out(levels), json!({})).await, "QUERY_TOO_COMPLEX");
        }
        // The same fan-out inside a field, so depth and cost are checked, not only root fields.
        let mut nested = String::from("{ me { ...G0 } }");
        for level in 0..30 {
            nested.push_str(&format!(" fragment G{level} on Me {{ ...G{n} ...G{n} }}", n = level + 1));
        }
        nested.push_str(" fragment G30 on Me { email }");
        assert_code(&app.query(&nested, json!({})).await, "QUERY_TOO_COMPLEX");
        // Fragments that spread each other twice: a cycle, refused before anything expands it.
        let cycle = "{ ...C0 } fragment C0 on Query { ...C1 ...C1 } fragment C1 on Query { ...C0 ...C0 __typename }";
        assert_code(&app.query(cycle, json!({})).await, "BAD_USER_INPUT");
        let wide = format!("{{ me {{ {} }} }}", "email ".repeat(40_000));
        assert_code(&app.query(&wide, json!({})).await, "QUERY_TOO_COMPLEX");
        let many = (0..3_000).map(|i| format!("fragment M{i} on Query {{ __typename }}")).collect::<Vec<_>>().join(" ");
        let many_fragments =
            format!("{{ {} }} {many}", (0..3_000).map(|i| format!("...M{i}")).collect::<Vec<_>>().join(" "));
        assert_code(&app.query(&many_fragments, json!({})).await, "QUERY_TOO_COMPLEX");
        // A chain of fragments, each spreading the next once: the walk stops
        // at its nesting limit instead of following it down the stack.
        let mut chain = String::from("query { ...L0 }");
        for link in 0..6_000 {
            chain.push_str(&format!(" fragment L{link} on Query {{ ...L{} }}", link + 1));
        }
        chain.push_str(" fragment L6000 on Query { __typename }");
        assert_code(&app.query(&chain, json!({})).await, "QUERY_TOO_COMPLEX");
        // Another operation's default for the same variable does not stand in
        // for the default of the operation that runs.
        let pages = (0..40)
            .map(|i| format!("p{i}: contents(first: $f) {{ edges {{ node {{ id comments(first: $f) {{ edges {{ cursor }} }} }} }} }}"))
            .collect::<Vec<_>>()
            .join(" ");
        let two = format!("query A($f: Int = 1) {{ contents(first: $f) {{ edges {{ cursor }} }} }} query B($f: Int = 50) {{ {pages} }}");
        for _ in 0..8 {
            let (_, answer) = post_raw(&app, json!({ "query": two, "operationName": "B" }).to_string()).await;
            assert_code(&answer, "QUERY_TOO_COMPLEX");
        }
        let (_, small) = post_raw(&app, json!({ "query": two, "operationName": "A" }).to_string()).await;
        assert!(small["errors"].is_null(), "{small}");
        let arguments = (0..10_000).map(|i| format!("a{i}: 1")).collect::<Vec<_>>().join(", ");
        let long_arguments = format!("{{ tags({arguments}) {{ slug }} }}");
        let refused = app.query(&long_arguments, json!({})).await;
        assert!(refused["data"].is_null(), "{refused}");
        assert_code(&refused, "BAD_USER_INPUT");
        // Ten thousand unknown arguments: twenty errors said, the rest counted,
        // so the answer stays far smaller than the request.
        let errors = refused["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 21, "{}", errors.len());
        assert_eq!(errors[20]["extensions"], json!({ "code": "BAD_USER_INPUT", "leftOut": 9980 }));
        assert!(refused.to_string().len() < long_arguments.len() / 4, "{} bytes", refused.to_string().len());
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert!(app.query("{ tags { slug } }", json!({})).await["errors"].is_null());
    })
    .await;
}

/// Aggregate fields cost what they cost: at most four in one operation,
/// aliases and fragments included.
#[tokio::test]
async fn at_most_four_aggregate_fields_per_operation() {
    on_each_database(|app| async move {
        let aliases = |n: usize| (0..n).map(|i| format!("t{i}: safetyTransparency(days: 30) {{ days }}")).collect::<Vec<_>>().join(" ");
        let four = app.query(&format!("{{ {} }}", aliases(4)), json!({})).await;
        assert!(four["errors"].is_null(), "{four}");
        let five = app.query(&format!("{{ {} }}", aliases(5)), json!({})).await;
        assert_code(&five, "QUERY_TOO_COMPLEX");
        assert!(five["errors"][0]["message"].as_str().unwrap().contains("aggregate"), "{five}");
        let hundred = app.query(&format!("{{ {} }}", aliases(100)), json!({})).await;
        assert_code(&hundred, "QUERY_TOO_COMPLEX");
        let spread = "{ ...A ...B } fragment A on Query { a: safetyTransparency { days } b: safetyTransparency { days } \
                      c: campaignKpis(campaignSlug: \"tryitwithtiktok\") { csv } } \
                      fragment B on Query { d: safetyTransparency { days } e: safetyTransparency { days } }";
        assert_code(&app.query(spread, json!({})).await, "QUERY_TOO_COMPLEX");
    })
    .await;
}

#[tokio::test]
async fn oversized_batched_and_malformed_bodies_are_refused_cleanly() {
    on_each_database(|app| async move {
        // 300 KiB: refused with 413 before it is parsed.
        let padding = "x".repeat(300 * 1024);
        let big = json!({ "query": "{ privacyPolicy { version } }", "variables": { "pad": padding } }).to_string();
        let (status, body) = post_raw(&app, big).await;
        assert_eq!(status, 413);
        assert_code(&body, "QUERY_TOO_COMPLEX");

        // Just under the limit is fine.
        let padding = "x".repeat(250 * 1024);
        let fits = json!({ "query": "{ privacyPolicy { version } }", "variables": { "pad": padding } }).to_string();
        let (status, body) = post_raw(&app, fits).await;
        assert_eq!((status, &body["data"]["privacyPolicy"]["version"]), (200, &json!(1)), "{body}");

        let batch = json!([{ "query": "{ privacyPolicy { version } }" }, { "query": "{ me { email } }" }]).to_string();
        let (status, body) = post_raw(&app, batch).await;
        assert_eq!(status, 400);
        assert_code(&body, "BAD_USER_INPUT");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("Batched"));

        for garbage in ["not json", "{\"query\": 5}", "", "null"] {
            let (status, body) = post_raw(&app, garbage).await;
            assert_eq!(status, 400, "{garbage:?}");
            assert_code(&body, "BAD_USER_INPUT");
        }

        let syntax = app.query("{ privacyPolicy { version ", json!({})).await;
        assert_code(&syntax, "BAD_USER_INPUT");
        let unknown = app.query("{ secrets }", json!({})).await;
        assert_code(&unknown, "BAD_USER_INPUT");
    })
    .await;
}

#[tokio::test]
async fn a_request_over_its_time_limit_is_stopped() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| s.request_timeout = Duration::from_millis(500)).await;
        // Another connection holds the write lock, so the sign-up cannot finish.
        let other = sea_orm::Database::connect(&app.database.url).await.unwrap();
        let blocker = other.begin().await.unwrap();
        let lock = match backend {
            Backend::Sqlite => "INSERT INTO signup_lockouts (email_hash, locked_until) VALUES ('x', '2000-01-01')",
            Backend::Postgres => "LOCK TABLE users IN EXCLUSIVE MODE",
        };
        blocker.execute_unprepared(lock).await.unwrap();
        let response = app.try_sign_up(json!({})).await;
        assert_code(&response, "INTERNAL");
        assert!(response["errors"][0]["message"].as_str().unwrap().contains("too long"), "{response}");
        blocker.rollback().await.unwrap();
        other.close().await.unwrap();
        // Nothing half-done was left behind: the same sign-up now works.
        let again = app.try_sign_up(json!({})).await;
        assert!(again["errors"].is_null(), "{again}");
    }
}

#[tokio::test]
async fn internal_errors_leak_nothing() {
    on_each_database(|app| async move {
        use sea_orm::ConnectionTrait;
        app.state.db.execute_unprepared("DROP TABLE consents").await.unwrap();
        let token_response = app.try_sign_up(json!({})).await;
        assert_code(&token_response, "INTERNAL");
        let message = token_response["errors"][0]["message"].as_str().unwrap();
        for leak in ["consents", "SQL", "sql", "INSERT", "table", "/", ".rs"] {
            assert!(!message.contains(leak), "{message:?} leaks {leak:?}");
        }
        let extensions = token_response["errors"][0]["extensions"].as_object().unwrap();
        let keys: Vec<&str> = extensions.keys().map(String::as_str).collect();
        assert_eq!(keys, ["code", "requestId"], "only the code, and the id to quote");
        assert!(uuid::Uuid::parse_str(extensions["requestId"].as_str().unwrap()).is_ok());
    })
    .await;
}

#[tokio::test]
async fn health_and_readiness_follow_the_database() {
    on_each_database(|app| async move {
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
        app.state.db.close_by_ref().await.unwrap();
        assert_eq!(app.get("/readyz").await.status(), 503);
        assert_eq!(app.get("/healthz").await.status(), 200, "the process still runs");
    })
    .await;
}

#[tokio::test]
async fn development_serves_graphiql_and_introspection() {
    on_each_database(|app| async move {
        let page = app.get("/graphql").await;
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("graphiql"));
        let schema = app.query("{ __schema { queryType { name } } }", json!({})).await;
        assert_eq!(schema["data"]["__schema"]["queryType"]["name"], "Query");
    })
    .await;
}

#[tokio::test]
async fn production_mode_hides_graphiql_introspection_and_suggestions() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |s| {
            s.app_env = api::config::AppEnv::Production;
        })
        .await;
        assert_eq!(app.get("/graphql").await.status(), 404);
        for introspection in ["{ __schema { queryType { name } } }", STANDARD_INTROSPECTION] {
            let schema = app.query(introspection, json!({})).await;
            assert!(schema["data"].is_null() || schema["data"]["__schema"].is_null(), "{schema}");
        }
        let typo = app.query("{ privacyPolicys { version } }", json!({})).await;
        assert_code(&typo, "BAD_USER_INPUT");
        assert!(!typo["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{typo}");
        // The API itself works.
        let policy = app.query("{ privacyPolicy { version } }", json!({})).await;
        assert_eq!(policy["data"]["privacyPolicy"]["version"], 1);
    }
}

#[tokio::test]
async fn suggestions_help_in_development() {
    on_each_database(|app| async move {
        let typo = app.query("{ privacyPolicys { version } }", json!({})).await;
        assert!(typo["errors"][0]["message"].as_str().unwrap().contains("Did you mean"), "{typo}");
    })
    .await;
}

/// A transaction of the test's own that has written every row of
/// `user_settings`, holding up every other write to them (on SQLite, every
/// write) until it ends.
async fn hold_settings_writes(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, Database, TransactionTrait};
    let db = Database::connect(&app.database.url).await.unwrap();
    let held = db.begin().await.unwrap();
    held.execute_unprepared("UPDATE user_settings SET personalized_feed = personalized_feed").await.unwrap();
    held
}

/// At most 8 requests of one account run at once and 64 wait their turn:
/// with the account's writes held up, 80 at once give exactly 8
/// `RATE_LIMITED` answers, another account is answered meanwhile, and the
/// other 72 all succeed once the writes may go on.
#[tokio::test]
async fn one_account_runs_eight_requests_at_once_and_queues_sixty_four() {
    use futures_util::StreamExt;
    on_each_database(|app| async move {
        let busy = app.token_for("busy").await;
        let other = app.token_for("other").await;
        let held = hold_settings_writes(&app).await;
        let write = "mutation { updatePrivacySettings(input: { personalizedFeed: false }) { personalizedFeed } }";
        let body = json!({ "query": write });
        let mut pending: futures_util::stream::FuturesUnordered<_> =
            (0..80).map(|_| app.post_graphql_status(Some(&busy), &body)).collect();
        // Nothing of this account can finish while its writes are held up,
        // so the first answers are the refusals.
        for _ in 0..8 {
            let (status, refused) = pending.next().await.unwrap();
            assert_eq!(status, 429, "{refused}");
            assert_code(&refused, "RATE_LIMITED");
        }
        field(&app.query_as(&other, "{ me { email } }", json!({})).await, "me");
        held.rollback().await.unwrap();
        let rest: Vec<(u16, Value)> = pending.collect().await;
        assert_eq!(rest.len(), 72);
        assert!(rest.iter().all(|(status, answer)| *status == 200 && answer["errors"].is_null()), "{rest:?}");
    })
    .await;
}

/// On PostgreSQL a request's statements end with it: a read stuck behind a
/// lock past the request time limit is cancelled (`statement_timeout`), so
/// its connection is free again while the lock is still held. (SQLite's
/// readers never wait for a writer.)
#[tokio::test]
async fn a_statement_past_the_request_time_limit_is_cancelled_on_postgres() {
    use sea_orm::{ConnectionTrait, Database, Statement, TransactionTrait};
    for backend in backends().into_iter().filter(|b| *b == Backend::Postgres) {
        let app = TestApp::spawn(backend, |s| s.request_timeout = Duration::from_secs(1)).await;
        let db = Database::connect(&app.database.url).await.unwrap();
        let held = db.begin().await.unwrap();
        held.execute_unprepared("LOCK TABLE contents IN ACCESS EXCLUSIVE MODE").await.unwrap();
        let stopped = app.query("{ contents(first: 5) { edges { node { id } } } }", json!({})).await;
        assert_code(&stopped, "INTERNAL");
        let waiting = Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        let started = std::time::Instant::now();
        loop {
            let row = db.query_one_raw(waiting.clone()).await.unwrap().unwrap();
            if row.try_get::<i64>("", "n").unwrap() == 0 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "the stopped request's statement still waits");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        held.rollback().await.unwrap();
        field(&app.query("{ contents(first: 5) { edges { node { id } } } }", json!({})).await, "contents");
    }
}
