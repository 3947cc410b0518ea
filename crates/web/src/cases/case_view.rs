//! What the case page shows (`CasePage`, built by `case_page`) and the loading of a case within
//! the viewer's scope (`load_case`): shared by the case page's routes, identification and the print.

use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, Submitted, load_scoped, today};
use crate::{AppState, WebError};
use askama::Template;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::cases::{CaseEvent, CaseState, Disposition, Finding};
use nimo_store::cases::{self};
use nimo_store::people;

struct EventRow {
    on: String,
    what: &'static str,
    detail: String,
    note: String,
}

/// One form for an allowed next step.
struct ActionForm {
    code: &'static str,
    label: &'static str,
    needs_reason: bool,
    is_exam: bool,
    asks_staff: bool,
    wants_due: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    ctx: Layout,
    code: String,
    c: cases::Case,
    state_label: &'static str,
    disposition: String,
    person: Option<people::Person>,
    events: Vec<EventRow>,
    actions: Vec<ActionForm>,
    dispositions: Vec<(&'static str, &'static str)>,
    f: Fields,
    errors: Errors,
    failed: String,
    /// The failed form's errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
    candidates: Vec<crate::pages::Candidate>,
    /// Whether the typed person may be someone recorded in another 地区 (not shown).
    elsewhere: bool,
    notice: Option<&'static str>,
    /// The case's 受付番号 (what bed holds carry), the bed search for it (empty when no bed is
    /// sought now), and its holds.
    reception: String,
    bed_search: String,
    holds: Vec<(crate::beds::views::HoldView, String)>,
    /// The accepted hold that is the case's 入院先: hospital and ward, and the time to placement.
    admitted: Option<(crate::beds::views::HoldView, String)>,
    /// The admissions that follow the case: (id, hospital, current 入院形態, state).
    admissions: Vec<(i64, String, &'static str, &'static str)>,
    /// Their running clocks and the police 保護's, most urgent first (`clock_table.html`).
    clocks: Vec<crate::clock_view::ClockRow>,
    /// The police 保護's clocks, stopped ones too.
    protection: Vec<crate::clock_view::ClockRow>,
    with_record: bool,
    /// Whether an admission may be recorded (a disposition that admits, or an accepted hold, and a known person).
    may_admit: bool,
    /// The staff count the 事前調査 form starts with, and where that number comes from.
    staff_guided: u8,
    staff_source: &'static str,
}

impl CasePage {
    fn clock_overdue(&self) -> bool {
        self.clocks.iter().any(crate::clock_view::ClockRow::overdue)
    }
}

impl CasePage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, action: &str, name: &str) -> String {
        if self.failed == action { self.errors.get(name).cloned().unwrap_or_default() } else { String::new() }
    }
    fn typed(&self, action: &str, name: &str) -> String {
        if self.failed == action {
            self.value(name)
        } else if name == "occurred_on" || (action == "identify" && name == "identified_on") {
            today()
        } else if name == "occurred_time" {
            let now = time::OffsetDateTime::now_utc().to_offset(crate::display::JST);
            format!("{:02}:{:02}", now.hour(), now.minute())
        } else {
            String::new()
        }
    }
    /// A field of the police 保護 form: as typed when it failed, else the recorded instant in JST.
    fn protection_value(&self, name: &str) -> String {
        if self.failed == "protection" {
            return self.value(name);
        }
        let at = if name == "started_at" { self.c.protection_started_at } else { self.c.protection_ended_at };
        at.map(|at| {
            let local = at.to_offset(crate::display::JST);
            nimo_domain::calendar::local_minute_text(time::PrimitiveDateTime::new(local.date(), local.time()))
        })
        .unwrap_or_default()
    }
    fn selected(&self, action: &str, name: &str, option: &str) -> bool {
        self.failed == action && self.value(name) == option
    }
}

/// The element id of a field of the case page's forms (`action` is the failed form), as
/// `case.html` names them; empty for a reason shown on top of the page.
fn field_id(action: &str, name: &str) -> String {
    match (action, name) {
        ("none", _) => String::new(),
        (_, "state" | "event") => format!("action-{action}"),
        ("identify", "identified_on") => name.to_string(),
        ("identify", _) => format!("id-{name}"),
        (_, "occurred_on") => format!("{action}-on"),
        (_, "occurred_time") => format!("{action}-time"),
        ("protection", _) => format!("protection-{name}"),
        (_, "next_due_on") => format!("{action}-due"),
        (_, "reason" | "note") => format!("{action}-{name}"),
        (_, "staff_count") => format!("{action}-staff"),
        _ => name.to_string(),
    }
}

/// The fields of the case page's forms in the order they show them.
const FIELD_ORDER: &[&str] = &[
    "state",
    "person_choice",
    "identified_on",
    "name_kana",
    "name_kanji",
    "birth_date",
    "sex",
    "address",
    "contact",
    "occurred_on",
    "occurred_time",
    "started_at",
    "ended_at",
    "staff_count",
    "first",
    "second",
    "disposition",
    "hospital",
    "reason",
    "note",
    "next_due_on",
];

fn action_form(code: &'static str) -> ActionForm {
    ActionForm {
        code,
        label: CaseEvent::label_of(code),
        needs_reason: matches!(code, "no_exam_needed" | "hold" | "close"),
        is_exam: code == "examine",
        asks_staff: code == "start_investigation",
        wants_due: code != "close",
    }
}

