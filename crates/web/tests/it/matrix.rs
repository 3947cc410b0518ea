//! The authorization matrix: every route of the policy table (read at run time, so that routes
//! added later are covered) × every kind of principal × every account state × the record's
//! municipality, hospital ward or hold (own or another), through HTTP. The expected decision is the domain's own
//! `authorize` for the same principal, permission and target; the answer is what the app did.
//!
//! A cell counts as **denied** when the app answers 401, 403, or the policy's redirect to
//! `/login?next=…` (a GET by somebody not signed in); anything else means the handler ran (a
//! page, a download, a redirect elsewhere, 404 for a missing record, 409, 422 for an empty
//! form, or a handler's own redirect to the plain `/login`, as the code page does when no code
//! is pending). POSTs carry the session's CSRF token and nothing else, so that handlers refuse
//! them (422) after the policy let them through; the few that act on an empty body (copying a
//! sheet to the next year) change nothing the later cells depend on. Routes that end the
//! session (`/logout`) run last for each session, and after every other POST the session is
//! checked to still be in its state and is rebuilt (a new account) if it is not.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, anonymous_client, csrf_of};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{AccountState, Denial, Permission, Principal, Role, Scope, Target, authorize};
use nimo_store::{accounts, sheets};
use nimo_web::policy::POLICY;
use std::time::Instant;

mod seed;
use seed::{seed_beds, seed_cases, seed_other_sheet};

/// 目黒区: the municipality of the "own" accounts and of the harness's demo sheet.
const OWN: &str = "131105";
/// 千代田区: another municipality, with a sheet of its own seeded for the matrix.
const OTHER: &str = "131016";
/// The fiscal year of both sheets.
const FY: &str = "2022";
/// The user id for `{id}` in admin routes: the harness's own 保健師, not part of the matrix.
const SOME_USER_ID: &str = "1";
/// The hospital of the hospital staff account, and its ward.
const HOSPITAL: &str = crate::beds::OWN_HOSPITAL;
const OWN_WARD: &str = crate::beds::OWN_WARD;
/// Another hospital, and its ward.
const OTHER_HOSPITAL: &str = crate::beds::OTHER_HOSPITAL;
const OTHER_WARD: &str = crate::beds::OTHER_WARD;
/// The 23条 case (its person and plan) seeded in each municipality: `{case_id}`, `{person_id}`
/// and `{plan_id}` name the one of the path's municipality, so that own and other both name a
/// real record.
const OWN_RECORD: &str = "1";
const OTHER_RECORD: &str = "2";
/// The 地区 of those two records, which the 地区-scoped staff account is scoped to.
const OWN_DISTRICT: &str = "東部";
/// A third case (and person) in the own municipality but another 地区: the 地区-scoped account
/// must be refused it (404 after the handler's scope check, so that it is not revealed).
const OTHER_DISTRICT_RECORD: &str = "3";
const OTHER_DISTRICT: &str = "西部";

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Anonymous,
    Admin,
    StaffOwn,
    StaffOther,
    StaffDistrict,
    CouncilOwn,
    CouncilOther,
    Hospital,
}

