//! Spawns the app and speaks GraphQL to it.
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use api::clock::ManualClock;
use api::config::Settings;
use api::startup::Application;
use api::state::AppState;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

pub const JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery";
/// Where tests say which client address a request comes from.
pub const CLIENT_ADDRESS_HEADER: &str = "x-test-client-address";

/// 10:00 in Vietnam on the day the suite was written; tests move it as needed.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 3, 0, 0).unwrap()
}

/// A birth date that makes someone `years` old (and a bit) at `start_time`.
pub fn born_years_ago(years: i32) -> String {
    NaiveDate::from_ymd_opt(2026 - years, 6, 1).unwrap().format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether the tests run under CI (`.ci/run` sets `CI=true`; any other
/// value but `false`, `0` or nothing counts too). Under CI, a database or a
/// browser a test needs and cannot find fails it instead of skipping it.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| !matches!(ci.as_str(), "" | "false" | "0"))
}

/// SQLite always; PostgreSQL when `TEST_DATABASE_URL` is set, which CI must do.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        all.push(Backend::Postgres);
    } else {
        assert!(!under_ci(), "CI must test PostgreSQL too: set TEST_DATABASE_URL");
        eprintln!("SKIPPED on PostgreSQL: TEST_DATABASE_URL is not set");
    }
    all
}

/// For scenarios only PostgreSQL can play (several instances on one
/// database): whether it is here; under CI it must be.
pub fn postgres_here() -> bool {
    backends().contains(&Backend::Postgres)
}

/// Runs `scenario` once per database backend, each on a fresh app.
///
/// The app comes behind an `Arc` on purpose: an `async move` block captures
/// only the fields it names, so a scenario that named only `app.client` would
/// drop the rest of a plain `TestApp`, its database included, before running.
/// The `Arc` is captured whole.
pub async fn on_each_database<F, Fut>(scenario: F)
where
    F: Fn(Arc<TestApp>) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in backends() {
        scenario(Arc::new(TestApp::spawn(backend, |_| {}).await)).await;
    }
}

/// A database made for one test and removed afterwards.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Files(Vec<std::path::PathBuf>),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another's database (a second instance), or a template.
    Kept,
}

impl TestDatabase {
    /// An empty database of its own, as a new deployment starts with.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite_file().0,
            Backend::Postgres => Self::postgres(None).await,
        }
    }

    /// A copy of the database the app prepares at start (migrated, with its
    /// reference data, and the demo's when `demo`): prepared once per run of
    /// the tests by the app itself, then copied for each test.
    async fn prepared(backend: Backend, demo: bool) -> Self {
        match Template::get(backend, demo) {
            Template::Sqlite(bytes) => {
                let (database, path) = Self::sqlite_file();
                std::fs::write(path, bytes).unwrap();
                database
            }
            Template::Postgres(template) => Self::postgres(Some(template)).await,
        }
    }

    /// A database file of its own (made on first use), and its path.
    fn sqlite_file() -> (Self, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("trustfeed-test-{}.db", Uuid::new_v4().simple()));
        let files = ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| std::path::PathBuf::from(format!("{}{suffix}", path.display())))
            .collect();
        (Self { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::Files(files) }, path)
    }

    /// A PostgreSQL database of its own, empty or a copy of `template`.
    async fn postgres(template: Option<&str>) -> Self {
        let admin_url = admin_url();
        let admin = connect_admin(&admin_url).await;
        let name = format!("trustfeed_test_{}_{}", server_seconds(&admin).await, Uuid::new_v4().simple());
        let copied = template.map(|template| format!(" TEMPLATE \"{template}\"")).unwrap_or_default();
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"{copied}")).await.unwrap();
        admin.close().await.unwrap();
        Self { url: replace_database(&admin_url, &name), cleanup: Cleanup::Postgres { admin_url, name } }
    }
}

