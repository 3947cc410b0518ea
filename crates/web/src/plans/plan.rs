//! 退院後支援計画 pages: the list of open plans with their reminders, opening a plan for a person
//! (the consent answer), and the plan page with its meetings, events and a form for each allowed
//! next step. Form parsing is in `plan_forms`.
//!
//! Like the case pages: a `read` audit row before any page with personal data, a record outside
//! the viewer's municipality or 地区 answered 404 after a `denied` row, refused input shown again
//! with 422 and the reason beside its field, nothing saved.

use super::forms::{self as plan_forms, MeetingForm, OpenForm, Outcome as FormOutcome, PlanStepForm};
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{
    Errors, Fields, PagePath, Record, Submission, Submitted, case_choices, load_scoped, today, user_id,
};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::plans::{END_REASONS, PlanEvent};
use nimo_store::audit::Outcome;
use nimo_store::plans::{self, MEETING_PURPOSES};
use nimo_store::{cases, people};

#[derive(Template)]
#[template(path = "plan_new.html")]
struct NewPlanPage {
    ctx: Layout,
    code: String,
    p: people::Person,
    existing: Vec<(i64, &'static str, String, String)>,
    cases: Vec<(i64, String)>,
    relations: &'static [(&'static str, &'static str)],
    f: Fields,
    errors: Errors,
}

impl NewPlanPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

async fn new_plan_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    p: people::Person,
    f: Fields,
    errors: Errors,
) -> Result<NewPlanPage, WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("person", p.id.to_string()))
        .await?;
    let existing = plans::of_person(&state.db, p.id)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                p.state.label(),
                crate::display::date_or_empty(p.consent_on),
                crate::display::date_or_empty(p.started_on),
            )
        })
        .collect();
    Ok(NewPlanPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        existing,
        cases: case_choices(&cases::cases_of_person(&state.db, p.id).await?),
        relations: nimo_domain::plans::FAMILY_RELATIONS,
        p,
        f,
        errors,
    })
}

/// GET /municipalities/{code}/people/{person_id}/plans: the person's plans and the form that
/// opens a new one with the answer to the consent question.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let person = crate::pages::person_in_scope(&state, &ctx, &code, id, Permission::CaseRead).await?;
    let mut f = Fields::new();
    f.insert("occurred_on".into(), today());
    Ok(Html(new_plan_page(&state, &ctx, &code, person, f, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/people/{person_id}/plans: opens a plan (同意あり → 計画作成中,
/// 同意なし → 同意なし, no plan).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<OpenForm>,
) -> Result<Response, WebError> {
    let person = crate::pages::person_in_scope(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let own_cases = cases::cases_of_person(&state.db, person.id).await?;
    let mut errors = Errors::new();
    let status = match plan_forms::open_plan(&f, &code, &person, &own_cases, user_id(&ctx)?) {
        Ok(new) => match plans::open(&state.db, &new, audit::event(&ctx.0, "create", Outcome::Ok)).await {
            Ok(plan_id) => return Ok(Redirect::to(&format!("/municipalities/{code}/plans/{plan_id}")).into_response()),
            Err(error) => plan_forms::explain(error, &mut errors)?,
        },
        Err(found) => {
            errors = found;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let page = new_plan_page(&state, &ctx, &code, person, f, errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}

struct EventRow {
    on: String,
    what: &'static str,
    detail: String,
    note: String,
    /// A 家族等's view heard with the consent answer: (relation, view).
    family_view: Option<(&'static str, String)>,
}

/// One form for an allowed next step.
struct StepForm {
    code: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    ctx: Layout,
    code: String,
    plan: plans::Plan,
    person: people::Person,
    state_label: &'static str,
    consent: String,
    /// The day of the 支援会議 held for the next extension, or empty.
    extension_meeting: String,
    end_reason: String,
    /// 「130001（東京都・都道府県）」 for a transferred plan.
    destination: String,
    meetings: Vec<plans::Meeting>,
    events: Vec<EventRow>,
    steps: Vec<StepForm>,
    meeting_allowed: bool,
    /// Whether the contents may be written (the `draft` step).
    draft_allowed: bool,
    purposes: &'static [(&'static str, &'static str)],
    end_reasons: Vec<(&'static str, &'static str)>,
    f: Fields,
    errors: Errors,
    failed: String,
    /// The failed form's errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
    /// The contents form by section.
    contents: super::contents::ContentsView,
}

impl PlanPage {
    fn form_note(&self) -> &'static str {
        nimo_domain::plans::contents::FORM_NOTE
    }
    fn family_only_note(&self) -> &'static str {
        nimo_domain::plans::FAMILY_ONLY_NOTE
    }
    fn extension_limit_note(&self) -> &'static str {
        nimo_domain::plans::EXTENSION_LIMIT_NOTE
    }
    fn authority_source(&self) -> &'static str {
        nimo_domain::plans::authority::SOURCE
    }
    fn police_warning(&self) -> &'static str {
        nimo_domain::plans::police::WARNING
    }
    fn police_conditions(&self) -> &'static [(&'static str, &'static str)] {
        nimo_domain::plans::police::CONDITIONS
    }
    fn police_label(&self, code: &str) -> &'static str {
        nimo_domain::plans::police::CONDITIONS.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| *l)
    }
    fn error(&self, form: &str, name: &str) -> String {
        if self.failed == form { self.errors.get(name).cloned().unwrap_or_default() } else { String::new() }
    }
    fn typed(&self, form: &str, name: &str) -> String {
        match self.f.get(name) {
            Some(v) if self.failed == form => v.clone(),
            _ if name == "occurred_on" || name == "held_on" => today(),
            _ if name == "contents" => self.plan.contents.clone(),
            _ => String::new(),
        }
    }
    fn selected(&self, form: &str, name: &str, option: &str) -> bool {
        self.failed == form && self.f.get(name).is_some_and(|v| v == option)
    }
    fn purpose_label(&self, code: &str) -> &'static str {
        MEETING_PURPOSES.iter().find(|(c, _)| *c == code).map_or("その他", |(_, l)| *l)
    }
}

