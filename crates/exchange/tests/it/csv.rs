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
    assert!(text.starts_with("section,key,label,unit,state,value,source\n"));
    assert!(text.contains("1,total_population,総人口,人,count,278748,entered"));
    assert!(text.contains("1,inpatients_under_3m_share,入院精神障害者数 ３か月未満（構成割合）,％,rate,23.4,derived"));
    assert!(text.contains("1,kenniki,障害保健福祉圏域数,か所,not_applicable,／,entered"));
    assert!(text.contains(
        "4,indicators[1].breakdown[2],②措置入院者退院後支援 そのうち措置入院（全件フォロー）,件,count,6,entered"
    ));
    assert!(text.contains("4,indicators[2].actual,③アウトリーチ支援 実績値（R3年度末） 実施,件,unknown,,entered"));
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
    let text = demo_csv_text().replace("count,157988,", "count,12.5,");
    let line = text.lines().position(|l| l.contains("households")).unwrap() + 1;
    let error = figures_from_csv(text.as_bytes()).unwrap_err();
    assert_eq!(error.row(), Some(line));
    assert_mentions(&error, &[&format!("CSV {line}行目 value"), "整数ではありません（12.5）"]);
}

#[test]
fn unknown_keys_wrong_states_and_missing_columns_are_refused() {
    let error = figures_from_csv(b"key,value\nbogus,1\n").unwrap_err();
    assert_mentions(&error, &["2行目 key", "様式にない項目です（bogus）"]);
    let error = figures_from_csv(b"key,value\nhokenjo,1\nhokenjo,2\n").unwrap_err();
    assert_mentions(&error, &["3行目 key", "2回"]);
    let error = figures_from_csv(b"key,state,value\nhokenjo,rate,1.5\n").unwrap_err();
    assert_mentions(&error, &["2行目 state", "count"]);
    let error = figures_from_csv(b"key,state,value\nhokenjo,many,1\n").unwrap_err();
    assert_mentions(&error, &["2行目 value", "many"]);
    let error = figures_from_csv(b"name,value\nhokenjo,1\n").unwrap_err();
    assert_mentions(&error, &["1行目 key", "列がありません"]);
    let error = figures_from_csv(b"key,value\nhokenjo,12\xE4\xBA\xBA\n").unwrap_err();
    assert_mentions(&error, &["2行目 value", "12人"]);
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
