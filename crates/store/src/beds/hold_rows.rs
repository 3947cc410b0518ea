//! How a hold is read: the columns of a hold with its ward, hospital, requesting 保健所 and case
//! (`HOLD_COLUMNS` from `HOLD_FROM`), by name into a `FromRow` row whose codes become the
//! domain's enums.

use super::holds::Hold;
use crate::StoreError;
use nimo_domain::beds::{AdmissionChange, AdmissionType, DeclineReason, HoldState};
use sqlx::any::AnyRow;

pub(crate) const HOLD_COLUMNS: &str = "b.id, b.ward_id, w.name AS ward_name, w.hospital_id, h.name AS hospital_name, \
     b.case_ref, b.admission_type, b.state, b.placed_by, b.searched_at, b.held_at, b.expires_at, b.decided_at, \
     b.decline_reason, b.case_id, b.admission_reason, \
     COALESCE(NULLIF(m.health_centre, ''), m.name, '') AS requester, COALESCE(m.callback_phone, '') AS callback_phone, \
     COALESCE(r.municipality_code, '') AS case_municipality";
pub(crate) const HOLD_FROM: &str = "bed_hold b JOIN ward w ON w.id = b.ward_id JOIN hospital h ON h.id = w.hospital_id \
     LEFT JOIN app_user u ON u.id = b.placed_by LEFT JOIN municipality m ON m.code = u.scope_municipality \
     LEFT JOIN report23 r ON r.id = b.case_id";

/// A row of [`HOLD_COLUMNS`], read by name; its codes become the domain's enums in [`Hold`].
#[derive(sqlx::FromRow)]
struct HoldRow {
    id: i64,
    ward_id: String,
    ward_name: String,
    hospital_id: String,
    hospital_name: String,
    case_ref: String,
    admission_type: String,
    state: String,
    placed_by: i64,
    searched_at: i64,
    held_at: i64,
    expires_at: i64,
    decided_at: Option<i64>,
    decline_reason: Option<String>,
    case_id: Option<i64>,
    admission_reason: Option<String>,
    requester: String,
    callback_phone: String,
    case_municipality: String,
}

impl TryFrom<HoldRow> for Hold {
    type Error = StoreError;

    fn try_from(row: HoldRow) -> Result<Self, StoreError> {
        let admission = &row.admission_type;
        let state = &row.state;
        Ok(Hold {
            id: row.id,
            admission: AdmissionType::parse(admission)
                .ok_or_else(|| StoreError::Corrupt(format!("admission type {admission}")))?,
            state: HoldState::parse(state).ok_or_else(|| StoreError::Corrupt(format!("hold state {state}")))?,
            decline_reason: row
                .decline_reason
                .map(|r| DeclineReason::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("decline reason {r}"))))
                .transpose()?,
            admission_reason: row
                .admission_reason
                .map(|r| AdmissionChange::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("admission reason {r}"))))
                .transpose()?,
            ward_id: row.ward_id,
            ward_name: row.ward_name,
            hospital_id: row.hospital_id,
            hospital_name: row.hospital_name,
            case_ref: row.case_ref,
            placed_by: row.placed_by,
            searched_at: row.searched_at,
            held_at: row.held_at,
            expires_at: row.expires_at,
            decided_at: row.decided_at,
            case_id: row.case_id,
            requester: row.requester,
            callback_phone: row.callback_phone,
            case_municipality: match row.case_municipality.as_str() {
                "" => None,
                code => Some(crate::columns::municipality("report23.municipality_code", code)?),
            },
        })
    }
}

pub(crate) fn hold_from(row: &AnyRow) -> Result<Hold, StoreError> {
    <HoldRow as sqlx::FromRow<AnyRow>>::from_row(row)?.try_into()
}
