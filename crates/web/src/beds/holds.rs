//! Holds for staff: placing one from the search page's hold form (for a case, whose 入院形態 it
//! follows unless a reason is confirmed; or for a typed 受付番号), the staff member's holds
//! (each linking to its case), and withdrawing one (confirmed).

use super::criteria::{FieldError, SearchForm};
use super::from_case;
use super::placing::{HoldFailure, parse_hold, place};
use super::results::{HoldValues, run};
use super::views::{ConfirmForm, HoldView};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{HoldMissing, Missing, PagePath, Submission};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::beds::{AdmissionChange, AdmissionType};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::beds::{self};

/// The search page's hold form, as posted: the ward is the pressed card's button.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoldForm {
    #[serde(default)]
    ward_id: String,
    /// The case's id, when the search was opened from it (then no 受付番号 is typed).
    #[serde(default)]
    case: String,
    #[serde(default)]
    case_ref: String,
    #[serde(default)]
    admission: String,
    /// The reason for another 入院形態 than the case's ([`AdmissionChange`] code).
    #[serde(default)]
    admission_reason: String,
    /// Present when the user confirmed the other 入院形態.
    #[serde(default)]
    confirm_admission: Option<String>,
    #[serde(default)]
    searched_at: String,
    /// The search's query string, to show the same results again after a refusal.
    #[serde(default)]
    back: String,
}

/// A case's 入院形態 check: another one than the disposition's needs a reason and its
/// confirmation; each missing one is an error beside its field.
fn admission_change(
    case: &from_case::CaseSought,
    form: &HoldForm,
    errors: &mut Vec<FieldError>,
) -> Option<AdmissionChange> {
    let expected = case.admission?;
    let typed = AdmissionType::parse(form.admission.trim())?;
    if typed == expected {
        return None;
    }
    let label = expected.label();
    let reason = AdmissionChange::parse(form.admission_reason.trim());
    if reason.is_none() {
        errors.push((
            "admission_reason",
            format!("理由: 事例の処遇（{label}）と異なる入院形態で仮押さえするには理由を選んでください"),
        ));
    }
    if form.confirm_admission.is_none() {
        errors.push(("confirm_admission", format!("確認: 事例の処遇（{label}）と異なることを確認してください")));
    }
    reason
}

/// POST /beds/holds: places a hold from the search page. From a case, the user returns to the
/// case with a confirmation; otherwise to the own holds. A refusal shows the same search again
/// with the reason beside the field and what was typed.
pub async fn create_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    Submission(form): Submission<HoldForm>,
) -> Result<Response, WebError> {
    let searched_at = form.searched_at.trim().parse::<i64>().ok();
    let case = match form.case.trim() {
        "" => None,
        id => Some(from_case::load(&state, &ctx, id).await?),
    };
    let case_ref = case.as_ref().map_or(form.case_ref.as_str(), |c| c.reception.as_str());
    let mut errors = Vec::new();
    let change = case.as_ref().and_then(|c| admission_change(c, &form, &mut errors));
    let parsed = parse_hold(Some(&form.ward_id), Some(case_ref), Some(&form.admission), searched_at);
    let failure = match parsed {
        Ok(mut request) if errors.is_empty() => {
            request.case_id = case.as_ref().map(|c| c.id);
            request.admission_reason = change;
            match place(&state, &ctx, &request).await {
                Ok(hold) => {
                    let to = match &case {
                        Some(case) => format!("{}?notice=held&hold={}", case.link(), hold.id),
                        None => format!("/beds/holds?placed={}", hold.id),
                    };
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(failure) => failure,
            }
        }
        Ok(_) => HoldFailure::Invalid(errors),
        Err(more) => HoldFailure::Invalid(errors.into_iter().chain(more).collect()),
    };
    let (status, message, field_errors) = match failure {
        HoldFailure::Invalid(errors) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "入力を確かめてください".to_string(), errors)
        }
        HoldFailure::NoBedLeft => (StatusCode::CONFLICT, crate::error::NO_BED_LEFT.to_string(), Vec::new()),
        HoldFailure::UnknownWard => (StatusCode::NOT_FOUND, "病棟が見つかりません".to_string(), Vec::new()),
        HoldFailure::Web(e) => return Err(e),
    };
    // Back to the same search, with the reason and what was typed.
    let mut back = SearchForm::from_query(Some(&form.back)).unwrap_or_default();
    back.go = "1".into();
    let (_, mut page) = run(&state, &ctx, back).await?;
    page.hold = HoldValues {
        ward_id: form.ward_id.trim().to_string(),
        case_ref: form.case_ref.clone(),
        admission: form.admission.trim().to_string(),
        admission_reason: form.admission_reason.trim().to_string(),
        confirm_admission: form.confirm_admission.is_some(),
    };
    page.hold_errors = field_errors;
    page.hold_error = Some(message);
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "beds_holds.html")]
struct HoldsPage {
    ctx: Layout,
    holds: Vec<HoldView>,
    placed: Option<i64>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn holds_page(state: &AppState, ctx: &Ctx, user_id: i64) -> Result<HoldsPage, WebError> {
    let now = state.clock.unix();
    let holds = beds::holds_placed_by(&state.db, user_id, 50).await?;
    Ok(HoldsPage {
        ctx: Layout::of(ctx),
        holds: holds.iter().map(|h| HoldView::of(h, now)).collect(),
        placed: None,
        notice: None,
        error: None,
    })
}

/// The query of the holds page: the hold just placed (`?placed=ID`) or what just happened.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct HoldsQuery {
    placed: Option<String>,
    notice: Option<String>,
}

