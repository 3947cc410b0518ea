//! A 保健師's or PSW's "today": the cases of their scope and 地区 that are overdue or due soon
//! (by next due date), the 23条通報 received today, the holds their municipality placed that wait
//! for an answer or were answered in the last day, and the 退院後支援計画 whose review or end is
//! due, and the running legal clocks of their scope, most urgent first. Reading it opens people's names: the `read` row is written before the page answers.

use super::{Item, Parts, Section, today_in_japan};
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use nimo_domain::access::{Permission, Principal, Target, authorize};
use nimo_domain::beds::HoldState;
use nimo_store::audit::Outcome;

/// Cases due within this many days count as due today's list.
pub(crate) const DUE_WITHIN_DAYS: i64 = 7;
/// Holds answered within this many seconds are still shown.
const ANSWERED_WITHIN_SECONDS: i64 = 24 * 3600;
/// The most lines a section shows before its "all" link.
const MAX_ITEMS: usize = 20;

/// The staff member's start page.
pub(crate) async fn today(
    state: &AppState,
    ctx: &Ctx,
    layout: &Layout,
    principal: &Principal,
) -> Result<Parts, WebError> {
    let code = principal.scope.municipality.clone().ok_or_else(crate::pages::not_found)?;
    let district = principal.scope.district.clone();
    let today = today_in_japan(state);
    let items = nimo_store::cases::worklist(&state.db, code.as_str(), district.as_deref(), &today.to_string()).await?;
    let reminders = nimo_store::plans::reminders(
        &state.db,
        code.as_str(),
        district.as_deref(),
        &today.to_string(),
        crate::plans::REMINDER_DAYS,
    )
    .await?;
    let clock_entries =
        crate::clock_view::entries_in(state, code.as_str(), district.as_deref(), state.clock.now()).await?;
    let now = state.clock.unix();
    let holds =
        nimo_store::beds::holds_of_municipality_at(&state.db, code.as_str(), now, now - ANSWERED_WITHIN_SECONDS, 100)
            .await?;
    // The names below are personal data: the read is on record before anything is shown.
    let event = audit::event(&ctx.0, "read", Outcome::Ok).with_record("case_list", code.as_str()).with_detail("home");
    audit::before(&state.db, &event).await?;

    let case_href = |id: i64| format!("/municipalities/{code}/cases/{id}");
    let person = |kana: &str| if kana.is_empty() { "（本人不明）".to_string() } else { kana.to_string() };
    let horizon = today + time::Duration::days(DUE_WITHIN_DAYS);
    let mut due: Vec<_> = items.iter().filter(|i| i.next_due_on.is_some_and(|d| d <= horizon)).collect();
    due.sort_by_key(|i| (i.next_due_on, i.case_id));
    let due_items = due
        .iter()
        .take(MAX_ITEMS)
        .map(|i| {
            let on = crate::display::date_or_empty(i.next_due_on);
            let mine = i.assigned.as_ref().is_some_and(|(id, _)| *id == principal.user_id);
            Item {
                href: case_href(i.case_id),
                title: reception(i.received_at, i.case_id),
                detail: format!(
                    "{}・{}・{}{}",
                    person(&i.person_kana),
                    i.district,
                    i.state.label(),
                    if mine { "・自分の担当" } else { "" }
                ),
                badge: Some(if i.overdue {
                    ("overdue", format!("期限超過 {on}"))
                } else {
                    ("due", format!("期限 {on}"))
                }),
            }
        })
        .collect();
    let received = items
        .iter()
        .filter(|i| i.received_at.date() == today)
        .map(|i| Item {
            href: case_href(i.case_id),
            title: reception(i.received_at, i.case_id),
            detail: format!("受理 {}・{}・{}", crate::display::minute(i.received_at), i.district, i.state.label()),
            badge: None,
        })
        .collect();
    let mut hold_items = Vec::new();
    for hold in &holds {
        let Some(href) = hold_link(state, principal, &hold.case_ref, hold.placed_by).await? else { continue };
        let waiting = hold.state_at(now) == HoldState::Held;
        let detail = format!("{} {}・{}", hold.hospital_name, hold.ward_name, hold.admission.label());
        let badge = if waiting {
            ("waiting", format!("回答待ち（あと{}分）", (hold.expires_at - now).max(0).div_euclid(60)))
        } else {
            ("answered", hold.state_at(now).label().to_string())
        };
        hold_items.push(Item { href, title: format!("受付番号 {}", hold.case_ref), detail, badge: Some(badge) });
    }
    let plan_items = reminders
        .iter()
        .take(MAX_ITEMS)
        .map(|p| {
            let (what, on) = match (p.next_review_on, p.period_end_on) {
                (Some(review), _) => ("見直し", review),
                (None, Some(end)) => ("支援期間の終了", end),
                (None, None) => ("見直し", today),
            };
            Item {
                href: format!("/municipalities/{code}/plans/{}", p.plan_id),
                title: person(&p.person_kana),
                detail: format!("{}・{}", p.district, p.state.label()),
                badge: Some(if p.overdue {
                    ("overdue", format!("{what} 期限超過 {on}"))
                } else {
                    ("due", format!("{what} {on}"))
                }),
            }
        })
        .collect();
    let clock_items = crate::clock_view::board(&clock_entries, state.clock.now())
        .into_iter()
        .take(MAX_ITEMS)
        .map(|c| Item {
            href: c.link.clone(),
            title: if c.label.starts_with("入院") { c.label.clone() } else { format!("受付番号 {}", c.label) },
            detail: format!(
                "{}（{}）・{}{}",
                c.rule,
                c.article,
                c.deadline,
                if c.unverified.is_some() { "・要確認" } else { "" }
            ),
            badge: Some((c.state, format!("{} {}", c.state_label, c.left))),
        })
        .collect();
    let sections = vec![
        Section {
            id: "clocks",
            heading: "法定期限",
            empty: "進行中の法定期限はありません。",
            items: clock_items,
            more: Some((format!("/municipalities/{code}/clocks"), "法定期限の一覧へ")),
        },
        Section {
            id: "cases",
            heading: "期限の近い事例",
            empty: "期限を過ぎた事例、7日以内に期限の来る事例はありません。",
            items: due_items,
            more: Some((format!("/municipalities/{code}/cases"), "事例一覧へ")),
        },
        Section {
            id: "received",
            heading: "今日受理した通報",
            empty: "今日受理した23条通報はありません。",
            items: received,
            more: Some((format!("/municipalities/{code}/cases/new"), "通報を受理する")),
        },
        Section {
            id: "holds",
            heading: "病床の仮押さえ",
            empty: "回答待ちの仮押さえ、この24時間に回答された仮押さえはありません。",
            items: hold_items,
            more: Some(("/beds/holds".to_string(), "自分の仮押さえ一覧へ")),
        },
        Section {
            id: "plans",
            heading: "見直しの近い退院後支援計画",
            empty: "見直しや支援期間の終了が近い計画はありません。",
            items: plan_items,
            more: Some((format!("/municipalities/{code}/plans"), "支援計画一覧へ")),
        },
    ];
    let sections = sections.into_iter().map(|s| offered(layout, s)).collect();
    let scope = match &district {
        Some(d) => format!("{code}・{d}地区"),
        None => code.to_string(),
    };
    let heading = format!("今日の仕事（{}）", today);
    let lead = format!("担当範囲 {scope} の事例・通報・仮押さえ・支援計画です。");
    let shortcuts = vec![
        ("/beds".to_string(), "空床検索"),
        (format!("/municipalities/{code}/caseload"), "担当件数"),
        (format!("/municipalities/{code}/districts"), "地区と担当"),
        (format!("/municipalities/{code}"), "自治体情報シート"),
        (format!("/municipalities/{code}/council"), "協議の場と会議"),
        (format!("/municipalities/{code}/action-items"), "対応事項"),
        ("/beds/stats".to_string(), "入院調整の統計"),
    ];
    Ok((heading, lead, sections, shortcuts))
}

