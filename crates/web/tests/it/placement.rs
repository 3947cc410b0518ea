//! From a 23条 case to a bed, through HTTP: the case page opens the bed search for the case,
//! which fills the criteria from it (the disposition's 入院形態, the person's sex and age, the
//! municipality) and searches at once; the hold follows the case's 入院形態 unless a reason is
//! given and confirmed (stored and audited); the user returns to the case with a confirmation;
//! the hospital sees who asks and whom to call back (no personal data); once it accepts, the
//! hold is the case's 入院先 (the hospital typed at the 措置診察 still shown as typed), with the
//! time to placement from 受理 and from the search, and the person's timeline has the admission.

use crate::beds::{OTHER_WARD, OWN_HOSPITAL, OWN_WARD, held, hospital_scope, seed_beds};
use crate::for_each_backend;
use crate::harness::{TestApp, account_in_scope};
use nimo_domain::access::Role;

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn revision_of(html: &str) -> String {
    let at =
        html.find("name=\"revision\" value=\"").expect("a form with a revision") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The age today of someone born on 1985-04-01 (Japan time).
fn age_today() -> i32 {
    let japan = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    let today = time::OffsetDateTime::now_utc().to_offset(japan).date();
    today.year() - 1985 - i32::from((today.month() as u8, today.day()) < (4, 1))
}

#[tokio::test]
async fn a_case_finds_its_bed_and_the_case_page_shows_the_placement() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let meguro = nimo_domain::MunicipalityCode::parse("131105").unwrap();
        let event = nimo_store::audit::AuditEvent::cli("health_centre_set");
        nimo_store::municipalities::set_health_centre(&app.db, &meguro, "目黒区保健所", "03-0000-2001", event)
            .await
            .unwrap();
        let intake = form(&[
            ("received_at", "2021-06-01T10:30"),
            ("police_station", "目黒警察署"),
            ("district", "西部"),
            ("resident", "1"),
            ("name_kana", "みほん じろう"),
            ("name_kanji", "見本 次郎"),
            ("birth_date", "1985-04-01"),
            ("sex", "m"),
        ]);
        let (status, location, page) = app.post_form("/municipalities/131105/cases", &intake).await;
        assert_eq!(status, 303, "{page}");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let id: i64 = case.rsplit('/').next().unwrap().parse().unwrap();
        let reception = format!("R3-{id:03}");
        let (_, page) = app.get(&case).await;
        assert!(!page.contains("空床検索で探す"), "no bed is sought before an exam is ordered");
        for step in [
            vec![("event", "start_investigation"), ("staff_count", "2")],
            vec![("event", "order_exam")],
            vec![
                ("event", "examine"),
                ("occurred_time", "14:00"),
                ("first", "needs_sochi"),
                ("second", "needs_sochi"),
                ("disposition", "sochi"),
                ("hospital", "見本記念病院"),
            ],
        ] {
            let (_, page) = app.get(&case).await;
            let mut fields = form(&step);
            fields.push(("occurred_on".into(), "2021-06-01".into()));
            fields.push(("revision".into(), revision_of(&page)));
            let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
            assert_eq!(status, 303, "{}", body.split("field-error").nth(1).unwrap_or_default());
        }
        let (_, page) = app.get(&case).await;
        assert!(page.contains(&format!("<dt>受付番号</dt><dd>{reception}</dd>")), "{page}");
        let search = format!("/beds?case={id}");
        assert!(
            page.contains(&format!("href=\"{search}\"")),
            "{}",
            page.split("入院先の調整").nth(1).unwrap_or_default()
        );

        // The search is filled from the case and has run.
        let (status, results) = app.get(&search).await;
        assert_eq!(status, 200, "{results}");
        assert!(results.contains(&format!("（受付番号 {reception}）の入院先を探しています")), "{results}");
        for filled in [
            "<option value=\"sochi\" selected>措置入院".to_string(),
            "<option value=\"male\" selected>男性".to_string(),
            format!("name=\"age\" inputmode=\"numeric\" value=\"{}\"", age_today()),
            "<option value=\"131105\" selected>目黒区".to_string(),
        ] {
            assert!(results.contains(&filled), "filled from the case: {filled}");
        }
        assert!(results.contains("検索結果（該当 2 病棟・2 病院）"), "the search ran");
        assert!(results.contains(&format!("name=\"ward_id\" value=\"{OWN_WARD}\"")), "one button per card");
        assert_eq!(results.matches("name=\"case_ref\"").count(), 0, "the case's 受付番号 is not typed");
        assert_eq!(results.matches("name=\"admission\"").count(), 2, "one 入院形態 in the criteria, one in the hold");
        assert!(!results.contains("見本"), "no name on the search page");

        // Another 入院形態 than the case's needs a reason and its confirmation.
        let hold = |ward: &str, admission: &str, extra: &[(&str, &str)]| {
            let mut fields = form(&[
                ("ward_id", ward),
                ("case", &id.to_string()),
                ("admission", admission),
                ("searched_at", &(time::OffsetDateTime::now_utc().unix_timestamp() - 600).to_string()),
                ("back", &format!("go=1&case={id}&admission=sochi")),
            ]);
            fields.extend(form(extra));
            fields
        };
        let (status, _, page) = app.post_form("/beds/holds", &hold(OWN_WARD, "iryo_hogo", &[])).await;
        assert_eq!(status, 422);
        assert!(page.contains("理由: 事例の処遇（措置入院）と異なる入院形態で仮押さえするには理由を選んでください"));
        assert!(page.contains("確認: 事例の処遇（措置入院）と異なることを確認してください"));
        assert!(page.contains("<option value=\"iryo_hogo\" selected>医療保護入院"), "what was typed is kept");
        assert!(page.contains("検索結果（該当 2 病棟・2 病院）"), "the same results again");
        assert_eq!(held(&app.db, OWN_WARD).await, 0, "nothing held");
        let confirmed = [("admission_reason", "family_consent"), ("confirm_admission", "1")];
        let (status, location, _) = app.post_form("/beds/holds", &hold(OTHER_WARD, "iryo_hogo", &confirmed)).await;
        assert_eq!(status, 303);
        assert!(location.unwrap().starts_with(&format!("{case}?notice=held")));
        let stored: (Option<String>, Option<i64>) =
            sqlx::query_as("SELECT admission_reason, case_id FROM bed_hold WHERE ward_id = $1")
                .bind(OTHER_WARD)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(stored, (Some("family_consent".into()), Some(id)), "the reason is stored with the hold");
        let audited: String =
            sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'hold_place' ORDER BY id DESC LIMIT 1")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert!(audited.ends_with("/admission:iryo_hogo/reason:family_consent"), "{audited}");

        // The case's own 入院形態: back to the case, with a confirmation.
        let (status, location, _) = app.post_form("/beds/holds", &hold(OWN_WARD, "sochi", &[])).await;
        assert_eq!(status, 303);
        let back = location.unwrap();
        assert!(back.starts_with(&format!("{case}?notice=held")), "{back}");
        let (_, page) = app.get(&back).await;
        assert!(page.contains("仮押さえしました。病院の回答を待っています"), "a visible confirmation");
        assert!(page.contains("仮押さえ中"));
        assert!(page.contains("<dt>入院先</dt><dd>見本記念病院"), "the typed hospital until one accepts");

        // The staff's holds link to the case.
        let (_, mine) = app.get("/beds/holds").await;
        assert!(mine.contains(&format!("<a href=\"{case}\">{reception}</a>")), "{mine}");

        // The hospital sees who asks and whom to call back, and no name; it accepts, confirmed.
        let (_, codes) =
            account_in_scope(&app.db, "case-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "case-byoin", &codes[0]).await;
        let (_, inbox) = hospital.get("/hospital").await;
        assert!(
            inbox.contains("依頼元: 目黒区保健所・折り返し <a href=\"tel:03-0000-2001\">03-0000-2001</a>"),
            "{inbox}"
        );
        assert!(!inbox.contains("見本") && !inbox.contains("みほん"), "no personal data for the hospital");
        let hold_id: i64 = sqlx::query_scalar("SELECT id FROM bed_hold WHERE ward_id = $1")
            .bind(OWN_WARD)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let confirm = form(&[("confirm", "1")]);
        let (status, _, _) = hospital.post_form(&format!("/hospital/holds/{hold_id}/accept"), &confirm).await;
        assert_eq!(status, 303);

        // The accepted hold is the case's 入院先; the typed one stays visible as typed.
        let (_, page) = app.get(&case).await;
        let admitted = page.split("<dd class=\"admitted\">").nth(1).unwrap_or_default();
        assert!(
            admitted.starts_with(&format!("<strong>{OWN_HOSPITAL}病院（架空） {OWN_WARD} 救急病棟</strong>")),
            "{page}"
        );
        assert!(admitted.contains("措置診察で入力した入院先: 見本記念病院"));
        let placement = page.split("<dd class=\"placement\">").nth(1).unwrap_or_default();
        assert!(placement.starts_with("受理から") && placement.contains("・検索から10分<"), "{placement}");

        // The person's timeline has the admission.
        let person: i64 = sqlx::query_scalar("SELECT person_id FROM report23 WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let (_, timeline) = app.get(&format!("/municipalities/131105/people/{person}")).await;
        assert!(timeline.contains("入院（仮押さえの受入れ）"), "{timeline}");
        assert!(timeline.contains(&format!("{OWN_HOSPITAL}病院（架空） {OWN_WARD} 救急病棟・措置入院")));
    })
    .await;
}

#[tokio::test]
async fn a_search_query_with_a_doubled_or_unknown_field_is_refused_and_a_case_outside_scope_is_not_found() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (status, page) = app.get("/beds?go=1&admission=sochi&admission=nini").await;
        assert_eq!(status, 422);
        assert!(page.contains("検索条件を読み取れません"), "{page}");
        assert_eq!(app.get("/beds?go=1&colour=red").await.0, 422);
        // A typed search keeps what was typed beside its error.
        let (status, page) = app.get("/beds?go=1&age=%E4%BA%8C%E7%99%BE&sex=female").await;
        assert_eq!(status, 422);
        assert!(page.contains("value=\"二百\"") && page.contains("<option value=\"female\" selected>"));
        assert_eq!(app.get("/beds?case=999999").await.0, 404);
        assert_eq!(app.get("/beds?case=abc").await.0, 404);
    })
    .await;
}
