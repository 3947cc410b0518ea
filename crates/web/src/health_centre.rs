//! The 保健所 of a municipality as its bed holds name it to hospitals: the name and the number a
//! hospital calls back (an office's, never a person's), set by those who manage the
//! municipality (`DistrictManage`: the administrator and staff with a municipality-wide scope).
//! A bad value comes back 422 beside its field and in the summary, what was typed kept; a change
//! is written with its audit row (`health_centre_set`, record `municipality`/code) in one
//! transaction. The CLI's `nimo districts health-centre` sets the same.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, NoticeQuery, PagePath, Submission, SummaryItem};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::municipality::{callback_phone, health_centre_name};
use nimo_store::audit::Outcome;
use nimo_store::municipalities;

#[derive(Template)]
#[template(path = "health_centre.html")]
struct HealthCentrePage {
    ctx: Layout,
    code: String,
    name: String,
    phone: String,
    /// The escalation addresses, as typed or as set (one a line).
    emails: String,
    errors: Errors,
    summary: Vec<SummaryItem>,
    saved: bool,
}

impl HealthCentrePage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

/// Why a municipality without a row yet (it has no sheet) cannot be given its 保健所.
const UNREGISTERED: &str =
    "この自治体の自治体情報シートがまだないため、保健所を設定できません。先にシートを作成してください";

/// The form as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthCentreForm {
    #[serde(default)]
    health_centre: String,
    #[serde(default)]
    callback_phone: String,
    /// Left out (an older form), the addresses set stay.
    escalation_emails: Option<String>,
}

/// The most escalation addresses a municipality may have.
const MAX_EMAILS: usize = 10;

/// The escalation addresses as typed (one a line, or separated by commas), each checked.
fn escalation_emails(text: &str) -> Result<Vec<String>, String> {
    let emails: Vec<String> = text
        .split(|c: char| c == ',' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = emails.iter().find(|e| !crate::escalation::valid_address(e)) {
        return Err(format!("メールアドレスの形になっていないものがあります: {bad}"));
    }
    if emails.len() > MAX_EMAILS {
        return Err(format!("メールアドレスは{MAX_EMAILS}件までにしてください"));
    }
    Ok(emails)
}

/// GET /municipalities/{code}/health-centre: the form, filled with what is set.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, WebError> {
    // A municipality with no row yet (no sheet made) has nothing set.
    let set = match municipalities::health_centre(&state.db, &code).await {
        Err(nimo_store::StoreError::NotFound(_)) => municipalities::HealthCentre::default(),
        other => other?,
    };
    let emails = match nimo_store::escalation::recipients(&state.db, &code).await {
        Err(nimo_store::StoreError::NotFound(_)) => Vec::new(),
        other => other?,
    };
    let page = HealthCentrePage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        name: set.health_centre,
        phone: set.callback_phone,
        emails: emails.join("\n"),
        errors: Errors::new(),
        summary: Vec::new(),
        saved: query.notice.as_deref() == Some("saved"),
    };
    Ok(Html(page.render()?))
}

/// POST /municipalities/{code}/health-centre: checks both fields and saves them with the audit
/// row, or shows the form again with each reason (422).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(form): Submission<HealthCentreForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::new();
    let name = health_centre_name(&form.health_centre).map_err(|e| errors.insert("health_centre".into(), e)).ok();
    let phone = callback_phone(&form.callback_phone).map_err(|e| errors.insert("callback_phone".into(), e)).ok();
    let emails = match form.escalation_emails.as_deref().map(escalation_emails) {
        Some(Err(e)) => {
            errors.insert("escalation_emails".into(), e);
            None
        }
        Some(Ok(emails)) => Some(Some(emails)),
        None => Some(None),
    };
    if let (Some(name), Some(phone), Some(emails)) = (name, phone, emails) {
        let event = audit::event(&ctx.0, "health_centre_set", Outcome::Ok);
        let saved = match municipalities::set_health_centre(&state.db, &code, &name, &phone, event).await {
            Ok(()) => match emails {
                Some(emails) => {
                    let event = audit::event(&ctx.0, "escalation_set", Outcome::Ok);
                    nimo_store::escalation::set_recipients(&state.db, &code, &emails, event).await
                }
                None => Ok(()),
            },
            Err(error) => Err(error),
        };
        match saved {
            Ok(()) => {
                let to = format!("/municipalities/{code}/health-centre?notice=saved");
                return Ok(Redirect::to(&to).into_response());
            }
            Err(nimo_store::StoreError::NotFound(_)) => {
                errors.insert("health_centre".into(), UNREGISTERED.into());
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = HealthCentrePage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        name: form.health_centre,
        phone: form.callback_phone,
        emails: form.escalation_emails.unwrap_or_default(),
        summary: crate::pages::summary(
            &errors,
            &["health_centre", "callback_phone", "escalation_emails"],
            str::to_string,
        ),
        errors,
        saved: false,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
