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
    consents: Vec<(i64, &'static str)>,
    professions: Vec<(&'static str, &'static str)>,
    methods: &'static [(&'static str, &'static str)],
    outcomes: &'static [(&'static str, &'static str)],
    f: Fields,
    errors: Errors,
    /// The visit form's errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
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
        consents: nimo_store::consents::of_person(&state.db, person.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.status.state.label()))
            .collect(),
        p: person,
        rows,
        professions: nimo_domain::cases::PROFESSIONS.iter().map(|p| (p.code, p.label)).collect(),
        methods: nimo_domain::cases::VISIT_METHODS,
        outcomes: VISIT_OUTCOMES,
        f,
        summary: crate::pages::summary(&submitted.errors, VISIT_FIELDS, str::to_string),
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
    axum::extract::Query(query): axum::extract::Query<crate::pages::NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseRead).await?;
    let mut page = person_page(&state, &ctx, &code, person, Submitted::default()).await?;
    page.merged_notice = query.notice.is_some_and(|n| n == "merged");
    Ok(Html(page.render()?))
}

/// The visit form's fields in the order it shows them (each field's id is its name).
const VISIT_FIELDS: &[&str] = &["visited_on", "profession", "team", "method", "outcome", "case_id", "note"];

/// Outcomes of an outreach visit.
const VISIT_OUTCOMES: &[(&str, &str)] =
    &[("met", "面談できた"), ("absent", "不在"), ("refused", "面談を拒否"), ("other", "その他")];

impl crate::pages::WithList for VisitForm {
    const LIST: &'static str = "team";
}

/// The outreach-visit form as posted: every field text, empty when left out (the team's other
/// professions are the repeated field `team`).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitForm {
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    note: String,
}

/// A visit as the form describes it, checked field by field (the case it names is checked
/// against the person's cases by the handler).
pub(crate) struct VisitInput {
    visited_on: time::Date,
    profession: String,
    method: String,
    outcome: String,
    case_id: Option<i64>,
    note: String,
}

impl TryFrom<&VisitForm> for VisitInput {
    type Error = Errors;

    fn try_from(form: &VisitForm) -> Result<Self, Errors> {
        let mut errors = Errors::new();
        let visited_on = nimo_domain::calendar::parse_iso_date(form.visited_on.trim());
        if visited_on.is_none() {
            errors.insert("visited_on".into(), "訪問日を「2022-05-10」の形で入力してください".into());
        }
        let profession = form.profession.trim();
        if !nimo_domain::cases::PROFESSIONS.iter().any(|p| p.code == profession) {
            errors.insert("profession".into(), "訪問した職種を選んでください".into());
        }
        let method = form.method.trim();
        if !nimo_domain::cases::VISIT_METHODS.iter().any(|(c, _)| *c == method) {
            errors.insert("method".into(), "訪問の方法を選んでください".into());
        }
        let outcome = form.outcome.trim();
        if !VISIT_OUTCOMES.iter().any(|(c, _)| *c == outcome) {
            errors.insert("outcome".into(), "訪問の結果を選んでください".into());
        }
        let posted = crate::pages::posted(form);
        crate::pages::check_texts(&posted, nimo_domain::cases::texts::VISIT, &mut errors);
        let case_id = match form.case_id.trim() {
            "" => None,
            text => {
                let id = text.parse::<i64>().ok();
                if id.is_none() {
                    errors.insert("case_id".into(), CASE_CHOICE.into());
                }
                id
            }
        };
        match visited_on {
            Some(visited_on) if errors.is_empty() => Ok(VisitInput {
                visited_on,
                profession: profession.to_string(),
                method: method.to_string(),
                outcome: outcome.to_string(),
                case_id,
                note: posted.get("note").map(|n| n.trim().to_string()).unwrap_or_default(),
            }),
            _ => Err(errors),
        }
    }
}

const CASE_CHOICE: &str = "この人の事例から選んでください";

/// POST /municipalities/{code}/people/{person_id}/visits: records an outreach visit (profession,
/// method, outcome), tied to the person and, if chosen, one of their cases. A bad field shows the
/// page again with the reason beside it (422) and saves nothing.
pub async fn add_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    crate::pages::ListedSubmission(form, team): crate::pages::ListedSubmission<VisitForm>,
) -> Result<Response, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let id = person.id;
    let own_cases = cases::cases_of_person(&state.db, id).await?;
    let mut checked = VisitInput::try_from(&form);
    // A team visit: the other professions that took part, each one of the code list.
    if !team.iter().all(|c| nimo_domain::cases::PROFESSIONS.iter().any(|p| p.code == c)) {
        let reason = "同行した職種を一覧から選んでください".to_string();
        match &mut checked {
            Ok(_) => checked = Err(Errors::from([("team".to_string(), reason)])),
            Err(errors) => {
                errors.insert("team".into(), reason);
            }
        }
    }
    // A case that is not one of this person's is a reason beside the field like any other.
    let foreign = form.case_id.trim().parse::<i64>().is_ok_and(|c| !own_cases.iter().any(|k| k.id == c));
    if foreign {
        match &mut checked {
            Ok(_) => checked = Err(Errors::from([("case_id".to_string(), CASE_CHOICE.to_string())])),
            Err(errors) => {
                errors.insert("case_id".into(), CASE_CHOICE.into());
            }
        }
    }
    let errors = match checked {
        Ok(input) => {
            let visit = cases::NewVisit {
                municipality: code.clone(),
                district: person.district.clone(),
                person_id: id,
                case_id: input.case_id,
                visited_on: input.visited_on,
                profession: input.profession,
                team,
                method: input.method,
                outcome: input.outcome,
                note: input.note,
                actor: Some(user_id(&ctx)?),
            };
            cases::add_visit(&state.db, &visit, audit::event(&ctx.0, "create", Outcome::Ok)).await?;
            return Ok(Redirect::to(&format!("/municipalities/{code}/people/{id}")).into_response());
        }
        Err(errors) => errors,
    };
    let submitted =
        Submitted { f: crate::pages::posted(&form), errors, failed: "visit".into(), ..Submitted::default() };
    let page = person_page(&state, &ctx, &code, person, submitted).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
