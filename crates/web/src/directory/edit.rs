//! The organisation forms of staff: a new record and an edit of one. A bad form comes back 422
//! with each reason beside its field (and in the summary at the top) and nothing saved; an
//! edit made from an older revision is a 409 with the form kept.

use super::form::{ORDER, OrgForm, element_of, field_of, fields_of, label_of};
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, MunicipalityMissing, PagePath, Record, Submission, posted};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::directory::{OrgType, Specialty};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::directory;

#[derive(Template)]
#[template(path = "directory_form.html")]
struct FormPage {
    ctx: Layout,
    code: String,
    /// The record being edited (none for a new one).
    id: Option<i64>,
    revision: i64,
    types: Vec<(&'static str, &'static str)>,
    specialties: Vec<(&'static str, &'static str)>,
    hospitals: Vec<(String, String, String)>,
    f: Fields,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl FormPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn ticked(&self, name: &str) -> bool {
        self.f.get(name).is_some_and(|v| !v.is_empty())
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: Option<(i64, i64)>,
    f: Fields,
    errors: Errors,
) -> Result<FormPage, WebError> {
    Ok(FormPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        id: id.map(|(id, _)| id),
        revision: id.map_or(0, |(_, revision)| revision),
        types: OrgType::ALL.iter().map(|t| (t.code(), t.label())).collect(),
        specialties: Specialty::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        hospitals: directory::hospitals(&state.db, code.as_str()).await?,
        f,
        summary: crate::pages::summary(&labelled(&errors), &ORDER, element_of),
        errors,
    })
}

/// The errors as the summary lists them: each reason after its field's name.
fn labelled(errors: &Errors) -> Errors {
    errors.iter().map(|(field, reason)| (field.clone(), format!("{}：{reason}", label_of(field)))).collect()
}

/// GET /municipalities/{code}/directory/new
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
) -> Result<Html<String>, WebError> {
    let f = Fields::from([("active".to_string(), "1".to_string())]);
    Ok(Html(form_page(&state, &ctx, &code, None, f, Errors::new()).await?.render()?))
}

/// The store's refusals beside their fields.
fn refusal_errors(error: &StoreError) -> Option<(StatusCode, Errors)> {
    match error {
        StoreError::Directory(refusals) => {
            let errors = refusals
                .iter()
                .map(|r| (field_of(r.field), crate::error::directory::message(r, |n| format!("{}件目", n + 1))))
                .collect();
            Some((StatusCode::UNPROCESSABLE_ENTITY, errors))
        }
        StoreError::StaleRevision(record) => {
            let refusal = crate::error::stale_refusal(*record);
            Some((refusal.status, Errors::from([("revision".to_string(), refusal.detail)])))
        }
        _ => None,
    }
}

/// POST /municipalities/{code}/directory: a new organisation.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
    Submission(form): Submission<OrgForm>,
) -> Result<Response, WebError> {
    let (status, errors) = match form.organisation() {
        Ok(org) => {
            let event = audit::event(&ctx.0, "write", Outcome::Ok);
            match directory::create(&state.db, code.as_str(), &org, event).await {
                Ok(id) => {
                    let to = format!("/municipalities/{code}/directory/{id}?notice=created");
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(error) => refusal_errors(&error).ok_or(error)?,
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let page = form_page(&state, &ctx, &code, None, posted(&form), errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// GET /municipalities/{code}/directory/{org_id}/edit
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let record = directory::get(&state.db, code.as_str(), id).await?;
    let f = fields_of(&record.org);
    Ok(Html(form_page(&state, &ctx, &code, Some((id, record.revision)), f, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/directory/{org_id}: saves an edit made from `revision`.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<OrgForm>,
) -> Result<Response, WebError> {
    let stored = directory::get(&state.db, code.as_str(), id).await?;
    let revision = form.revision.trim().parse::<i64>().ok();
    let (status, errors) = match (form.organisation(), revision) {
        (Ok(org), Some(revision)) => {
            let event = audit::event(&ctx.0, "write", Outcome::Ok);
            match directory::update(&state.db, code.as_str(), id, revision, &org, event).await {
                Ok(_) => {
                    let to = format!("/municipalities/{code}/directory/{id}?notice=saved");
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(error) => refusal_errors(&error).ok_or(error)?,
            }
        }
        (Err(errors), _) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        (Ok(_), None) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::from([(
                "revision".to_string(),
                "送信内容が正しくありません。ページを読み込み直してください".to_string(),
            )]),
        ),
    };
    let page = form_page(&state, &ctx, &code, Some((id, stored.revision)), posted(&form), errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}
