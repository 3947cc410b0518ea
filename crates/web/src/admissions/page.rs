//! The admission page: hospital, 入院形態 and its history, the legal clocks computed from the
//! events (label, article, deadline in JST, time left, state, 要確認 where the rule is not
//! verified), and a form for each next step the state machine allows (`show`); recording a step
//! (`record`). A `read` audit row before the page; an admission outside the viewer's scope is 404
//! after a `denied` row; a refused step shows the page again (422) with its reason beside the
//! field and in the summary, nothing saved.

use super::forms::{self, EventForm};
use crate::audit;
use crate::clock_view::{ClockRow, admission_entries, admission_label, all_rows};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, PagePath, Record, Submission, load_scoped, user_id};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::admissions::AFTER_SOCHI;
use nimo_domain::admissions::{AdmissionEvent, Consent, NoticeKind, changes_from, event_label};
use nimo_store::admissions::{self, Admission};
use nimo_store::audit::Outcome;

struct EventRow {
    at: String,
    what: &'static str,
    detail: String,
}

struct StepForm {
    code: &'static str,
    label: &'static str,
    /// The forms a step that enters one may choose.
    forms: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "admission.html")]
struct AdmissionPage {
    ctx: Layout,
    code: String,
    a: Admission,
    label: String,
    admitted_at: String,
    form_since: String,
    discharged_at: String,
    events: Vec<EventRow>,
    clocks: Vec<ClockRow>,
    steps: Vec<StepForm>,
    consents: Vec<(&'static str, &'static str)>,
    notices: Vec<(&'static str, &'static str)>,
    now: String,
    f: Fields,
    errors: Errors,
    failed: String,
    summary: Vec<crate::pages::SummaryItem>,
    /// For an admission on 市町村長同意: the person's requests (id, state).
    mayor_consents: Option<Vec<(i64, &'static str)>>,
}

impl AdmissionPage {
    fn error(&self, step: &str, name: &str) -> String {
        if self.failed == step { self.errors.get(name).cloned().unwrap_or_default() } else { String::new() }
    }
    fn typed(&self, step: &str, name: &str) -> String {
        match self.f.get(name) {
            Some(v) if self.failed == step => v.clone(),
            _ if name == "occurred_at" => self.now.clone(),
            _ => String::new(),
        }
    }
    fn selected(&self, step: &str, name: &str, option: &str) -> bool {
        self.failed == step && self.f.get(name).is_some_and(|v| v == option)
    }
    fn any_overdue(&self) -> bool {
        self.clocks.iter().any(ClockRow::overdue)
    }
}

const FIELD_ORDER: &[&str] =
    &["state", "occurred_at", "form", "specified_doctor", "consent", "period_end", "notice", "plan_id"];

fn detail(event: &AdmissionEvent) -> String {
    let entry = |e: &nimo_domain::admissions::FormEntry| {
        let mut parts = vec![e.form.label().to_string()];
        if e.specified_doctor {
            parts.push("特定医師の診察".into());
        }
        if let Some(c) = e.consent {
            parts.push(c.label().into());
        }
        if let Some(end) = e.period_end {
            parts.push(format!("入院期間 {}まで", crate::display::jst_minute(end)));
        }
        parts.join("、")
    };
    match event {
        AdmissionEvent::ChangeForm(e) => format!("→ {}", entry(e)),
        AdmissionEvent::LiftSochi { then: Some(e) } => format!("→ {}", entry(e)),
        AdmissionEvent::LiftSochi { then: None } => "退院".into(),
        AdmissionEvent::Renew { period_end, consent } => match period_end {
            Some(end) => format!("{}、{}まで", consent.label(), crate::display::jst_minute(*end)),
            None => consent.label().into(),
        },
        AdmissionEvent::Notice(kind) => kind.label().into(),
        AdmissionEvent::LinkPlan { plan_id } => format!("計画 #{plan_id}"),
        _ => String::new(),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    a: Admission,
    f: Fields,
    errors: Errors,
    failed: String,
) -> Result<AdmissionPage, WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("admission", a.id.to_string()))
        .await?;
    let now = state.clock.now();
    let events = a
        .events
        .iter()
        .map(|e| EventRow {
            at: crate::display::jst_minute(e.at),
            what: event_label(e.event.code()),
            detail: detail(&e.event),
        })
        .collect();
    let labels =
        |forms: Vec<nimo_domain::beds::AdmissionType>| forms.into_iter().map(|t| (t.code(), t.label())).collect();
    let steps = a
        .status
        .allowed()
        .into_iter()
        .map(|code| StepForm {
            code,
            label: event_label(code),
            forms: match code {
                "change_form" => labels(changes_from(a.status.form)),
                "lift_sochi" => labels(AFTER_SOCHI.to_vec()),
                _ => Vec::new(),
            },
        })
        .collect();
    let on_mayor = a.entry.consent == Some(Consent::Mayor) || a.status.consent == Some(Consent::Mayor);
    let mayor_consents = if on_mayor {
        // A person belongs to one municipality: their requests are this municipality's.
        let own = nimo_store::consents::states_of_person(&state.db, a.person_id).await?;
        Some(own.into_iter().map(|(id, s)| (id, s.label())).collect())
    } else {
        None
    };
    let summary = crate::pages::summary(&errors, FIELD_ORDER, |name| match name {
        "state" => format!("step-{failed}"),
        other => format!("{failed}-{other}"),
    });
    Ok(AdmissionPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        label: admission_label(&a),
        admitted_at: crate::display::jst_minute(a.status.admitted_at),
        form_since: crate::display::jst_minute(a.status.form_since),
        discharged_at: a.status.discharged_at.map(crate::display::jst_minute).unwrap_or_default(),
        events,
        clocks: all_rows(&crate::clock_view::moved(state, code.as_str(), admission_entries(&a)).await?, now),
        steps,
        consents: Consent::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        notices: NoticeKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        now: nimo_domain::calendar::local_minute_text(crate::pages::japan_now(state)),
        a,
        f,
        errors,
        failed,
        summary,
        mayor_consents,
    })
}

