//! Holds for staff: placing one from the search page's hold form (for a case, whose 入院形態 it
//! follows unless a reason is confirmed; or for a typed 受付番号), the staff member's holds
//! (each linking to its case), and withdrawing one (confirmed).

use super::from_case;
use super::search::{FieldError, HoldValues, SearchForm, run};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{HoldMissing, Missing, PagePath, Submission};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::beds::{AdmissionChange, AdmissionType, CaseRef, age_label};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::beds::{self, NewHold};

/// A hold request, from the form or the API.
pub struct HoldRequest {
    pub ward_id: String,
    pub case_ref: CaseRef,
    pub admission: AdmissionType,
    pub searched_at: Option<i64>,
    /// The case it is placed for, when placed from the case's search.
    pub case_id: Option<i64>,
    /// Why the 入院形態 differs from the case's (confirmed).
    pub admission_reason: Option<AdmissionChange>,
}

/// Checks a hold request's fields; every error names its field.
pub fn parse_hold(
    ward_id: Option<&str>,
    case_ref: Option<&str>,
    admission: Option<&str>,
    searched_at: Option<i64>,
) -> Result<HoldRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let ward_id = ward_id.map(str::trim).unwrap_or_default();
    if !beds::is_id(ward_id) {
        errors.push(("ward_id", "病棟: 病棟を選んでください".to_string()));
    }
    let case_ref = CaseRef::parse(case_ref.unwrap_or_default())
        .map_err(|reason| errors.push(("case_ref", format!("受付番号: {reason}"))))
        .ok();
    let admission = match admission.map(str::trim).filter(|a| !a.is_empty()) {
        Some(code) => AdmissionType::parse(code)
            .ok_or_else(|| errors.push(("admission", format!("入院形態: 「{code}」は選べません"))))
            .ok(),
        None => {
            errors.push(("admission", "入院形態: 入院形態を選んでください".to_string()));
            None
        }
    };
    match (case_ref, admission) {
        (Some(case_ref), Some(admission)) if errors.is_empty() => Ok(HoldRequest {
            ward_id: ward_id.to_string(),
            case_ref,
            admission,
            searched_at,
            case_id: None,
            admission_reason: None,
        }),
        _ => Err(errors),
    }
}

/// Why a hold could not be placed.
pub enum HoldFailure {
    /// The input is wrong (field, reason).
    Invalid(Vec<FieldError>),
    /// No bed is left on the ward.
    NoBedLeft,
    /// The ward does not exist.
    UnknownWard,
    /// Anything else.
    Web(WebError),
}

/// Places a hold for the request's user, with its audit rows (the hold's own in its
/// transaction; a refusal for lack of beds before the refusal is answered, failing closed).
pub async fn place(state: &AppState, ctx: &Ctx, request: &HoldRequest) -> Result<beds::Hold, HoldFailure> {
    let Some(account) = &ctx.0.account else {
        return Err(HoldFailure::Web(WebError::Unauthorized));
    };
    let now = state.clock.unix();
    let (ward, hospital) = match beds::hospital_of_ward(&state.db, &request.ward_id).await {
        Ok(hospital) => (request.ward_id.clone(), hospital),
        Err(e) if e.is_not_found() => return Err(HoldFailure::UnknownWard),
        Err(e) => return Err(HoldFailure::Web(e.into())),
    };
    let new = NewHold {
        ward_id: ward.clone(),
        case_ref: request.case_ref.clone(),
        admission: request.admission,
        placed_by: account.principal.user_id,
        searched_at: request.searched_at.unwrap_or(now),
        case_id: request.case_id,
        admission_reason: request.admission_reason,
    };
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::place_hold_at(&state.db, &new, state.beds.hold_ttl_seconds, &origin, now).await {
        Ok(hold) => {
            state.bed_changed(&hospital);
            Ok(hold)
        }
        Err(StoreError::NoBedLeft { .. }) => {
            let event = crate::audit::event(&ctx.0, "hold_place", Outcome::Failed)
                .with_record("ward", ward)
                .with_detail("no_bed_left");
            if let Err(error) = crate::audit::before(&state.db, &event).await {
                return Err(HoldFailure::Web(error));
            }
            Err(HoldFailure::NoBedLeft)
        }
        Err(e) if e.is_not_found() => Err(HoldFailure::UnknownWard),
        Err(e) => Err(HoldFailure::Web(e.into())),
    }
}

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
        case_ref: form.case_ref.clone(),
        admission: form.admission.trim().to_string(),
        admission_reason: form.admission_reason.trim().to_string(),
        confirm_admission: form.confirm_admission.is_some(),
    };
    page.hold_errors = field_errors;
    page.hold_error = Some(message);
    Ok((status, Html(page.render()?)).into_response())
}

/// A time to placement as staff read it: 「45分」, 「3時間5分」, 「2日4時間」.
pub fn span(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0..60 => format!("{minutes}分"),
        60..1440 => format!("{}時間{}分", minutes / 60, minutes % 60),
        _ => format!("{}日{}時間", minutes / 1440, minutes % 1440 / 60),
    }
}

/// A hold as the staff's list, the case page and the hospital's inbox show it.
#[derive(Clone)]
pub struct HoldView {
    pub id: i64,
    pub hospital_name: String,
    pub ward_name: String,
    pub case_ref: String,
    /// The case's page (empty when the hold was placed with a typed 受付番号).
    pub case_link: String,
    pub admission: &'static str,
    /// Why the 入院形態 differs from the case's (empty when it does not).
    pub admission_reason: &'static str,
    pub state: &'static str,
    pub waiting: bool,
    pub accepted: bool,
    pub held: String,
    pub remaining: String,
    pub reason: String,
    /// Who asks (the 保健所) and the number to call back.
    pub requester: String,
    pub callback_phone: String,
}

impl HoldView {
    pub fn of(hold: &beds::Hold, now: i64) -> Self {
        let state = hold.state_at(now);
        let waiting = state == nimo_domain::beds::HoldState::Held;
        Self {
            id: hold.id,
            hospital_name: hold.hospital_name.clone(),
            ward_name: hold.ward_name.clone(),
            case_ref: hold.case_ref.clone(),
            case_link: match hold.case_id {
                Some(id) if !hold.case_municipality.is_empty() => {
                    format!("/municipalities/{}/cases/{id}", hold.case_municipality)
                }
                _ => String::new(),
            },
            admission: hold.admission.label(),
            admission_reason: hold.admission_reason.map_or("", AdmissionChange::label),
            state: state.label(),
            waiting,
            accepted: state == nimo_domain::beds::HoldState::Accepted,
            held: age_label(now - hold.held_at),
            remaining: if waiting { format!("残り{}分", (hold.expires_at - now + 59) / 60) } else { String::new() },
            reason: hold.decline_reason.map(|r| r.label().to_string()).unwrap_or_default(),
            requester: hold.requester.clone(),
            callback_phone: hold.callback_phone.clone(),
        }
    }
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

/// A withdrawal or an acceptance, as posted: the box that confirms it must be ticked (the
/// page's `required` holds the form back in the browser; the server checks it too).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    pub(crate) confirm: Option<String>,
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
