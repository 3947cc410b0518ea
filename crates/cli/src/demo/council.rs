//! The demo's 協議の場 as the 目黒区 R4 sheet tells it (sections 3 and 6): the 協議会, its
//! 関係所管連絡会 and 関係機関連絡会, the R3.10 連絡会, R4.1 令和3年度第1回 (書面開催), R4.7 令和4年度
//! 第1回, and the planned R5.1 関係機関連絡会 and R5.2 第2回, with decisions and action items.
//! Members are fictional (架空). The sheet spells the council 精神保健福祉医療推進協議会 in section 3
//! and 精神保健医療福祉推進協議会 in section 6: the body takes section 3's spelling, so that the
//! lines made from its meetings equal the sheet's own. The seed gives months only: the days are
//! the demo's. Section 3's typed lines that equal a meeting's line are then tied to it, and
//! section 4 ① (R3年度: 開催1回, the 書面開催 one) is counted from these records.

use anyhow::{Context, Result};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::Db;
use nimo_store::audit::AuditEvent;
use nimo_store::council::{self, BodyInput, MemberInput, actions, meetings};

const MEGURO: &str = "131105";
/// The council's name as section 3 spells it.
pub const COUNCIL: &str = "目黒区精神保健福祉医療推進協議会";

fn audit() -> AuditEvent {
    AuditEvent::cli("write").with_detail("demo")
}

async fn body(db: &Db, name: &str, kind: &str, parent_id: Option<i64>) -> Result<i64> {
    let input = BodyInput { name: name.into(), kind: kind.into(), parent_id, active: true };
    council::create_body(db, MEGURO, &input, audit()).await.context("デモ用の会議体を作成できません")
}

struct Held<'a> {
    body: i64,
    title: &'a str,
    on: &'a str,
    format: &'a str,
    status: &'a str,
    item: &'a str,
    agenda: &'a str,
    decisions: &'a [&'a str],
}

async fn meeting(db: &Db, m: Held<'_>, present: Vec<i64>) -> Result<i64> {
    let input = meetings::MeetingInput {
        body_id: m.body,
        title: m.title.into(),
        held_on: m.on.into(),
        format: m.format.into(),
        status: m.status.into(),
        agenda: m.agenda.into(),
        decisions: m.decisions.iter().map(|d| d.to_string()).collect(),
        present,
        schedule_item: m.item.into(),
        ..Default::default()
    };
    meetings::create(db, MEGURO, &input, audit()).await.context("デモ用の会議を作成できません")
}

/// Adds the bodies, members, meetings and action items, then ties section 3's equal lines of
/// the R4 sheet to the meetings. Returns the number of meetings.
pub async fn add_council(db: &Db) -> Result<usize> {
    let kyogi = body(db, COUNCIL, "kyogi_no_ba", None).await?;
    let shokan_name = format!("{COUNCIL} 関係所管連絡会");
    let shokan = body(db, &shokan_name, "renrakukai", Some(kyogi)).await?;
    let kikan = body(db, "関係機関連絡会", "renrakukai", Some(kyogi)).await?;
    let mut members = Vec::new();
    for (name, organisation, sector, position) in [
        ("目黒 一郎（架空）", "目黒区医師会", "medical", "会長"),
        ("碑文谷 花子（架空）", "国立病院機構 東京医療センター 精神科", "medical", "委員"),
        ("中町 次郎（架空）", "目黒区基幹相談支援センター", "welfare", "委員"),
        ("八雲 三枝（架空）", "目黒区精神障害者家族会", "family", "委員"),
        ("駒場 四郎（架空）", "目黒区 健康推進部 保健予防課", "administration", "事務局"),
    ] {
        let input = MemberInput {
            name: name.into(),
            organisation: organisation.into(),
            sector: sector.into(),
            position: position.into(),
            contact: "03-0000-0000（架空）".into(),
        };
        members.push(council::add_member(db, MEGURO, kyogi, &input, audit()).await?);
    }
    let held = |body, title, on, format, status, item, agenda, decisions| Held {
        body,
        title,
        on,
        format,
        status,
        item,
        agenda,
        decisions,
    };
    meeting(
        db,
        held(
            shokan,
            &shokan_name,
            "2021-10-15",
            "in_person",
            "held",
            "",
            "協議会の進め方",
            &["協議会の議題を関係所管で整理する"],
        ),
        Vec::new(),
    )
    .await?;
    meeting(
        db,
        held(
            kyogi,
            "",
            "2022-01-31",
            "written",
            "held",
            "協議の場",
            "令和3年度の取組状況",
            &["令和4年度の取組の方向性を了承した"],
        ),
        members.clone(),
    )
    .await?;
    let first = meeting(
        db,
        held(
            kyogi,
            "",
            "2022-07-12",
            "in_person",
            "held",
            "協議の場",
            "令和4年度の取組内容と進め方",
            &[
                "普及啓発として精神保健講演会を年3回開催する",
                "アウトリーチ支援を新しい仕組みで9月から運用する",
                "医師会・歯科医師会・薬剤師会と受入れ先確保の仕組みを検討する",
            ],
        ),
        members.clone(),
    )
    .await?;
    meeting(
        db,
        held(kikan, "", "2023-01-20", "in_person", "planned", "関係機関連絡会", "第2回協議会に向けた調整", &[]),
        Vec::new(),
    )
    .await?;
    meeting(db, held(kyogi, "", "2023-02-15", "in_person", "planned", "協議の場", "今年度の評価", &[]), Vec::new())
        .await?;
    for (title, owner, due, status, menu) in [
        ("精神保健講演会（年3回）の開催", "保健予防課", "2022-12-31", "in_progress", "2"),
        ("アウトリーチ支援の新しい仕組みでの運用開始", "保健予防課", "2022-09-30", "done", "6"),
        (
            "受入れ先確保の仕組みの検討（医師会・歯科医師会・薬剤師会）",
            "保健予防課・目黒区医師会",
            "2023-03-31",
            "open",
            "6",
        ),
    ] {
        let input = actions::ActionInput {
            title: title.into(),
            owner: owner.into(),
            due_on: due.into(),
            status: status.into(),
            menu_code: menu.into(),
        };
        actions::add(db, MEGURO, first, &input, audit()).await.context("デモ用の対応事項を作成できません")?;
    }
    tie_history(db).await?;
    Ok(5)
}

/// Ties the R4 sheet's section-3 lines that equal a held meeting's line to that meeting.
async fn tie_history(db: &Db) -> Result<()> {
    let code = MunicipalityCode::parse(MEGURO)?;
    let fy = FiscalYear(2022);
    let stored = nimo_store::sheets::load(db, &code, fy).await.context("デモのシートがありません")?;
    let held = meetings::held_up_to(db, MEGURO, fy).await?;
    let mut sheet = stored.sheet;
    sheet.history = nimo_domain::council::propose_history(&sheet.history, &held);
    let mode = nimo_store::sheets::SaveMode::Update { revision: stored.revision };
    nimo_store::sheets::save(db, &sheet, mode, AuditEvent::cli("write").with_detail("section:history:meetings"))
        .await
        .context("デモのシートの第3節を会議の記録に結びつけられません")?;
    Ok(())
}
