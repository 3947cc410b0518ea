//! XLSX: the demo sheet round-trips; cells have real types; broken workbooks are named.

use crate::workbook::{edit, read, row_of, sheet};
use crate::{assert_mentions, demo};
use calamine::Data;
use nimo_exchange::{FileFormat, ImportError, from_xlsx, to_xlsx};

fn demo_xlsx() -> Vec<u8> {
    to_xlsx(&demo()).unwrap()
}

#[test]
fn the_demo_sheet_round_trips() {
    assert_eq!(from_xlsx(&demo_xlsx()).unwrap(), demo());
}

#[test]
fn worksheets_are_named_in_japanese_and_figures_are_numbers() {
    let mut cells = read(&demo_xlsx());
    let names: Vec<_> = cells.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["表紙", "基礎情報", "取組概要", "経緯", "成果・効果", "強みと課題", "スケジュール", "注記"]);
    let cover = sheet(&mut cells, "表紙");
    assert_eq!(cover[&(2, 1)], Data::String("131105".into()));
    assert_eq!(cover[&(5, 1)], Data::Float(2022.0));
    assert_eq!(cover[&(5, 2)], Data::String("令和4年度".into()));
    let basic = sheet(&mut cells, "基礎情報");
    assert_eq!(basic[&(3, 0)], Data::String("キー".into()));
    let row = row_of(basic, 0, "total_population");
    assert_eq!(basic[&(row, 4)], Data::Float(278748.0));
    let row = row_of(basic, 0, "inpatients_1y_plus_share");
    assert_eq!(basic[&(row, 4)], Data::Float(57.3));
    assert_eq!(basic[&(row, 3)], Data::String("割合".into()));
    assert_eq!(basic[&(row, 5)], Data::String("自動計算".into()));
    assert_eq!(sheet(&mut cells, "経緯")[&(1, 0)], Data::String("2018-09".into()));
}

#[test]
fn states_and_sources_are_japanese_words_and_their_codes_still_import() {
    let mut cells = read(&demo_xlsx());
    // 状態 and 出典 of 基礎情報 (columns D, F) and 成果・効果 (columns F, I): words, never codes.
    for (name, state_col, source_col) in [("基礎情報", 3, 5), ("成果・効果", 5, 8)] {
        let worksheet = sheet(&mut cells, name);
        let mut seen = 0;
        for ((_, col), data) in worksheet.iter() {
            if *col == state_col || *col == source_col {
                let Data::String(text) = data else { panic!("{name}: {data:?}") };
                assert!(!text.is_ascii(), "{name} column {col}: {text}");
                seen += 1;
            }
        }
        assert!(seen > 10, "{name}: {seen} cells");
    }
    // The codes of earlier versions (and of the JSON format) read back to the same sheet.
    let codes = edit(&demo_xlsx(), |cells| {
        for name in ["基礎情報", "成果・効果"] {
            for data in sheet(cells, name).values_mut() {
                let code = match data {
                    Data::String(text) => match text.as_str() {
                        "数" => "count",
                        "割合" => "rate",
                        "有無" => "yes_no",
                        "該当なし" => "not_applicable",
                        "不明" => "unknown",
                        "入力" => "entered",
                        "自動計算" => "derived",
                        _ => continue,
                    },
                    _ => continue,
                };
                *data = Data::String(code.into());
            }
        }
    });
    let basic = sheet(&mut read(&codes), "基礎情報").clone();
    let row = row_of(&basic, 0, "inpatients_1y_plus_share");
    assert_eq!(basic[&(row, 5)], Data::String("derived".into()));
    assert_eq!(from_xlsx(&codes).unwrap(), demo());
}

#[test]
fn dates_may_be_typed_in_wareki() {
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "経緯").insert((1, 0), Data::String("平成30年9月".into()));
    });
    assert_eq!(from_xlsx(&bytes).unwrap(), demo());
}

