//! The demo app in real Chromium, driven through ChromeDriver over WebDriver.
//!
//! Each flow runs against the real server on a fresh database, per backend,
//! with the demo data seeded. Without Chromium the flows are skipped with a
//! plain message, except in CI (`CI=true`), where they fail.
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, backends};

mod flows;

const CHROMIUM: &str = "/usr/bin/chromium";
/// axe-core, injected into pages to check them (see `vendor/README.md`).
const AXE: &str = include_str!("vendor/axe.min.js");
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(20);
/// Window sizes; headless Chromium keeps 143 pixels of the height for
/// itself, so a phone's page is 412 × 772 and a desktop's 1280 × 717.
pub const PHONE: (u32, u32) = (412, 915);
pub const DESKTOP: (u32, u32) = (1280, 860);

/// Whether the flows can run here; says why not, and fails in CI.
fn browser_installed() -> bool {
    let installed = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !installed {
        let why = format!("{CHROMIUM} or {CHROMEDRIVER} is missing (apt install chromium chromium-driver)");
        assert!(!crate::support::under_ci(), "browser tests cannot run in CI: {why}");
        eprintln!("SKIPPED browser test: {why}");
    }
    installed
}

/// Runs `flow` once per backend, each on a fresh app with the demo data and
/// its own ChromeDriver.
pub async fn on_each_database_in_browser<F, Fut>(flow: F)
where
    F: Fn(TestApp, Driver) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if !browser_installed() {
        return;
    }
    for backend in backends() {
        let app = TestApp::spawn(backend, |settings| settings.seed_demo = true).await;
        flow(app, Driver::start()).await;
    }
}

/// One ChromeDriver process; killed when dropped.
pub struct Driver {
    process: Child,
    port: u16,
    profiles: Vec<tempdir::Dir>,
}

impl Driver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        Self { process, port, profiles: Vec::new() }
    }

    /// A new browser window with its own profile (a separate person).
    pub async fn open(&mut self, app: &TestApp, name: &str, (width, height): (u32, u32)) -> Page {
        let profile = tempdir::Dir::new(name);
        let downloads = profile.path().join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=vi",
                    format!("--user-data-dir={}", profile.path().join("profile").display()),
                    format!("--window-size={width},{height}"),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let url = format!("http://127.0.0.1:{}", self.port);
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(HttpConnector::new()).capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => break client,
                // ChromeDriver takes a moment to listen.
                Err(_) if started.elapsed() < PATIENCE => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(err) => panic!("no browser session: {err}"),
            }
        };
        // Chromium's `--window-size` draws nothing narrower than 500 pixels;
        // WebDriver's window size gives a phone its own width.
        client.set_window_size(width, height).await.unwrap();
        self.profiles.push(profile);
        Page { client, base: app.address.clone(), backend: app.backend, name: name.to_owned(), downloads }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// One browser window on the app, with the steps the flows are written in.
pub struct Page {
    client: Client,
    base: String,
    backend: Backend,
    name: String,
    pub downloads: PathBuf,
}

impl Page {
    pub async fn goto(&self, route: &str) {
        self.client.goto(&format!("{}/{route}", self.base)).await.unwrap();
    }

    /// Evaluates a JavaScript expression.
    pub async fn eval(&self, expression: &str) -> Value {
        self.client.execute(&format!("return ({expression});"), vec![]).await.unwrap()
    }