/// The names of the PostgreSQL databases the tests make, with the server's
/// Unix time when they were made: a later run tells the ones a run left
/// behind (killed before its clean-up, or a template) by their age.
const TEST_DATABASE_NAME: &str = "^trustfeed_test_[0-9]+_[0-9a-f]{32}$";
/// `trustfeed_template_<seconds>_<build>_<plain|demo>_<process>`.
const TEMPLATE_NAME: &str = "^trustfeed_template_[0-9]+_[0-9a-f]{16}_(plain|demo)_[0-9]+$";
/// A later run of the same build copies a template for this long after it
/// was made; with the longest run after it, well under the age below.
const TEMPLATE_REUSED_FOR_SECONDS: i64 = 60 * 60;
/// Databases of these names older than this are removed by any run that
/// tests PostgreSQL.
const LEFT_BEHIND_AFTER_SECONDS: i64 = 3 * 60 * 60;

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect("PostgreSQL is tested only with TEST_DATABASE_URL set")
}

async fn connect_admin(admin_url: &str) -> sea_orm::DatabaseConnection {
    Database::connect(admin_url).await.expect("TEST_DATABASE_URL must answer")
}

/// The database server's clock: every run sharing the server ages databases by it.
async fn server_seconds(admin: &sea_orm::DatabaseConnection) -> i64 {
    let now = sea_orm::Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT extract(epoch FROM now())::int8 AS seconds",
    );
    admin.query_one_raw(now).await.unwrap().unwrap().try_get("", "seconds").unwrap()
}

/// A database as the app leaves it after starting on an empty one, kept to
/// be copied: preparing one per test (the migrations; for the demo, its
/// accounts' password hashes) took longer than most tests themselves. Every
/// test of a run gets the same demo data, ids included.
enum Template {
    /// The SQLite file's bytes.
    Sqlite(Vec<u8>),
    /// A PostgreSQL database that no one connects to, for `CREATE DATABASE … TEMPLATE`.
    Postgres(String),
}

impl Template {
    /// The template, prepared by the first test that asks for it; the others
    /// wait. If preparing it failed, every test that asks fails with the reason.
    fn get(backend: Backend, demo: bool) -> &'static Self {
        static TEMPLATES: [std::sync::OnceLock<Result<Template, String>>; 4] =
            [const { std::sync::OnceLock::new() }; 4];
        let index = match (backend, demo) {
            (Backend::Sqlite, false) => 0,
            (Backend::Sqlite, true) => 1,
            (Backend::Postgres, false) => 2,
            (Backend::Postgres, true) => 3,
        };
        // A thread of its own: the asking test's runtime cannot run another inside it.
        let prepared = TEMPLATES[index].get_or_init(|| {
            std::thread::spawn(move || Self::prepare(backend, demo)).join().map_err(|panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            })
        });
        match prepared {
            Ok(template) => template,
            Err(reason) => panic!("the {backend:?} template (demo: {demo}) could not be prepared: {reason}"),
        }
    }

    fn prepare(backend: Backend, demo: bool) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        match backend {
            Backend::Sqlite => runtime.block_on(async {
                let app = TestApp::spawn_on(backend, TestDatabase::create(backend).await, |s| s.seed_demo = demo).await;
                let copy = std::env::temp_dir().join(format!("trustfeed-template-{}.db", Uuid::new_v4().simple()));
                let quoted = copy.display().to_string().replace('\'', "''");
                app.state.db.execute_unprepared(&format!("VACUUM INTO '{quoted}'")).await.unwrap();
                let bytes = std::fs::read(&copy).unwrap();
                std::fs::remove_file(&copy).unwrap();
                app.stop().await;
                Self::Sqlite(bytes)
            }),
            Backend::Postgres => {
                let admin_url = admin_url();
                let build = format!("{:016x}_{}", this_build(), if demo { "demo" } else { "plain" });
                let (name, made_before) = runtime.block_on(async {
                    let admin = connect_admin(&admin_url).await;
                    remove_databases_left_behind(&admin).await;
                    let template = match template_of_this_build(&admin, &build).await {
                        Some(name) => (name, true),
                        None => {
                            let name = format!(
                                "trustfeed_template_{}_{build}_{}",
                                server_seconds(&admin).await,
                                std::process::id()
                            );
                            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
                            (name, false)
                        }
                    };
                    admin.close().await.unwrap();
                    template
                });
                if made_before {
                    return Self::Postgres(name);
                }
                runtime.block_on(async {
                    let database = TestDatabase { url: replace_database(&admin_url, &name), cleanup: Cleanup::Kept };
                    TestApp::spawn_on(backend, database, |s| s.seed_demo = demo).await.stop().await;
                });
                // Ending the runtime ends the app's last tasks (its listener) and their connections.
                drop(runtime);
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    let admin = connect_admin(&admin_url).await;
                    assert!(no_connections_left(&admin, &name).await, "the template {name} is still in use");
                    // Nothing may change it while tests copy it.
                    admin
                        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"))
                        .await
                        .unwrap();
                    admin.close().await.unwrap();
                });
                Self::Postgres(name)
            }
        }
    }
}