#[test]
fn a_fraction_in_a_count_cell_is_named_by_worksheet_row_and_column() {
    let mut row = 0;
    let bytes = edit(&demo_xlsx(), |cells| {
        let basic = sheet(cells, "基礎情報");
        row = row_of(basic, 0, "hokenjo");
        basic.insert((row, 4), Data::Float(12.5));
    });
    let error = from_xlsx(&bytes).unwrap_err();
    assert_eq!(error.row(), Some(row as usize + 1));
    assert_eq!(error.worksheet(), Some("基礎情報"));
    assert_eq!(error.to_string(), format!("XLSX「基礎情報」シート {}行目 値: 整数ではありません（12.5）", row + 1));
}

#[test]
fn wrong_cell_types_are_refused() {
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "表紙").insert((5, 1), Data::String("令和4年度".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「表紙」シート 6行目 年度", "数値ではありません", "令和4年度"]);
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "経緯").insert((2, 0), Data::Float(2020.0));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「経緯」シート 3行目 年月", "文字列で入力"]);
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "スケジュール").insert((1, 1), Data::Float(3.0));
    });
    assert_mentions(
        &from_xlsx(&bytes).unwrap_err(),
        &["「スケジュール」シート 2行目 実施する項目", "文字列ではありません（数値 3）"],
    );
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "経緯").insert((2, 0), Data::String("令和十三年".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「経緯」シート 3行目 年月", "令和十三年"]);
}

#[test]
fn a_missing_worksheet_or_column_is_named() {
    let bytes = edit(&demo_xlsx(), |cells| cells.retain(|(n, _)| n != "経緯"));
    let error = from_xlsx(&bytes).unwrap_err();
    assert_eq!(error.to_string(), "XLSX「経緯」シート: ワークシートがありません");
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "成果・効果").insert((4, 6), Data::String("数値".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「成果・効果」シート 5行目 値", "列がありません"]);
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "表紙").insert((3, 0), Data::String("市区町村名".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「表紙」シート 4行目 自治体名", "市区町村名"]);
}

#[test]
fn a_broken_municipality_code_is_named() {
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "表紙").insert((2, 1), Data::String("131106".into()));
    });
    let error = from_xlsx(&bytes).unwrap_err();
    assert_mentions(&error, &["「表紙」シート 3行目 地方公共団体コード", "検査数字", "正しくは 5"]);
    // Excel may have turned a typed code into a number; a valid one is still accepted.
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "表紙").insert((2, 1), Data::Float(131105.0));
    });
    assert_eq!(from_xlsx(&bytes).unwrap(), demo());
}

#[test]
fn format_and_version_are_checked() {
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "表紙").insert((1, 1), Data::Float(2.0));
    });
    let error = from_xlsx(&bytes).unwrap_err();
    assert!(matches!(error, ImportError::NewerVersion { format: FileFormat::Xlsx, found: 2, .. }));
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "表紙").insert((0, 1), Data::String("something.else".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「表紙」シート 1行目 形式", "something.else"]);
}

#[test]
fn rows_out_of_place_are_named() {
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "成果・効果").insert((5, 0), Data::String("目標".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「成果・効果」シート 6行目 種別", "「目標」"]);
    let bytes = edit(&demo_xlsx(), |cells| {
        sheet(cells, "強みと課題").insert((3, 0), Data::String("取組".into()));
    });
    assert_mentions(&from_xlsx(&bytes).unwrap_err(), &["「強みと課題」シート 4行目 種別", "「課題」の行が必要"]);
}

#[test]
fn truncated_and_foreign_files_are_refused() {
    let bytes = demo_xlsx();
    for cut in [0, 10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 10] {
        let error = from_xlsx(&bytes[..cut]).unwrap_err();
        assert!(matches!(error, ImportError::Unreadable { format: FileFormat::Xlsx, .. }), "{cut}: {error}");
    }
    assert_mentions(
        &from_xlsx(&bytes[..bytes.len() / 2]).unwrap_err(),
        &["XLSXファイルとして読み取れません", "途中で切れています"],
    );
    assert_mentions(&from_xlsx(b"\xD0\xCF\x11\xE0 old excel").unwrap_err(), &[".xls"]);
}