impl Kind {
    const ALL: [Kind; 8] = [
        Kind::Anonymous,
        Kind::Admin,
        Kind::StaffOwn,
        Kind::StaffOther,
        Kind::StaffDistrict,
        Kind::CouncilOwn,
        Kind::CouncilOther,
        Kind::Hospital,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::Anonymous => "anonymous",
            Kind::Admin => "admin",
            Kind::StaffOwn => "staff 131105",
            Kind::StaffOther => "staff 131016",
            Kind::StaffDistrict => "staff 131105 東部",
            Kind::CouncilOwn => "council 131105",
            Kind::CouncilOther => "council 131016",
            Kind::Hospital => "hospital",
        }
    }

    fn login(self) -> &'static str {
        match self {
            Kind::Anonymous => "anonymous",
            Kind::Admin => "admin",
            Kind::StaffOwn => "staff-own",
            Kind::StaffOther => "staff-other",
            Kind::StaffDistrict => "staff-district",
            Kind::CouncilOwn => "council-own",
            Kind::CouncilOther => "council-other",
            Kind::Hospital => "hospital",
        }
    }

    fn role(self) -> Option<Role> {
        match self {
            Kind::Anonymous => None,
            Kind::Admin => Some(Role::SystemAdmin),
            Kind::StaffOwn | Kind::StaffOther | Kind::StaffDistrict => Some(Role::Staff),
            Kind::CouncilOwn | Kind::CouncilOther => Some(Role::CouncilMember),
            Kind::Hospital => Some(Role::HospitalStaff),
        }
    }

    fn scope(self) -> Scope {
        let municipality = |code: &str| Scope { municipality: Some(code_of(code)), ..Scope::default() };
        match self {
            Kind::Anonymous | Kind::Admin => Scope::default(),
            Kind::StaffOwn | Kind::CouncilOwn => municipality(OWN),
            Kind::StaffOther | Kind::CouncilOther => municipality(OTHER),
            Kind::StaffDistrict => Scope { district: Some(OWN_DISTRICT.into()), ..municipality(OWN) },
            Kind::Hospital => Scope { hospital: Some(HOSPITAL.into()), ..Scope::default() },
        }
    }
}

/// The state of the account behind a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Fully signed in (no account at all for the anonymous client).
    Active,
    /// Signed in, then disabled by an administrator.
    Disabled,
    /// Signed in, then its login name delayed by failed passwords from elsewhere: the session
    /// goes on as if nothing happened.
    Throttled,
    /// A role that needs a second factor, signed in with the password, not enrolled yet.
    EnrolPending,
    /// Enrolled, signed in with the password, the one-time code not given yet.
    CodePending,
}

impl State {
    const ALL: [State; 5] = [State::Active, State::Disabled, State::Throttled, State::EnrolPending, State::CodePending];

    fn label(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Disabled => "disabled",
            State::Throttled => "throttled",
            State::EnrolPending => "2fa-not-enrolled",
            State::CodePending => "2fa-code-pending",
        }
    }

    fn login(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Disabled => "disabled",
            State::Throttled => "throttled",
            State::EnrolPending => "enrol",
            State::CodePending => "code",
        }
    }

    fn domain(self) -> AccountState {
        match self {
            State::Active | State::Throttled => AccountState::Active,
            State::Disabled => AccountState::Disabled,
            State::EnrolPending | State::CodePending => AccountState::TwoFactorPending,
        }
    }

    /// Whether the state exists for a kind of principal: the anonymous client has no account,
    /// and a role without a second factor can never be waiting for one.
    fn applies_to(self, kind: Kind) -> bool {
        match kind.role() {
            None => self == State::Active,
            Some(role) => role.requires_two_factor() || !matches!(self, State::EnrolPending | State::CodePending),
        }
    }
}

fn code_of(code: &str) -> MunicipalityCode {
    MunicipalityCode::parse(code).expect("municipality code")
}

/// One browser in the matrix, and the principal the domain decides on (none for the anonymous
/// client).
struct Session {
    client: Client,
    principal: Option<Principal>,
    /// What [`PROBE`] answered once the session was in its state (checked again after POSTs).
    baseline: u16,
}

/// A page any signed-in account may see, to tell whether a session is still what it was.
const PROBE: &str = "/account/password";

