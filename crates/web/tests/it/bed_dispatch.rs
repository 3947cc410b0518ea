//! The bed finder as a night-desk dispatcher reads it, through HTTP: the filters kept in the URL
//! (the page's refresh link reloads the same search), the counts of matching wards and hospitals,
//! the order (a bed left, fresh before stale, then distance), each table row's 「仮押さえ」 form
//! posting its own ward, and the API's counts and problem details naming the parameter.

use crate::beds::{OTHER_WARD, OWN_WARD, api_client, held, now, seed_beds, staff_scope, token_for};
use crate::for_each_backend;
use nimo_domain::access::Role;
use nimo_store::beds;

/// The text of an attribute value as the page escapes it (`&#38;`, `&quot;`, …), read back.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = at + rest[at..].find(';').expect("an entity's end");
        let entity = &rest[at + 1..end];
        let named = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => None,
        };
        let number = entity
            .strip_prefix("#x")
            .map(|hex| u32::from_str_radix(hex, 16))
            .or_else(|| entity.strip_prefix('#').map(str::parse));
        out.push(named.or_else(|| number.and_then(Result::ok).and_then(char::from_u32)).expect("a known entity"));
        rest = &rest[end + 1..];
    }
    out + rest
}

/// The `href` of the page's 「今すぐ更新」 link: the search's own URL.
fn refresh_link(page: &str) -> String {
    let end = page.find("\">今すぐ更新</a>").expect("the refresh link");
    let start = page[..end].rfind("href=\"").expect("its href") + "href=\"".len();
    unescape(&page[start..end])
}

/// The table row of a ward (its `<tr>` to `</tr>`).
fn row<'a>(page: &'a str, ward: &str) -> &'a str {
    let start = page.find(&format!("id=\"ward-{ward}\"")).unwrap_or_else(|| panic!("no row for {ward}"));
    let end = start + page[start..].find("</tr>").expect("the row's end");
    &page[start..end]
}

/// The hidden fields of the first form in `html`, as posted.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let form = &html[html.find("<form").expect("a form")..html.find("</form>").expect("its end")];
    form.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|input| {
            let attr = |name: &str| {
                let start = input.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
                unescape(&input[start..start + input[start..].find('"').expect("quote")])
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// Where each ward's row is on the page, in the order shown.
fn order(page: &str, wards: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = wards
        .iter()
        .filter_map(|ward| page.find(&format!("id=\"ward-{ward}\"")).map(|at| (at, ward.to_string())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, ward)| ward).collect()
}

#[tokio::test]
async fn the_filters_stay_in_the_url_and_the_counts_are_of_every_match() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-b", 3), ("h-meguro-1-c", 0)]).await;
        let search = "/beds?go=1&admission=sochi&sex=female&age=34&from=131105";
        let (status, page) = app.get(search).await;
        assert_eq!(status, 200, "{:?}", app.backend);
        assert!(page.contains("該当 3 病棟・2 病院"), "three wards with a bed in two hospitals");
        assert!(!page.contains("上位"), "all of them shown");
        assert_eq!(refresh_link(&page), search, "the page's own URL reloads the same search");
        assert!(page.contains("<option value=\"sochi\" selected>") && page.contains("value=\"34\""));
        assert!(page.contains("<option value=\"131105\" selected>"), "the place kept");
        let (_, again) = app.get(&refresh_link(&page)).await;
        let wards = [OWN_WARD, "h-meguro-1-b", "h-meguro-1-c", OTHER_WARD];
        assert_eq!(order(&again, &wards), order(&page, &wards), "the same results again");
        let (_, full) = app.get(&format!("{search}&include_full=1")).await;
        assert!(full.contains("該当 4 病棟・2 病院"), "the full ward counts when shown");
        assert_eq!(refresh_link(&full), format!("{search}&include_full=1"));
        // More wards than the page shows: the counts say so.
        let many: Vec<(String, i64)> = (0..52).map(|n| (format!("h-meguro-1-m{n:02}"), 1)).collect();
        let many: Vec<(&str, i64)> = many.iter().map(|(w, f)| (w.as_str(), *f)).collect();
        seed_beds(&app.db, &many).await;
        let (_, page) = app.get("/beds?go=1").await;
        assert!(page.contains("該当 55 病棟・2 病院（上位 50 件を表示）"), "55 with a bed, 50 shown");
        assert_eq!(page.matches("<tr class=\"bed-row").count(), 50, "50 rows");
    })
    .await;
}

