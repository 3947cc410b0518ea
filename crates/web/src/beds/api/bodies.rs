//! The bed finder API's query, request and response bodies: what the handlers read and write,
//! and, through their derives, what `/api/openapi.json` says they are. Field names are the JSON
//! names (the README and the hospitals' systems rely on them).

use nimo_domain::beds::{AdmissionType, CaseRef, DeclineReason, HoldState, Sex, SochiDesignation, WardType};
use nimo_store::beds::{self, Hit};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// The ranked wards of a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// When the search ran (Unix seconds); send it back as a hold's `searched_at`.
    pub searched_at: i64,
    /// When the search ran in the 夜間・休日 band (Japan time), why (夜間, 休日 and its name);
    /// `null` on a weekday's daytime.
    pub night_band: Option<String>,
    /// How many wards matched the criteria, before the limit of 50 results.
    pub wards: usize,
    /// How many hospitals those wards belong to.
    pub hospitals: usize,
    /// The wards, best first: a bed left, then fresh postings before stale ones, then better
    /// fit, then nearer; at most 50.
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
    /// The hospital's designation for 措置入院 and 緊急措置入院 (法29条1項, 19条の8).
    pub sochi_designation: SochiDesignation,
    /// The hospital is an 応急入院指定病院.
    pub okyu_designated: bool,
    /// The hospital takes admissions in the 夜間・休日 band.
    pub night_holiday: bool,
    /// The hospital takes admissions now: false only in the 夜間・休日 band for a hospital that
    /// takes none then.
    pub open_now: bool,
    /// The ward's 保護室.
    pub seclusion_rooms: i64,
    /// The ward's free 保護室 as last posted.
    pub seclusion_free: i64,
}

impl SearchResult {
    /// A search hit as the API returns it; `night_band` when the search ran in the band.
    pub fn of(hit: &Hit, night_band: bool) -> Self {
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
            sochi_designation: hit.hospital.sochi_designation,
            okyu_designated: hit.hospital.okyu_designated,
            night_holiday: hit.hospital.night_holiday,
            open_now: !night_band || hit.hospital.night_holiday,
            seclusion_rooms: ward.seclusion_rooms,
            seclusion_free: hit.status.seclusion_free,
        }
    }
}

/// A ward's free beds as the hospital posts them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostAvailability {
    /// The ward's empty beds now.
    #[schema(minimum = 0, maximum = 500)]
    #[serde(deserialize_with = "whole")]
    pub free_beds: i64,
    /// The ward's free 保護室 now (0 to its rooms); absent or `null` leaves them as they were.
    #[schema(minimum = 0, maximum = 100)]
    #[serde(default, deserialize_with = "whole_or_null")]
    pub seclusion_free: Option<i64>,
}

/// A posting as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedAvailability {
    /// The ward's id.
    pub ward_id: String,
    /// The free beds posted.
    pub free_beds: i64,
    /// The free 保護室 posted, when they were.
    pub seclusion_free: Option<i64>,
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
    #[schema(schema_with = case_ref, required = true)]
    pub case_ref: Option<String>,
    /// The admission type sought.
    #[schema(value_type = AdmissionType, required = true)]
    pub admission: Option<String>,
    /// When the search ran (Unix seconds), the start of the placement time; now when absent.
    #[serde(default, deserialize_with = "whole_or_null")]
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

/// A 受付番号 as a client sends it: [`CaseRef`]'s canonical form (the server also takes its
/// full-width spelling, as the page does).
fn case_ref() -> ObjectBuilder {
    let max = CaseRef::MAX_LEN;
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(format!("^[A-Za-z0-9][A-Za-z0-9-]{{0,{}}}$", max - 1)))
        .description(Some("The case's 受付番号 (never a name): ASCII letters, digits and hyphens."))
        .examples(["R4-023"])
}

/// A JSON Schema integer as `i64`: a number without a fractional part, written `2` or `2.0`
/// (both are integers to JSON Schema, so a client may send either).
fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    whole_of(&number).ok_or_else(|| serde::de::Error::custom(format!("{number} is not a whole number in range")))
}

/// [`whole`], or `null`.
fn whole_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(number) => whole_of(&number)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{number} is not a whole number in range"))),
    }
}

fn whole_of(number: &serde_json::Number) -> Option<i64> {
    if let Some(value) = number.as_i64() {
        return Some(value);
    }
    // 2^63 as f64; every whole f64 below it in magnitude converts exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let value = number.as_f64()?;
    // Exclusive at both ends: a number written past i64's range (-9223372036854775809) reads
    // as -2^63 in f64 and must not pass as i64::MIN.
    (value.fract() == 0.0 && value > -LIMIT && value < LIMIT).then_some(value as i64)
}

#[cfg(test)]
mod tests {
    use super::{PlaceHold, PostAvailability};

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction_and_nothing_else_passes() {
        let posted: PostAvailability = serde_json::from_str(r#"{"free_beds": 160.0}"#).unwrap();
        assert_eq!(posted.free_beds, 160);
        for refused in [r#"{"free_beds": 1.5}"#, r#"{"free_beds": 1e300}"#, r#"{"free_beds": "1"}"#] {
            assert!(serde_json::from_str::<PostAvailability>(refused).is_err(), "{refused}");
        }
        let hold: PlaceHold = serde_json::from_str(r#"{"searched_at": 1700000000.0}"#).unwrap();
        assert_eq!(hold.searched_at, Some(1_700_000_000));
        let beyond = r#"{"searched_at": -9223372036854775809}"#;
        assert!(serde_json::from_str::<PlaceHold>(beyond).is_err(), "below i64's range is refused");
        let hold: PlaceHold = serde_json::from_str(r#"{"searched_at": null}"#).unwrap();
        assert_eq!(hold.searched_at, None);
        let hold: PlaceHold = serde_json::from_str("{}").unwrap();
        assert_eq!(hold.searched_at, None);
    }
}
