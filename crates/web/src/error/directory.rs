//! What the store's refusals of a directory write mean to a person: one sentence per refused
//! record and field, naming the earlier record a duplicate repeats (as the caller names it: a
//! CSV line, an HSDS organisation). Pages list them all; [`refusal`] gives the first for the
//! generic translation.

use super::Refusal;
use axum::http::StatusCode;
use nimo_store::directory::{Conflict, Refusal as DirectoryRefusal};

/// The sentence for one refused record; `earlier` names a record of the batch by its position.
pub fn message(refusal: &DirectoryRefusal, earlier: impl Fn(usize) -> String) -> String {
    match (&refusal.conflict, refusal.field) {
        (Conflict::Invalid(reason), _) => reason.clone(),
        (Conflict::RepeatedInBatch { first }, "id") => format!("ID が{}と重複しています", earlier(*first)),
        (Conflict::RepeatedInBatch { first }, "hospital_id") => format!("同じ病院が{}にもあります", earlier(*first)),
        (Conflict::RepeatedInBatch { first }, _) => format!("同じ種別・名前が{}にもあります", earlier(*first)),
        (Conflict::TakenInDirectory, "id") => "この ID はすでに名簿にあります".into(),
        (Conflict::TakenInDirectory, "hospital_id") => "この病院はすでに名簿にあります".into(),
        (Conflict::TakenInDirectory, _) => "同じ種別・名前の記録がすでに名簿にあります".into(),
        (Conflict::UnknownHospital, _) => "緊急入院先検索に登録されていない病院です".into(),
    }
}

/// The first refusal of a write as a [`Refusal`] (422, `directory-refused`).
pub fn refusal(refusals: &[DirectoryRefusal]) -> Refusal {
    let first = refusals.first();
    let detail = first.map_or_else(String::new, |r| message(r, |n| format!("{}件目", n + 1)));
    Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "directory-refused", detail, first.map(|r| r.field))
}
