//! A real browser for the tests: headless Chromium driven by chromedriver over WebDriver
//! (fantoccini). `Browser::start` runs `/usr/bin/chromedriver` on a free loopback port, waits until
//! it answers and opens a session with a fresh profile; the chromedriver process group (Chromium
//! included) is killed when the `Browser` is dropped, even if the test panics.
//!
//! A missing chromedriver or Chromium fails the test and says how to install them: browser tests
//! never skip silently.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's `chromium-driver` puts chromedriver (`NIMO_CHROMEDRIVER` overrides it).
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's `chromium` (`NIMO_CHROMIUM` overrides it).
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long a page may take to appear after a click or a navigation.
const PAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// The chromedriver process; its whole process group (the browsers it started) dies with it.
struct Driver {
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group was created for chromedriver alone (`process_group(0)`): its id is the pid.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session with its own profile directory.
pub struct Browser {
    pub client: Client,
    /// The app's address the paths are relative to.
    pub base: String,
    // Field order: the session's profile outlives the driver that uses it.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

fn program(env: &str, default: &str) -> String {
    let path = std::env::var(env).unwrap_or_else(|_| default.to_string());
    assert!(
        Path::new(&path).exists(),
        "{path} is missing: the browser tests need Chromium and chromedriver. Install them with \
         `scripts/install-deps.sh --test` (Debian packages chromium and chromium-driver), or set {env}."
    );
    path
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session for the app at `base`.
    pub async fn start(base: &str) -> Self {
        let chromedriver = program("NIMO_CHROMEDRIVER", CHROMEDRIVER);
        let chromium = program("NIMO_CHROMIUM", CHROMIUM);
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{chromedriver} did not start ({e}): run `scripts/install-deps.sh --test`"));
        let mut driver = Driver { child };
        let url = format!("http://127.0.0.1:{port}");
        wait_until_answering(&mut driver, &url).await;

        let profile = tempfile::tempdir().expect("profile directory");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-breakpad",
            "--lang=ja",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let mut capabilities = fantoccini::wd::Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), json!({ "binary": chromium, "args": args }));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver at {url} could not open a Chromium session: {e}"));
        Self { client, base: base.to_string(), _driver: driver, _profile: profile }
    }

    /// Ends the session (Chromium quits); the driver is killed on drop.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }

    /// Opens a path of the app and waits for the page.
    pub async fn open(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) the browser shows.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| self.missing(css, e));
        element.text().await.expect("text")
    }

    /// Whether an element matches `css` on the current page.
    pub async fn has(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.expect("find").is_empty()
    }

    /// Types `text` into an input or textarea, as a user does (key events).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| self.missing(css, e));
        element.clear().await.expect("clear");
        element.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Sets the value of an input whose picker has no portable keyboard entry (`date`,
    /// `datetime-local`), with the events a picker fires.
    pub async fn set_value(&self, css: &str, value: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| self.missing(css, e));
        let script = "arguments[0].value = arguments[1];\
            arguments[0].dispatchEvent(new Event('input', { bubbles: true }));\
            arguments[0].dispatchEvent(new Event('change', { bubbles: true }));\
            return arguments[0].value;";
        let set = self.client.execute(script, vec![json!(element), json!(value)]).await.expect("set value");
        assert_eq!(set, json!(value), "{css} accepts {value}");
    }

    /// Chooses an option of a select by its value.
    pub async fn choose(&self, css: &str, value: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| self.missing(css, e));
        element.select_by_value(value).await.unwrap_or_else(|e| panic!("option {value} of {css}: {e}"));
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| self.missing(css, e));
        element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks an element (a submit button) and waits until a new page has loaded.
    pub async fn click_and_wait(&self, css: &str) {
        self.mark_page().await;
        self.click(css).await;
        self.wait_for_new_page(PAGE_TIMEOUT).await.unwrap_or_else(|| panic!("no new page after clicking {css}"));
    }

    /// Marks the current document, so that [`Browser::wait_for_new_page`] sees it replaced.
    pub async fn mark_page(&self) {
        self.client.execute("window.__nimoOldPage = true;", vec![]).await.expect("mark page");
    }

    /// Waits until the marked document has been replaced by a loaded one; returns how long it took.
    pub async fn wait_for_new_page(&self, timeout: Duration) -> Option<Duration> {
        let start = Instant::now();
        let script = "return !window.__nimoOldPage && document.readyState === 'complete';";
        while start.elapsed() < timeout {
            // While the page is navigating, scripts may fail: that is "not yet".
            if let Ok(Value::Bool(true)) = self.client.execute(script, vec![]).await {
                return Some(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Runs a script returning a value (errors while a page loads come back as `None`).
    pub async fn eval(&self, script: &str) -> Option<Value> {
        self.client.execute(script, vec![]).await.ok()
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("screenshot")
    }

    fn missing(&self, css: &str, error: fantoccini::error::CmdError) -> fantoccini::elements::Element {
        panic!("no element {css} on the page: {error}")
    }
}

/// Waits (up to 15 s) until chromedriver answers `/status`; fails if it exits first.
async fn wait_until_answering(driver: &mut Driver, url: &str) {
    let client = reqwest::Client::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if let Ok(Some(status)) = driver.child.try_wait() {
            panic!("chromedriver exited at once ({status}): is the port free, and is `chromium-driver` installed?");
        }
        if let Ok(response) = client.get(format!("{url}/status")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not answer at {url} within 15 s");
}
