//! Placing a hold: a request's fields checked (every error naming its field) and the hold placed
//! with its audit rows (a refusal for lack of beds audited before it is answered). Shared by the
//! search page's hold form and the API.

use super::criteria::FieldError;
use crate::context::Ctx;
use crate::{AppState, WebError};
use nimo_domain::access::{Permission, Target, authorize};
use nimo_domain::beds::{AdmissionChange, AdmissionType, CaseRef};
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
    let case_id = match request.case_id {
        Some(id) => Some(id),
        None => case_of_reception(state, ctx, request.case_ref.as_str()).await.map_err(HoldFailure::Web)?,
    };
    let new = NewHold {
        ward_id: ward.clone(),
        case_ref: request.case_ref.clone(),
        admission: request.admission,
        placed_by: account.principal.user_id,
        searched_at: request.searched_at.unwrap_or(now),
        case_id,
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
        Err(StoreError::AdmissionNotAccepted { admission, refusal, .. }) => {
            let event = crate::audit::event(&ctx.0, "hold_place", Outcome::Failed)
                .with_record("ward", ward)
                .with_detail("admission_not_accepted");
            if let Err(error) = crate::audit::before(&state.db, &event).await {
                return Err(HoldFailure::Web(error));
            }
            let message = crate::error::admission_not_accepted_message(admission, refusal);
            Err(HoldFailure::Invalid(vec![("admission", message)]))
        }
        Err(e) if e.is_not_found() => Err(HoldFailure::UnknownWard),
        Err(e) => Err(HoldFailure::Web(e.into())),
    }
}

/// The case a typed 受付番号 names, when it is a case of the placer's municipality that the
/// placer may read (their 地区): a hold placed by typing it is then linked to the case as one
/// placed from the case's page. Anything else (another municipality's number, a case outside
/// the placer's 地区, no such case) links nothing and reveals nothing.
async fn case_of_reception(state: &AppState, ctx: &Ctx, case_ref: &str) -> Result<Option<i64>, WebError> {
    let principal = ctx.0.principal();
    let Some(own) = principal.as_ref().and_then(|p| p.scope.municipality.clone()) else {
        return Ok(None);
    };
    let Some(id) = case_ref.rsplit_once('-').and_then(|(_, number)| number.parse::<i64>().ok()) else {
        return Ok(None);
    };
    // Only where the case is kept is read: nothing sealed is opened.
    let Some(case) = nimo_store::cases::place_of(&state.db, id).await? else {
        return Ok(None);
    };
    let target = Target::District(case.municipality.clone(), case.district.clone());
    let readable = authorize(principal.as_ref(), Permission::CaseRead, &target).is_ok();
    Ok((case.municipality == own && readable && case.reception == case_ref).then_some(case.id))
}