/// Signs a new account of a kind in and puts it in a state. Each session gets an account of its
/// own (disabling or delaying is per account); `serial` keeps logins unique across rebuilds.
async fn open(app: &TestApp, kind: Kind, state: State, serial: &mut u32) -> Session {
    let Some(role) = kind.role() else {
        let client = Client { base: app.base.clone(), client: anonymous_client(), csrf: String::new() };
        let (status, page) = client.get("/login").await;
        assert_eq!(status, 200, "login page");
        let csrf = csrf_of(&page).expect("login form has a CSRF token");
        let client = Client { csrf, ..client };
        let baseline = client.get(PROBE).await.0;
        return Session { client, principal: None, baseline };
    };
    *serial += 1;
    let login = format!("m{serial}-{}-{}", kind.login(), state.login());
    let enrol = role.requires_two_factor() && state != State::EnrolPending;
    let (user, codes) = account_in_scope(&app.db, &login, role, kind.scope(), enrol).await;
    let client = match (state, codes.first()) {
        (State::EnrolPending | State::CodePending, _) | (_, None) => {
            TestApp::client_for_password_only(app, &login).await
        }
        (_, Some(code)) => TestApp::client_for(app, &login, code).await,
    };
    assert!(!client.csrf.is_empty(), "{login}: the session has a CSRF token");
    if matches!(state, State::Disabled | State::Throttled) {
        assert_eq!(client.get(PROBE).await.0, 200, "{login}: signed in before the change");
    }
    match state {
        State::Disabled => {
            accounts::set_disabled(&app.db, user.id, true, nimo_store::audit::AuditEvent::cli("user_admin"))
                .await
                .expect("disable")
        }
        State::Throttled => {
            // Wrong passwords from an address of their own, so that the per-address throttle of
            // one account's failures does not stop the next.
            let address = format!("192.0.2.{serial}");
            for _ in 0..accounts::DELAY_AFTER_FAILURES {
                let refused = accounts::check_password(&app.db, &login, "まちがったパスワードをためす", &address).await;
                assert!(refused.is_err(), "{login}: a wrong password is refused");
            }
            let now = time::OffsetDateTime::now_utc();
            let user = accounts::get(&app.db, user.id).await.expect("account");
            assert!(user.is_throttled_at(now), "{login}: its sign-ins wait");
        }
        _ => {}
    }
    let principal = Principal { user_id: user.id, role, scope: user.scope.clone(), state: state.domain() };
    let baseline = client.get(PROBE).await.0;
    // A disable ends the session (its stamp changes): like a browser sent back to sign in, the
    // client's forms now carry the sign-in page's token (the ended session's token is accepted
    // only by the request that ends it, and no anonymous session keeps it).
    let client = if state == State::Disabled {
        let (_, page) = client.get("/login").await;
        Client { csrf: csrf_of(&page).expect("login form has a CSRF token"), ..client }
    } else {
        client
    };
    Session { client, principal: Some(principal), baseline }
}

/// A concrete path for a route pattern: `{code}` is the target municipality, `{case_id}`,
/// `{person_id}` and `{plan_id}` the record `id` (by default the one seeded in that municipality), and the other
/// parameters name a record that exists (or, for parameters this test does not know, `1`).
fn path_of(pattern: &str, record: Option<&str>, id: Option<&str>) -> String {
    let mut path = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("a closed path parameter");
        path.push_str(&rest[..start]);
        path.push_str(match rest[start + 1..end].trim_start_matches('*') {
            "code" | "ward" | "hold" => record.expect("a route with a record parameter has a target"),
            "fy" => FY,
            "section" => "basic",
            "file" => "export.json",
            "key" => "report23.in_area",
            "id" | "user" | "user_id" => SOME_USER_ID,
            "case_id" | "person_id" | "plan_id" if id.is_some() => id.unwrap_or_default(),
            "case_id" | "person_id" | "plan_id" if record == Some(OTHER) => OTHER_RECORD,
            "case_id" | "person_id" | "plan_id" => OWN_RECORD,
            _ => "1",
        });
        rest = &rest[end + 1..];
    }
    path.push_str(rest);
    path
}

/// A policy entry: method, path pattern, permission.
type Route = (&'static str, &'static str, Permission);

/// The routes in the order a session goes through them: those that end the session last.
fn routes() -> Vec<Route> {
    let mut routes = POLICY.to_vec();
    routes.sort_by_key(|(_, pattern, _)| pattern.contains("logout"));
    routes
}

/// What the app answered.
struct Answer {
    status: u16,
    location: Option<String>,
}