/// Identifies the running build of the tests: a template a run of the same
/// build made is the same, so later runs use it.
fn this_build() -> u64 {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    // The running file, even when a newer build has taken its path since.
    let running = std::fs::metadata("/proc/self/exe").unwrap();
    let mut hasher = std::hash::DefaultHasher::new();
    (running.dev(), running.ino(), running.size(), running.mtime(), running.mtime_nsec()).hash(&mut hasher);
    hasher.finish()
}

/// The newest finished template (closed to connections) of this build, if a
/// run made one recently enough.
async fn template_of_this_build(admin: &sea_orm::DatabaseConnection, build: &str) -> Option<String> {
    let found = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT datname FROM pg_database
             WHERE NOT datallowconn AND datname ~ $1
               AND extract(epoch FROM now())::int8 - substring(datname FROM '^[a-z]+_[a-z]+_([0-9]+)_')::int8 < $2
             ORDER BY datname DESC LIMIT 1",
            [format!("^trustfeed_template_[0-9]+_{build}_[0-9]+$").into(), TEMPLATE_REUSED_FOR_SECONDS.into()],
        ))
        .await
        .unwrap();
    found.map(|row| row.try_get("", "datname").unwrap())
}

/// Removes the test and template databases that runs left long ago.
async fn remove_databases_left_behind(admin: &sea_orm::DatabaseConnection) {
    let names = admin
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT datname FROM pg_database
             WHERE (datname ~ $1 OR datname ~ $2)
               AND extract(epoch FROM now())::int8 - substring(datname FROM '^[a-z]+_[a-z]+_([0-9]+)_')::int8 > $3",
            [TEST_DATABASE_NAME.into(), TEMPLATE_NAME.into(), LEFT_BEHIND_AFTER_SECONDS.into()],
        ))
        .await
        .unwrap();
    for row in names {
        let name: String = row.try_get("", "datname").unwrap();
        // Another run may be removing it too: whoever is second finds nothing.
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
    }
}

/// Waits until every client's connection to `name` has ended (a connection
/// dropped by its client ends a moment later on the server); false if one
/// outlasts the patience. Autovacuum's workers do not count: `CREATE
/// DATABASE` and `DROP DATABASE` end them themselves.
async fn no_connections_left(admin: &sea_orm::DatabaseConnection, name: &str) -> bool {
    let count = sea_orm::Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT count(*)::int8 AS connections FROM pg_stat_activity
         WHERE datname = $1 AND backend_type = 'client backend'",
        [name.into()],
    );
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let connections = admin
            .query_one_raw(count.clone())
            .await
            .ok()
            .flatten()
            .and_then(|row| row.try_get::<i64>("", "connections").ok());
        if connections == Some(0) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

/// The same server URL with another database name.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Files(files) => {
                for file in files {
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            // The app still holds connections. `DROP … WITH (FORCE)` ends
                            // them and then looks again only every 100 ms: end them first.
                            let _ = admin
                                .execute_raw(sea_orm::Statement::from_sql_and_values(
                                    sea_orm::DatabaseBackend::Postgres,
                                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                                    [name.clone().into()],
                                ))
                                .await;
                            no_connections_left(&admin, &name).await;
                            let _ = admin
                                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
            Cleanup::Kept => {}
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    /// The separate `/metrics` listener's port, when the settings ask for one.
    pub metrics_port: Option<u16>,
    /// The running server, until a test waits for it to stop.
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
}

