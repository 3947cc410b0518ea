//! A real browser for the tests: headless Chromium driven by chromedriver over WebDriver
//! (fantoccini). `Browser::start` runs `/usr/bin/chromedriver` on a free loopback port, waits until
//! it answers and opens a session with a fresh profile; the chromedriver process group (Chromium
//! included) is killed when the `Browser` is dropped, even if the test panics.
//!
//! A missing chromedriver or Chromium fails the test and says how to install them: browser tests
//! never skip silently.
//!
//! [`Browser::on_failure`] runs a test's steps and, when one panics, keeps screenshots of the page
//! at 1280 and 390 px in `NIMO_SCREENSHOT_DIR` (default `target/screenshots/`) and prints their
//! paths before the panic goes on; [`Browser::keep_screenshots`] keeps the same pair on purpose
//! when `NIMO_SCREENSHOT_DIR` is set.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::os::unix::process::CommandExt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::task::{Context, Poll};
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

    /// Runs a test's steps; if one panics, keeps screenshots of the current page at 1280 and 390 px
    /// (see [`Browser::failure_screenshots`]) and then lets the panic go on.
    pub async fn on_failure<T>(&self, name: &str, steps: impl Future<Output = T>) -> T {
        match CatchPanic(Box::pin(steps)).await {
            Ok(value) => value,
            Err(panic) => {
                let dir = std::env::var_os("NIMO_SCREENSHOT_DIR").map(PathBuf::from).unwrap_or_else(default_dir);
                for path in self.screenshots_at_both_widths(&dir, &format!("FAILED-{name}")).await {
                    eprintln!("screenshot of the failed step: {}", path.display());
                }
                resume_unwind(panic)
            }
        }
    }

    /// Keeps screenshots of the current page at 1280 and 390 px as `NAME-1280px.png` and
    /// `NAME-390px.png` when `NIMO_SCREENSHOT_DIR` is set (nothing is written otherwise).
    pub async fn keep_screenshots(&self, name: &str) -> Vec<PathBuf> {
        match std::env::var_os("NIMO_SCREENSHOT_DIR") {
            Some(dir) => self.screenshots_at_both_widths(Path::new(&dir), name).await,
            None => Vec::new(),
        }
    }

    /// Sets the window's width (900 px high): 390 for a phone, 1280 for a desktop.
    pub async fn set_width(&self, width: u32) {
        self.client.set_window_size(width, 900).await.expect("window size");
    }

    /// Writes the current page's full height (up to 6,000 px) at 1280 and at 390 px wide into
    /// `dir`, returns the files written and leaves the window at 1280 × 900. Never panics: a
    /// screenshot that cannot be taken is reported and skipped.
    pub async fn screenshots_at_both_widths(&self, dir: &Path, name: &str) -> Vec<PathBuf> {
        let mut written = Vec::new();
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("no screenshot directory {}: {e}", dir.display());
            return written;
        }
        for width in [1280u32, 390] {
            let _ = self.client.set_window_size(width, 900).await;
            let height = self
                .eval("return document.documentElement.scrollHeight;")
                .await
                .and_then(|h| h.as_u64())
                .map_or(900, |h| u32::try_from(h.clamp(600, 6000)).unwrap_or(900));
            let _ = self.client.set_window_size(width, height).await;
            match self.client.screenshot().await {
                Ok(png) => {
                    let path = dir.join(format!("{name}-{width}px.png"));
                    match std::fs::write(&path, png) {
                        Ok(()) => written.push(path),
                        Err(e) => eprintln!("screenshot {} not written: {e}", path.display()),
                    }
                }
                Err(e) => eprintln!("no screenshot at {width} px: {e}"),
            }
        }
        let _ = self.client.set_window_size(1280, 900).await;
        written
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

/// `target/screenshots` beside the test binary (`target/debug/deps/it-…`), or under the working
/// directory when that cannot be told.
fn default_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("screenshots")
}

/// A future whose panic is caught and returned (what `futures::FutureExt::catch_unwind` does).
struct CatchPanic<'a, T>(Pin<Box<dyn Future<Output = T> + 'a>>);

impl<T> Future for CatchPanic<'_, T> {
    type Output = std::thread::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