impl Answer {
    /// Whether the app refused. `hides` is set for a step that names an existing case record:
    /// the handler answers a record outside the viewer's 地区 404, so that counts as refused too.
    fn denied(&self, hides: bool) -> bool {
        matches!(self.status, 401 | 403)
            || (hides && self.status == 404)
            || (self.status == 303 && self.location.as_deref().is_some_and(|l| l.starts_with("/login?next=")))
    }

    fn describe(&self) -> String {
        match &self.location {
            Some(location) => format!("{} → {location}", self.status),
            None => self.status.to_string(),
        }
    }
}

async fn send(client: &Client, method: &str, path: &str) -> Answer {
    let url = format!("{}{path}", client.base);
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let request = if method == reqwest::Method::GET || method == reqwest::Method::HEAD {
        client.client.request(method, url)
    } else {
        client.client.request(method, url).form(&[("csrf", client.csrf.as_str())])
    };
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap_or_default().to_string());
    // An event stream (the bed finder's live updates) never ends: its status is the answer.
    let streaming = response
        .headers()
        .get("content-type")
        .is_some_and(|t| t.to_str().unwrap_or_default().starts_with("text/event-stream"));
    if !streaming {
        let _ = response.bytes().await.expect("body");
    }
    Answer { status, location }
}

fn describe(decision: &Result<(), Denial>) -> String {
    match decision {
        Ok(()) => "allowed".into(),
        Err(denial) => format!("denied ({denial:?})"),
    }
}

/// What the matrix found on one backend.
#[derive(Default)]
struct Report {
    sessions: usize,
    cells: usize,
    allowed: usize,
    denied: usize,
    mismatches: Vec<String>,
    notes: Vec<String>,
}

/// The records a route's path can name, own and other for each kind: the municipality for
/// `{code}`, a ward of the hospital account's hospital or of another for `{ward}`, a hold on
/// either for `{hold}`.
#[derive(Clone)]
struct Fixtures {
    own_hold: String,
    other_hold: String,
}

/// One record a step names: the path value, the case/person id (for `{case_id}` and
/// `{person_id}`) and the target the domain decides on.
#[derive(Clone)]
struct Record {
    value: String,
    id: Option<String>,
    target: Target,
}

impl Fixtures {
    fn records(&self, pattern: &str) -> Vec<Option<Record>> {
        let municipality =
            |c: &str| Some(Record { value: c.into(), id: None, target: Target::Municipality(code_of(c)) });
        let hospital = |value: &str, hospital: &str| {
            Some(Record { value: value.into(), id: None, target: Target::Hospital(hospital.into()) })
        };
        // A case or person: the target is the record's real 地区 in its real municipality.
        let case = |c: &str, id: &str, district: &str| {
            Some(Record { value: c.into(), id: Some(id.into()), target: Target::District(code_of(c), district.into()) })
        };
        if pattern.contains("{case_id}") || pattern.contains("{person_id}") || pattern.contains("{plan_id}") {
            vec![
                case(OWN, OWN_RECORD, OWN_DISTRICT),
                case(OTHER, OTHER_RECORD, OWN_DISTRICT),
                case(OWN, OTHER_DISTRICT_RECORD, OTHER_DISTRICT),
            ]
        } else if pattern.contains("{code}") {
            vec![municipality(OWN), municipality(OTHER)]
        } else if pattern.contains("{ward}") {
            vec![hospital(OWN_WARD, HOSPITAL), hospital(OTHER_WARD, OTHER_HOSPITAL)]
        } else if pattern.contains("{hold}") {
            vec![hospital(&self.own_hold, HOSPITAL), hospital(&self.other_hold, OTHER_HOSPITAL)]
        } else {
            vec![None]
        }
    }
}

/// Every route, with each record its path can name (own and other).
fn steps(fixtures: &Fixtures) -> Vec<(Route, Option<Record>)> {
    routes()
        .into_iter()
        .flat_map(|route| fixtures.records(route.1).into_iter().map(move |record| (route, record)))
        .collect()
}

