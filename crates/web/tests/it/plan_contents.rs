//! The contents of a 退院後支援計画 by section through HTTP: a 保健師 writes the wishes, two
//! support rows and a crisis plan on the plan page, adds a row without JavaScript, gets refused
//! input back as typed with the reason beside its field, reads the plan back on the page and in
//! its PDF (pdftotext); the contents are sealed at rest; another 地区, role or municipality
//! cannot read them; a plan written as one text before keeps showing it.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, staff_account};
use crate::plans::{a_plan, revision_of};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

/// The text of a PDF (`pdftotext -raw`), squeezed; kept in `NIMO_SCREENSHOT_DIR` when set.
fn pdf_text(pdf: &[u8], name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.pdf");
    std::fs::write(&path, pdf).unwrap();
    if let Some(keep) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&path, std::path::Path::new(&keep).join(format!("{name}.pdf"))).unwrap();
    }
    let out = std::process::Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output().expect("pdftotext");
    assert!(out.status.success());
    squeeze(&String::from_utf8(out.stdout).unwrap())
}

const SECTIONS: &[(&str, &str)] = &[
    ("occurred_on", "2022-05-03"),
    ("person_wishes", "自宅に戻って一人暮らしを続けたい"),
    ("family_views", "母: 服薬が続くか心配している"),
    ("living_wishes", "今のアパートに住み続ける"),
    ("support_kind_0", "medical"),
    ("support_agency_0", "見本訪問看護ステーション"),
    ("support_contact_0", "看護師 見本 三郎"),
    ("support_phone_0", "０３-１２３４-５６７８"),
    ("support_content_0", "服薬の確認と体調の相談"),
    ("support_frequency_0", "週1回"),
    ("support_kind_1", "welfare"),
    ("support_agency_1", "見本相談支援センター"),
    ("support_contact_1", "相談支援専門員 見本 四郎"),
    ("support_phone_1", "03-2222-3333"),
    ("support_content_1", "生活の相談と障害福祉サービスの調整"),
    ("support_frequency_1", "月2回"),
    ("crisis_signs", "眠れない日が3日続く"),
    ("crisis_own_actions", "頓服を飲んで休み、主治医に電話する"),
    ("crisis_day_contact", "見本クリニック 03-1111-2222"),
    ("crisis_night_contact", "精神科救急医療情報センター 03-4444-5555"),
    ("author_authority", "目黒区 保健予防課"),
    ("author_officer", "保健師 見本 花子"),
    ("author_contact", "03-5555-6666"),
    ("rows", "2"),
];

/// The contents form with `changes` over [`SECTIONS`] (an empty value drops the field), at the
/// plan's current revision.
async fn contents_form(app: &TestApp, plan: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let (_, page) = app.get(plan).await;
    let mut fields: Vec<(String, String)> = SECTIONS
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .chain(changes.iter().filter(|(_, v)| !v.is_empty()))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    fields.push(("revision".into(), revision_of(&page)));
    fields
}

#[tokio::test]
async fn a_nurse_writes_two_support_rows_and_a_crisis_plan_reads_them_back_and_prints_them() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let stored = "SELECT COUNT(*) FROM discharge_plan WHERE contents_form_sealed IS NOT NULL";
        let (status, page) = app.get(&plan).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("action=\"{plan}/contents\"")) && page.contains("計画の内容を作成する"));
        assert!(page.contains("id=\"support_kind_1\"") && !page.contains("id=\"support_kind_2\""), "two rows");
        // 「行を追加」 shows the form again with one more row and what was typed; nothing saved.
        let mut more = contents_form(&app, &plan, &[]).await;
        more.push(("add_row".into(), "1".into()));
        let (status, _, page) = app.post_form(&format!("{plan}/contents"), &more).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"support_kind_2\"") && page.contains("value=\"見本訪問看護ステーション\""));
        assert!(page.contains("name=\"rows\" value=\"3\""));
        assert_eq!(count(&app, stored).await, 0);
        // Refused: a row without its agency, a phone that is not a number, no officer; each reason
        // beside its field, the form as typed, nothing saved.
        let bad = contents_form(
            &app,
            &plan,
            &[("support_agency_1", ""), ("support_phone_0", "夜は不可"), ("author_officer", "")],
        )
        .await;
        let (status, _, page) = app.post_form(&format!("{plan}/contents"), &bad).await;
        assert_eq!(status, 422, "{page}");
        for reason in [
            "支援2行目: 事業所・機関名を入力してください",
            "支援1行目: 電話番号は数字とハイフンで入力してください",
            "計画作成の担当者を入力してください",
        ] {
            assert!(page.contains(reason), "{reason}: {page}");
        }
        assert!(page.contains("href=\"#support_agency_1\""), "the summary links to the row's field");
        assert!(page.contains("value=\"夜は不可\"") && page.contains("眠れない日が3日続く"), "kept as typed");
        assert_eq!(count(&app, stored).await, 0);
        // Saved.
        let good = contents_form(&app, &plan, &[]).await;
        let (status, location, body) = app.post_form(&format!("{plan}/contents"), &good).await;
        assert_eq!(status, 303, "{body}");
        assert_eq!(location.as_deref(), Some(plan.as_str()));
        // A form made before the save is stale now: refused, nothing changed.
        let (status, _, _) = app.post_form(&format!("{plan}/contents"), &good).await;
        assert_eq!(status, 409);
        let (_, page) = app.get(&plan).await;
        let shown = squeeze(&page);
        let expected = [
            "自宅に戻って一人暮らしを続けたい",
            "母: 服薬が続くか心配している",
            "今のアパートに住み続ける",
            "医療（精神科外来・訪問看護・デイケア等）",
            "見本訪問看護ステーション",
            "看護師 見本 三郎",
            "03-1234-5678",
            "障害福祉サービス（相談支援・居宅介護・グループホーム等）",
            "見本相談支援センター",
            "生活の相談と障害福祉サービスの調整",
            "月2回",
            "眠れない日が3日続く",
            "頓服を飲んで休み、主治医に電話する",
            "見本クリニック 03-1111-2222",
            "精神科救急医療情報センター 03-4444-5555",
            "保健師 見本 花子",
        ];
        for text in expected {
            assert!(shown.contains(&squeeze(text)), "the page shows {text}");
        }
        assert!(page.contains("計画の内容を更新する") && !page.contains("従前の計画内容"));
        let (status, headers, pdf) = app.get_bytes(&format!("{plan}/print.pdf")).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "application/pdf");
        let printed = pdf_text(&pdf, "plan-contents");
        for text in expected {
            assert!(printed.contains(&squeeze(text)), "the print lacks {text}: {printed}");
        }
        assert!(printed.contains("病状が悪化した場合の対処方針") && printed.contains("要確認"));
        // Sealed at rest: the row holds none of the typed text.
        let raw: String = sqlx::query_scalar("SELECT contents_form_sealed FROM discharge_plan")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        for text in ["見本訪問看護ステーション", "眠れない", "03-1111-2222", "一人暮らし", "medical"]
        {
            assert!(!raw.contains(text), "{text} in the raw row");
        }
        // Written and read under audit.
        let id = plan.rsplit('/').next().unwrap();
        let audited = |action: &str, detail: &str| {
            format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND record_type = 'plan' \
                 AND record_id = '{id}' AND {detail}"
            )
        };
        assert_eq!(count(&app, &audited("write", "detail = 'draft'")).await, 1);
        assert!(count(&app, &audited("read", "1 = 1")).await >= 4, "every page view is audited");
        assert_eq!(count(&app, &audited("print", "detail = 'pdf'")).await, 1);
    })
    .await;
}