async fn load_admission(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
) -> Result<Admission, WebError> {
    let fetch = |id| admissions::get(&state.db, id);
    load_scoped(state, ctx, code, id, permission, "admission", fetch, |a: &Admission| (&a.municipality, &a.district))
        .await
}

/// GET /municipalities/{code}/admissions/{admission_id}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let a = load_admission(&state, &ctx, &code, id, Permission::CaseRead).await?;
    Ok(Html(page(&state, &ctx, &code, a, Fields::new(), Errors::new(), String::new()).await?.render()?))
}

/// POST /municipalities/{code}/admissions/{admission_id}/events: records the next step.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<EventForm>,
) -> Result<Response, WebError> {
    let a = load_admission(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let step = f.get("event").cloned().unwrap_or_default();
    let revision: Option<i64> = f.get("revision").and_then(|r| r.parse().ok());
    let mut errors = Errors::new();
    let status = match (forms::event(&f), revision) {
        (Ok((event, at)), Some(revision)) => {
            let audit_event = audit::event(&ctx.0, "write", Outcome::Ok);
            match admissions::record(&state.db, a.id, revision, at, &event, user_id(&ctx)?, audit_event).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/municipalities/{code}/admissions/{}", a.id)).into_response());
                }
                Err(error) => forms::explain(error, &mut errors)?,
            }
        }
        (Err(found), _) => {
            errors = found;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        (Ok(_), None) => {
            errors.insert("state".into(), "送信内容が正しくありません。ページを読み込み直してください".into());
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let fresh = admissions::get(&state.db, a.id).await?;
    // A step whose form is not on the page any more shows its reason on top.
    let failed = if fresh.status.allowed().contains(&step.as_str()) { step } else { "none".to_string() };
    let page = page(&state, &ctx, &code, fresh, f, errors, failed).await?;
    Ok((status, Html(page.render()?)).into_response())
}