/// GET /beds/holds: the staff member's holds, newest first (updated live).
pub async fn my_holds(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<HoldsQuery>,
) -> Result<Response, WebError> {
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(WebError::Unauthorized)?;
    let mut page = holds_page(&state, &ctx, user_id).await?;
    page.placed = params.placed.as_deref().and_then(|p| p.parse().ok());
    if params.notice.as_deref() == Some("cancelled") {
        page.notice = Some("仮押さえを取り消しました。病床は他の検索で使えるようになりました。");
    }
    Ok(Html(page.render()?).into_response())
}

/// POST /beds/holds/{own}/cancel: the staff member withdraws a hold she placed (the patient was
/// placed elsewhere, or no admission is needed), once confirmed: the bed is free again at once
/// and the hospital's page updates. Someone else's hold is a 404 (the try audited as `denied`);
/// one already answered or expired comes back with its state (409) and nothing changes.
pub async fn cancel_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(id, ..): PagePath<i64, HoldMissing>,
    Submission(form): Submission<ConfirmForm>,
) -> Result<Response, WebError> {
    let not_found = || WebError::NotFound(HoldMissing::MESSAGE.into());
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(WebError::Unauthorized)?;
    // Someone else's hold, or none: a refused attempt, audited before the same 404.
    let refuse = || async {
        let event = crate::audit::event(&ctx.0, "denied", Outcome::Denied)
            .with_record("bed_hold", id.to_string())
            .with_detail(nimo_domain::access::Permission::BedHold.code());
        crate::audit::before(&state.db, &event).await?;
        Err::<Response, WebError>(not_found())
    };
    if form.confirm.is_none() {
        match beds::get_hold(&state.db, id).await {
            Ok(hold) if hold.placed_by == user_id => {}
            Err(error) if !error.is_not_found() => return Err(error.into()),
            _ => return refuse().await,
        }
        let mut page = holds_page(&state, &ctx, user_id).await?;
        page.error = Some(format!("番号 {id} の取り消し: 「取り消してよい」にチェックを入れてから押してください"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::cancel_at(&state.db, id, user_id, &origin, state.clock.unix()).await {
        Ok(hold) => {
            state.bed_changed(&hold.hospital_id);
            Ok(Redirect::to("/beds/holds?notice=cancelled").into_response())
        }
        Err(error) if error.is_not_found() => refuse().await,
        // Withdrawing is not answering: the page names the state rather than the hospital's words.
        Err(StoreError::HoldNotWaiting { state: hold_state, .. }) => {
            let label = hold_state.label();
            let mut page = holds_page(&state, &ctx, user_id).await?;
            page.error = Some(format!("番号 {id} の仮押さえは「{label}」のため取り消せません"));
            Ok((StatusCode::CONFLICT, Html(page.render()?)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}
