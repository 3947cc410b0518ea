//! The link sweep: for every kind of account (staff of the whole municipality, a 地区担当, staff of
//! another municipality, hospital staff, a read-only 協議の場 member, the administrator), sign in,
//! start at `/` and follow every same-origin link and GET form on every page reached; every POST
//! form's action is sent once without its CSRF token, which the policy layer answers before the
//! forgery check: a control the policy refuses comes back as the policy's refusal, one it allows
//! as the forgery check's (so nothing is changed). No offered link or form may lead to a refusal,
//! a sign-in or any error page.

use crate::beds::{OWN_HOSPITAL, OWN_WARD, seed_beds};
use crate::harness::{Client, TestApp, account, account_in_scope, for_each_backend};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// What the policy layer says when it refuses a page or a form (`policy::enforce`).
const POLICY_REFUSALS: [&str; 2] = ["このページを表示する権限がありません", "このページは利用できません"];
/// What the forgery check says to a form sent without its token (`csrf.rs`).
const FORGERY_REFUSAL: &str = "フォームの有効期限が切れたか";
/// At most this many pages per account, and per path with different queries.
const MAX_PAGES: usize = 400;
const MAX_QUERIES_PER_PATH: usize = 3;

fn meguro() -> MunicipalityCode {
    MunicipalityCode::parse("131105").unwrap()
}

/// Today's date and the time now in Japan, as the intake form takes them.
fn japan_now() -> (String, String) {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9));
    (now.date().to_string(), format!("{}T{:02}:{:02}", now.date(), now.hour(), now.minute()))
}

