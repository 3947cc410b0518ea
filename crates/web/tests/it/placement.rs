//! From a 23条 case to a bed: the case page names the case's 受付番号 and opens the bed search for
//! it (with the admission type of its disposition); the hold placed from there carries that
//! number, and once the hospital accepts it the case page lists the hold with the time from the
//! search to the acceptance.

use crate::beds::{OWN_HOSPITAL, OWN_WARD, hospital_scope, seed_beds};
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

#[tokio::test]
async fn a_case_finds_its_bed_and_the_case_page_shows_the_placement() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let intake = form(&[
            ("received_at", "2021-06-01T10:30"),
            ("police_station", "目黒警察署"),
            ("district", "西部"),
            ("resident", "1"),
            ("unknown", "1"),
        ]);
        let (status, location, _) = app.post_form("/municipalities/131105/cases", &intake).await;
        assert_eq!(status, 303);
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let id: i64 = case.rsplit('/').next().unwrap().parse().unwrap();
        let reception = format!("R3-{id:03}");
        let (_, page) = app.get(&case).await;
        assert!(!page.contains("空床検索で探す"), "no bed is sought before an exam is ordered");
        for step in [
            vec![("event", "start_investigation")],
            vec![("event", "order_exam")],
            vec![
                ("event", "examine"),
                ("first", "needs_sochi"),
                ("second", "needs_sochi"),
                ("disposition", "sochi"),
                ("hospital", "目黒みどり病院"),
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
        let search = format!("/beds?case_ref={reception}&#38;admission=sochi");
        assert!(
            page.contains(&format!("href=\"{search}\"")),
            "{}",
            page.split("入院先の調整").nth(1).unwrap_or_default()
        );

        let (status, form_page) = app.get(&search.replace("&#38;", "&")).await;
        assert_eq!(status, 200);
        assert!(form_page.contains(&format!("受付番号 {reception} の入院先を探しています")));
        assert!(form_page.contains(&format!("name=\"case_ref\" value=\"{reception}\"")), "kept through the search");
        let (_, results) = app.get(&format!("/beds?go=1&case_ref={reception}&admission=sochi")).await;
        assert!(results.contains(&format!("placeholder=\"R4-023\" value=\"{reception}\"")), "the hold form is filled");

        let searched_at = (time::OffsetDateTime::now_utc().unix_timestamp() - 600).to_string();
        let hold = form(&[
            ("ward_id", OWN_WARD),
            ("case_ref", &reception),
            ("admission", "sochi"),
            ("searched_at", &searched_at),
        ]);
        let (status, location, _) = app.post_form("/beds/holds", &hold).await;
        assert_eq!(status, 303);
        let hold_id = location.unwrap().trim_start_matches("/beds/holds?placed=").to_string();
        let (_, page) = app.get(&case).await;
        assert!(page.contains(&format!("<td class=\"num\">{hold_id}</td>")) && page.contains("仮押さえ中"));
        let (_, codes) =
            account_in_scope(&app.db, "case-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "case-byoin", &codes[0]).await;
        assert_eq!(hospital.post_form(&format!("/hospital/holds/{hold_id}/accept"), &[]).await.0, 303);
        let (_, page) = app.get(&case).await;
        assert!(page.contains("受入決定") && page.contains("（検索から10分）"), "{page}");
    })
    .await;
}
