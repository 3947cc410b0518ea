//! CSV: UTF-8 with BOM out; UTF-8 or Shift_JIS in, with the same figures either way.

use crate::{assert_mentions, demo};
use nimo_domain::Figure;
use nimo_domain::figure::{Source, Value};
use nimo_exchange::{figures_from_csv, to_csv};

fn demo_csv_text() -> String {
    String::from_utf8(to_csv(&demo())[3..].to_vec()).unwrap()
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!had_errors, "every character has a Shift_JIS code");
    bytes.into_owned()
}

#[test]
fn the_csv_starts_with_a_bom_and_holds_the_population() {
    let bytes = to_csv(&demo());
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("区分,キー,項目,単位,状態,値,出典\n"));
    assert!(text.contains("1,total_population,総人口,人,数,278748,入力"));
    assert!(text.contains("1,inpatients_under_3m_share,入院精神障害者数 ３か月未満（構成割合）,％,割合,23.4,自動計算"));
    assert!(text.contains("1,kenniki,障害保健福祉圏域数,か所,該当なし,／,入力"));
    assert!(text.contains("1,seishin_bukai,精神領域に関する議論を行う部会の有無,有・無,不明,,入力"), "{text}");
    assert!(
        text.contains(
            "4,indicators[1].breakdown[2],②措置入院者退院後支援 そのうち措置入院（全件フォロー）,件,数,6,入力"
        )
    );
    assert!(text.contains("4,indicators[2].actual,③アウトリーチ支援 実績値（R3年度末） 実施,件,不明,,入力"));
    // No English code is left in the state and source columns.
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.rsplitn(4, ',').collect();
        assert!(!cells[0].is_ascii() && !cells[2].is_ascii(), "{line}");
    }
}

#[test]
fn section_one_reads_back_from_utf8_and_shift_jis_alike() {
    let from_utf8 = figures_from_csv(&to_csv(&demo())).unwrap();
    let expected = &demo().basic.figures;
    assert_eq!(from_utf8.len(), expected.len());
    for (key, figure) in &from_utf8 {
        assert_eq!(expected[key], *figure, "{key}");
    }
    let from_sjis = figures_from_csv(&shift_jis(&demo_csv_text())).unwrap();
    assert_eq!(from_sjis, from_utf8);
    let without_bom = figures_from_csv(demo_csv_text().as_bytes()).unwrap();
    assert_eq!(without_bom, from_utf8);
}

#[test]
fn a_minimal_key_value_csv_takes_states_from_the_template() {
    let text =
        "キー,値\r\ntotal_population,\"２７８,７４８\"\r\nkenniki,／\r\nseishin_bukai,有\r\ndischarge_rate_3m,\r\n";
    let figures = figures_from_csv(&shift_jis(text)).unwrap();
    assert_eq!(
        figures,
        vec![
            ("total_population".to_string(), Figure::count(278748)),
            ("kenniki".to_string(), Figure::entered(Value::NotApplicable)),
            ("seishin_bukai".to_string(), Figure::entered(Value::YesNo(true))),
            ("discharge_rate_3m".to_string(), Figure::unknown()),
        ]
    );
    assert_eq!(figures[0].1.source, Source::Entered);
}

#[test]
fn a_fraction_in_a_count_names_the_row_and_column() {
    let text = demo_csv_text().replace("数,157988,", "数,12.5,");
    let line = text.lines().position(|l| l.contains("households")).unwrap() + 1;
    let error = figures_from_csv(text.as_bytes()).unwrap_err();
    assert_eq!(error.row(), Some(line));
    assert_mentions(&error, &[&format!("CSV {line}行目 値"), "整数ではありません（12.5）"]);
}

#[test]
fn unknown_keys_wrong_states_and_missing_columns_are_refused() {
    let error = figures_from_csv(b"key,value\nbogus,1\n").unwrap_err();
    assert_mentions(&error, &["2行目 キー", "様式にない項目です（bogus）"]);
    let error = figures_from_csv(b"key,value\nhokenjo,1\nhokenjo,2\n").unwrap_err();
    assert_mentions(&error, &["3行目 キー", "2回"]);
    let error = figures_from_csv(b"key,state,value\nhokenjo,rate,1.5\n").unwrap_err();
    assert_mentions(&error, &["2行目 状態", "この項目の状態は 数 です（割合 ではありません）"]);
    let error = figures_from_csv("キー,状態,値\nhokenjo,割合,1.5\n".as_bytes()).unwrap_err();
    assert_mentions(&error, &["2行目 状態", "この項目の状態は 数 です（割合 ではありません）"]);
    let error = figures_from_csv(b"key,state,value\nhokenjo,many,1\n").unwrap_err();
    assert_mentions(&error, &["2行目 値", "状態「many」は 数・割合・有無・該当なし・不明 のいずれかです"]);
    let error = figures_from_csv("キー,値,出典\nhokenjo,1,手入力\n".as_bytes()).unwrap_err();
    assert_mentions(&error, &["2行目 出典", "出典「手入力」は 入力 か 自動計算 です"]);
    let error = figures_from_csv(b"name,value\nhokenjo,1\n").unwrap_err();
    assert_mentions(&error, &["1行目 キー", "列がありません"]);
    let error = figures_from_csv(b"key,value\nhokenjo,12\xE4\xBA\xBA\n").unwrap_err();
    assert_mentions(&error, &["2行目 値", "12人"]);
}

#[test]
fn a_truncated_csv_is_refused_with_its_row() {
    let text = demo_csv_text();
    let cut = text.find("households,世帯数").unwrap() + "households,世".len();
    let error = figures_from_csv(&text.as_bytes()[..cut - 1]).unwrap_err();
    assert_mentions(&error, &["途中で切れています"]);
    let cut = text.find("households,").unwrap() + "households,".len();
    let error = figures_from_csv(&text.as_bytes()[..cut]).unwrap_err();
    assert_mentions(&error, &["CSV 3行目"]);
}

#[test]
fn bytes_in_no_known_encoding_are_refused() {
    let error = figures_from_csv(b"key,value\n\x82\xFF\xFF,1\n").unwrap_err();
    assert_mentions(&error, &["文字コード"]);
}

#[test]
fn a_csv_written_with_the_english_codes_of_earlier_versions_still_imports() {
    // The file as versions before the Japanese words wrote it: English header, state and source.
    let old = demo_csv_text()
        .replacen("区分,キー,項目,単位,状態,値,出典", "section,key,label,unit,state,value,source", 1)
        .replace(",数,", ",count,")
        .replace(",割合,", ",rate,")
        .replace(",有無,", ",yes_no,")
        .replace(",該当なし,", ",not_applicable,")
        .replace(",不明,", ",unknown,")
        .replace(",入力\n", ",entered\n")
        .replace(",自動計算\n", ",derived\n");
    assert!(old.contains("1,total_population,総人口,人,count,278748,entered\n"), "{old}");
    assert!(old.contains(",rate,23.4,derived\n"), "{old}");
    assert_eq!(figures_from_csv(old.as_bytes()).unwrap(), figures_from_csv(&to_csv(&demo())).unwrap());
    // Words and codes may even be mixed within one file.
    let mixed = "キー,状態,値,出典\ntotal_population,count,278748,入力\nkenniki,該当なし,／,entered\n";
    assert_eq!(
        figures_from_csv(mixed.as_bytes()).unwrap(),
        vec![
            ("total_population".to_string(), Figure::count(278748)),
            ("kenniki".to_string(), Figure::entered(Value::NotApplicable)),
        ]
    );
}