pub(super) async fn load_plan(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
) -> Result<plans::Plan, WebError> {
    let fetch = |id| plans::get(&state.db, id);
    load_scoped(state, ctx, code, id, permission, "plan", fetch, |p: &plans::Plan| (&p.municipality, &p.district)).await
}

async fn plan_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    plan: plans::Plan,
    submitted: Submitted,
) -> Result<PlanPage, WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("plan", plan.id.to_string()))
        .await?;
    let Submitted { f, errors, failed, .. } = submitted;
    let s = &plan.status;
    let consent = super::consent_text(&plan);
    let events = plans::events(&state.db, plan.id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            on: e.occurred_on.to_string(),
            what: PlanEvent::label_of(&e.kind),
            detail: e.detail,
            note: e.note,
            family_view: e.family_view,
        })
        .collect();
    let on = crate::pages::japan_now(state).date();
    let allowed = s.allowed_on(on);
    let summary = crate::pages::summary(&errors, super::FIELD_ORDER, |name| super::field_id(&failed, name));
    let authority = crate::printing::printed(state, ctx, code).await?.municipality;
    let contents = super::contents::ContentsView::of(&plan, &f, &failed, &authority);
    Ok(PlanPage {
        contents,
        summary,
        ctx: Layout::of(ctx),
        code: code.to_string(),
        person: people::get(&state.db, plan.person_id).await?,
        state_label: s.label_on(on),
        consent,
        extension_meeting: s.extension_meeting_on.map(|d| d.to_string()).unwrap_or_default(),
        end_reason: s.end_reason.map(|r| r.label().to_string()).unwrap_or_default(),
        destination: s.transferred_to.as_deref().map(super::destination_text).unwrap_or_default(),
        meetings: plans::meetings(&state.db, plan.id).await?,
        events,
        meeting_allowed: allowed.contains(&"meeting"),
        draft_allowed: allowed.contains(&"draft"),
        steps: allowed
            .into_iter()
            .filter(|c| *c != "meeting" && *c != "draft")
            .map(|code| StepForm { code, label: PlanEvent::label_of(code) })
            .collect(),
        purposes: MEETING_PURPOSES,
        end_reasons: END_REASONS.iter().map(|(_, c, l)| (*c, *l)).collect(),
        plan,
        f,
        errors,
        failed,
    })
}

/// GET /municipalities/{code}/plans/{plan_id}: the plan, its consent, meetings and events, and
/// a form for each allowed next step.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let plan = load_plan(&state, &ctx, &code, id, Permission::CaseRead).await?;
    Ok(Html(plan_page(&state, &ctx, &code, plan, Submitted::default()).await?.render()?))
}

pub(super) async fn answer(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    plan_id: i64,
    outcome: FormOutcome,
    f: Fields,
    failed: String,
) -> Result<Response, WebError> {
    let (status, errors) = match outcome {
        FormOutcome::Saved => {
            return Ok(Redirect::to(&format!("/municipalities/{code}/plans/{plan_id}")).into_response());
        }
        FormOutcome::Refused(status, errors) => (status, errors),
    };
    let fresh = plans::get(&state.db, plan_id).await?;
    // A step whose form is not on the page any more shows its reason on top.
    let on = crate::pages::japan_now(state).date();
    let failed = if fresh.status.allowed_on(on).contains(&failed.as_str()) { failed } else { "none".to_string() };
    let page = plan_page(state, ctx, code, fresh, Submitted { f, errors, failed, ..Submitted::default() }).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// POST /municipalities/{code}/plans/{plan_id}/events: records the next step (drafting, start,
/// review, extension, transfer, end).
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<PlanStepForm>,
) -> Result<Response, WebError> {
    let plan = load_plan(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let failed = f.get("event").cloned().unwrap_or_default();
    let outcome = plan_forms::record_event(&state, &ctx, &code, plan.id, &f).await?;
    answer(&state, &ctx, &code, plan.id, outcome, f, failed).await
}

/// POST /municipalities/{code}/plans/{plan_id}/meetings: records a 支援会議 (participants by
/// organisation and role, whether 本人・家族 attended, minutes sealed).
pub async fn add_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<MeetingForm>,
) -> Result<Response, WebError> {
    let plan = load_plan(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let outcome = plan_forms::record_meeting(&state, &ctx, plan.id, &f).await?;
    answer(&state, &ctx, &code, plan.id, outcome, f, "meeting".into()).await
}

/// POST /municipalities/{code}/plans/{plan_id}/contents: writes the contents by section (or, with
/// 「行を追加」, shows the form again with one more row, saving nothing).
pub async fn write_contents(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<super::contents::ContentsForm>,
) -> Result<Response, WebError> {
    let plan = load_plan(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let mut f = crate::pages::posted(&form);
    f.entry("rows".into()).or_insert_with(|| "1".into());
    let outcome = if f.get("add_row").is_some_and(|v| v == "1") {
        FormOutcome::Refused(StatusCode::OK, Errors::new())
    } else {
        super::contents::outcome(&state, &ctx, plan.id, &f).await?
    };
    answer(&state, &ctx, &code, plan.id, outcome, f, "draft".into()).await
}
