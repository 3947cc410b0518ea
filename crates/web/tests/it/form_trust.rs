//! Forms a person can trust, through HTTP on every backend: a refused form comes back with its
//! summary at the top (focused, each reason linking to its field) and keeps what was typed; the
//! intake form offers now as the 受理日時; a 退院日 ahead is recorded as planned, and the plan reads
//! 退院予定 until that day instead of 支援中 at once.

use crate::for_each_backend;

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn revision_of(html: &str) -> String {
    crate::cases::revision_of(html)
}

/// Takes a report about `kana` in and opens a plan with consent; returns the plan page's path.
async fn a_plan(app: &crate::TestApp, kana: &str) -> String {
    let intake = form(&[
        ("received_at", "2022-04-10T10:00"),
        ("police_station", "目黒警察署"),
        ("district", "西部"),
        ("name_kana", kana),
        ("sex", "f"),
    ]);
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &intake).await;
    assert_eq!(status, 303, "{body}");
    let (_, case) = app.get(location.unwrap().split('?').next().unwrap()).await;
    let person = case.split("/people/").nth(1).unwrap().split('"').next().unwrap();
    let consent = form(&[("consent", "given"), ("party", "person"), ("occurred_on", "2022-05-01")]);
    let (status, location, body) =
        app.post_form(&format!("/municipalities/131105/people/{person}/plans"), &consent).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap()
}

#[tokio::test]
async fn a_refused_intake_opens_on_a_summary_linking_to_each_field() {
    for_each_backend(|app| async move {
        let (status, page) = app.get("/municipalities/131105/cases/new").await;
        assert_eq!(status, 200);
        assert!(!page.contains("error-summary"), "no summary before anything is sent");
        let japan = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9));
        let offered = page.split("name=\"received_at\" type=\"datetime-local\" value=\"").nth(1).unwrap();
        let offered = &offered[..offered.find('"').unwrap()];
        assert_eq!(offered.len(), 16, "{offered}");
        let at = time::PrimitiveDateTime::parse(
            offered,
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        )
        .unwrap()
        .assume_offset(time::macros::offset!(+9));
        assert!((japan - at).whole_seconds().abs() < 120, "受理日時 is now in Japan: {offered}");

        let sent = form(&[
            ("received_at", offered),
            ("police_station", " "),
            ("district", ""),
            ("name_kana", "みほん"),
            ("birth_date", "1985-13-01"),
            ("sex", "x"),
        ]);
        let (status, _, body) = app.post_form("/municipalities/131105/cases", &sent).await;
        assert_eq!(status, 422);
        let summary = body.split("id=\"error-summary\"").nth(1).expect("a summary");
        let summary = &summary[..summary.find("</div>").unwrap()];
        assert!(body.contains("role=\"alert\" tabindex=\"-1\" autofocus id=\"error-summary\""), "focused on arrival");
        assert!(summary.contains("入力に誤りが 3 か所あります"), "{summary}");
        let links: Vec<&str> = summary.split("href=\"#").skip(1).map(|l| &l[..l.find('"').unwrap()]).collect();
        assert_eq!(links, ["police_station", "district", "birth_date"], "in the form's order");
        for id in links {
            assert!(body.contains(&format!("id=\"{id}\"")), "{id} names a field on the page");
        }
        assert!(summary.contains("通報した警察署を入力してください"));
        assert!(body.contains("value=\"みほん\""), "what was typed is kept");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report23").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(count, 0);
    })
    .await;
}

#[tokio::test]
async fn a_discharge_date_ahead_is_planned_and_today_starts_support() {
    for_each_backend(|app| async move {
        let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9)).date();
        let cases = [
            (today + time::Duration::days(10), "退院予定（支援開始前）", "みらい はなこ"),
            (today, "支援中", "きょう はなこ"),
        ];
        for (discharge, label, kana) in cases {
            let plan = a_plan(&app, kana).await;
            let step = |fields: Vec<(String, String)>, path: String| {
                let app = &app;
                let plan = plan.clone();
                async move {
                    let (_, page) = app.get(&plan).await;
                    let mut fields = fields;
                    fields.push(("revision".into(), revision_of(&page)));
                    app.post_form(&format!("{plan}/{path}"), &fields).await
                }
            };
            let on = today.to_string();
            let (status, _, body) =
                step(form(&[("event", "draft"), ("occurred_on", &on), ("contents", "見本")]), "events".into()).await;
            assert_eq!(status, 303, "{body}");
            let meeting = form(&[("held_on", &on), ("purpose", "pre_discharge"), ("participants", "目黒区／保健師")]);
            assert_eq!(step(meeting, "meetings".into()).await.0, 303);
            let end = (discharge + time::Duration::days(90)).to_string();
            let start = form(&[("event", "start"), ("occurred_on", &discharge.to_string()), ("period_end", &end)]);
            let (status, _, body) = step(start, "events".into()).await;
            assert_eq!(status, 303, "a 退院日 ahead is accepted: {body}");
            let (_, page) = app.get(&plan).await;
            assert!(page.contains(&format!("状態: <strong>{label}</strong>")), "{discharge}: {page}");
            assert!(page.contains(&format!("<dt>支援開始（退院日）</dt><dd>{discharge}</dd>")));
            let waiting = discharge > today;
            assert_eq!(!page.contains("id=\"action-review\""), waiting, "review offered only once support began");
            assert_eq!(!page.contains("id=\"action-extend\""), waiting);
            if waiting {
                // A meeting before the discharge is still recorded.
                let meeting =
                    form(&[("held_on", &on), ("purpose", "pre_discharge"), ("participants", "目黒区／保健師")]);
                let (status, _, body) = step(meeting, "meetings".into()).await;
                assert_eq!(status, 303, "{body}");
                let (_, list) = app.get("/municipalities/131105/plans").await;
                assert!(list.contains("退院予定（支援開始前）"), "{list}");
            }
        }
    })
    .await;
}