#[tokio::test]
async fn a_bed_left_then_fresh_before_stale_then_nearer_and_the_order_is_explained() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-c", 0)]).await;
        // From 目黒区's centre the other hospital is nearer (about 1.0 km against 1.3 km).
        let search = "/beds?go=1&from=131105&include_full=1";
        let (_, page) = app.get(search).await;
        let wards = [OWN_WARD, OTHER_WARD, "h-meguro-1-c"];
        assert_eq!(order(&page, &wards), [OTHER_WARD, OWN_WARD, "h-meguro-1-c"], "nearer first, full last");
        assert!(page.contains("並び順: 空床のある病棟を、条件によく合う順・近い順に表示し、6時間以上更新のない病棟はその後、満床の病棟は最後です。"));
        // The nearer hospital's posting is seven hours old: stale, after the farther fresh one.
        beds::post_availability_at(&app.db, OTHER_WARD, 2, "cli", "cli", now() - 7 * 3600).await.unwrap();
        let (_, page) = app.get(search).await;
        assert_eq!(order(&page, &wards), [OWN_WARD, OTHER_WARD, "h-meguro-1-c"], "stale after fresh");
        assert!(row(&page, OTHER_WARD).contains("情報が古い"), "marked stale in its row");
    })
    .await;
}

#[tokio::test]
async fn each_rows_hold_form_posts_its_own_ward_and_a_refusal_opens_that_row_again() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, page) = app.get("/beds?go=1&admission=sochi").await;
        let own = row(&page, OWN_WARD);
        assert!(own.contains("<summary>仮押さえ"), "the row's button opens its form");
        let mut fields = hidden_fields(own);
        assert!(fields.contains(&("ward_id".to_string(), OWN_WARD.to_string())), "{fields:?}");
        assert!(!row(&page, OTHER_WARD).contains(&format!("value=\"{OWN_WARD}\"")), "each row its own ward");
        // A name instead of a 受付番号: refused beside the field, in the same row's open form.
        let mut named = fields.clone();
        named.extend([
            ("case_ref".to_string(), "目黒 花子".to_string()),
            ("admission".to_string(), "sochi".to_string()),
        ]);
        let (status, _, refused) = app.post_form("/beds/holds", &named).await;
        assert_eq!(status, 422, "{:?}", app.backend);
        assert!(row(&refused, OWN_WARD).contains("<details class=\"row-hold\" open>"), "that row's form is open");
        assert!(row(&refused, OWN_WARD).contains("受付番号"), "the error in it");
        assert!(!row(&refused, OTHER_WARD).contains(" open>"), "the other rows stay folded");
        assert_eq!(held(&app.db, OWN_WARD).await, 0);
        fields.extend([("case_ref".to_string(), "R4-051".to_string()), ("admission".to_string(), "sochi".to_string())]);
        let (status, location, _) = app.post_form("/beds/holds", &fields).await;
        assert_eq!(status, 303);
        assert!(location.unwrap_or_default().starts_with("/beds/holds?placed="));
        assert_eq!((held(&app.db, OWN_WARD).await, held(&app.db, OTHER_WARD).await), (1, 0), "the row's ward");
    })
    .await;
}

#[tokio::test]
async fn the_api_counts_matches_and_names_the_wrong_parameter() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-b", 3), ("h-meguro-1-c", 0)]).await;
        let (_, token) = token_for(&app.db, "dispatch-staff", Role::Staff, staff_scope()).await;
        let search = |query: &str| {
            api_client().get(format!("{}/api/v1/beds/search?{query}", app.base)).bearer_auth(&token).send()
        };
        let found: serde_json::Value = search("admission=sochi&from=131105").await.unwrap().json().await.unwrap();
        assert_eq!((found["wards"].as_i64(), found["hospitals"].as_i64()), (Some(3), Some(2)), "{found}");
        assert_eq!(found["results"].as_array().map(Vec::len), Some(3));
        for (query, field) in
            [("lat=35.6&lon=200", "lon"), ("lat=99&lon=139.7", "lat"), ("lat=35.6", "lon"), ("age=abc", "age")]
        {
            let response = search(query).await.unwrap();
            assert_eq!(response.status().as_u16(), 422, "{query}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
            let problem: serde_json::Value = response.json().await.unwrap();
            let fields: Vec<&str> =
                problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
            assert_eq!(fields, [field], "{query}: {problem}");
        }
        // The page names the same field, from the same reading.
        let (status, page) = app.get("/beds?go=1&lat=35.6&lon=200").await;
        assert_eq!(status, 422);
        assert!(page.contains("地点: 経度は日本国内の10進数"), "beside the point's field");
    })
    .await;
}