/// Development settings, read as the server reads its environment.
pub fn test_settings(database_url: String) -> Settings {
    let mut settings = Settings::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.clone()),
        "LISTEN_ADDR" => Some("127.0.0.1:0".into()),
        "JWT_SECRET" => Some(String::from_utf8_lossy(JWT_SECRET).into_owned()),
        "SEED_DEMO" => Some("false".into()),
        "REQUEST_TIMEOUT_MS" => Some("30000".into()),
        // Requests name their client in this header; without it per-address
        // limits do not apply, so tests that sign many people up stay apart.
        "TRUSTED_PROXY_HEADER" => Some(CLIENT_ADDRESS_HEADER.into()),
        // Tests of the anonymous limit turn it on; the rest send many requests from one address.
        "ANON_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
        // Scenarios read a figure right after changing what it counts.
        "AGGREGATE_CACHE_SECONDS" => Some("0".into()),
        _ => None,
    })
    .expect("the test settings are valid");
    settings.workers = Some(1);
    settings
}

impl TestApp {
    /// Starts the app on port 0 on a database of its own; `configure` may
    /// change the settings first, all but the database's URL. The database
    /// is a copy of one prepared with the test settings and `seed_demo`, so
    /// the migrations do not run under the test's own settings.
    pub async fn spawn(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings(String::new());
        configure(&mut settings);
        assert!(settings.database_url.is_empty(), "a spawned app's database is its own");
        let database = TestDatabase::prepared(backend, settings.seed_demo).await;
        settings.database_url = database.url.clone();
        Self::start(backend, database, settings).await
    }

    /// A second instance on this one's database, as a scaled-out deployment runs.
    pub async fn another_instance(&self) -> Self {
        let shared = TestDatabase { url: self.database.url.clone(), cleanup: Cleanup::Kept };
        let app = Self::spawn_on(self.backend, shared, |_| {}).await;
        app.clock.set(self.clock_now());
        app
    }

    /// Two instances on one PostgreSQL database, as a scaled-out deployment
    /// runs them; `None` where there is no PostgreSQL to test against (only
    /// PostgreSQL is shared by several instances).
    pub async fn two_instances() -> Option<(Self, Self)> {
        if !postgres_here() {
            return None;
        }
        let first = Self::spawn(Backend::Postgres, |_| {}).await;
        let second = first.another_instance().await;
        Some((first, second))
    }

    async fn spawn_on(backend: Backend, database: TestDatabase, configure: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings(database.url.clone());
        configure(&mut settings);
        Self::start(backend, database, settings).await
    }

