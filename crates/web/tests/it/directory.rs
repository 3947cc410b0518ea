//! The resource directory through HTTP on every backend: staff register, search (any kana or
//! width), edit and import organisations; a bad form or file changes nothing and says where and
//! why; exports read back; a 協議の場 member reads and cannot write; another municipality's
//! staff are refused; the API answers the same search; section 1's counts come from the
//! directory and are marked on the sheet page, an entered value kept only with a reason.

use crate::for_each_backend;
use crate::harness::{TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

const LIST: &str = "/municipalities/131105/directory";

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn scope(code: &str) -> Scope {
    Scope { municipality: Some(MunicipalityCode::parse(code).unwrap()), ..Scope::default() }
}

async fn rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM directory_org").fetch_one(&app.db.pool).await.unwrap()
}

/// The names a list page shows, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("<li class=\"card org\">")
        .skip(1)
        .filter_map(|item| {
            let link = &item[item.find("<h2><a href=")? + 4..];
            let start = link.find('>')? + 1;
            Some(link[start..start + link[start..].find("</a>")?].to_string())
        })
        .collect()
}

const CSV: &str = "ID,種別,名称,よみがな,一般相談,特定相談,医師会,地区・圏域,電話\n\
s-1,相談支援事業所,目黒相談室ひまわり（架空）,めぐろそうだんしつひまわり,○,○,,中央地区,03-0000-2001\n\
s-2,相談支援事業所,こもれび相談室（架空）,こもれびそうだんしつ,,○,,東部地区,\n\
k-1,基幹相談支援センター,目黒区基幹相談支援センター（架空）,めぐろくきかんそうだんしえんせんたー,,,,中央地区,\n\
p-1,保健所,目黒区保健所（架空）,めぐろくほけんじょ,,,,中央地区,\n\
c-1,診療所,自由が丘こころクリニック（架空）,じゆうがおかこころくりにっく,,,○,西部地区,\n";