/// Runs every cell of one principal kind in one state, through one session.
async fn run_session(
    app: &TestApp,
    fixtures: &Fixtures,
    kind: Kind,
    state: State,
    serial: &mut u32,
    report: &mut Report,
) {
    let mut session = open(app, kind, state, serial).await;
    report.sessions += 1;
    let steps = steps(fixtures);
    for (index, ((method, pattern, permission), record)) in steps.iter().enumerate() {
        let target = record.as_ref().map_or(Target::Nothing, |r| r.target.clone());
        let code = record.as_ref().map(|r| r.value.as_str());
        let id = record.as_ref().and_then(|r| r.id.as_deref());
        let expected = authorize(session.principal.as_ref(), *permission, &target);
        let answer = send(&session.client, method, &path_of(pattern, code, id)).await;
        let who = format!(
            "{} | {} | target {}{}",
            kind.label(),
            state.label(),
            code.unwrap_or("-"),
            id.map(|i| format!(" #{i}")).unwrap_or_default()
        );
        report.cells += 1;
        let denied = answer.denied(id.is_some());
        if denied {
            report.denied += 1;
        } else {
            report.allowed += 1;
        }
        if denied == expected.is_ok() {
            report.mismatches.push(format!(
                "{method} {pattern} | {who} | expected {} | got {}",
                describe(&expected),
                answer.describe()
            ));
        }
        if answer.status >= 500 {
            report.notes.push(format!("server error: {method} {pattern} | {who} | {}", answer.describe()));
        }
        // A POST may have changed what the session is (a route added later that ends sessions,
        // say): check, and carry on with a fresh session in the same state if it did.
        if *method != "GET" && index + 1 < steps.len() {
            let probe = session.client.get(PROBE).await.0;
            if probe != session.baseline {
                report.notes.push(format!(
                    "{method} {pattern} | {who} changed the session ({PROBE}: {} → {probe}): rebuilt",
                    session.baseline
                ));
                session = open(app, kind, state, serial).await;
            }
        }
    }
}

#[tokio::test]
async fn every_route_answers_every_principal_state_and_scope_as_the_policy_says() {
    for_each_backend(|app| async move {
        let started = Instant::now();
        seed_other_sheet(&app.db).await;
        let fixtures = seed_beds(&app.db).await;
        let staff = accounts::find_by_login(&app.db, "hokenshi").await.expect("the harness's nurse").id;
        seed_cases(&app.db, staff).await;
        seed::seed_directory(&app.db).await;
        let mut report = Report::default();
        let mut serial = 0;
        for kind in Kind::ALL {
            for state in State::ALL.into_iter().filter(|s| s.applies_to(kind)) {
                run_session(&app, &fixtures, kind, state, &mut serial, &mut report).await;
            }
        }
        let Report { sessions, cells, allowed, denied, mismatches, notes } = &report;
        eprintln!(
            "authorization matrix on {:?}: {} routes ({} with own/other target) × {sessions} principal/state \
             sessions = {cells} cells ({allowed} allowed, {denied} denied), {} mismatches, {:.1} s",
            app.backend,
            POLICY.len(),
            POLICY
                .iter()
                .filter(|(_, pattern, _)| ["{code}", "{ward}", "{hold}"].iter().any(|p| pattern.contains(p)))
                .count(),
            mismatches.len(),
            started.elapsed().as_secs_f64()
        );
        for mismatch in mismatches {
            eprintln!("  MISMATCH {mismatch}");
        }
        for note in notes {
            eprintln!("  note: {note}");
        }
        let kinds_and_states =
            Kind::ALL.iter().map(|&kind| State::ALL.iter().filter(|s| s.applies_to(kind)).count()).sum::<usize>();
        assert_eq!(*sessions, kinds_and_states, "one session per principal kind and state");
        assert_eq!(*cells, steps(&fixtures).len() * sessions, "every route was tried by every session");
        assert!(mismatches.is_empty(), "{} authorization mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    })
    .await;
}