    async fn start(backend: Backend, database: TestDatabase, settings: Settings) -> Self {
        let clock = Arc::new(ManualClock::new(start_time()));
        let app = Application::build(settings, clock.clone()).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let metrics_port = app.metrics_port();
        let server = std::sync::Mutex::new(Some(tokio::spawn(app.run_until_stopped())));
        // The maintenance loop's first pass runs at start-up: let it end, so
        // that the statements a test counts are its own.
        tokio::time::timeout(Duration::from_secs(10), async {
            while state.maintenance_passes.load(std::sync::atomic::Ordering::Acquire) == 0 {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the first maintenance pass ends");
        Self { address, backend, clock, state, client: reqwest::Client::new(), database, metrics_port, server }
    }

    /// Stops the server and closes its connections to the database.
    async fn stop(self) {
        self.state.shutdown.begin();
        self.stopped(Duration::from_secs(10)).await.unwrap();
        self.state.db.close_by_ref().await.unwrap();
        self.state.feed_db.close_by_ref().await.unwrap();
    }

    /// Waits for the server (stopped through `state.shutdown`) to finish.
    pub async fn stopped(&self, within: Duration) -> std::io::Result<()> {
        let server = self.server.lock().unwrap().take().expect("the server is waited for once");
        tokio::time::timeout(within, server).await.expect("the server stops in time").unwrap()
    }

    pub async fn post_graphql(&self, token: Option<&str>, body: &Value) -> Value {
        let (status, answer) = self.post_graphql_status(token, body).await;
        assert_eq!(status, 200, "GraphQL answers 200 ({:?}): {answer}", self.backend);
        answer
    }

    /// The HTTP status and the JSON answer, whatever the status.
    pub async fn post_graphql_status(&self, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.client.post(format!("{}/graphql", self.address)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the request is answered");
        (response.status().as_u16(), response.json().await.expect("a JSON answer"))
    }

    /// Runs a query anonymously.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        self.post_graphql(None, &json!({ "query": query, "variables": variables })).await
    }

    /// Runs a query with a bearer token.
    pub async fn query_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.post_graphql(Some(token), &json!({ "query": query, "variables": variables })).await
    }

    /// Signs up with sensible defaults, overridden by `overrides`; returns the raw response.
    pub async fn try_sign_up(&self, overrides: Value) -> Value {
        let mut input = json!({
            "handle": "user",
            "displayName": "Người dùng",
            "email": "user@example.com",
            "password": PASSWORD,
            "birthDate": born_years_ago(30),
            "acceptedPolicyVersion": 1,
        });
        for (key, value) in overrides.as_object().unwrap() {
            input[key] = value.clone();
        }
        // Each person signs up from a phone of their own: a test's many
        // sign-ups stay under the per-address sign-up limit.
        static PHONES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let phone = std::net::Ipv4Addr::from(0x0a00_0000 | PHONES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header(CLIENT_ADDRESS_HEADER, phone.to_string())
            .json(&json!({ "query": SIGN_UP, "variables": { "input": input } }));
        request.send().await.expect("the request is answered").json().await.expect("a JSON answer")
    }

    /// Signs up `handle` (email `<handle>@example.com`) aged `years`; returns the AuthPayload.
    pub async fn sign_up(&self, handle: &str, years: i32) -> Value {
        let response = self
            .try_sign_up(json!({
                "handle": handle,
                "email": format!("{handle}@example.com"),
                "birthDate": born_years_ago(years),
            }))
            .await;
        assert!(response["errors"].is_null(), "sign-up of {handle} failed: {response}");
        response["data"]["signUp"].clone()
    }

    /// An access token for a new user `handle` aged 30.
    pub async fn token_for(&self, handle: &str) -> String {
        self.sign_up(handle, 30).await["accessToken"].as_str().unwrap().to_owned()
    }

    /// A new user with the given role, as an operator would make with `create-user`.
    pub async fn user_with_role(&self, handle: &str, role: entity::Role) -> String {
        let token = self.token_for(handle).await;
        self.update_user(handle, |user| user.role = sea_orm::Set(role)).await;
        token
    }

    /// Changes a user's row directly, for states no API makes yet.
    pub async fn update_user(&self, handle: &str, change: impl FnOnce(&mut entity::user::ActiveModel)) {
        use sea_orm::ActiveModelTrait;
        let mut active: entity::user::ActiveModel = self.find_user(handle).await.into();
        change(&mut active);
        active.update(&self.state.db).await.unwrap();
        self.announce_change().await;
    }

    /// Files a report; returns the raw response.
    pub async fn report(&self, token: &str, target_type: &str, id: &str, reason: &str, details: Option<&str>) -> Value {
        let input = json!({ "targetType": target_type, "targetId": id, "reason": reason, "details": details });
        self.query_as(
            token,
            "mutation($i: FileReportInput!) { fileReport(input: $i) { id status reason details outcome targetType } }",
            json!({ "i": input }),
        )
        .await
    }

    /// Pairs `guardian` with `teen` through a pairing code; returns the link's id.
    pub async fn pair(&self, guardian: &str, teen: &str) -> String {
        let code = self.query_as(guardian, "mutation { createPairingCode { code } }", json!({})).await;
        let code = code["data"]["createPairingCode"]["code"].clone();
        assert!(code.is_string(), "no pairing code: {code}");
        let link = self
            .query_as(teen, "mutation($c: String!) { acceptPairingCode(code: $c) { id } }", json!({ "c": code }))
            .await;
        link["data"]["acceptPairingCode"]["id"].as_str().unwrap_or_else(|| panic!("pairing failed: {link}")).to_owned()
    }

    /// An existing guardian approves a pending second guardian's link.
    pub async fn approve(&self, guardian: &str, link_id: &str) {
        let answer = "mutation($l: ID!) { answerFamilyLink(linkId: $l, approve: true) { status } }";
        let answered = self.query_as(guardian, answer, json!({ "l": link_id })).await;
        assert_eq!(answered["data"]["answerFamilyLink"]["status"], "ACTIVE", "{answered}");
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.unwrap()
    }
}

pub const ME_FIELDS: &str = "user { id handle displayName verified isPrivate createdAt }
    email role birthDate ageBand timezone locale
    settings { privateAccount personalizedFeed commentPolicy restrictedMode }
    controls { dailyLimitMinutes restrictedMode searchEnabled commentPolicy privateAccount
      timeAway { days start end } blockedKeywords lockedByGuardian updatedAt }
    consent { acceptedVersion currentVersion upToDate history { version acceptedAt } }";

pub const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) {
    accessToken refreshToken accessTokenExpiresAt deviceToken me { email ageBand } } }";

/// The `extensions.code` of the first error, or "" when there is none.
/// The response's `data`, which must come without errors.
pub fn ok(response: &Value) -> &Value {
    assert!(response["errors"].is_null(), "{response}");
    &response["data"]
}

/// One field of the response's `data`, which must come without errors.
pub fn field<'a>(response: &'a Value, name: &str) -> &'a Value {
    &ok(response)[name]
}

pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

pub fn assert_code(response: &Value, code: &str) {
    assert_eq!(error_code(response), code, "expected {code}, got {response}");
}

impl TestApp {
    pub fn clock_now(&self) -> DateTime<Utc> {
        use api::clock::Clock;
        self.clock.now()
    }
}

pub const CREATE_CONTENT: &str =
    "mutation($input: CreateContentInput!) { createContent(input: $input) { id title status } }";

impl TestApp {
    /// Publishes content as `token`; `overrides` replace the defaults. Returns the raw response.
    pub async fn try_create_content(&self, token: &str, overrides: Value) -> Value {
        let mut input = json!({
            "title": "Phở bò Hà Nội",
            "caption": "Nước dùng trong, thơm quế hồi",
            "language": "vi",
            "mediaUrl": "https://media.example.com/pho.mp4",
            "durationSeconds": 60,
            "tagSlugs": ["food"],
        });
        for (key, value) in overrides.as_object().unwrap() {
            input[key] = value.clone();
        }
        self.query_as(token, CREATE_CONTENT, json!({ "input": input })).await
    }

    /// Publishes content and returns its id.
    pub async fn create_content(&self, token: &str, overrides: Value) -> String {
        let response = self.try_create_content(token, overrides).await;
        assert!(response["errors"].is_null(), "createContent failed: {response}");
        response["data"]["createContent"]["id"].as_str().unwrap().to_owned()
    }