pub(crate) async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    case: cases::Case,
    submitted: Submitted,
    notice: Option<&'static str>,
) -> Result<CasePage, WebError> {
    let Submitted { f, errors, failed, candidates, elsewhere } = submitted;
    let person = match case.person_id {
        Some(id) => Some(people::get(&state.db, id).await?),
        None => None,
    };
    let events = cases::events(&state.db, case.id)
        .await?
        .into_iter()
        .map(|e| {
            let mut detail = Vec::new();
            if let (Some(first), second) = e.findings {
                detail.push(format!(
                    "一次診察: {} / 二次診察: {}",
                    first.label(),
                    second.map_or("（なし）", Finding::label)
                ));
            }
            if let Some(d) = e.disposition {
                detail.push(d.label().to_string());
            }
            if !e.hospital.is_empty() {
                detail.push(format!("入院先: {}", e.hospital));
            }
            if let Some(staff) = e.staff {
                detail.push(format!("調査職員 {staff}名"));
                if staff < nimo_domain::cases::INVESTIGATION_STAFF_GUIDED {
                    detail.push(nimo_domain::cases::INVESTIGATION_STAFF_SOURCE.to_string());
                }
            }
            if let Some(flag) = e.review {
                detail.push(format!("見直しの対象（{}）", flag.verification().label()));
            }
            EventRow {
                on: match e.occurred_at {
                    Some(at) => crate::display::jst_minute(at),
                    None => format!("{}（時刻不明）", e.occurred_on),
                },
                what: CaseEvent::label_of(&e.kind),
                detail: detail.join("、"),
                note: e.note,
            }
        })
        .collect();
    let actions = case.status.allowed().into_iter().map(action_form).collect();
    let reception = nimo_domain::cases::reception_number(case.fiscal_year, case.id);
    let admission = case.status.disposition.and_then(nimo_domain::cases::admission_of);
    // A bed is sought once an exam is ordered, and after a disposition that is an admission.
    let seeks_bed = match case.status.state {
        CaseState::ExamOrdered => true,
        CaseState::FollowUp => admission.is_some(),
        _ => false,
    };
    let bed_search = if seeks_bed { format!("/beds?case={}", case.id) } else { String::new() };
    let now = state.clock.unix();
    // 受理 is recorded in Japan time.
    let japan = time::UtcOffset::from_whole_seconds(9 * 3600).unwrap_or(time::UtcOffset::UTC);
    let received = case.received_at.assume_offset(japan).unix_timestamp();
    let holds: Vec<_> = nimo_store::beds::holds_for_case(&state.db, code.as_str(), &reception, 20)
        .await?
        .iter()
        .map(|h| {
            let placement = match (h.state_at(now), h.decided_at) {
                (nimo_domain::beds::HoldState::Accepted, Some(at)) => {
                    format!(
                        "受理から{}・検索から{}",
                        crate::beds::views::span(at - received),
                        crate::beds::views::span(at - h.searched_at)
                    )
                }
                _ => String::new(),
            };
            (crate::beds::views::HoldView::of(h, now), placement)
        })
        .collect();
    let summary = crate::pages::summary(&errors, FIELD_ORDER, |name| field_id(&failed, name));
    let admitted = holds.iter().find(|(h, _)| h.accepted).cloned();
    // Once a hospital has accepted, no other bed is sought.
    let bed_search = if admitted.is_some() { String::new() } else { bed_search };
    let case_admissions = nimo_store::admissions::of_case(&state.db, case.id).await?;
    let entries: Vec<_> = case_admissions.iter().flat_map(crate::clock_view::admission_entries).collect();
    let admitted_times: Vec<_> = case_admissions.iter().map(|a| a.status.admitted_at).collect();
    let protection_clocks: Vec<_> = cases::protection::clocks(&case, &admitted_times)
        .into_iter()
        .map(|clock| crate::clock_view::ClockEntry {
            link: String::new(),
            label: reception.clone(),
            clock,
            record: Some(nimo_store::clock_moves::ClockRecord::Case(case.id)),
        })
        .collect();
    let protection_clocks = crate::clock_view::moved(state, code.as_str(), protection_clocks).await?;
    let mut entries = crate::clock_view::moved(state, code.as_str(), entries).await?;
    let protection =
        protection_clocks.iter().map(|e| crate::clock_view::ClockRow::of_clock(&e.clock, state.clock.now())).collect();
    entries.extend(protection_clocks);
    let clocks = crate::clock_view::board(&entries, state.clock.now());
    let may_admit = case.person_id.is_some() && (admission.is_some() || admitted.is_some());
    Ok(CasePage {
        admissions: case_admissions
            .iter()
            .map(|a| (a.id, a.hospital_name.clone(), a.status.form.label(), a.status.state.label()))
            .collect(),
        clocks,
        protection,
        with_record: false,
        may_admit,
        summary,
        ctx: Layout::of(ctx),
        code: code.to_string(),
        state_label: case.status.state.label(),
        disposition: case.status.disposition.map(|d| d.label().to_string()).unwrap_or_default(),
        dispositions: Disposition::list(case.fiscal_year).into_iter().map(|e| (e.code, e.label)).collect(),
        c: case,
        person,
        events,
        actions,
        f,
        errors,
        failed,
        candidates,
        elsewhere,
        notice,
        reception,
        bed_search,
        holds,
        admitted,
        staff_guided: nimo_domain::cases::INVESTIGATION_STAFF_GUIDED,
        staff_source: nimo_domain::cases::INVESTIGATION_STAFF_SOURCE,
    })
}

pub(crate) async fn load_case(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
) -> Result<cases::Case, WebError> {
    let fetch = |id| cases::get(&state.db, id);
    load_scoped(state, ctx, code, id, permission, "case", fetch, |c: &cases::Case| (&c.municipality, &c.district)).await
}
