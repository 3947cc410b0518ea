//! The prints of case work, read back with poppler: a case summary and a 退院後支援計画 with long
//! texts and many rows print every text (nothing cut off at a cell or page edge), on A4 portrait
//! pages, in the Japanese font, with the handling mark and the print's time on every page.

use crate::fonts;
use crate::poppler::{RenderedPdf, squeeze};
use nimo_report::records::{
    CaseSummary, HANDLING_MARK, Printed, PrintedContents, PrintedEvent, PrintedHold, PrintedMeeting, PrintedPerson,
    PrintedSupport, SupportPlan,
};
use nimo_report::{render_case_summary, render_support_plan};

fn printed() -> Printed {
    Printed { municipality: "目黒区".into(), at: "2026-12-07 09:30".into(), by: "見本 保健師".into() }
}

fn person() -> PrintedPerson {
    PrintedPerson {
        name_kanji: "見本 花子".into(),
        name_kana: "みほん はなこ".into(),
        birth_date: "1985-04-01".into(),
        address: "目黒区見本町1-2-3 見本ハイツ101".into(),
        contact: "000-1234-5678".into(),
    }
}

/// A case with a long 状況 and forty events: several pages.
pub fn long_case() -> CaseSummary {
    let events = (1..=40)
        .map(|i| PrintedEvent {
            on: format!("2022-05-{:02}", i % 28 + 1),
            what: "フォローアップ連絡".into(),
            detail: if i == 3 {
                "一次診察: 要措置 / 二次診察: 要措置、措置入院、入院先: 見本記念病院".into()
            } else {
                String::new()
            },
            note: format!("記録{i}: 本人と電話で話した。服薬は続けている。次回は家族も同席予定。"),
        })
        .collect();
    CaseSummary {
        id: 12,
        reception: "R4-000012".into(),
        state: "フォローアップ中".into(),
        disposition: "措置入院".into(),
        received_at: "2022-05-10 14:30".into(),
        article: "23条（警察官の通報）".into(),
        police_station: "目黒警察署".into(),
        review: String::new(),
        district: "東部".into(),
        residence: "区内（区民）".into(),
        person: Some(person()),
        circumstances: (1..=12)
            .map(|i| format!("状況の{i}行目: 自宅で大声を出し、家族が110番通報した。"))
            .collect::<Vec<_>>()
            .join("\n"),
        hospital: "見本記念病院".into(),
        next_due: "2022-06-01".into(),
        closed_on: String::new(),
        events,
        holds: vec![PrintedHold {
            id: 7,
            place: "見本記念病院 精神科急性期治療病棟A".into(),
            admission: "措置入院".into(),
            state: "受け入れ".into(),
            held_at: "2022-05-10 15:02".into(),
            decided_at: "2022-05-10 15:20".into(),
        }],
        printed: printed(),
    }
}

pub fn long_plan() -> SupportPlan {
    SupportPlan {
        id: 3,
        state: "支援中".into(),
        person: person(),
        district: "東部".into(),
        consent: "同意あり（本人に確認、2022-05-20）".into(),
        drafted_on: "2022-05-25".into(),
        hospital: "見本記念病院".into(),
        started_on: "2022-06-01".into(),
        period_end: "2022-12-01（延長 1 回）".into(),
        next_review: "2022-09-01".into(),
        ended: String::new(),
        sections: Some(PrintedContents {
            person_wishes: "一人暮らしを続けたい".into(),
            family_views: "母: 通院が続くか心配".into(),
            living_wishes: "今のアパートに戻る".into(),
            supports: (1..=12)
                .map(|i| PrintedSupport {
                    kind: "医療（精神科外来・訪問看護・デイケア等）".into(),
                    agency: format!("見本訪問看護ステーション{i}"),
                    contact: "看護師 見本".into(),
                    phone: format!("03-0000-{i:04}"),
                    content: "服薬の確認と体調の相談".into(),
                    frequency: "週1回".into(),
                })
                .collect(),
            crisis_signs: "眠れない日が3日続く".into(),
            crisis_own_actions: "頓服を飲み、主治医に電話する".into(),
            crisis_day_contact: "見本クリニック 03-1111-2222".into(),
            crisis_night_contact: "精神科救急情報センター 03-3333-4444".into(),
            author_authority: "目黒区 保健予防課".into(),
            author_officer: "保健師 見本 花子".into(),
            author_contact: "03-5555-6666".into(),
        }),
        contents: (1..=60)
            .map(|i| format!("内容の{i}行目: 医療 見本クリニック（主治医 見本医師、000-0000-{i:04}）"))
            .collect::<Vec<_>>()
            .join("\n"),
        meetings: vec![PrintedMeeting {
            held_on: "2022-05-24".into(),
            purpose: "計画の作成".into(),
            participants: vec!["目黒区保健予防課（保健師）".into(), "見本記念病院（精神保健福祉士）".into()],
            attendance: "本人: 出席・家族等: 欠席".into(),
        }],
        events: vec![PrintedEvent { on: "2022-06-01".into(), what: "支援開始".into(), ..PrintedEvent::default() }],
        basis: "記載事項: 退院後支援に関するガイドライン（障発0327第16号）".into(),
        printed: printed(),
    }
}

