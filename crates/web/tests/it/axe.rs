//! axe-core in the test browser: [`Browser::axe`] injects the pinned `axe.min.js` that
//! `scripts/install-deps.sh --test` installs with npm into `crates/web/tests/js/node_modules`
//! (package.json and package-lock.json pin it; nothing is fetched at test time) into the current
//! page through WebDriver, runs it on the whole document and returns the violations.
//!
//! axe-core is MPL-2.0; it is test-only and never served or shipped by nimo.

use crate::chrome::Browser;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One rule axe found broken on a page, with the elements that break it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    /// CSS selectors of the offending elements (at most five).
    pub targets: Vec<String>,
}

impl Violation {
    /// Serious and critical violations are the ones a page may not have.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}: {}", self.rule, self.impact, self.help, self.targets.join(", "))
    }
}

fn axe_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules/axe-core/axe.min.js")
}

/// The source of axe-core, read once per test process.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}): the accessibility tests need axe-core. Install it with \
                 `scripts/install-deps.sh --test` (npm ci in crates/web/tests/js).",
                path.display()
            )
        })
    })
}

impl Browser {
    /// Runs axe-core on the current page (every rule of its default set: WCAG 2.x A and AA and
    /// best practices) and returns its violations.
    pub async fn axe(&self) -> Vec<Violation> {
        // WebDriver scripts are not subject to the page's CSP; axe defines `window.axe`.
        let loaded = format!("{}\n;return typeof window.axe === 'object';", axe_source());
        let ok = self.client.execute(&loaded, vec![]).await.unwrap_or_else(|e| panic!("injecting axe-core: {e}"));
        assert_eq!(ok, Value::Bool(true), "axe-core did not load into {}", self.path().await);
        let run = "const done = arguments[arguments.length - 1];\
            window.axe.run(document, { resultTypes: ['violations'] })\
              .then(r => done(r.violations.map(v => ({ rule: v.id, impact: v.impact || '', help: v.help,\
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }))))\
              .catch(e => done({ error: String(e) }));";
        let result = self.client.execute_async(run, vec![]).await.unwrap_or_else(|e| panic!("running axe-core: {e}"));
        let Some(list) = result.as_array() else { panic!("axe-core failed on {}: {result}", self.path().await) };
        list.iter()
            .map(|v| Violation {
                rule: v["rule"].as_str().unwrap_or_default().to_string(),
                impact: v["impact"].as_str().unwrap_or_default().to_string(),
                help: v["help"].as_str().unwrap_or_default().to_string(),
                targets: v["targets"]
                    .as_array()
                    .map(|t| t.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The serious and critical violations of the current page, each line naming the page.
    pub async fn serious_violations(&self) -> Vec<String> {
        let path = self.path().await;
        self.axe().await.into_iter().filter(Violation::is_serious).map(|v| format!("{path}: {v}")).collect()
    }
}