/// A section with only the links the viewer may follow (an item whose page the policy would
/// refuse is left out, and so is a "more" link).
fn offered(layout: &Layout, mut section: Section) -> Section {
    section.items.retain(|i| layout.can("GET", &i.href));
    section.more = section.more.filter(|(href, _)| layout.can("GET", href));
    section
}

/// A case's 受付番号 as the bed finder knows it.
fn reception(received_at: time::PrimitiveDateTime, id: i64) -> String {
    let date = received_at.date();
    let fy = nimo_domain::FiscalYear::of_date(date.year(), u8::from(date.month()));
    format!("受付番号 {}", nimo_domain::cases::reception_number(fy, id))
}

/// Where a hold leads: its case's page when the 受付番号 names an open or closed case of the
/// viewer's municipality and 地区, else the viewer's own holds when she placed it, else nowhere
/// (a colleague's hold for a case outside the viewer's 地区 is not shown).
async fn hold_link(
    state: &AppState,
    principal: &Principal,
    case_ref: &str,
    placed_by: i64,
) -> Result<Option<String>, WebError> {
    let own = (placed_by == principal.user_id).then(|| "/beds/holds".to_string());
    let Some(id) = case_ref.rsplit('-').next().and_then(|n| n.parse::<i64>().ok()) else { return Ok(own) };
    let case = match nimo_store::cases::get(&state.db, id).await {
        Ok(case) => case,
        Err(error) if error.is_not_found() => return Ok(own),
        Err(error) => return Err(error.into()),
    };
    let target = Target::District(case.municipality.clone(), case.district.clone());
    let same = nimo_domain::cases::reception_number(case.fiscal_year, case.id) == case_ref;
    if same && authorize(Some(principal), Permission::CaseRead, &target).is_ok() {
        return Ok(Some(format!("/municipalities/{}/cases/{id}", case.municipality)));
    }
    Ok(own)
}