#[tokio::test]
async fn staff_register_search_edit_and_import_and_bad_input_changes_nothing() {
    for_each_backend(|app| async move {
        // A bad form: each reason beside its field, named in the summary, nothing saved.
        let bad = form(&[("reference", "x 1"), ("org_type", "soudan_shien"), ("name", ""), ("latitude", "35.6")]);
        let (status, _, page) = app.post_form(LIST, &bad).await;
        assert_eq!(status, 422);
        assert!(page.contains("ID：半角英数字と - _ . の64文字までで入力してください"), "{page}");
        assert!(page.contains("名称：入力してください") && page.contains("経度：緯度と経度は両方入力してください"));
        assert!(page.contains("相談支援：一般相談・特定相談の少なくとも一方を選んでください"));
        assert_eq!(rows(&app).await, 0);

        let (status, location, page) = app.post_file(&format!("{LIST}/import"), "directory.csv", CSV.into(), &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/municipalities/131105/directory?imported=5")), "{page}");
        let (_, page) = app.get(location.as_deref().unwrap()).await;
        assert!(page.contains("5件を取り込みました"));

        // The same search in hiragana, katakana, half-width katakana and kanji.
        let meguro = listed(&app.get(&format!("{LIST}?q=目黒")).await.1);
        assert_eq!(meguro.len(), 3, "{meguro:?}");
        for typed in ["めぐろ", "メグロ", "ﾒｸﾞﾛ"] {
            let query = serde_urlencoded::to_string([("q", typed)]).unwrap();
            assert_eq!(listed(&app.get(&format!("{LIST}?{query}")).await.1), meguro, "{typed}");
        }
        let (_, page) = app.get(&format!("{LIST}?kakaritsuke=1")).await;
        assert_eq!(listed(&page), ["自由が丘こころクリニック（架空）"]);
        let (_, page) = app.get(&format!("{LIST}?type=soudan_shien&area=東部地区")).await;
        assert_eq!(listed(&page), ["こもれび相談室（架空）"]);

        // A bad file: every line's problem, and nothing saved.
        let bad_csv = "ID,種別,名称,緯度,経度\nn-1,占い,なにか,,\nn-2,保健所,目黒区保健所（架空）,91,139\ns-1,保健所,別の保健所,,\n";
        let (status, _, page) = app.post_file(&format!("{LIST}/import"), "bad.csv", bad_csv.into(), &[]).await;
        assert_eq!(status, 422);
        assert!(page.contains("CSV 2行目 種別: 知らない種別です（占い）"), "{page}");
        assert!(page.contains("CSV 3行目 緯度: 緯度は -90 から 90 までの数です"), "{page}");
        assert!(page.contains("何も取り込んでいません"));
        let duplicates = "ID,種別,名称\nn-1,保健所,目黒区保健所（架空）\ns-1,家族会,みどりの会\nn-3,家族会,みどりの会\n";
        let (status, _, page) = app.post_file(&format!("{LIST}/import"), "dup.csv", duplicates.into(), &[]).await;
        assert_eq!(status, 422);
        assert!(page.contains("CSV 2行目 名称: 同じ種別・名前の記録がすでに名簿にあります"), "{page}");
        assert!(page.contains("CSV 3行目 ID: この ID はすでに名簿にあります"), "{page}");
        assert!(page.contains("CSV 4行目 名称: 同じ種別・名前がCSV 3行目にもあります"), "{page}");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("ID,種別,名称\nf-1,家族会,みどりの会（架空）\n");
        let (status, _, _) = app.post_file(&format!("{LIST}/import"), "sjis.csv", sjis.into_owned(), &[]).await;
        assert_eq!(status, 303, "Shift_JIS reads");
        assert_eq!(rows(&app).await, 6);

        // One record's page, and an edit; a second edit from the same revision is a conflict.
        let id: i64 = sqlx::query_scalar("SELECT id FROM directory_org WHERE ref = 's-2'").fetch_one(&app.db.pool).await.unwrap();
        let (status, page) = app.get(&format!("{LIST}/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("こもれび相談室（架空）") && page.contains("特定相談") && page.contains("編集する"));
        let (_, page) = app.get(&format!("{LIST}/{id}/edit")).await;
        assert!(page.contains("name=\"revision\" value=\"1\""));
        let edit = form(&[
            ("reference", "s-2"),
            ("org_type", "soudan_shien"),
            ("name", "こもれび相談室（架空）"),
            ("soudan_ippan", "1"),
            ("soudan_tokutei", "1"),
            ("phone", "03-0000-3003"),
            ("active", "1"),
            ("revision", "1"),
        ]);
        let (status, location, _) = app.post_form(&format!("{LIST}/{id}"), &edit).await;
        assert_eq!((status, location), (303, Some(format!("{LIST}/{id}?notice=saved"))));
        let (status, _, page) = app.post_form(&format!("{LIST}/{id}"), &edit).await;
        assert_eq!(status, 409);
        assert!(page.contains("他の職員が先にこの記録を更新しました"));

        // The exports read back: the CSV with its BOM, the HSDS document with its organisations.
        let (status, headers, csv) = app.get_bytes(&format!("{LIST}/export.csv")).await;
        assert_eq!(status, 200);
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        let read = nimo_exchange::directory::directory_from_csv(&csv).unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF") && read.len() == 6);
        let (_, _, hsds) = app.get_bytes(&format!("{LIST}/hsds.json")).await;
        let document: serde_json::Value = serde_json::from_slice(&hsds).unwrap();
        assert_eq!(document["organizations"].as_array().unwrap().len(), 6);
        assert_eq!(nimo_exchange::directory::from_hsds(&hsds).unwrap().len(), 6);

        // The API answers the same search.
        let (status, json) = app.get("/api/v1/municipalities/131105/directory?q=%EF%BE%92%EF%BD%B8%EF%BE%9E%EF%BE%9B").await;
        assert_eq!(status, 200, "{json}");
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["total"], 3);
        let (status, json) = app.get(&format!("/api/v1/municipalities/131105/directory/{id}")).await;
        assert_eq!(status, 200);
        assert!(json.contains("\"phone\":\"03-0000-3003\"") && json.contains("\"soudan_ippan\":true"));
        let (status, problem) = app.get("/api/v1/municipalities/131105/directory?type=uranai").await;
        assert_eq!(status, 422);
        assert!(problem.contains("type: 知らない種別です"));
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE record_type IN ('directory', 'directory_org')")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(audited, 2 + 1 + 2, "two imports and one edit, then the CSV and HSDS exports");
    })
    .await;
}

#[tokio::test]
async fn council_members_read_and_cannot_write_and_other_municipalities_are_refused() {
    for_each_backend(|app| async move {
        let (status, _, _) = app.post_file(&format!("{LIST}/import"), "directory.csv", CSV.into(), &[]).await;
        assert_eq!(status, 303);
        let (_, codes) = account_in_scope(&app.db, "council", Role::CouncilMember, scope("131105"), true).await;
        let council = TestApp::client_for(&app, "council", &codes[0]).await;
        let (status, page) = council.get(LIST).await;
        assert_eq!(status, 200);
        assert_eq!(listed(&page).len(), 5);
        assert!(!page.contains("新しく登録する") && !page.contains("ファイルから取り込む"), "nothing offered to write");
        let (status, page) = council.get(&format!("{LIST}/1")).await;
        assert_eq!(status, 200);
        assert!(!page.contains("編集する"));
        assert_eq!(council.get(&format!("{LIST}/new")).await.0, 403);
        let new = form(&[("reference", "x"), ("org_type", "kazokukai"), ("name", "会"), ("active", "1")]);
        assert_eq!(council.post_form(LIST, &new).await.0, 403);
        assert_eq!(council.post_form(&format!("{LIST}/1"), &new).await.0, 403);
        assert_eq!(council.get(&format!("{LIST}/export.csv")).await.0, 200);
        assert_eq!(council.get("/api/v1/municipalities/131105/directory").await.0, 200);

        let (_, codes) = account_in_scope(&app.db, "chiyoda", Role::Staff, scope("131016"), true).await;
        let stranger = TestApp::client_for(&app, "chiyoda", &codes[0]).await;
        assert_eq!(stranger.get(LIST).await.0, 403);
        assert_eq!(stranger.get(&format!("{LIST}/1")).await.0, 403);
        assert_eq!(stranger.post_form(LIST, &new).await.0, 403);
        assert_eq!(stranger.get("/api/v1/municipalities/131105/directory/1").await.0, 403);
        // Their own municipality's directory does not show 目黒区's record either.
        assert_eq!(stranger.get("/municipalities/131016/directory/1").await.0, 404);

        let (_, codes) = account_in_scope(&app.db, "admin", Role::SystemAdmin, Scope::default(), true).await;
        let admin = TestApp::client_for(&app, "admin", &codes[0]).await;
        assert_eq!(admin.get(LIST).await.0, 200);
        assert_eq!(admin.post_form(LIST, &new).await.0, 403);
        assert_eq!(rows(&app).await, 5, "nobody but staff wrote");
    })
    .await;
}

#[tokio::test]
async fn section_one_counts_come_from_the_directory_and_are_marked_on_the_sheet() {
    for_each_backend(|app| async move {
        const SHEET: &str = "/municipalities/131105/sheets/2022";
        let (_, page) = app.get(SHEET).await;
        assert!(!page.contains("名簿から集計"), "no directory, the entered values");
        let (status, _, _) = app.post_file(&format!("{LIST}/import"), "directory.csv", CSV.into(), &[]).await;
        assert_eq!(status, 303);
        let (_, page) = app.get(SHEET).await;
        let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9)).date();
        let mark = format!("名簿から集計（{}年{}月{}日時点）", today.year(), u8::from(today.month()), today.day());
        // 一般 1, 特定 2 (an office doing both counts in both), 基幹 1, 保健所 1: each marked.
        assert_eq!(page.matches(&mark).count(), 4, "{page}");
        for (key, value) in
            [("soudan_ippan", "1"), ("soudan_tokutei", "2"), ("kikan_soudan_center", "1"), ("hokenjo", "1")]
        {
            let link = format!("<a class=\"badge\" href=\"{SHEET}/figures/{key}\"");
            let cell = &page[..page.find(&link).unwrap_or_else(|| panic!("{key} is marked"))];
            assert!(cell.ends_with(&format!("{value} ")), "{key}: {}", &cell[cell.len() - 40..]);
        }
        assert!(page.contains("精神科病床数は、緊急入院先検索が病棟の空床数だけを持ち病床数を持たないため"));
        // The JSON export carries the same derived values.
        let (_, json) = app.get("/api/v1/municipalities/131105/sheets/2022").await;
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let figure = &json["sheet"]["basic"]["figures"]["soudan_tokutei"];
        assert_eq!((figure["value"].as_i64(), figure["source"].as_str()), (Some(2), Some("derived")));
        // The list behind a count, and an entered value kept only with its reason.
        let (status, page) = app.get(&format!("{SHEET}/figures/soudan_tokutei")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("目黒相談室ひまわり（架空）（相談支援事業所）") && page.contains("<strong>2</strong> 件")
        );
        let revision = nimo_store::sheets::load(
            &app.db,
            &MunicipalityCode::parse("131105").unwrap(),
            nimo_domain::FiscalYear(2022),
        )
        .await
        .unwrap()
        .revision
        .to_string();
        let keep = form(&[("value", "88"), ("reason", ""), ("revision", &revision)]);
        let (status, _, page) = app.post_form(&format!("{SHEET}/figures/soudan_tokutei/override"), &keep).await;
        assert_eq!(status, 422);
        assert!(page.contains("集計値ではなく入力値を使う理由を入力してください"));
        let keep = form(&[("value", "88"), ("reason", "R4年7月時点の都の集計"), ("revision", &revision)]);
        let (status, _, _) = app.post_form(&format!("{SHEET}/figures/soudan_tokutei/override"), &keep).await;
        assert_eq!(status, 303);
        let (_, page) = app.get(SHEET).await;
        assert_eq!(page.matches(&mark).count(), 3);
        assert!(page.contains(
            "１ 自治体の基礎情報：特定相談支援事業所数</a>: 集計値ではなく入力値を使用（理由: R4年7月時点の都の集計）"
        ));
    })
    .await;
}

