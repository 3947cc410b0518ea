//! The 退院後支援計画 as an A4 PDF (`GET …/plans/{plan_id}/print.pdf`), laid out after the items
//! the guideline (障発0327第16号, H30.3) asks a plan to state: the person (with the address the
//! plan is for), who makes it and the consent, the admission and the support period, the contents,
//! the 支援会議 and the plan's events, then a place for the person's consent. Internal records (the
//! events' notes, the meetings' minutes) stay on the page: the print is what the person and the
//! partners are handed.
//!
//! Authorized as the plan page (`case.read` in the plan's municipality and 地区: outside them a
//! 404 after a `denied` row) and audited `print` (record `plan`) before the file leaves. The
//! 入院先 comes from the case the plan started from, only when that case is within the viewer's
//! 地区 as well.

use crate::context::Ctx;
use crate::pages::{PagePath, Record, load_scoped};
use crate::{AppState, WebError, display, printing};
use axum::extract::State;
use axum::response::Response;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Permission, Target, authorize};
use nimo_domain::plans::contents::PlanContents;
use nimo_domain::plans::{PERIOD_MONTHS, PlanEvent};
use nimo_report::records::{PrintedContents, PrintedEvent, PrintedMeeting, PrintedPerson, PrintedSupport, SupportPlan};
use nimo_store::plans::{self, MEETING_PURPOSES};
use nimo_store::{cases, people};

/// Where the print's sections come from, printed under them: the contents' sections after the
/// guideline III.1; the guideline's 参考様式 was not compared item by item, hence 要確認.
pub const BASIS: &str = nimo_domain::plans::contents::FORM_NOTE;

/// GET /municipalities/{code}/plans/{plan_id}/print.pdf
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Response, WebError> {
    let fetch = |id| plans::get(&state.db, id);
    let plan = load_scoped(&state, &ctx, &code, id, Permission::CaseRead, "plan", fetch, |p: &plans::Plan| {
        (&p.municipality, &p.district)
    })
    .await?;
    let print = support_plan(&state, &ctx, &code, plan).await?;
    let fonts = printing::fonts(&state)?;
    let pdf = printing::render(&state, move || nimo_report::render_support_plan(&print, &fonts)).await?;
    printing::answer(&state, &ctx, "plan", id, format!("plan-{code}-{id}.pdf"), pdf).await
}

/// Whether the viewer may read records of this municipality and 地区 (as its own page would
/// decide).
fn may_read(ctx: &Ctx, plan: &plans::Plan, municipality: &MunicipalityCode, district: &str) -> bool {
    let target = Target::District(municipality.clone(), district.to_string());
    *municipality == plan.municipality && authorize(ctx.0.principal().as_ref(), Permission::CaseRead, &target).is_ok()
}

/// The 入院先 of the plan's case, when the viewer may see that case.
async fn hospital(state: &AppState, ctx: &Ctx, plan: &plans::Plan) -> Result<String, WebError> {
    let Some(case_id) = plan.case_id else { return Ok(String::new()) };
    let case = cases::get(&state.db, case_id).await?;
    Ok(if may_read(ctx, plan, &case.municipality, &case.district) { case.hospital } else { String::new() })
}

async fn support_plan(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    plan: plans::Plan,
) -> Result<SupportPlan, WebError> {
    let printed = printing::printed(state, ctx, code).await?;
    let person = people::get(&state.db, plan.person_id).await?;
    let full_person = may_read(ctx, &plan, &person.municipality, &person.district);
    let s = &plan.status;
    let consent = super::consent_text(&plan);
    let events = plans::events(&state.db, plan.id).await?;
    let drafted_on = events.iter().rev().find(|e| e.kind == "draft").map(|e| e.occurred_on.to_string());
    let period_end = match s.period_end {
        Some(end) if s.extensions > 0 => format!("{end}（延長 {} 回）", s.extensions),
        Some(end) => format!("{end}（原則{PERIOD_MONTHS}か月以内）"),
        None => String::new(),
    };
    let ended = match (s.ended_on, s.end_reason, &s.transferred_to) {
        (Some(on), _, Some(to)) => format!("{on} {to} へ移管"),
        (Some(on), Some(reason), None) => format!("{on}（{}）", reason.label()),
        (Some(on), None, None) => on.to_string(),
        (None, ..) => String::new(),
    };
    let meetings = plans::meetings(&state.db, plan.id)
        .await?
        .into_iter()
        .map(|m| PrintedMeeting {
            held_on: m.held_on.to_string(),
            purpose: MEETING_PURPOSES.iter().find(|(c, _)| *c == m.purpose).map_or("その他", |(_, l)| *l).to_string(),
            participants: m.participants.iter().map(|(org, role)| format!("{org}（{role}）")).collect(),
            attendance: format!(
                "本人: {}・家族等: {}",
                if m.person_attended { "出席" } else { "欠席" },
                if m.family_attended { "出席" } else { "欠席" }
            ),
        })
        .collect();
    Ok(SupportPlan {
        id: plan.id,
        state: s.state.label().to_string(),
        person: PrintedPerson {
            // The address and contact as the person's page shows them, if the viewer may see it.
            address: if full_person { person.address } else { String::new() },
            contact: if full_person { person.contact } else { String::new() },
            name_kanji: person.name_kanji,
            name_kana: person.name_kana,
            birth_date: display::date_or_empty(person.birth_date),
        },
        district: plan.district.clone(),
        consent,
        drafted_on: drafted_on.unwrap_or_default(),
        hospital: hospital(state, ctx, &plan).await?,
        started_on: display::date_or_empty(s.started_on),
        period_end,
        next_review: display::date_or_empty(s.next_review),
        ended,
        sections: plan.form.as_ref().map(printed_contents),
        contents: plan.contents.clone(),
        meetings,
        events: events
            .iter()
            .map(|e| PrintedEvent {
                on: e.occurred_on.to_string(),
                what: PlanEvent::label_of(&e.kind).to_string(),
                detail: e.detail.clone(),
                note: String::new(),
            })
            .collect(),
        basis: BASIS.to_string(),
        printed,
    })
}

/// The contents by section as printed: each support kind by its label.
fn printed_contents(c: &PlanContents) -> PrintedContents {
    PrintedContents {
        person_wishes: c.person_wishes.clone(),
        family_views: c.family_views.clone(),
        living_wishes: c.living_wishes.clone(),
        supports: c
            .supports
            .iter()
            .map(|s| PrintedSupport {
                kind: s.kind_label().to_string(),
                agency: s.agency.clone(),
                contact: s.contact.clone(),
                phone: s.phone.clone(),
                content: s.content.clone(),
                frequency: s.frequency.clone(),
            })
            .collect(),
        crisis_signs: c.crisis.signs.clone(),
        crisis_own_actions: c.crisis.own_actions.clone(),
        crisis_day_contact: c.crisis.day_contact.clone(),
        crisis_night_contact: c.crisis.night_contact.clone(),
        author_authority: c.author.authority.clone(),
        author_officer: c.author.officer.clone(),
        author_contact: c.author.contact.clone(),
    }
}
