//! 市町村長同意 pages: receiving a request from a person's page, and the request's page with its checks, clocks,
//! events and a form for each next step the state machine allows; the decision has its own route,
//! which needs `ConsentDecide` (municipality-wide staff).
//!
//! Like the plan pages: a `read` audit row before any page with personal data, a record outside
//! the viewer's municipality or 地区 answered 404 after a `denied` row, refused input shown again
//! with 422 and the reason beside its field, nothing saved.

use super::forms::{self, DecisionForm, RequestForm, StepForm};
use crate::audit;
use crate::clock_view::ClockRow;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{
    Errors, Fields, PagePath, Record, Submission, Submitted, SummaryItem, load_scoped, person_in_scope, user_id,
};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::consents::{ARTICLE, EndReason, Excluded, FamilyFinding, GUIDANCE, ResidenceBasis, event_label};
use nimo_store::audit::Outcome;
use nimo_store::consents::{self, MayorConsent};
use nimo_store::people;
use time::OffsetDateTime;

#[derive(Template)]
#[template(path = "consent_new.html")]
struct NewPage {
    ctx: Layout,
    code: String,
    p: people::Person,
    existing: Vec<(i64, &'static str)>,
    hospitals: Vec<(String, String)>,
    f: Fields,
    errors: Errors,
    summary: Vec<SummaryItem>,
}

impl NewPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

const REQUEST_ORDER: &[&str] = &["hospital_id", "hospital_name", "requested_at", "admission_on", "note"];

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    p: people::Person,
    f: Fields,
    errors: Errors,
) -> Result<NewPage, WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("person", p.id.to_string()))
        .await?;
    let existing =
        consents::of_person(&state.db, p.id).await?.into_iter().map(|c| (c.id, c.status.state.label())).collect();
    let summary = crate::pages::summary(&errors, REQUEST_ORDER, |name| name.to_string());
    Ok(NewPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        existing,
        hospitals: consents::hospital_choices(&state.db).await?,
        p,
        f,
        errors,
        summary,
    })
}