/// Checks what every page of a case-work print has: A4 portrait, the embedded Japanese font,
/// the handling mark and the print's time.
/// With `NIMO_SCREENSHOT_DIR` set, the PDF is also kept there as `name.pdf` to be looked at.
fn check_pages(pdf: &RenderedPdf, name: &str) {
    if let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&pdf.path, std::path::Path::new(&dir).join(format!("{name}.pdf"))).unwrap();
    }
    let info = pdf.info();
    assert!(info.lines().any(|l| l.starts_with("Page size:") && l.contains("595") && l.contains("(A4)")), "{info}");
    let fonts = pdf.fonts();
    assert!(fonts.contains("NotoSansCJK"), "{fonts}");
    assert!(pdf.pages() >= 2, "long records take more than one page");
    for page in 1..=pdf.pages() {
        let text = squeeze(&pdf.page_text(page));
        assert!(text.contains(&squeeze(HANDLING_MARK)), "page {page}: {text}");
        assert!(text.contains("2026-12-0709:30"), "page {page}: {text}");
    }
}

#[test]
fn a_long_case_summary_prints_every_text_on_a4_pages() {
    let case = long_case();
    let pdf = RenderedPdf::write(&render_case_summary(&case, fonts()).unwrap());
    check_pages(&pdf, "case-summary");
    let text = squeeze(&pdf.raw_text());
    let mut expected: Vec<String> = vec![
        "23条通報 事例の概要".into(),
        "R4-000012".into(),
        "区内（区民）".into(),
        "見本 花子（みほん はなこ）".into(),
        "見本記念病院 精神科急性期治療病棟A".into(),
        "2022-05-10 15:20".into(),
    ];
    expected.extend(case.circumstances.lines().map(String::from));
    expected.extend(case.events.iter().map(|e| e.note.clone()));
    let missing: Vec<_> = expected.iter().filter(|e| !text.contains(&squeeze(e))).collect();
    assert!(missing.is_empty(), "not printed: {missing:?}");
}

#[test]
fn a_case_of_an_unknown_person_prints_unknown() {
    let case = CaseSummary { person: None, events: Vec::new(), holds: Vec::new(), ..long_case() };
    let pdf = RenderedPdf::write(&render_case_summary(&case, fonts()).unwrap());
    let text = squeeze(&pdf.raw_text());
    assert!(text.contains("本人不明"), "{text}");
    assert!(text.contains(&squeeze("この事例の受付番号での仮押さえはありません。")), "{text}");
}

#[test]
fn a_long_plan_prints_every_section_and_line() {
    let plan = long_plan();
    let pdf = RenderedPdf::write(&render_support_plan(&plan, fonts()).unwrap());
    check_pages(&pdf, "support-plan");
    let text = squeeze(&pdf.raw_text());
    let mut expected: Vec<String> = [
        "１ 本人",
        "２ 計画の作成と同意",
        "３ 入院と支援の期間",
        "４ 計画の内容",
        "５ 支援会議",
        "６ 経過",
        "７ 本人の同意",
        "目黒区見本町1-2-3 見本ハイツ101",
        "同意あり（本人に確認、2022-05-20）",
        "2022-12-01（延長 1 回）",
        "見本記念病院（精神保健福祉士）",
        "障発0327第16号",
        "一人暮らしを続けたい",
        "母: 通院が続くか心配",
        "今のアパートに戻る",
        "眠れない日が3日続く",
        "頓服を飲み、主治医に電話する",
        "精神科救急情報センター 03-3333-4444",
        "保健師 見本 花子",
        "従前の計画内容（自由記述）",
    ]
    .map(String::from)
    .to_vec();
    expected.extend(plan.contents.lines().map(String::from));
    let sections = plan.sections.as_ref().unwrap();
    expected.extend(sections.supports.iter().flat_map(|s| [s.agency.clone(), s.phone.clone()]));
    let missing: Vec<_> = expected.iter().filter(|e| !text.contains(&squeeze(e))).collect();
    assert!(missing.is_empty(), "not printed: {missing:?}");
}

#[test]
fn typst_markup_in_a_record_is_printed_as_text() {
    let case = CaseSummary { circumstances: "#set page(flipped: true) *太字* $x$ \\ ]".into(), ..long_case() };
    let pdf = RenderedPdf::write(&render_case_summary(&case, fonts()).unwrap());
    assert!(squeeze(&pdf.raw_text()).contains(&squeeze("#set page(flipped: true) *太字* $x$ \\ ]")));
    assert!(!pdf.info().contains("842 x 595"), "still portrait");
}
