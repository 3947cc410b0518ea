//! Accessibility of every main page, in headless Chromium with axe-core (`axe.rs`): each role
//! signs in on the login pages and walks every page its menus and links lead to (one page per
//! kind of address: ids and figure keys count once; downloads, API and event streams left
//! out), plus the pages no link leads to (the second-factor enrolment, a 404, a refusal). No page
//! may have a serious or critical violation, at 1280 px nor at 390 px wide (a phone); the counts
//! by impact are printed.
//!
//! On SQLite only: the pages are the same on both backends, and axe takes a second a page.

use crate::axe::Violation;
use crate::browsing::{Tally, seed_year, sign_in, user};
use crate::chrome::Browser;
use crate::harness::{PASSWORD, TestApp};
use nimo_domain::access::Role;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The most pages one role's walk opens (the app has about 30 kinds of page).
const MAX_PAGES: usize = 80;

/// What axe found on the pages one role walked.
#[derive(Default)]
struct Findings {
    pages: Vec<String>,
    violations: Vec<(String, Violation)>,
}

impl Findings {
    /// Runs axe on the current page at 1280 and at 390 px wide (a phone), and leaves the window
    /// at 1280 px; a violation found at 390 px only is named with the width.
    async fn check(&mut self, browser: &Browser) {
        let path = browser.path().await;
        let wide = browser.axe().await;
        browser.set_width(390).await;
        let width = browser.eval("return window.innerWidth;").await.and_then(|w| w.as_u64());
        assert!(width.is_some_and(|w| w <= 390), "{path}: the page is laid out for a phone ({width:?} px)");
        let narrow = browser.axe().await;
        browser.set_width(1280).await;
        for v in narrow.into_iter().filter(|n| !wide.iter().any(|w| w.to_string() == n.to_string())) {
            self.violations.push((format!("{path} (390 px)"), v));
        }
        for v in wide {
            self.violations.push((path.clone(), v));
        }
        self.pages.push(path);
    }
}

/// The kind of page an address is: digits stand for any id, a figure's key for any figure.
fn kind(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut out = Vec::new();
    let mut after_figures = false;
    for segment in path.split('/') {
        let segment = if after_figures {
            "*"
        } else if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
            "N"
        } else {
            segment
        };
        after_figures = segment == "figures";
        out.push(segment);
    }
    out.join("/")
}

/// Whether a link is a page to walk: the app's own, not a download, the API, a stream or an asset.
fn walkable(path: &str) -> bool {
    let bare = path.split(['?', '#']).next().unwrap_or_default();
    let download = [".pdf", ".csv", ".xlsx", ".json", ".js", ".css", ".ics"].iter().any(|ext| bare.ends_with(ext));
    bare.starts_with('/')
        && !download
        && !bare.starts_with("/api/")
        && !bare.starts_with("/assets/")
        // The live streams (server-sent events), not a municipality's 普及啓発 list.
        && !["/beds/events", "/hospital/events"].contains(&bare)
        && bare != "/logout"
}

/// The app's own links on the current page (paths with their query).
async fn links(browser: &Browser) -> Vec<String> {
    let script = "return Array.from(document.querySelectorAll('a[href]'))\
        .filter(a => a.origin === location.origin).map(a => a.pathname + a.search);";
    let found = browser.eval(script).await.unwrap_or_default();
    found.as_array().map(|l| l.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default()
}

/// Walks every page reachable by links from the current one, breadth first, one per kind,
/// checking each, then the extra addresses no link leads to.
async fn walk(browser: &Browser, extra: &[&str], findings: &mut Findings) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    let start = browser.path().await;
    seen.insert(kind(&start));
    findings.check(browser).await;
    queue.extend(links(browser).await);
    let mut opened = 1;
    while let Some(next) = queue.pop_front() {
        if !walkable(&next) || !seen.insert(kind(&next)) {
            continue;
        }
        assert!(opened < MAX_PAGES, "more than {MAX_PAGES} kinds of page: {seen:?}");
        browser.open(&next).await;
        opened += 1;
        seen.insert(kind(&browser.path().await));
        findings.check(browser).await;
        queue.extend(links(browser).await);
    }
    for path in extra {
        browser.open(path).await;
        seen.insert(kind(path));
        findings.check(browser).await;
    }
    seen
}

/// The kinds of page each role must have reached (its main pages), so that the walk cannot
/// silently shrink when a menu changes.
fn must_reach(role: Role) -> &'static [&'static str] {
    match role {
        Role::Staff => &[
            "/municipalities",
            "/municipalities/N",
            "/municipalities/N/sheets/N",
            "/municipalities/N/sheets/N/edit/basic",
            "/municipalities/N/sheets/N/figures/*",
            "/municipalities/N/cases",
            "/municipalities/N/cases/new",
            "/municipalities/N/cases/N",
            "/municipalities/N/people/N",
            "/municipalities/N/people/N/plans",
            "/municipalities/N/plans",
            "/municipalities/N/plans/N",
            "/municipalities/N/people/N/consents",
            "/municipalities/N/consents",
            "/municipalities/N/consents/N",
            "/municipalities/N/caseload",
            "/municipalities/N/districts",
            "/municipalities/N/calendar/N",
            "/municipalities/N/events",
            "/municipalities/N/events/new",
            "/municipalities/N/actions/N",
            "/clocks/rules",
            "/beds",
            "/beds/holds",
            "/beds/stats",
            "/import",
            "/account/password",
            "/account/tokens",
        ],
        Role::CouncilMember => &[
            "/municipalities",
            "/municipalities/N",
            "/municipalities/N/sheets/N",
            "/municipalities/N/sheets/N/figures/*",
            "/municipalities/N/calendar/N",
            "/municipalities/N/events",
            "/municipalities/N/actions/N",
            "/account/password",
        ],
        Role::HospitalStaff => &["/hospital", "/account/password", "/account/tokens"],
        Role::SystemAdmin => {
            &["/municipalities", "/admin/users", "/admin/audit", "/admin/users/N/tokens", "/account/tokens"]
        }
    }
}

