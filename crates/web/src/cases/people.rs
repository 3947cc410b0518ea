//! A person's page: who they are, everything recorded about them (reports, examinations,
//! admissions, plans, visits) in one timeline, and the form that records an outreach visit.
//! Like every case page it is audited before it is answered, and a person outside the viewer's
//! 地区 is a 404.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, PagePath, Record, Submitted, case_choices, person_in_scope, today, user_id};
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_store::audit::Outcome;
use nimo_store::{cases, people};

struct TimelineRow {
    on: String,
    what: String,
    case_id: Option<i64>,
    detail: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    ctx: Layout,
    code: String,
    p: people::Person,
    rows: Vec<TimelineRow>,
    cases: Vec<(i64, String)>,
    plans: Vec<(i64, &'static str)>,
    professions: Vec<(&'static str, &'static str)>,
    methods: &'static [(&'static str, &'static str)],
    outcomes: &'static [(&'static str, &'static str)],
    f: Fields,
    errors: Errors,
    merged_notice: bool,
}

impl PersonPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

async fn person_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    person: people::Person,
    submitted: Submitted,
) -> Result<PersonPage, WebError> {
    let rows = cases::timeline(&state.db, person.id)
        .await?
        .into_iter()
        .map(|e| TimelineRow { on: e.on.to_string(), what: e.what, case_id: e.case_id, detail: e.detail })
        .collect();
    let mut f = submitted.f;
    f.entry("visited_on".into()).or_insert_with(today);
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("person", person.id.to_string()))
        .await?;
    Ok(PersonPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        cases: case_choices(&cases::cases_of_person(&state.db, person.id).await?),
        plans: nimo_store::plans::of_person(&state.db, person.id)
            .await?
            .into_iter()
            .map(|p| (p.id, p.state.label()))
            .collect(),
        p: person,
        rows,
        professions: nimo_domain::cases::PROFESSIONS.iter().map(|p| (p.code, p.label)).collect(),
        methods: nimo_domain::cases::VISIT_METHODS,
        outcomes: VISIT_OUTCOMES,
        f,
        errors: submitted.errors,
        merged_notice: false,
    })
}

/// GET /municipalities/{code}/people/{person_id}: the person and everything recorded about them,
/// with the form for an outreach visit.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseRead).await?;
    let mut page = person_page(&state, &ctx, &code, person, Submitted::default()).await?;
    page.merged_notice = query.get("notice").is_some_and(|n| n == "merged");
    Ok(Html(page.render()?))
}

/// Outcomes of an outreach visit.
const VISIT_OUTCOMES: &[(&str, &str)] =
    &[("met", "面談できた"), ("absent", "不在"), ("refused", "面談を拒否"), ("other", "その他")];

/// POST /municipalities/{code}/people/{person_id}/visits: records an outreach visit (profession,
/// method, outcome), tied to the person and, if chosen, one of their cases. A bad field shows the
/// page again with the reason beside it (422) and saves nothing.
pub async fn add_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let id = person.id;
    let f = crate::pages::fields(pairs);
    let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Errors::new();
    let visited_on = nimo_domain::calendar::parse_iso_date(&get("visited_on"));
    if visited_on.is_none() {
        errors.insert("visited_on".into(), "訪問日を「2022-05-10」の形で入力してください".into());
    }
    if !nimo_domain::cases::PROFESSIONS.iter().any(|p| p.code == get("profession")) {
        errors.insert("profession".into(), "訪問した職種を選んでください".into());
    }
    if !nimo_domain::cases::VISIT_METHODS.iter().any(|(c, _)| *c == get("method")) {
        errors.insert("method".into(), "訪問の方法を選んでください".into());
    }
    if !VISIT_OUTCOMES.iter().any(|(c, _)| *c == get("outcome")) {
        errors.insert("outcome".into(), "訪問の結果を選んでください".into());
    }
    let own_cases = cases::cases_of_person(&state.db, id).await?;
    let case_id = match get("case_id").as_str() {
        "" => None,
        text => match text.parse::<i64>().ok().filter(|c| own_cases.iter().any(|k| k.id == *c)) {
            Some(c) => Some(c),
            None => {
                errors.insert("case_id".into(), "この人の事例から選んでください".into());
                None
            }
        },
    };
    if let (Some(visited_on), true) = (visited_on, errors.is_empty()) {
        let visit = cases::NewVisit {
            municipality: code.clone(),
            district: person.district.clone(),
            person_id: id,
            case_id,
            visited_on,
            profession: get("profession"),
            method: get("method"),
            outcome: get("outcome"),
            note: get("note"),
            actor: Some(user_id(&ctx)?),
        };
        cases::add_visit(&state.db, &visit, audit::event(&ctx.0, "create", Outcome::Ok)).await?;
        return Ok(Redirect::to(&format!("/municipalities/{code}/people/{id}")).into_response());
    }
    let page = person_page(
        &state,
        &ctx,
        &code,
        person,
        Submitted { f, errors, failed: "visit".into(), ..Submitted::default() },
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