    /// Records an interaction; returns the raw response.
    pub async fn interact(&self, token: &str, content_id: &str, kind: &str, watched_ms: Option<i64>) -> Value {
        let query = "mutation($input: InteractionInput!) { recordInteraction(input: $input) {
            content { id viewCount likeCount viewerHasLiked } screenTime { usedMinutes limitMinutes remainingMinutes } } }";
        let mut input = json!({ "contentId": content_id, "kind": kind });
        if let Some(ms) = watched_ms {
            input["watchedMs"] = json!(ms);
        }
        self.query_as(token, query, json!({ "input": input })).await
    }

    /// The id of the signed-in user behind `token`.
    pub async fn my_id(&self, token: &str) -> String {
        let me = self.query_as(token, "{ me { user { id } } }", json!({})).await;
        me["data"]["me"]["user"]["id"].as_str().unwrap_or_else(|| panic!("{me}")).to_owned()
    }

    /// Sets a column of a user's settings directly.
    pub async fn update_settings(&self, handle: &str, change: impl FnOnce(&mut entity::user_settings::ActiveModel)) {
        use sea_orm::{ActiveModelTrait, EntityTrait};
        let user = self.find_user(handle).await;
        let settings = entity::user_settings::Entity::find_by_id(user.id).one(&self.state.db).await.unwrap().unwrap();
        let mut active: entity::user_settings::ActiveModel = settings.into();
        change(&mut active);
        active.update(&self.state.db).await.unwrap();
        self.announce_change().await;
    }

    /// Sets a content's status directly, as moderation will.
    pub async fn set_content_status(&self, id: &str, status: entity::ContentStatus) {
        use sea_orm::{ActiveModelTrait, EntityTrait};
        let row = entity::content::Entity::find_by_id(Uuid::parse_str(id).unwrap())
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut active: entity::content::ActiveModel = row.into();
        active.status = sea_orm::Set(status);
        active.update(&self.state.db).await.unwrap();
        self.announce_change().await;
    }

    /// What the app does after every write of its own; a test that writes
    /// rows directly says so too, or anonymous answers may come from the cache.
    pub async fn announce_change(&self) {
        self.state.changes.publish_data_changed(&self.state.db).await.unwrap();
    }

    /// SQL statements this instance has run so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The ids of a connection's nodes.
pub fn node_ids(connection: &Value) -> Vec<String> {
    node_texts(connection, "id")
}

/// One text field of every node of a connection, in order.
pub fn node_texts(connection: &Value, name: &str) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|e| e["node"][name].as_str().unwrap_or_else(|| panic!("no {name} in {e}")).to_owned())
        .collect()
}

impl TestApp {
    /// A fresh access token for an existing user `handle` (password `PASSWORD`).
    pub async fn log_in(&self, handle: &str) -> String {
        self.log_in_with(&format!("{handle}@example.com"), PASSWORD).await
    }

    /// A fresh access token for the account with this email and password.
    pub async fn log_in_with(&self, email: &str, password: &str) -> String {
        let response = self
            .query(
                "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        response["data"]["logIn"]["accessToken"].as_str().unwrap_or_else(|| panic!("{response}")).to_owned()
    }
}

impl TestApp {
    pub async fn find_user(&self, handle: &str) -> entity::user::Model {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::user::Entity::find()
            .filter(entity::user::Column::Handle.eq(handle))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {handle}"))
    }
}

impl TestApp {
    /// Whether this instance hears changes made through other instances.
    pub fn listening(&self) -> bool {
        self.state.changes.is_listening()
    }
}

// GraphQL over WebSocket (`graphql-transport-ws`).

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 seconds")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] != "ping" {
                return value;
            }
        }
    }
}

pub async fn open(app: &TestApp) -> Socket {
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// A socket initialised with `token`.
pub async fn connect(app: &TestApp, token: &str) -> Socket {
    connect_as(app, Some(token)).await
}

/// A socket initialised with `token`, or with no credential at all.
pub async fn connect_as(app: &TestApp, token: Option<&str>) -> Socket {
    let mut socket = open(app).await;
    let payload = token.map_or(json!({}), |token| json!({ "authorization": format!("Bearer {token}") }));
    let init = json!({ "type": "connection_init", "payload": payload });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    socket
}

pub async fn send(socket: &mut Socket, id: &str, query: &str) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
}

/// Runs a query or mutation over the socket and returns its result.
pub async fn run(socket: &mut Socket, query: &str) -> Value {
    send(socket, "op", query).await;
    let answer = next_json(socket).await;
    assert_eq!(next_json(socket).await["type"], "complete");
    answer["payload"].clone()
}

/// Waits for the server to close the socket and returns the close code.
pub async fn closed_with(socket: &mut Socket, within: Duration) -> u16 {
    tokio::time::timeout(within, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
                Some(Ok(_)) => continue,
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the server closes the socket in time")
}
