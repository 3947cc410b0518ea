//! Recording an admission from its case: after a disposition that admits (措置入院, 緊急措置入院
//! …) or an accepted hold, the form offers the hold's hospital and the disposition's 入院形態,
//! with 入院日時 defaulting to now (JST). Like the case page: a `read` audit row before the page,
//! a case outside the viewer's scope answered 404 after a `denied` row, refused input shown again
//! (422) beside its field and in the summary, nothing saved.

use super::forms::{self, AdmitForm};
use crate::audit;
use crate::cases::case_view::load_case;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, PagePath, Record, Submission, user_id};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::admissions::Consent;
use nimo_domain::beds::{AdmissionType, HoldState};
use nimo_store::admissions::{self, NewAdmission};
use nimo_store::audit::Outcome;
use nimo_store::cases::Case;

#[derive(Template)]
#[template(path = "admission_new.html")]
struct NewAdmissionPage {
    ctx: Layout,
    code: String,
    case_id: i64,
    reception: String,
    /// Hospitals that accepted a hold of this case: (id, name).
    hospitals: Vec<(String, String)>,
    forms: Vec<(&'static str, &'static str)>,
    consents: Vec<(&'static str, &'static str)>,
    f: Fields,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl NewAdmissionPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

const FIELD_ORDER: &[&str] =
    &["hospital", "hospital_id", "hospital_name", "form", "specified_doctor", "consent", "period_end", "occurred_at"];

async fn page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    case: &Case,
    f: Fields,
    errors: Errors,
) -> Result<NewAdmissionPage, WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case", case.id.to_string()))
        .await?;
    let reception = nimo_domain::cases::reception_number(case.fiscal_year, case.id);
    let now = state.clock.unix();
    let hospitals = nimo_store::beds::holds_for_case(&state.db, code.as_str(), &reception, 20)
        .await?
        .into_iter()
        .filter(|h| h.state_at(now) == HoldState::Accepted)
        .map(|h| (h.hospital_id, h.hospital_name))
        .collect();
    let summary = crate::pages::summary(&errors, FIELD_ORDER, |name| match name {
        "hospital" => "hospital_name".into(),
        other => other.into(),
    });
    Ok(NewAdmissionPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        case_id: case.id,
        reception,
        hospitals,
        forms: AdmissionType::ALL.iter().map(|t| (t.code(), t.label())).collect(),
        consents: Consent::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        f,
        errors,
        summary,
    })
}

/// The case's person, or the refusal of an admission without one.
fn person_of(case: &Case) -> Result<i64, WebError> {
    case.person_id.ok_or_else(|| WebError::NotFound("本人を登録してから入院を記録してください".into()))
}

/// GET /municipalities/{code}/cases/{case_id}/admissions: the form, filled from the disposition
/// and the accepted hold.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    person_of(&case)?;
    let mut f = Fields::new();
    let now = crate::pages::japan_now(&state);
    f.insert("occurred_at".into(), nimo_domain::calendar::local_minute_text(now));
    if let Some(form) = case.status.disposition.and_then(nimo_domain::cases::admission_of) {
        f.insert("form".into(), form.code().into());
    }
    f.insert("hospital_name".into(), case.hospital.clone());
    let mut page = page(&state, &ctx, &code, &case, f, Errors::new()).await?;
    if let Some((id, _)) = page.hospitals.first().cloned() {
        page.f.insert("hospital_id".into(), id);
    }
    Ok(Html(page.render()?))
}

/// POST /municipalities/{code}/cases/{case_id}/admissions: records the admission and opens its page.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<AdmitForm>,
) -> Result<Response, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let person_id = person_of(&case)?;
    let f = crate::pages::posted(&form);
    let mut errors = Errors::new();
    let status = match forms::admission(&f) {
        Ok((hospital, entry, admitted_at)) => {
            let new = NewAdmission {
                municipality: case.municipality.clone(),
                district: case.district.clone(),
                person_id,
                case_id: Some(case.id),
                hospital,
                entry,
                admitted_at,
                actor: user_id(&ctx)?,
            };
            match admissions::admit(&state.db, &new, audit::event(&ctx.0, "create", Outcome::Ok)).await {
                Ok(admission_id) => {
                    return Ok(
                        Redirect::to(&format!("/municipalities/{code}/admissions/{admission_id}")).into_response()
                    );
                }
                Err(error) => forms::explain(error, &mut errors)?,
            }
        }
        Err(found) => {
            errors = found;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let page = page(&state, &ctx, &code, &case, f, errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}
