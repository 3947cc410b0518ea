//! The demo's 普及啓発 events and 構築推進事業 actions of 目黒区 令和4年度: the events section 6 of
//! the seed sheet plans (精神保健講演会 第1〜3回, the 関係機関 講座) on days of their planned
//! months, one leaflet distribution outside the plan, and the actions of section 5 with
//! plausible statuses, so that the calendar shows planned against done. Days, owners and
//! statuses are invented (the seed names months only); participant counts are left unknown.
//! Meetings are the council module's: the calendar shows them once they exist.

use anyhow::Result;
use nimo_domain::demo::meguro_r4;
use nimo_domain::pdca::{ActionStatus, EventKind, HeldStatus};
use nimo_store::Db;
use nimo_store::actions::{self, ActionChange, LinkKind};
use nimo_store::audit::AuditEvent;
use nimo_store::events::{self, EventInput};
use time::macros::date;

/// Records the demo's events and actions; how many of each.
pub async fn create_pdca(db: &Db) -> Result<(usize, usize)> {
    let sheet = meguro_r4();
    let code = sheet.municipality.code.as_str();
    let lecture = |on, title: &str, item: &str| EventInput {
        held_on: on,
        title: title.into(),
        kind: EventKind::Lecture,
        audience: "区民・当事者・家族".into(),
        participants: None,
        partners: vec!["精神保健家族会".into()],
        materials: vec!["講演資料".into()],
        status: HeldStatus::Held,
        schedule_item: item.into(),
    };
    let planned = [
        lecture(date!(2022 - 08 - 25), "令和4年度 第1回 精神保健講演会", "普及啓発（区民・当事者・家族）"),
        lecture(date!(2022 - 11 - 17), "令和4年度 第2回 精神保健講演会", "普及啓発"),
        lecture(date!(2022 - 12 - 08), "令和4年度 第3回 精神保健講演会", "普及啓発（区民・当事者・家族）"),
        EventInput {
            kind: EventKind::Forum,
            audience: "関係機関".into(),
            partners: vec!["医師会".into(), "歯科医師会".into(), "薬剤師会".into()],
            ..lecture(date!(2023 - 03 - 09), "関係機関向け講座・意見交換会", "普及啓発（関係機関）")
        },
        EventInput {
            kind: EventKind::Distribution,
            audience: "区民".into(),
            partners: vec![],
            materials: vec!["こころの健康リーフレット".into()],
            ..lecture(date!(2022 - 10 - 10), "世界メンタルヘルスデー 啓発リーフレット配布", "")
        },
    ];
    let mut lectures = Vec::new();
    for event in &planned {
        let id = events::create(db, code, event, AuditEvent::cli("event_create").with_detail("demo")).await?;
        if event.kind == EventKind::Lecture {
            lectures.push(id);
        }
    }
    let audit = || AuditEvent::cli("action_update").with_detail("demo");
    actions::from_sheet(db, code, sheet.fiscal_year, &sheet.strengths, date!(2022 - 04 - 20), audit()).await?;
    let made = actions::list(db, code, sheet.fiscal_year).await?;
    for action in &made {
        let (status, progress, links) = match (action.menu_code, action.marker.as_str()) {
            (2, "①") => (ActionStatus::InProgress, "関係機関向け講座を3月に開催", vec![]),
            (2, "②") => (
                ActionStatus::Done,
                "精神保健講演会を3回開催",
                lectures.iter().map(|id| (LinkKind::Event, *id)).collect(),
            ),
            (6, "②") => (ActionStatus::Done, "緊急入院先検索の運用を開始", vec![]),
            (6, "①") | (7, _) => (ActionStatus::InProgress, "", vec![]),
            _ => (ActionStatus::NotStarted, "", vec![]),
        };
        let change = ActionChange { owner: "保健予防課".into(), status, progress: progress.into(), links };
        actions::update(db, code, action.id, action.revision, &change, date!(2023 - 03 - 15), audit()).await?;
    }
    Ok((planned.len(), made.len()))
}