/// A report received today in a 地区, due today; returns the case id.
async fn report_today(app: &TestApp, district: &str, kana: &str) -> i64 {
    let (today, now) = japan_now();
    let form: Vec<(String, String)> = [
        ("received_at", now.as_str()),
        ("police_station", "目黒警察署"),
        ("district", district),
        ("resident", "1"),
        ("circumstances", "路上で大声、警察官が保護"),
        ("next_due_on", today.as_str()),
        ("name_kana", kana),
        ("name_kanji", "見本 太郎"),
        ("birth_date", "1990-04-01"),
        ("sex", "m"),
        ("address", "見本町1-1"),
        ("contact", "000-0000-0000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &form).await;
    assert_eq!(status, 303, "intake: {body}");
    location.unwrap().split('?').next().unwrap().rsplit('/').next().unwrap().parse().unwrap()
}

/// A year of records, two reports of today (東部 and 西部) and a hold for the first.
pub async fn seed(app: &TestApp) {
    let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
    let staffing = nimo_store::synthetic::Staffing { anywhere: vec![nurse.id], districts: vec![] };
    nimo_store::synthetic::meguro_year(&app.db, "131105", nimo_domain::FiscalYear(2021), &staffing).await.unwrap();
    let east = report_today(app, "東部", "とうぶ たろう").await;
    report_today(app, "西部", "せいぶ たろう").await;
    seed_beds(&app.db, &[]).await;
    let case = nimo_store::cases::get(&app.db, east).await.unwrap();
    let hold = nimo_store::beds::NewHold {
        ward_id: OWN_WARD.into(),
        case_ref: nimo_domain::beds::CaseRef::parse(&nimo_domain::cases::reception_number(case.fiscal_year, east))
            .unwrap(),
        admission: nimo_domain::beds::AdmissionType::Sochi,
        placed_by: nurse.id,
        searched_at: crate::beds::now(),
        case_id: Some(east),
        admission_reason: None,
    };
    nimo_store::beds::place_hold_at(&app.db, &hold, 1800, "cli", crate::beds::now()).await.unwrap();
}

/// Every account the sweep signs in as, with a client of its own.
pub async fn accounts(app: &TestApp) -> Vec<(&'static str, Client)> {
    let mut signed_in = Vec::new();
    let district = Scope { municipality: Some(meguro()), district: Some("東部".into()), hospital: None };
    let hospital = Scope { hospital: Some(OWN_HOSPITAL.into()), ..Scope::default() };
    let other = Scope { municipality: Some(MunicipalityCode::parse("131016").unwrap()), ..Scope::default() };
    let council = Scope { municipality: Some(meguro()), ..Scope::default() };
    for (name, role, scope) in [
        ("地区担当", Role::Staff, district),
        ("他自治体の職員", Role::Staff, other),
        ("病院職員", Role::HospitalStaff, hospital),
        ("協議の場", Role::CouncilMember, council),
    ] {
        let login = format!("sweep-{}", role.code()) + if name == "他自治体の職員" { "-other" } else { "" };
        let (_, codes) = account_in_scope(&app.db, &login, role, scope, role.requires_two_factor()).await;
        let client = match codes.first() {
            Some(code) => TestApp::client_for(app, &login, code).await,
            None => TestApp::client_for_password_only(app, &login).await,
        };
        signed_in.push((name, client));
    }
    let codes = account(&app.db, "sweep-admin", Role::SystemAdmin, None).await;
    signed_in.push(("管理者", TestApp::client_for(app, "sweep-admin", &codes[0]).await));
    signed_in
}

/// The values of an attribute in every tag of a kind (`a`/`link` → href, `form` → action).
fn attributes(html: &str, tag: &str, name: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for piece in html.split('<').skip(1) {
        let Some(rest) = piece.strip_prefix(tag) else { continue };
        if !rest.starts_with([' ', '>']) {
            continue;
        }
        let head = &piece[..piece.find('>').unwrap_or(piece.len())];
        let attr = |key: &str| {
            let key = format!(" {key}=\"");
            head.find(&key).map(|at| {
                let value = &head[at + key.len()..];
                value[..value.find('"').unwrap_or(value.len())].replace("&amp;", "&").replace("&#x2F;", "/")
            })
        };
        if let Some(value) = attr(name) {
            found.push((value, attr("method").unwrap_or_else(|| "get".into()).to_ascii_lowercase()));
        }
    }
    found
}

/// A same-origin path of a link, without its fragment; `None` for another site, `tel:` …
fn local(href: &str) -> Option<String> {
    let href = href.split('#').next().unwrap_or_default();
    (href.starts_with('/') && !href.starts_with("//")).then(|| href.to_string())
}

/// Crawls from `/` as one account; returns every offered control that was refused, with the
/// page that offered it.
async fn sweep(client: &Client) -> (Vec<String>, usize, usize) {
    let mut problems = Vec::new();
    let mut queue: VecDeque<(String, String)> = VecDeque::from([("/".to_string(), "（開始）".to_string())]);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut per_path: HashMap<String, usize> = HashMap::new();
    let mut probed: BTreeSet<String> = BTreeSet::new();
    let mut pages = 0;
    while let Some((path, from)) = queue.pop_front() {
        if !seen.insert(path.clone()) || pages >= MAX_PAGES {
            continue;
        }
        let bare = path.split('?').next().unwrap_or_default().to_string();
        let variants = per_path.entry(bare.clone()).or_default();
        *variants += 1;
        if *variants > MAX_QUERIES_PER_PATH || bare.ends_with("/events") {
            continue;
        }
        pages += 1;
        let response = client.client.get(format!("{}{path}", client.base)).send().await.expect("request");
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_string);
        let html = response.headers().get("content-type").is_some_and(|c| c.to_str().unwrap_or("").contains("html"));
        let body = response.text().await.unwrap_or_default();
        if (300..400).contains(&status) {
            match location.as_deref().and_then(local) {
                Some(to) if !to.starts_with("/login") => queue.push_back((to, path.clone())),
                to => problems.push(format!("GET {path} ({from} から): {status} → {to:?}")),
            }
            continue;
        }
        if status != 200 || POLICY_REFUSALS.iter().any(|r| body.contains(r)) {
            let title = body.split("<h1>").nth(1).and_then(|t| t.split("</h1>").next()).unwrap_or("");
            problems.push(format!("GET {path} ({from} から): {status} {title}"));
            continue;
        }
        if !html {
            continue;
        }
        for (href, _) in attributes(&body, "a", "href").into_iter().chain(attributes(&body, "link", "href")) {
            if let Some(to) = local(&href) {
                queue.push_back((to, path.clone()));
            }
        }
        for (action, method) in attributes(&body, "form", "action") {
            let Some(to) = local(&action) else { continue };
            if method == "get" {
                queue.push_back((to, path.clone()));
                continue;
            }
            if !probed.insert(to.clone()) {
                continue;
            }
            // Without the CSRF token: the policy answers first; what it lets through is stopped by
            // the forgery check, so the probe changes nothing.
            let response = client
                .client
                .post(format!("{}{to}", client.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("")
                .send()
                .await
                .expect("probe");
            let status = response.status().as_u16();
            let answer = response.text().await.unwrap_or_default();
            if status != 403 || !answer.contains(FORGERY_REFUSAL) {
                let title = answer.split("<h1>").nth(1).and_then(|t| t.split("</h1>").next()).unwrap_or("");
                problems.push(format!("POST {to} ({path} のフォーム): {status} {title}"));
            }
        }
    }
    (problems, pages, probed.len())
}

#[tokio::test]
async fn no_role_is_offered_a_link_or_form_that_the_policy_refuses() {
    for_each_backend(|app| async move {
        seed(&app).await;
        let nurse = Client { base: app.base.clone(), client: app.client.clone(), csrf: app.csrf.clone() };
        let mut everyone = vec![("保健師", nurse)];
        everyone.extend(accounts(&app).await);
        let mut report = Vec::new();
        for (name, client) in &everyone {
            let (problems, pages, forms) = sweep(client).await;
            eprintln!("{:?} {name}: {pages} pages, {forms} form actions, {} refused", app.backend, problems.len());
            assert!(pages > 3, "{name}: the start page leads somewhere");
            report.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
        }
        assert!(report.is_empty(), "{:?}: offered but refused:\n{}", app.backend, report.join("\n"));
    })
    .await;
}