#[tokio::test]
async fn every_main_page_of_every_role_has_no_serious_or_critical_accessibility_violation() {
    let app = TestApp::spawn(nimo_store::Backend::Sqlite).await;
    seed_year(&app).await;
    // A hold waiting for the hospital, so that its inbox and the nurse's list show one.
    let (_, token) = crate::beds::token_for(&app.db, "a11y-holder", Role::Staff, crate::browsing::meguro()).await;
    let (status, hold) = crate::beds::post_hold(&app.base, &token, crate::beds::OWN_WARD).await;
    assert_eq!(status, 201, "{hold}");
    // A plan in progress (the synthetic year's plans have all ended by now).
    crate::plans::a_plan(&app).await;
    // A 市町村長同意 just received, with its running clock.
    let request = nimo_store::consents::NewRequest {
        municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        person_id: 1,
        hospital_id: None,
        hospital_name: "見本記念病院".into(),
        requested_at: time::OffsetDateTime::now_utc(),
        admission_on: None,
        note: String::new(),
        actor: 1,
    };
    nimo_store::consents::receive(&app.db, &request, nimo_store::audit::AuditEvent::cli("create")).await.unwrap();

    let mut by_role: BTreeMap<&str, Findings> = BTreeMap::new();
    let mut unreached = Vec::new();
    let not_found = "/municipalities/131105/no-such-page";
    for role in [Role::Staff, Role::CouncilMember, Role::HospitalStaff, Role::SystemAdmin] {
        let login = format!("a11y-{}", role.code());
        let code = user(&app, &login, role).await;
        let browser = Browser::start(&app.base).await;
        let findings = by_role.entry(role.code()).or_default();
        browser
            .on_failure(&format!("a11y-{}", role.code()), async {
                if role == Role::Staff {
                    // The sign-in pages themselves.
                    browser.open("/login").await;
                    findings.check(&browser).await;
                    browser.type_into("#login", &login).await;
                    browser.type_into("#password", PASSWORD).await;
                    browser.click_and_wait("form[action='/login'] button[type=submit]").await;
                    findings.check(&browser).await;
                    browser.type_into("#code", code.as_deref().unwrap()).await;
                    browser.click_and_wait("form[action='/login/totp'] button[type=submit]").await;
                } else {
                    sign_in(&browser, &login, code.as_deref(), &mut Tally::default()).await;
                }
                let refused = if role == Role::SystemAdmin { "/beds" } else { "/admin/users" };
                let reached = walk(&browser, &[not_found, refused], findings).await;
                let missing: Vec<_> = must_reach(role).iter().filter(|k| !reached.contains(**k)).collect();
                if !missing.is_empty() {
                    unreached.push(format!("{}: not reached {missing:?}; reached {reached:?}", role.code()));
                }
            })
            .await;
        browser.quit().await;
    }

    // A nurse who has not enrolled her second factor yet: the enrolment page.
    let (_, _) =
        crate::harness::account_in_scope(&app.db, "a11y-new", Role::Staff, crate::browsing::meguro(), false).await;
    let browser = Browser::start(&app.base).await;
    browser.open("/login").await;
    browser.type_into("#login", "a11y-new").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click_and_wait("form[action='/login'] button[type=submit]").await;
    assert!(browser.path().await.starts_with("/account/2fa"), "{}", browser.path().await);
    by_role.entry("enrol").or_default().check(&browser).await;
    browser.quit().await;

    let mut serious = Vec::new();
    let mut by_impact: BTreeMap<String, usize> = BTreeMap::new();
    for (role, findings) in &by_role {
        let count = findings.violations.iter().filter(|(_, v)| v.is_serious()).count();
        eprintln!(
            "{role}: {} pages, {} violations, {count} serious or critical",
            findings.pages.len(),
            findings.violations.len()
        );
        for (page, v) in &findings.violations {
            *by_impact.entry(v.impact.clone()).or_default() += 1;
            eprintln!("  {role} {page}: {v}");
            if v.is_serious() {
                serious.push(format!("{role} {page}: {v}"));
            }
        }
    }
    eprintln!("violations by impact: {by_impact:?}");
    assert!(unreached.is_empty(), "{}", unreached.join("\n"));
    assert!(serious.is_empty(), "serious or critical accessibility violations:\n{}", serious.join("\n"));
}