/// Adds a hospital to the bed finder.
async fn hospital(app: &TestApp, id: &str, municipality: &str, area: &str) {
    let h = nimo_store::beds::Hospital {
        id: id.into(),
        name: format!("{id}（架空）"),
        phone: "03-0000-0000".into(),
        municipality_code: MunicipalityCode::parse(municipality).unwrap(),
        area: area.into(),
        latitude: 35.63,
        longitude: 139.69,
        emergency: true,
        okyu_designated: false,
        physical_care: false,
        sochi_designation: nimo_domain::beds::SochiDesignation::Shitei,
        night_holiday: true,
    };
    nimo_store::beds::upsert_hospital(&app.db, &h, nimo_store::audit::AuditEvent::cli("hospital_admin")).await.unwrap();
}

#[tokio::test]
async fn the_demo_directory_shows_the_seed_sheets_section_one() {
    for_each_backend(|app| async move {
        // As `nimo demo` has them: two fictional hospitals in 目黒区, one in 世田谷区.
        hospital(&app, "h-meguro-1", "131105", "区南西部").await;
        hospital(&app, "h-meguro-2", "131105", "区南西部").await;
        hospital(&app, "h-setagaya-1", "131121", "区西南部").await;
        let records = nimo_store::synthetic::directory::fill_meguro(&app.db).await.unwrap();
        let seed = nimo_domain::demo::meguro_r4();
        let kept = nimo_store::synthetic::directory::keep_sheet_values(&app.db, &seed).await.unwrap();
        assert_eq!(kept, ["psych_hospitals"], "two demo hospitals against the sheet's one");
        const SHEET: &str = "/municipalities/131105/sheets/2022";
        let (_, page) = app.get(SHEET).await;
        let (_, json) = app.get("/api/v1/municipalities/131105/sheets/2022").await;
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let figures = &json["sheet"]["basic"]["figures"];
        for key in ["hokenjo", "soudan_ippan", "soudan_tokutei", "kikan_soudan_center"] {
            let seed_value = seed.basic.figures[key].as_count().unwrap();
            assert_eq!(figures[key]["value"].as_i64(), Some(seed_value), "{key} equals the seed's");
            assert_eq!(figures[key]["source"], "derived", "{key} comes from the directory");
            let link =
                format!("<a class=\"badge\" href=\"{SHEET}/figures/{key}\" title=\"数えた記録を見る\">名簿から集計");
            let before = &page[..page.find(&link).unwrap_or_else(|| panic!("{key} marked"))];
            assert!(before.ends_with(&format!(">{seed_value} ")), "{key}");
        }
        for key in ["psych_hospitals", "psych_beds"] {
            assert_eq!(figures[key]["value"], serde_json::json!(seed.basic.figures[key].as_count()), "{key}");
            assert_eq!(figures[key]["source"], "entered");
        }
        assert!(page.contains(&format!("<a class=\"badge entered\" href=\"{SHEET}/figures/psych_hospitals\"")));
        let (_, list) = app.get(&format!("{LIST}?type=psych_hospital")).await;
        assert_eq!(listed(&list).len(), 3, "every bed-finder hospital is a record");
        assert!(records > 100, "{records}");
        let (_, list) = app.get(&format!("{LIST}?q=%E3%81%AA%E3%81%8B%E3%82%81%E3%81%90%E3%82%8D")).await;
        assert!(listed(&list).iter().all(|name| name.starts_with("中目黒") && name.ends_with("（架空）")));
    })
    .await;
}
