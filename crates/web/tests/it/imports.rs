//! Downloads and uploads: every export format, and imports that are all-or-nothing.

use crate::for_each_backend;

const SHEET: &str = "/municipalities/131105/sheets/2022";

#[tokio::test]
async fn every_export_downloads_with_its_type() {
    for_each_backend(|app| async move {
        let (status, headers, json) = app.get_bytes(&format!("{SHEET}/export.json")).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "application/json");
        assert!(headers["content-disposition"].to_str().unwrap().contains("jichitai-sheet-131105-2022.json"));
        assert_eq!(json, nimo_exchange::to_json(&nimo_domain::demo::meguro_r4()));
        let (_, _, api) = app.get_bytes("/api/v1/municipalities/131105/sheets/2022").await;
        assert_eq!(api, json);

        let (status, _, csv) = app.get_bytes(&format!("{SHEET}/export.csv")).await;
        assert_eq!(status, 200);
        assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "CSV starts with a BOM");
        assert!(String::from_utf8_lossy(&csv).contains("278748"));

        let (status, _, xlsx) = app.get_bytes(&format!("{SHEET}/export.xlsx")).await;
        assert_eq!(status, 200);
        assert_eq!(nimo_exchange::from_xlsx(&xlsx).unwrap(), nimo_domain::demo::meguro_r4());

        let (status, headers, pdf) = app.get_bytes(&format!("{SHEET}/export.pdf")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(pdf.starts_with(b"%PDF"));
    })
    .await;
}

#[tokio::test]
async fn a_json_import_replaces_the_sheet_only_when_asked() {
    for_each_backend(|app| async move {
        let mut sheet = nimo_domain::demo::meguro_r4();
        sheet.header.slogan = "～取り込みで更新したスローガン～".into();
        let bytes = nimo_exchange::to_json(&sheet);
        let (status, _, html) = app.post_file("/import", "sheet.json", bytes.clone(), &[]).await;
        assert_eq!(status, 422);
        assert!(html.contains("すでにあります") && html.contains("何も変更していません"));
        let (status, location, _) = app.post_file("/import", "sheet.json", bytes.clone(), &[("replace", "1")]).await;
        assert_eq!(status, 303, "{:?}", app.backend);
        assert_eq!(location.unwrap(), "/municipalities/131105/sheets/2022?notice=imported");
        assert_eq!(app.sheet_json(2022).await, bytes, "export after import is byte-identical");
    })
    .await;
}

#[tokio::test]
async fn a_bad_import_names_the_problem_and_changes_nothing() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let good = String::from_utf8(nimo_exchange::to_json(&nimo_domain::demo::meguro_r4())).unwrap();
        let cases: Vec<(String, &str)> = vec![
            (good.replace("\"menu_code\": 6", "\"menu_code\": 15"), "strengths.items[1].menu_code"),
            (good.replace("\"code\": \"131105\"", "\"code\": \"131106\""), "131106"),
            (good.replace("\"value\": 157988", "\"value\": \"157988\""), "households"),
            (good[..good.len() / 2].to_string(), "JSON"),
            (good.replace("\"slogan\"", "\"slogn\""), "slogn"),
        ];
        for (body, expected) in cases {
            let (status, _, html) =
                app.post_file("/import", "sheet.json", body.into_bytes(), &[("replace", "1")]).await;
            assert_eq!(status, 422, "{expected}");
            assert!(html.contains("何も変更していません"), "{expected}");
            assert!(html.contains(expected), "{expected}: {html}");
        }
        let (status, _, html) =
            app.post_file("/import", "sheet.xlsx", b"PK\x03\x04 truncated".to_vec(), &[("replace", "1")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("XLSX"), "{html}");
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn an_xlsx_round_trip_through_the_browser_keeps_the_sheet() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let (_, _, xlsx) = app.get_bytes(&format!("{SHEET}/export.xlsx")).await;
        let (status, _, html) = app.post_file("/import", "sheet.xlsx", xlsx, &[("replace", "1")]).await;
        assert_eq!(status, 303, "{html}");
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn figures_update_from_a_shift_jis_csv() {
    for_each_backend(|app| async move {
        let text = "key,value\r\ntotal_population,280000\r\ninpatients_under_3m,50\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let (status, _, html) =
            app.post_file(&format!("{SHEET}/figures.csv"), "基礎情報.csv", sjis.to_vec(), &[]).await;
        assert_eq!(status, 303, "{html}");
        let (_, page) = app.get(SHEET).await;
        assert!(page.contains("280,000") && page.contains("217"), "population and the derived total are updated");

        let before = app.sheet_json(2022).await;
        let bad = "key,value\r\nhouseholds,多い\r\n";
        let (status, _, html) =
            app.post_file(&format!("{SHEET}/figures.csv"), "bad.csv", bad.as_bytes().to_vec(), &[]).await;
        assert_eq!(status, 422);
        assert!(html.contains("何も変更していません"));
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_csv_value_for_a_computed_figure_must_be_the_computed_one() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let csv = "key,value\r\nhokenjo,2\r\ninpatients_total,300\r\n";
        let (status, _, html) =
            app.post_file(&format!("{SHEET}/figures.csv"), "f.csv", csv.as_bytes().to_vec(), &[]).await;
        assert_eq!(status, 422);
        assert!(html.contains("inpatients_total: 自動計算される値です（計算値: 218、CSV の値: 300）"), "{html}");
        assert_eq!(app.sheet_json(2022).await, before, "保健所数 is not half-applied either");
    })
    .await;
}

#[tokio::test]
async fn a_csv_export_makes_formulas_inert_and_reads_back_unchanged() {
    for_each_backend(|app| async move {
        // A section-4 indicator whose name a spreadsheet would evaluate as a formula.
        let mut sheet = nimo_domain::demo::meguro_r4();
        sheet.outcomes.indicators[0].marker = String::new();
        sheet.outcomes.indicators[0].name = "=HYPERLINK(\"http://evil.example\",\"開く\")".into();
        let (status, _, html) =
            app.post_file("/import", "sheet.json", nimo_exchange::to_json(&sheet), &[("replace", "1")]).await;
        assert_eq!(status, 303, "{html}");
        let (status, _, csv) = app.get_bytes(&format!("{SHEET}/export.csv")).await;
        assert_eq!(status, 200);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&csv[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let labels: Vec<&str> = rows.iter().map(|r| &r[2]).filter(|l| l.contains("HYPERLINK")).collect();
        assert!(!labels.is_empty());
        for label in labels {
            assert!(label.starts_with("'=HYPERLINK("), "{label}");
        }
        for row in &rows {
            for cell in row {
                assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "{cell}");
            }
        }
        assert!(rows.iter().any(|r| &r[1] == "total_population" && &r[5] == "278748"), "numbers stay numbers");
        // 状態 and 出典 in Japanese words, not codes; the upload below reads them back.
        assert!(rows.iter().any(|r| &r[1] == "total_population" && &r[4] == "数" && &r[6] == "入力"));
        assert!(rows.iter().any(|r| &r[1] == "inpatients_total" && &r[6] == "自動計算"));
        assert!(rows.iter().all(|r| !r[4].is_ascii() && !r[6].is_ascii()), "no English code is left");
        // The exported file is what the figures upload takes back: nothing changes.
        let before = app.sheet_json(2022).await;
        let (status, _, html) = app.post_file(&format!("{SHEET}/figures.csv"), "export.csv", csv, &[]).await;
        assert_eq!(status, 303, "{html}");
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}
