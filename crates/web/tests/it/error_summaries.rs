//! The failed-form summary (`error_summary.html`) on every form family that lacked it, through
//! HTTP on every backend: the person's visit form, the merge of two records, the 地区 forms, the
//! sheet editor's sections, the administrator's account form and the API token form. Each failed
//! post comes back with the summary at the top (focused), each reason linking to an element of
//! the page that shows its field.

use crate::for_each_backend;
use crate::harness::{TestApp, form, form_fields, set};

/// The summary's reasons and the ids they link to, after checking that each id is on the page
/// and the summary takes the focus.
fn summary_of(body: &str) -> Vec<(String, String)> {
    assert!(
        body.contains("role=\"alert\" tabindex=\"-1\" autofocus id=\"error-summary\""),
        "a focused summary: {body}"
    );
    let summary = body.split("id=\"error-summary\"").nth(1).expect("a summary");
    let summary = &summary[..summary.find("</div>").expect("the summary ends")];
    let items: Vec<(String, String)> = summary
        .split("<li>")
        .skip(1)
        .map(|item| {
            let target = item.split("href=\"#").nth(1).map(|t| t[..t.find('"').unwrap()].to_string());
            let text = item.split('>').nth(1).unwrap_or_default();
            let text = text[..text.find('<').unwrap_or(text.len())].to_string();
            (target.unwrap_or_default(), text)
        })
        .collect();
    assert!(summary.contains(&format!("入力に誤りが {} か所あります", items.len())), "{summary}");
    for (target, _) in &items {
        assert!(body.contains(&format!("id=\"{target}\"")), "{target} names an element of the page");
    }
    items
}

/// Takes a report in about a person; returns the person's id.
async fn a_person(app: &TestApp) -> i64 {
    let intake = form(&[
        ("received_at", "2022-04-10T10:00"),
        ("police_station", "目黒警察署"),
        ("district", "西部"),
        ("name_kana", "みほん はなこ"),
        ("sex", "f"),
    ]);
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &intake).await;
    assert_eq!(status, 303, "{body}");
    let id: i64 = location.unwrap().split('?').next().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    sqlx::query_scalar("SELECT person_id FROM report23 WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn a_refused_visit_or_merge_opens_on_a_summary_linking_to_its_fields() {
    for_each_backend(|app| async move {
        let person = a_person(&app).await;
        let page = format!("/municipalities/131105/people/{person}");
        assert!(!app.get(&page).await.1.contains("error-summary"), "no summary before anything is sent");
        let visit = form(&[("visited_on", "2022-13-01"), ("profession", ""), ("method", "home"), ("outcome", "met")]);
        let (status, _, body) = app.post_form(&format!("{page}/visits"), &visit).await;
        assert_eq!(status, 422, "{body}");
        let items = summary_of(&body);
        let targets: Vec<&str> = items.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(targets, ["visited_on", "profession"], "in the form's order: {items:?}");
        assert!(items[0].1.contains("訪問日"), "the reason names its field");

        let merge = format!("{page}/merge");
        let (status, body) = app.get(&format!("{merge}?other={person}")).await;
        assert_eq!(status, 422);
        assert_eq!(summary_of(&body), [("other".to_string(), "同じ記録どうしは統合できません".to_string())]);
    })
    .await;
}

#[tokio::test]
async fn a_refused_district_form_opens_on_a_summary_linking_to_its_field() {
    for_each_backend(|app| async move {
        let districts = "/municipalities/131105/districts";
        let (status, _, body) = app.post_form(districts, &form(&[("name", "東部")])).await;
        assert_eq!(status, 303, "{body}");
        let (status, _, body) = app.post_form(districts, &form(&[("name", "東部")])).await;
        assert_eq!(status, 422);
        let items = summary_of(&body);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].0, "name");
        assert!(items[0].1.contains("同じ名前の地区がすでにあります"), "{items:?}");
        let (_, page) = app.get(districts).await;
        let id = page.split("/districts/").nth(1).unwrap().split('/').next().unwrap().to_string();
        let assign = format!("{districts}/{id}/assign");
        let (status, _, body) =
            app.post_form(&assign, &form(&[("user_id", ""), ("duty", "main"), ("since", "")])).await;
        assert_eq!(status, 422);
        let items = summary_of(&body);
        assert_eq!(items.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), [format!("assign-{id}-user")]);
    })
    .await;
}

#[tokio::test]
async fn a_refused_sheet_section_opens_on_a_summary_naming_each_field() {
    for_each_backend(|app| async move {
        let edit = "/municipalities/131105/sheets/2022/edit/basic";
        let (_, html) = app.get(edit).await;
        assert!(!html.contains("error-summary"));
        let mut fields = form_fields(&html);
        set(&mut fields, "basic.figures.households", "15万");
        set(&mut fields, "basic.figures.discharge_rate_3m", "120");
        let (status, _, body) = app.post_form(edit, &fields).await;
        assert_eq!(status, 422);
        let items = summary_of(&body);
        let targets: Vec<&str> = items.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(targets, ["basic.figures.households", "basic.figures.discharge_rate_3m"]);
        assert!(items[0].1.ends_with("：0以上の整数を入力してください（入力: 15万）"), "{items:?}");
        assert!(items[0].1.len() > "：0以上の整数を入力してください（入力: 15万）".len(), "named by its label");
    })
    .await;
}

#[tokio::test]
async fn a_refused_account_or_token_form_opens_on_a_summary_linking_to_its_field() {
    for_each_backend(|app| async move {
        let admin = crate::admin::admin_client(&app, "kanri").await;
        let mut create = crate::admin::new_staff_form("Bad Login!");
        let (status, _, body) = admin.post_form("/admin/users", &create).await;
        assert_eq!(status, 422, "{body}");
        let items = summary_of(&body);
        assert_eq!(items.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["login"]);
        assert!(body.contains("class=\"field-error\" role=\"alert\">ログイン名は"), "beside the field too");
        set(&mut create, "login", "new-nurse");
        set(&mut create, "role", "hospital");
        let (status, _, body) = admin.post_form("/admin/users", &create).await;
        assert_eq!(status, 422, "{body}");
        let items = summary_of(&body);
        assert_eq!(items.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["role"], "a scope unfit for the role");

        let too_long = form(&[("name", "夜間の検索"), ("scope", "beds:read"), ("expires_days", "400")]);
        let (status, _, body) = app.post_form("/account/tokens", &too_long).await;
        assert_eq!(status, 422);
        let items = summary_of(&body);
        assert_eq!(items.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["expires_days"]);
        assert!(items[0].1.contains("有効期間"));
        let forged = form(&[("name", "夜間の検索"), ("scope", "beds:write"), ("expires_days", "30")]);
        let (status, _, body) = app.post_form("/account/tokens", &forged).await;
        assert_eq!(status, 422);
        assert_eq!(summary_of(&body).iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["scope"]);
    })
    .await;
}
