//! Pages and edit forms: what a 保健師 sees and types.

use crate::for_each_backend;
use crate::harness::{form_fields, set};

const SHEET: &str = "/municipalities/131105/sheets/2022";

#[tokio::test]
async fn the_sheet_page_shows_the_demo_sheet_in_japanese() {
    for_each_backend(|app| async move {
        let (status, html) = app.get(SHEET).await;
        assert_eq!(status, 200, "{:?}", app.backend);
        for text in [
            "目黒区における精神保健福祉包括ケアシステムの構築推進",
            "令和4年度（2022年度）",
            "令和4年7月時点",
            "278,748",
            "157,988",
            "平成30年9月",
            "（参考）目黒区内 23条通報 40件",
            "そのうち措置入院 6件（全件フォロー）",
            "②病状悪化時の緊急入院先がスムーズに探せる仕組みづくり（新規）",
            "アウトリーチ支援",
            "令和5年3月",
            "自動計算",
        ] {
            assert!(html.contains(text), "{:?}: page lacks {text}", app.backend);
        }
        let (status, list) = app.get("/municipalities").await;
        assert_eq!(status, 200);
        assert!(list.contains("131105") && list.contains("令和4年度"));
    })
    .await;
}

#[tokio::test]
async fn unknown_pages_are_404_in_japanese() {
    for_each_backend(|app| async move {
        for path in [
            "/municipalities/131105/sheets/2030",
            "/municipalities/131106/sheets/2022",
            "/municipalities/999999",
            "/municipalities/13110X",
            "/municipalities/13110X/sheets/2022",
            "/municipalities/131105/sheets/20x2",
            "/municipalities/131105/sheets/1900",
            "/municipalities/131105/sheets/99999999999/figures/report23.in_area",
            "/municipalities/131105/sheets/2022/edit/nothing",
            "/municipalities/131105/sheets/2022/export.doc",
        ] {
            let (status, html) = app.get(path).await;
            assert_eq!(status, 404, "{path}");
            assert!(html.contains("見つかりません"), "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    for_each_backend(|app| async move {
        for path in [SHEET, "/municipalities", "/nothing-here", "/assets/style.css"] {
            let (_, headers, _) = app.get_bytes(path).await;
            let csp = headers.get("content-security-policy").expect("csp").to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{path}");
            assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
            assert!(headers.get("referrer-policy").is_some());
        }
    })
    .await;
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let response = app
            .client
            .post(format!("{}{SHEET}/copy", app.base))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        assert_eq!(app.sheet_json(2022).await, before);
        let (status, _) = app.get("/municipalities/131105/sheets/2023").await;
        assert_eq!(status, 404);
    })
    .await;
}

#[tokio::test]
async fn editing_the_history_saves_and_shows_the_new_event() {
    for_each_backend(|app| async move {
        let (status, html) = app.get(&format!("{SHEET}/edit/history")).await;
        assert_eq!(status, 200);
        let mut form = form_fields(&html);
        set(&mut form, "history[9].date", "R4.11");
        set(&mut form, "history[9].text", "令和4年度第2回アドバイザー合同会議に参加");
        let (status, location, _) = app.post_form(&format!("{SHEET}/edit/history"), &form).await;
        assert_eq!(status, 303, "{:?}", app.backend);
        let location = location.unwrap();
        assert!(location.contains("notice=saved"));
        let (_, page) = app.get(&location).await;
        assert!(page.contains("令和4年11月") && page.contains("令和4年度第2回アドバイザー合同会議に参加"));
        assert!(page.contains("保存しました"));
    })
    .await;
}