    /// Waits until a JavaScript expression is truthy, and returns its value.
    pub async fn until(&self, expression: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.eval(expression).await;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value.as_f64() != Some(0.0)
                && value.as_str() != Some("");
            if truthy {
                return value;
            }
            if started.elapsed() > PATIENCE {
                self.save_picture("timeout").await;
                let body = self.eval("document.body.innerText.slice(0, 1500)").await;
                panic!("{} ({:?}): waited in vain for `{expression}`; the page says:\n{body}", self.name, self.backend);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the first element matching `css` and clicks it as a user would.
    /// An element drawn again between finding and clicking it is found
    /// afresh; any other failure, or one that outlasts the patience, fails.
    pub async fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            self.until(&format!("document.querySelector({css:?})")).await;
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.click().await.map(|_| ()),
                Err(error) => Err(error),
            };
            match clicked {
                Ok(()) => return,
                Err(error) if is_stale(&error) && started.elapsed() < PATIENCE => continue,
                Err(error) => panic!("{} ({:?}): clicking `{css}` failed: {error}", self.name, self.backend),
            }
        }
    }

    /// Types `text` into the field matching `css`, after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        self.until(&format!("document.querySelector({css:?})")).await;
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Sets a field whose typing depends on the browser's locale (dates and
    /// times), firing the same `input` event typing would.
    pub async fn set_value(&self, css: &str, value: &str) {
        self.until(&format!("document.querySelector({css:?})")).await;
        let script = "const f = document.querySelector(arguments[0]); f.value = arguments[1]; \
                      f.dispatchEvent(new Event('input', { bubbles: true }));";
        self.client.execute(script, vec![json!(css), json!(value)]).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.until(&format!("document.querySelector({css:?})")).await;
        self.eval(&format!("document.querySelector({css:?}).innerText")).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn press(&self, key: Key) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Moves the page's clock (`performance.now`, which the player counts
    /// time played by) `ms` ahead, as if that long had passed. From the first
    /// move on, the clock stands still between moves: a loaded machine's
    /// slow steps must not count as time played.
    pub async fn advance_clock(&self, ms: u64) {
        let script = "if (!window.clockShift) { const base = performance.now(); \
                      window.clockShift = { ms: 0 }; performance.now = () => base + window.clockShift.ms; } \
                      window.clockShift.ms += arguments[0];";
        self.client.execute(script, vec![json!(ms)]).await.unwrap();
    }

    pub async fn resize(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    /// Saves a PNG under `target/screenshots/`.
    /// Saves what the screen shows now, once axe-core finds nothing serious
    /// on it: every screen a flow pictures is checked.
    pub async fn screenshot(&self, step: &str) {
        self.assert_accessible(step).await;
        self.save_picture(step).await;
    }

    async fn save_picture(&self, step: &str) {
        let png = self.client.screenshot().await.unwrap();
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&folder).unwrap();
        let backend = format!("{:?}", self.backend).to_lowercase();
        std::fs::write(folder.join(format!("{}-{step}-{backend}.png", self.name)), png).unwrap();
    }

    /// Signs in through the sign-in screen and waits for the feed.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("#/signin").await;
        self.fill("#field-email", email).await;
        self.fill("#field-password", password).await;
        self.click("form button[type=submit]").await;
        self.until("location.hash === '#/' && document.querySelector('.sign-out')").await;
        self.until("document.querySelector('.card')").await;
    }

    /// axe-core finds no serious or critical accessibility violation on the
    /// screen as it is now; `screen` names it in the failure.
    pub async fn assert_accessible(&self, screen: &str) {
        let loaded = self.eval("typeof globalThis.axe === 'object'").await;
        if loaded != Value::Bool(true) {
            self.client.execute(AXE, vec![]).await.unwrap();
        }
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then((r) => done(r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
                .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.html) }))))
              .catch((e) => done([{ id: 'axe failed', help: String(e) }]));";
        let violations = self.client.execute_async(script, vec![]).await.unwrap();
        assert_eq!(violations, json!([]), "{} ({:?}), {screen}: accessibility violations", self.name, self.backend);
    }

    /// No text was missing in either language on this page's screens.
    pub async fn assert_translated(&self) {
        let missing = self.eval("[...trustfeedI18n.missingTranslations, ...trustfeedI18n.untranslated()]").await;
        assert_eq!(missing, json!([]), "{}: texts without a translation", self.name);
    }

    /// Nothing the page did was blocked by its Content-Security-Policy.
    pub async fn assert_no_policy_violations(&self) {
        assert_eq!(self.eval("trustfeedViolations").await, json!([]), "{}: CSP violations", self.name);
    }

    pub async fn close(self) {
        self.assert_translated().await;
        self.assert_no_policy_violations().await;
        self.client.close().await.unwrap();
    }
}

/// Temporary folders for browser profiles, removed when dropped.
mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!("trustfeed-browser-{name}-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Whether WebDriver lost the element because the page drew it again
/// (between finding and clicking it, or between waiting for it and finding it).
fn is_stale(error: &fantoccini::error::CmdError) -> bool {
    use fantoccini::error::{CmdError, ErrorStatus};
    matches!(error, CmdError::Standard(e) if matches!(e.error, ErrorStatus::StaleElementReference | ErrorStatus::NoSuchElement))
}