/// GET /municipalities/{code}/people/{person_id}/consents: the person's requests and the form that
/// receives a new one.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseRead).await?;
    let mut f = Fields::new();
    let now = crate::pages::japan_now(&state);
    f.insert("requested_at".into(), nimo_domain::calendar::local_minute_text(now));
    Ok(Html(new_page(&state, &ctx, &code, person, f, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/people/{person_id}/consents: receives the hospital's request.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<RequestForm>,
) -> Result<Response, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let hospitals = consents::hospital_choices(&state.db).await?;
    let mut errors = Errors::new();
    let status = match forms::request(&f, &code, person.id, &hospitals, user_id(&ctx)?) {
        Ok(new) => match consents::receive(&state.db, &new, audit::event(&ctx.0, "create", Outcome::Ok)).await {
            Ok(cid) => return Ok(Redirect::to(&format!("/municipalities/{code}/consents/{cid}")).into_response()),
            Err(error) => forms::explain(error, &mut errors)?,
        },
        Err(found) => {
            errors = found;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let page = new_page(&state, &ctx, &code, person, f, errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// One form for an allowed next step.
struct Step {
    code: &'static str,
    label: &'static str,
}

struct EventRow {
    at: String,
    what: &'static str,
    detail: String,
    official: String,
    note: String,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    ctx: Layout,
    code: String,
    /// The person's admissions on 市町村長同意 (link id, label, hospital).
    admissions: Vec<(i64, String, String)>,
    c: MayorConsent,
    person: people::Person,
    article: &'static str,
    guidance: &'static str,
    state_label: &'static str,
    residence: &'static str,
    family: &'static str,
    end: String,
    clocks: Vec<ClockRow>,
    events: Vec<EventRow>,
    steps: Vec<Step>,
    decision: Option<Step>,
    requested: String,
    consented: String,
    period: String,
    referred: String,
    eligible: Option<String>,
    bases: Vec<(&'static str, &'static str)>,
    findings: Vec<(&'static str, &'static str)>,
    excluded: Vec<(&'static str, &'static str)>,
    end_reasons: Vec<(&'static str, &'static str)>,
    now: String,
    f: Fields,
    errors: Errors,
    failed: String,
    summary: Vec<SummaryItem>,
}

impl ConsentPage {
    fn error(&self, form: &str, name: &str) -> String {
        if self.failed == form { self.errors.get(name).cloned().unwrap_or_default() } else { String::new() }
    }
    fn typed(&self, form: &str, name: &str) -> String {
        match self.f.get(name) {
            Some(v) if self.failed == form => v.clone(),
            _ if name == "occurred_at" => self.now.clone(),
            _ => String::new(),
        }
    }
    fn selected(&self, form: &str, name: &str, option: &str) -> bool {
        self.failed == form && self.f.get(name).is_some_and(|v| v == option)
    }
}

const STEP_ORDER: &[&str] = &[
    "event",
    "occurred_at",
    "residence",
    "family",
    "excluded",
    "consent",
    "official",
    "period_end",
    "end_reason",
    "note",
];

async fn load(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
) -> Result<MayorConsent, WebError> {
    let fetch = |id| consents::get(&state.db, id);
    load_scoped(state, ctx, code, id, permission, "mayor_consent", fetch, |c: &MayorConsent| {
        (&c.municipality, &c.district)
    })
    .await
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    c: MayorConsent,
    submitted: Submitted,
) -> Result<ConsentPage, WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("mayor_consent", c.id.to_string()))
        .await?;
    let Submitted { f, errors, failed, .. } = submitted;
    let now = state.clock.now();
    let s = &c.status;
    let events = consents::events(&state.db, c.id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: crate::display::jst_minute(e.occurred_at),
            what: e.label,
            detail: e.detail,
            official: e.official,
            note: e.note,
        })
        .collect();
    let allowed = s.allowed();
    let decision = allowed
        .iter()
        .find(|c| **c == "decide" || **c == "decide_renewal")
        .map(|c| Step { code: c, label: event_label(c) });
    let jst = |at: Option<OffsetDateTime>| at.map(crate::display::jst_minute).unwrap_or_default();
    let local = crate::pages::japan_now(state);
    let summary = crate::pages::summary(&errors, STEP_ORDER, |name| format!("{failed}-{name}"));
    let mayor = Some(nimo_domain::admissions::Consent::Mayor);
    let admissions = nimo_store::admissions::of_person(&state.db, c.person_id)
        .await?
        .into_iter()
        .filter(|a| a.entry.consent == mayor || a.status.consent == mayor)
        .map(|a| (a.id, crate::clock_view::admission_label(&a), a.hospital_name.clone()))
        .collect();
    Ok(ConsentPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        admissions,
        person: people::get(&state.db, c.person_id).await?,
        article: ARTICLE,
        guidance: GUIDANCE,
        state_label: s.state.label(),
        residence: s.residence.map_or("未確認", ResidenceBasis::label),
        family: s.family.map_or("未確認", FamilyFinding::label),
        end: s.end.map(|(at, r)| format!("{}（{}）", r.label(), crate::display::jst_minute(at))).unwrap_or_default(),
        clocks: {
            // An administrator's moves of these deadlines show here as on the board.
            let mut own = nimo_domain::consents::clocks(s);
            let moves =
                nimo_store::clock_moves::of_record(&state.db, nimo_store::clock_moves::ClockRecord::Consent(c.id))
                    .await?;
            nimo_domain::clocks::apply_moves(&mut own, &moves);
            own.iter().map(|k| ClockRow::of_clock(k, now)).collect()
        },
        events,
        steps: allowed
            .into_iter()
            .filter(|c| !c.starts_with("decide"))
            .map(|code| Step { code, label: event_label(code) })
            .collect(),
        requested: jst(Some(s.requested_at)),
        consented: jst(s.consented_at),
        period: jst(s.period_end),
        referred: jst(s.referred_at),
        decision,
        eligible: (s.state == nimo_domain::consents::ConsentState::Requested)
            .then(|| s.eligibility().err().map(|e| e.to_string()).unwrap_or_default()),
        bases: ResidenceBasis::ALL.iter().map(|b| (b.code(), b.label())).collect(),
        findings: FamilyFinding::ALL.iter().map(|b| (b.code(), b.label())).collect(),
        excluded: Excluded::ALL.iter().map(|b| (b.code(), b.label())).collect(),
        end_reasons: EndReason::CHOSEN
            .iter()
            .filter(|r| (s.state == nimo_domain::consents::ConsentState::Requested) == r.before_consent())
            .map(|r| (r.code(), r.label()))
            .collect(),
        now: nimo_domain::calendar::local_minute_text(local),
        c,
        f,
        errors,
        failed,
        summary,
    })
}

/// GET /municipalities/{code}/consents/{consent_id}: the request, its checks, clocks and events,
/// and a form for each next step.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let c = load(&state, &ctx, &code, id, Permission::CaseRead).await?;
    Ok(Html(page(&state, &ctx, &code, c, Submitted::default()).await?.render()?))
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    c: MayorConsent,
    f: Fields,
    parsed: Result<consents::ConsentInput, Errors>,
) -> Result<Response, WebError> {
    let failed = f.get("event").cloned().unwrap_or_default();
    let mut errors = Errors::new();
    let revision = forms::revision(&f, &mut errors);
    let status = match parsed {
        Ok(input) if errors.is_empty() => {
            let audit = audit::event(&ctx.0, "write", Outcome::Ok);
            match consents::record(&state.db, c.id, revision, &input, audit).await {
                Ok(_) => return Ok(Redirect::to(&format!("/municipalities/{code}/consents/{}", c.id)).into_response()),
                Err(error) => forms::explain(error, &mut errors)?,
            }
        }
        Ok(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Err(found) => {
            errors.extend(found);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let fresh = consents::get(&state.db, c.id).await?;
    let failed = if fresh.status.allowed().contains(&failed.as_str()) { failed } else { "none".to_string() };
    let page = page(state, ctx, code, fresh, Submitted { f, errors, failed, ..Submitted::default() }).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// POST /municipalities/{code}/consents/{consent_id}/events: records a check, a visit, a renewal
/// request, the referral or the end.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<StepForm>,
) -> Result<Response, WebError> {
    let c = load(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let parsed = forms::step(&f, user_id(&ctx)?);
    save(&state, &ctx, &code, c, f, parsed).await
}

/// POST /municipalities/{code}/consents/{consent_id}/decisions: 同意・不同意 on the request or on a
/// renewal, by an official with a municipality-wide scope.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<DecisionForm>,
) -> Result<Response, WebError> {
    let c = load(&state, &ctx, &code, id, Permission::ConsentDecide).await?;
    let f = crate::pages::posted(&form);
    let parsed = forms::decision(&f, user_id(&ctx)?);
    save(&state, &ctx, &code, c, f, parsed).await
}