#[tokio::test]
async fn a_bad_value_is_shown_beside_its_field_and_nothing_is_saved() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let (_, html) = app.get(&format!("{SHEET}/edit/basic")).await;
        let mut form = form_fields(&html);
        set(&mut form, "basic.figures.households", "15万");
        set(&mut form, "basic.figures.discharge_rate_3m", "120");
        set(&mut form, "basic.profile", "入力途中の紹介文");
        let (status, _, html) = app.post_form(&format!("{SHEET}/edit/basic"), &form).await;
        assert_eq!(status, 422);
        assert!(html.contains("入力に誤りが 2 か所あります"), "{html}");
        let households = html.find("name=\"basic.figures.households\"").unwrap();
        let error = html[households..].find("field-error").unwrap();
        assert!(
            html[households + error..]
                .starts_with("field-error\" role=\"alert\">0以上の整数を入力してください（入力: 15万）")
        );
        assert!(html.contains("0〜100の範囲で入力してください（入力: 120）"));
        assert!(html.contains("入力途中の紹介文"), "what the user typed is kept");
        assert!(html.contains("value=\"15万\""));
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_band_typed_in_the_form_updates_the_derived_total() {
    for_each_backend(|app| async move {
        let (_, html) = app.get(&format!("{SHEET}/edit/basic")).await;
        let mut form = form_fields(&html);
        assert!(!form.iter().any(|(n, _)| n == "basic.figures.inpatients_total"), "derived figures are not inputs");
        set(&mut form, "basic.figures.inpatients_under_3m", "６１");
        let (status, _, _) = app.post_form(&format!("{SHEET}/edit/basic"), &form).await;
        assert_eq!(status, 303);
        let json = String::from_utf8(app.sheet_json(2022).await).unwrap();
        assert!(
            json.contains("\"inpatients_total\": {\n          \"state\": \"count\",\n          \"value\": 228"),
            "{json}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_schedule_month_outside_the_year_is_named() {
    for_each_backend(|app| async move {
        let (_, html) = app.get(&format!("{SHEET}/edit/schedule")).await;
        let mut form = form_fields(&html);
        set(&mut form, "schedule[3].month", "令和6年9月");
        let (status, _, html) = app.post_form(&format!("{SHEET}/edit/schedule"), &form).await;
        assert_eq!(status, 422);
        assert!(html.contains("令和4年度の月ではありません（令和6年9月は令和6年度）"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_stale_form_is_refused_as_a_conflict_keeping_the_input() {
    for_each_backend(|app| async move {
        let (_, html) = app.get(&format!("{SHEET}/edit/policy")).await;
        let mut first = form_fields(&html);
        let mut second = first.clone();
        set(&mut first, "policy.goal", "一人目の変更");
        set(&mut second, "policy.goal", "二人目の変更");
        assert_eq!(app.post_form(&format!("{SHEET}/edit/policy"), &first).await.0, 303);
        let (status, _, html) = app.post_form(&format!("{SHEET}/edit/policy"), &second).await;
        assert_eq!(status, 409);
        assert!(html.contains("他の職員がこのシートを先に更新しました") && html.contains("二人目の変更"));
        let json = String::from_utf8(app.sheet_json(2022).await).unwrap();
        assert!(json.contains("一人目の変更") && !json.contains("二人目の変更"));
    })
    .await;
}

#[tokio::test]
async fn a_new_sheet_needs_a_valid_municipality_code() {
    for_each_backend(|app| async move {
        let form = |code: &str| {
            vec![
                ("code".to_string(), code.to_string()),
                ("name".to_string(), "目黒区".to_string()),
                ("prefecture".to_string(), "東京都".to_string()),
                ("fiscal_year".to_string(), "令和5年度".to_string()),
            ]
        };
        let (status, _, html) = app.post_form("/municipalities", &form("131017")).await;
        assert_eq!(status, 422);
        assert!(html.contains("検査数字が正しくありません（正しくは 6）"), "{html}");
        assert!(html.contains("value=\"131017\""));
        // A 目黒区 nurse cannot start a sheet for 千代田区 (131016), however valid the code.
        let (status, _, html) = app.post_form("/municipalities", &form("131016")).await;
        assert_eq!(status, 403, "{html}");
        assert!(html.contains("自治体 131016 のシートを扱う権限がありません"));
        let (status, location, _) = app.post_form("/municipalities", &form("131105")).await;
        assert_eq!(status, 303);
        assert_eq!(location.unwrap(), "/municipalities/131105/sheets/2023?notice=created");
        let (status, html) = app.get("/municipalities/131105/sheets/2023").await;
        assert_eq!(status, 200);
        assert!(html.contains("目黒区") && html.contains("令和5年度"));
        let (status, _, html) = app.post_form("/municipalities", &form("131105")).await;
        assert_eq!(status, 422);
        assert!(html.contains("令和5年度のシートはすでにあります"));
    })
    .await;
}

#[tokio::test]
async fn copying_to_the_next_year_starts_a_sheet_once() {
    for_each_backend(|app| async move {
        let (status, location, _) = app.post_form(&format!("{SHEET}/copy"), &[]).await;
        assert_eq!(status, 303);
        assert_eq!(location.unwrap(), "/municipalities/131105/sheets/2023?notice=copied");
        let (status, html) = app.get("/municipalities/131105/sheets/2023").await;
        assert_eq!(status, 200);
        assert!(html.contains("令和5年度") && html.contains("令和5年4月") && html.contains("令和5年7月時点"));
        let (status, _, html) = app.post_form(&format!("{SHEET}/copy"), &[]).await;
        assert_eq!(status, 409);
        assert!(html.contains("令和5年度のシートはすでにあります"));
    })
    .await;
}

#[tokio::test]
async fn an_oversized_form_is_refused_before_it_is_read() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let form = vec![("policy.goal".to_string(), "あ".repeat(1_000_000))];
        let (status, _, _) = app.post_form(&format!("{SHEET}/edit/policy"), &form).await;
        assert_eq!(status, 413);
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_partial_or_duplicated_submission_changes_nothing() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let (_, html) = app.get(&format!("{SHEET}/edit/history")).await;
        let full = form_fields(&html);
        // Only the first row and the revision: a truncated post must not delete the other events.
        let partial: Vec<(String, String)> =
            full.iter().filter(|(n, _)| n == "revision" || n.starts_with("history[0]")).cloned().collect();
        let (status, _, html) = app.post_form(&format!("{SHEET}/edit/history"), &partial).await;
        assert_eq!(status, 422);
        assert!(html.contains("送信内容がこのフォームと一致しない"), "{html}");
        let mut twice = full.clone();
        twice.push(("history[0].text".into(), "二重送信".into()));
        let mut unknown = full.clone();
        unknown.push(("municipality.code".into(), "131016".into()));
        let mut two_revisions = full.clone();
        two_revisions.push(("revision".into(), "99".into()));
        for refused in [twice, unknown, two_revisions] {
            let (status, _, html) = app.post_form(&format!("{SHEET}/edit/history"), &refused).await;
            assert_eq!(status, 422, "{:?}", app.backend);
            assert!(html.contains("送信内容がこのフォームと一致しない"), "{html}");
        }
        // Staff of another municipality, and a role that only reads, change nothing (each with
        // its own CSRF token, so that the policy is what refuses).
        let full: Vec<(String, String)> = full.into_iter().filter(|(n, _)| n != "csrf").collect();
        let codes = crate::harness::staff_account(&app.db, "chiyoda", "131016").await;
        let other = crate::harness::TestApp::client_for(&app, "chiyoda", &codes[0]).await;
        let (status, _, _) = other.post_form(&format!("{SHEET}/edit/history"), &full).await;
        assert!(status == 403 || status == 404 || status == 303, "{status}");
        crate::harness::account(&app.db, "kyogikai", nimo_domain::access::Role::CouncilMember, Some("131105")).await;
        let member = crate::harness::TestApp::client_for_password_only(&app, "kyogikai").await;
        let (status, _, _) = member.post_form(&format!("{SHEET}/edit/history"), &full).await;
        assert!(status == 403 || status == 303, "{status}");
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn every_page_links_the_source_of_the_running_version() {
    for_each_backend(|app| async move {
        let link =
            format!("<a href=\"{}\" rel=\"license\">このバージョンのソースコード</a>", nimo_web::DEFAULT_SOURCE_URL);
        let (status, html) = app.get("/municipalities").await;
        assert_eq!(status, 200);
        assert!(html.contains(&link) && html.contains(concat!("nimo ", env!("CARGO_PKG_VERSION"))), "{html}");
        // Error pages too, which are rendered without the request's state.
        let (status, html) = app.get("/no-such-page").await;
        assert_eq!(status, 404);
        assert!(html.contains(&link), "{html}");
    })
    .await;
}

#[tokio::test]
async fn a_new_sheet_form_with_a_doubled_or_unknown_field_starts_nothing() {
    for_each_backend(|app| async move {
        let form = |extra: (&str, &str)| {
            let mut pairs: Vec<(String, String)> =
                [("code", "131105"), ("name", "目黒区"), ("prefecture", "東京都"), ("fiscal_year", "令和6年度")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
            pairs.push((extra.0.to_string(), extra.1.to_string()));
            pairs
        };
        for extra in [("fiscal_year", "令和7年度"), ("note", "x")] {
            let (status, _, html) = app.post_form("/municipalities", &form(extra)).await;
            assert_eq!(status, 422, "{:?} {extra:?}", app.backend);
            assert!(html.contains("画面のフォームから送信してください"), "{html}");
        }
        for year in [2024, 2025] {
            let (status, _) = app.get(&format!("/municipalities/131105/sheets/{year}")).await;
            assert_eq!(status, 404, "{:?}: no sheet for {year}", app.backend);
        }
    })
    .await;
}
