//! The case summary as an A4 PDF (`GET …/cases/{case_id}/print.pdf`): what the case page shows —
//! 受付, the person as the viewer may see them, the events with their dates, the disposition,
//! the bed holds with their times, 入院先 and the next due date — with the forms left out.
//!
//! Authorized as the case page (`case.read` in the case's municipality and 地区: outside them a
//! 404 after a `denied` row) and audited `print` (record `case`) before the file leaves.

use super::case_view::load_case;
use crate::context::Ctx;
use crate::pages::{PagePath, Record};
use crate::{AppState, WebError, display, printing};
use axum::extract::State;
use axum::response::Response;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::cases::{CaseEvent, Finding};
use nimo_report::records::{CaseSummary, PrintedEvent, PrintedHold, PrintedPerson};
use nimo_store::{cases, people};

/// Whether the person lives in the municipality, in the municipality's own word: `区内（区民）`,
/// `市外`. (The case page and the intake form say 区民.) Templates pass the flag by reference.
pub(crate) fn residence_label(resident: impl std::borrow::Borrow<bool>, municipality: &str) -> String {
    let resident = *resident.borrow();
    let place = match municipality.chars().last() {
        Some(c @ ('区' | '市' | '町' | '村')) => c.to_string(),
        _ => "区".to_string(),
    };
    if resident { format!("{place}内（{place}民）") } else { format!("{place}外") }
}

/// The detail of a case event as the case page writes it: findings, disposition, hospital.
fn event_detail(event: &cases::EventRecord) -> String {
    let mut detail = Vec::new();
    if let (Some(first), second) = event.findings {
        detail.push(format!("一次診察: {} / 二次診察: {}", first.label(), second.map_or("（なし）", Finding::label)));
    }
    if let Some(d) = event.disposition {
        detail.push(d.label().to_string());
    }
    if !event.hospital.is_empty() {
        detail.push(format!("入院先: {}", event.hospital));
    }
    if let Some(staff) = event.staff {
        detail.push(format!("調査職員 {staff}名"));
    }
    detail.join("、")
}

/// GET /municipalities/{code}/cases/{case_id}/print.pdf
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Response, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseRead).await?;
    let summary = summary(&state, &ctx, &code, case).await?;
    let fonts = printing::fonts(&state)?;
    let pdf = printing::render(&state, move || nimo_report::render_case_summary(&summary, &fonts)).await?;
    printing::answer(&state, &ctx, "case", id, format!("case-{code}-{id}.pdf"), pdf).await
}

async fn summary(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    case: cases::Case,
) -> Result<CaseSummary, WebError> {
    let printed = printing::printed(state, ctx, code).await?;
    let person = match case.person_id {
        Some(id) => {
            let p = people::get(&state.db, id).await?;
            Some(PrintedPerson {
                name_kanji: p.name_kanji,
                name_kana: p.name_kana,
                birth_date: display::date_or_empty(p.birth_date),
                // The case page shows neither; they stay on the person's page.
                address: String::new(),
                contact: String::new(),
            })
        }
        None => None,
    };
    let events = cases::events(&state.db, case.id)
        .await?
        .iter()
        .map(|e| PrintedEvent {
            on: e.occurred_on.to_string(),
            what: CaseEvent::label_of(&e.kind).to_string(),
            detail: event_detail(e),
            note: e.note.clone(),
        })
        .collect();
    let reception = nimo_domain::cases::reception_number(case.fiscal_year, case.id);
    let now = state.clock.unix();
    let holds = nimo_store::beds::holds_for_case(&state.db, code.as_str(), &reception, 20)
        .await?
        .iter()
        .map(|h| {
            let reason = h.decline_reason.map(|r| format!("（{}）", r.label())).unwrap_or_default();
            PrintedHold {
                id: h.id,
                place: format!("{} {}", h.hospital_name, h.ward_name),
                admission: h.admission.label().to_string(),
                state: format!("{}{reason}", h.state_at(now).label()),
                held_at: display::unix_minute(h.held_at),
                decided_at: h.decided_at.map(display::unix_minute).unwrap_or_default(),
            }
        })
        .collect();
    Ok(CaseSummary {
        id: case.id,
        reception,
        state: case.status.state.label().to_string(),
        disposition: case.status.disposition.map(|d| d.label().to_string()).unwrap_or_default(),
        received_at: display::minute(case.received_at),
        article: case.article.label(),
        police_station: case.police_station,
        review: case.review.map(|flag| flag.label().to_string()).unwrap_or_default(),
        district: case.district,
        residence: residence_label(case.resident, &printed.municipality),
        person,
        circumstances: case.circumstances,
        hospital: case.hospital,
        next_due: display::date_or_empty(case.next_due_on),
        closed_on: display::date_or_empty(case.closed_on),
        events,
        holds,
        printed,
    })
}

#[cfg(test)]
mod tests {
    use super::residence_label;

    #[test]
    fn residence_is_said_in_the_municipality_s_own_word() {
        assert_eq!(residence_label(true, "目黒区"), "区内（区民）");
        assert_eq!(residence_label(false, "目黒区"), "区外");
        assert_eq!(residence_label(true, "横浜市"), "市内（市民）");
        assert_eq!(residence_label(false, "131105"), "区外");
    }
}
