//! What the browser tests of whole pages share: signing in on the login pages as any role, the
//! fictional 目黒区 year (cases, people, plans) and hospitals they look at, and counting the
//! pages and clicks a journey takes.

use crate::chrome::Browser;
use crate::harness::{PASSWORD, TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

pub const MEGURO: &str = "131105";

/// The scope of a 目黒区 account.
pub fn meguro() -> Scope {
    Scope { municipality: Some(MunicipalityCode::parse(MEGURO).unwrap()), ..Scope::default() }
}

/// A new account of the role (目黒区, or the demo's own hospital for hospital staff), with a
/// second factor where the role needs one; returns a recovery code to sign in with.
pub async fn user(app: &TestApp, login: &str, role: Role) -> Option<String> {
    let scope = match role {
        Role::HospitalStaff => crate::beds::hospital_scope(crate::beds::OWN_HOSPITAL),
        Role::SystemAdmin => Scope::default(),
        _ => meguro(),
    };
    let (_, codes) = account_in_scope(&app.db, login, role, scope, role.requires_two_factor()).await;
    codes.into_iter().next()
}

/// The fictional 目黒区 令和3年度 (cases, people, plans, taken by `hokenshi`) and the two test
/// hospitals with a ward each.
pub async fn seed_year(app: &TestApp) {
    let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.expect("the harness's nurse");
    let staffing = nimo_store::synthetic::Staffing { anywhere: vec![nurse.id], districts: vec![] };
    nimo_store::synthetic::meguro_year(&app.db, MEGURO, nimo_domain::FiscalYear(2021), &staffing)
        .await
        .expect("the synthetic year");
    crate::beds::seed_beds(&app.db, &[]).await;
}

/// Counts what a journey takes: pages loaded and clicks (a chosen option, a ticked box and typing
/// are not clicks; following a link or pressing a button is).
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub pages: u32,
    pub clicks: u32,
}

impl Tally {
    /// Clicks a link or button that loads a page, and counts both.
    pub async fn follow(&mut self, browser: &Browser, css: &str) {
        browser.click_and_wait(css).await;
        self.clicks += 1;
        self.pages += 1;
    }

    /// Clicks something that loads no page (opens a section, a download link).
    pub async fn click(&mut self, browser: &Browser, css: &str) {
        browser.click(css).await;
        self.clicks += 1;
    }
}

/// Signs in on the login pages (password, then a recovery code on /login/totp when the role has
/// a second factor), typing only the first page's address; counts the pages and clicks.
pub async fn sign_in(browser: &Browser, login: &str, code: Option<&str>, tally: &mut Tally) {
    browser.open("/login").await;
    tally.pages += 1;
    assert_eq!(browser.text("h1").await, "ログイン");
    browser.type_into("#login", login).await;
    browser.type_into("#password", PASSWORD).await;
    tally.follow(browser, "form[action='/login'] button[type=submit]").await;
    if let Some(code) = code {
        assert!(browser.path().await.starts_with("/login/totp"), "the password leads to the second factor");
        browser.type_into("#code", code).await;
        tally.follow(browser, "form[action='/login/totp'] button[type=submit]").await;
    }
    // Not the sign-in pages any more (each role lands on its start page, `/`, unless sent on).
    assert!(!browser.path().await.starts_with("/login"), "signed in: {}", browser.path().await);
}

/// Clicks the first link whose visible text contains `text` (within `scope`, a CSS selector)
/// and waits for its page; counts it.
pub async fn follow_text(browser: &Browser, scope: &str, text: &str, tally: &mut Tally) {
    let found = browser
        .eval(&format!(
            "const a = Array.from(document.querySelectorAll({scope:?} + ' a')).find(a => a.innerText.includes({text:?}));\
             if (!a) return false; document.querySelectorAll('[data-nimo-next]').forEach(e => e.removeAttribute('data-nimo-next'));\
             a.setAttribute('data-nimo-next', '1'); return true;",
            scope = scope,
            text = text
        ))
        .await;
    assert_eq!(found, Some(serde_json::json!(true)), "no link 「{text}」 in {scope} on {}", browser.path().await);
    tally.follow(browser, "[data-nimo-next]").await;
}
