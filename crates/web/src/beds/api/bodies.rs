//! The bed finder API's query, request and response bodies: what the handlers read and write,
//! and, through their derives, what `/api/openapi.json` says they are. Field names are the JSON
//! names (the README and the hospitals' systems rely on them).

use nimo_domain::beds::{AdmissionType, CaseRef, DeclineReason, HoldState, Sex, WardType};
use nimo_store::beds::{self, Hit};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The query of a search: the search page's criteria. Values are read as text and checked by
/// the same rules as the page, so that each error names its parameter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The admission type the ward must accept.
    #[param(value_type = Option<AdmissionType>)]
    pub admission: Option<String>,
    /// The person's sex (`male` or `female`).
    #[param(value_type = Option<Sex>)]
    pub sex: Option<String>,
    /// The person's age, 0–120.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 120)]
    pub age: Option<String>,
    /// The ward type.
    #[param(value_type = Option<WardType>)]
    pub ward_type: Option<String>,
    /// Any value: the person needs 身体合併症 care.
    pub physical: Option<String>,
    /// The 地方公共団体コード of a Tokyo ward to measure distances from.
    #[param(example = "131105")]
    pub from: Option<String>,
    /// The latitude to measure distances from (with `lon`, instead of `from`).
    #[param(value_type = Option<f64>)]
    pub lat: Option<String>,
    /// The longitude to measure distances from.
    #[param(value_type = Option<f64>)]
    pub lon: Option<String>,
    /// Any value: include wards with no bed left.
    pub include_full: Option<String>,
}

impl SearchQuery {
    /// The given parameters by name, as the search page reads them.
    pub fn to_params(&self) -> HashMap<String, String> {
        let fields = [
            ("admission", &self.admission),
            ("sex", &self.sex),
            ("age", &self.age),
            ("ward_type", &self.ward_type),
            ("physical", &self.physical),
            ("from", &self.from),
            ("lat", &self.lat),
            ("lon", &self.lon),
            ("include_full", &self.include_full),
        ];
        fields.into_iter().filter_map(|(name, value)| Some((name.to_string(), value.clone()?))).collect()
    }
}

/// The ranked wards of a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// When the search ran (Unix seconds); send it back as a hold's `searched_at`.
    pub searched_at: i64,
    /// The wards, best first.
    pub results: Vec<SearchResult>,
}

/// One ward of a search's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// The ward's id.
    pub ward_id: String,
    /// The ward's name.
    pub ward_name: String,
    /// The ward type.
    pub ward_type: WardType,
    /// Whom the ward admits by sex.
    pub sex: Sex,
    /// The youngest age admitted.
    pub min_age: i64,
    /// The oldest age admitted.
    pub max_age: i64,
    /// The admission types the ward accepts.
    pub admissions: Vec<AdmissionType>,
    /// The hospital's id.
    pub hospital_id: String,
    /// The hospital's name.
    pub hospital_name: String,
    /// The phone number to call.
    pub phone: String,
    /// Beds left now: posted, less active holds and admissions since the posting.
    pub free_beds: i64,
    /// The free beds the hospital last posted.
    pub posted_free_beds: i64,
    /// When the count was posted (Unix seconds).
    pub posted_at: i64,
    /// The posting's age in seconds.
    pub age_seconds: i64,
    /// Whether the posting is older than the stale limit.
    pub stale: bool,
    /// Distance from the search's point, when it had one.
    pub distance_km: Option<f64>,
}

impl SearchResult {
    /// A search hit as the API returns it.
    pub fn of(hit: &Hit) -> Self {
        let ward = &hit.status.ward;
        Self {
            ward_id: ward.id.clone(),
            ward_name: ward.name.clone(),
            ward_type: ward.ward_type,
            sex: ward.sex,
            min_age: ward.min_age,
            max_age: ward.max_age,
            admissions: ward.admissions.clone(),
            hospital_id: hit.hospital.id.clone(),
            hospital_name: hit.hospital.name.clone(),
            phone: hit.hospital.phone.clone(),
            free_beds: hit.status.availability.left(),
            posted_free_beds: hit.status.availability.posted,
            posted_at: hit.status.posted_at,
            age_seconds: hit.age_seconds,
            stale: hit.stale,
            distance_km: hit.distance_km,
        }
    }
}

/// A ward's free beds as the hospital posts them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostAvailability {
    /// The ward's empty beds now.
    #[schema(minimum = 0, maximum = 500)]
    pub free_beds: i64,
}

/// A posting as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedAvailability {
    /// The ward's id.
    pub ward_id: String,
    /// The free beds posted.
    pub free_beds: i64,
    /// When (Unix seconds).
    pub posted_at: i64,
}

/// A hold to place. The fields are read as text and checked by the same rules as the search
/// page's hold form, so that each error names its field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceHold {
    /// The ward's id.
    #[schema(value_type = String, required = true, example = "h-meguro-1-a")]
    pub ward_id: Option<String>,
    /// The case's 受付番号 (never a name).
    #[schema(value_type = CaseRef, required = true)]
    pub case_ref: Option<String>,
    /// The admission type sought.
    #[schema(value_type = AdmissionType, required = true)]
    pub admission: Option<String>,
    /// When the search ran (Unix seconds), the start of the placement time; now when absent.
    pub searched_at: Option<i64>,
}

/// A hospital's refusal of a hold.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineHold {
    /// Why: a code, never free text.
    #[schema(value_type = DeclineReason)]
    pub reason: String,
}

/// A hold on a ward's bed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hold {
    /// The hold's id.
    pub id: i64,
    /// The ward's id.
    pub ward_id: String,
    /// The hospital's id.
    pub hospital_id: String,
    /// The case's 受付番号.
    pub case_ref: String,
    /// The admission type sought.
    pub admission: AdmissionType,
    /// Where the hold is now (a held hold past its expiry is `expired`).
    pub state: HoldState,
    /// When the search ran (Unix seconds).
    pub searched_at: i64,
    /// When the hold was placed.
    pub held_at: i64,
    /// When it expires unless answered.
    pub expires_at: i64,
    /// When it was accepted, declined, cancelled or expired.
    pub decided_at: Option<i64>,
    /// Why it was declined.
    pub decline_reason: Option<DeclineReason>,
}

impl Hold {
    /// A stored hold as the API returns it at a moment.
    pub fn of(hold: &beds::Hold, now: i64) -> Self {
        Self {
            id: hold.id,
            ward_id: hold.ward_id.clone(),
            hospital_id: hold.hospital_id.clone(),
            case_ref: hold.case_ref.clone(),
            admission: hold.admission,
            state: hold.state_at(now),
            searched_at: hold.searched_at,
            held_at: hold.held_at,
            expires_at: hold.expires_at,
            decided_at: hold.decided_at,
            decline_reason: hold.decline_reason,
        }
    }
}
