//! What the print says about lines and values that come from nimo's own records (issue 17,
//! item 6): section 3's lines made from a meeting, section 4's counted values, section 6's rows
//! with the meetings and events that fulfilled them.

use crate::poppler::squeeze;
use crate::render;
use nimo_domain::figure::{Figure, Source, Value};
use nimo_domain::sheet::{Happened, RecordKind, RecordRef};
use nimo_domain::{PartialDate, Sheet};

fn counted(n: i64) -> Figure {
    Figure { value: Value::Count(n), source: Source::Derived }
}

fn marked_sheet() -> Sheet {
    let mut sheet = nimo_domain::demo::meguro_r4();
    sheet.history[0].record = Some(RecordRef { kind: RecordKind::Meeting, id: 4 });
    let actual = sheet.outcomes.indicators[0].actual.as_mut().expect("the demo's ① has an actual value");
    actual.value = counted(3);
    sheet.outcomes.indicators[1].breakdown[0].value = counted(41);
    sheet.basic.figures.insert("soudan_ippan".into(), counted(7));
    let row = &mut sheet.schedule[1];
    row.done = vec![Happened {
        record: RecordRef { kind: RecordKind::Meeting, id: 4 },
        on: PartialDate { year: 2022, month: Some(7), day: Some(12) },
        title: "令和4年度第1回推進協議会".into(),
    }];
    sheet
}

#[test]
fn lines_and_values_from_records_are_marked_and_explained() {
    let sheet = marked_sheet();
    let pdf = render(&sheet);
    let text = squeeze(&pdf.raw_text());
    assert!(text.contains(&squeeze(&format!("{}（会議の記録から）", sheet.history[0].text))), "{text}");
    assert!(text.contains(&squeeze("開催3回◆")), "{text}");
    assert!(text.contains(&squeeze("41件◆")), "{text}");
    assert!(text.contains(&squeeze("◆印は、nimoに記録された事例・計画・訪問・会議の記録から集計した値です")), "{text}");
    // Section 1's counts from the resource directory carry the same marker, with their own note.
    assert!(text.contains(&squeeze("一般相談支援事業所数7◆")), "{text}");
    assert!(text.contains(&squeeze("◆印は、nimoの社会資源名簿から集計した値です。")), "{text}");
    assert!(text.contains(&squeeze("実施状況（記録から）")), "{text}");
    assert!(text.contains(&squeeze("実施：令和4年7月12日 令和4年度第1回推進協議会")), "{text}");
}

#[test]
fn a_sheet_without_records_prints_no_marks_and_no_done_column() {
    let pdf = render(&nimo_domain::demo::meguro_r4());
    let text = squeeze(&pdf.raw_text());
    for absent in ["記録から", "実施状況", "実施：", "◆"] {
        assert!(!text.contains(absent), "{absent} printed: {text}");
    }
}