#[tokio::test]
async fn another_district_role_or_municipality_cannot_read_or_write_the_contents() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let good = contents_form(&app, &plan, &[]).await;
        assert_eq!(app.post_form(&format!("{plan}/contents"), &good).await.0, 303);
        let meguro = Some(MunicipalityCode::parse("131105").unwrap());
        let east = Scope { municipality: meguro.clone(), district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, east, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        let council = Scope { municipality: meguro, ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "council", Role::CouncilMember, council, true).await;
        let council: Client = TestApp::client_for(&app, "council", &codes[0]).await;
        let codes = staff_account(&app.db, "chiyoda-nurse", "131016").await;
        let chiyoda: Client = TestApp::client_for(&app, "chiyoda-nurse", &codes[0]).await;
        for (who, client, status) in
            [("another 地区", &east, 404), ("協議の場", &council, 403), ("千代田区", &chiyoda, 403)]
        {
            for path in [plan.clone(), format!("{plan}/print.pdf")] {
                let (got, body) = client.get(&path).await;
                assert_eq!(got, status, "{who} {path}");
                assert!(!body.contains("見本訪問看護") && !body.starts_with("%PDF"), "{who} {path}");
            }
            let mut changed = good.clone();
            changed.retain(|(k, _)| k != "person_wishes");
            changed.push(("person_wishes".into(), "書き換え".into()));
            let (got, _, body) = client.post_form(&format!("{plan}/contents"), &changed).await;
            assert_eq!(got, status, "{who} writes: {body}");
        }
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("自宅に戻って一人暮らしを続けたい") && !page.contains("書き換え"));
        assert!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'plan'").await >= 3
        );
    })
    .await;
}

#[tokio::test]
async fn a_plan_written_as_one_text_keeps_showing_it_and_a_foreign_field_is_refused() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let (_, page) = app.get(&plan).await;
        let old = [
            ("event", "draft"),
            ("occurred_on", "2022-05-02"),
            ("contents", "クライシスプラン: 眠れない日が続いたら主治医へ"),
            ("revision", revision_of(&page).as_str()),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        assert_eq!(app.post_form(&format!("{plan}/events"), &old).await.0, 303);
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("従前の計画内容（自由記述）") && page.contains("眠れない日が続いたら主治医へ"));
        let printed = pdf_text(&app.get_bytes(&format!("{plan}/print.pdf")).await.2, "plan-former-text");
        assert!(printed.contains("従前の計画内容（自由記述）") && printed.contains("眠れない日が続いたら主治医へ"));
        // A field the form does not have refuses the whole submission; nothing saved.
        let mut foreign = contents_form(&app, &plan, &[]).await;
        foreign.push(("support_agency_99".into(), "x".into()));
        let (status, _, _) = app.post_form(&format!("{plan}/contents"), &foreign).await;
        assert_eq!(status, 422);
        let stored = "SELECT COUNT(*) FROM discharge_plan WHERE contents_form_sealed IS NOT NULL";
        assert_eq!(count(&app, stored).await, 0);
        // Written by section afterwards, the old text is still shown beside the sections.
        let good = contents_form(&app, &plan, &[]).await;
        assert_eq!(app.post_form(&format!("{plan}/contents"), &good).await.0, 303);
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("従前の計画内容（自由記述）") && page.contains("見本訪問看護ステーション"));
    })
    .await;
}
