//! What the app refuses before any handler runs (foreign hosts, cross-site POSTs), the Japanese
//! pages for the framework's own refusals, HSTS, and the limit on concurrent renderings.

use crate::TestApp;
use crate::for_each_backend;
use crate::harness::for_each_backend_with;
use nimo_web::Renderers;
use reqwest::header::HeaderMap;
use std::time::Duration;

const SHEET: &str = "/municipalities/131105/sheets/2022";

/// Asserts the security headers of every response.
#[track_caller]
fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let csp = headers.get("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP")).to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff", "{what}");
    assert_eq!(headers.get("x-frame-options").unwrap(), "DENY", "{what}");
    assert!(headers.get("referrer-policy").is_some(), "{what}");
}

/// Asserts a Japanese HTML error page with a status, and returns its body.
async fn assert_japanese_page(response: reqwest::Response, status: u16, text: &str, what: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "{what}");
    let headers = response.headers().clone();
    assert_security_headers(&headers, what);
    let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{what}: {content_type}");
    let body = response.text().await.unwrap();
    assert!(body.contains("<html") && body.contains(text), "{what}: {body}");
    assert!(body.contains("lang=\"ja\""), "{what}: {body}");
    body
}

/// A POST to copy the 目黒区 sheet to the next year, with the given request headers.
async fn copy_with(app: &TestApp, headers: &[(&str, String)]) -> reqwest::Response {
    let mut request = app.client.post(format!("{}{SHEET}/copy", app.base)).form(&[("csrf", app.csrf.as_str())]);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let own = app.base.clone();
        let port = own.rsplit(':').next().unwrap().to_string();
        let variants: Vec<(&str, Vec<(&str, String)>)> = vec![
            ("foreign origin", vec![("origin", "https://evil.example".into())]),
            ("origin null", vec![("origin", "null".into())]),
            (
                "same-site with a foreign origin",
                vec![("sec-fetch-site", "same-site".into()), ("origin", "https://other.example".into())],
            ),
            ("same-site alone", vec![("sec-fetch-site", "same-site".into())]),
            ("cross-site", vec![("sec-fetch-site", "cross-site".into())]),
            ("cross-site with our own origin", vec![("sec-fetch-site", "cross-site".into()), ("origin", own.clone())]),
            ("referer from another host", vec![("referer", "https://evil.example/form.html".into())]),
            (
                "origin on another port",
                vec![("origin", format!("http://127.0.0.1:{}", port.parse::<u16>().unwrap() ^ 1))],
            ),
            ("origin with user info", vec![("origin", format!("http://evil.example@127.0.0.1:{port}"))]),
        ];
        for (what, headers) in variants {
            let response = copy_with(&app, &headers).await;
            assert_japanese_page(response, 403, "他のサイトからの送信は受け付けません", what).await;
            assert_eq!(app.sheet_json(2022).await, before, "{what}");
            assert_eq!(app.get("/municipalities/131105/sheets/2023").await.0, 404, "{what}: nothing was copied");
        }
    })
    .await;
}

#[tokio::test]
async fn same_origin_posts_and_non_browser_clients_are_allowed() {
    for_each_backend(|app| async move {
        let own = app.base.clone();
        let response = copy_with(&app, &[("origin", own.clone())]).await;
        assert_eq!(response.status().as_u16(), 303, "{:?}", app.backend);
        assert_eq!(app.get("/municipalities/131105/sheets/2023").await.0, 200);
        // Each of these reaches the handler, which refuses the incomplete form with 422.
        let variants: Vec<(&str, Vec<(&str, String)>)> = vec![
            ("same-origin", vec![("sec-fetch-site", "same-origin".into()), ("origin", own.clone())]),
            ("user action", vec![("sec-fetch-site", "none".into())]),
            ("our own page as referer", vec![("referer", format!("{own}/municipalities"))]),
            ("no browser headers at all", vec![]),
        ];
        for (what, headers) in variants {
            let mut request = app
                .client
                .post(format!("{own}/municipalities"))
                .form(&[("code", "131105"), ("csrf", app.csrf.as_str())]);
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            let status = request.send().await.unwrap().status().as_u16();
            assert_eq!(status, 422, "{what}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_host_outside_the_allow_list_gets_400_and_changes_nothing() {
    let allow =
        |state: nimo_web::AppState| state.with_allowed_hosts(Some(vec!["127.0.0.1".into(), "Nimo.Example".into()]));
    for_each_backend_with(allow, |app| async move {
        assert_eq!(app.get(SHEET).await.0, 200, "the listed address, on any port");
        let host = |host: &str| app.client.get(format!("{}{SHEET}", app.base)).header("host", host.to_string());
        assert_eq!(host("nimo.example:8080").send().await.unwrap().status().as_u16(), 200, "names ignore case");
        for bad in ["evil.example", "localhost", "127.0.0.1.evil.example", "nimo.example.evil"] {
            let response = host(bad).send().await.unwrap();
            assert_japanese_page(response, 400, "このホスト名ではアクセスできません", bad).await;
        }
        // DNS rebinding: a page on evil.example whose name now points at this server.
        let before = app.sheet_json(2022).await;
        let rebound = copy_with(
            &app,
            &[
                ("host", "evil.example".into()),
                ("origin", "http://evil.example".into()),
                ("sec-fetch-site", "same-origin".into()),
            ],
        )
        .await;
        assert_japanese_page(rebound, 400, "このホスト名ではアクセスできません", "rebinding").await;
        assert_eq!(app.sheet_json(2022).await, before);
        assert_eq!(app.get("/municipalities/131105/sheets/2023").await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn a_host_that_only_starts_like_an_allowed_one_gets_400() {
    let allow = |state: nimo_web::AppState| state.with_allowed_hosts(Some(vec!["127.0.0.1".into()]));
    for_each_backend_with(allow, |app| async move {
        let port = app.base.rsplit(':').next().unwrap().to_string();
        let host = |host: String| app.client.get(format!("{}{SHEET}", app.base)).header("host", host);
        assert_eq!(host(format!("127.0.0.1:{port}")).send().await.unwrap().status().as_u16(), 200);
        for bad in [
            format!("127.0.0.1:{port}.evil.example"),
            format!("127.0.0.1:{port}:1"),
            format!("127.0.0.1:{port}@evil.example"),
            format!("evil.example@127.0.0.1:{port}"),
            format!("127.0.0.1:{port}/evil"),
            format!("127.0.0.1:+{port}"),
            "127.0.0.1:".to_string(),
            "127.0.0.1:99999".to_string(),
            "127.0.0.1 evil.example".to_string(),
            "[127.0.0.1]".to_string(),
        ] {
            let response = host(bad.clone()).send().await.unwrap();
            assert_japanese_page(response, 400, "このホスト名ではアクセスできません", &bad).await;
        }
    })
    .await;
}

#[tokio::test]
async fn an_unknown_route_is_a_japanese_404_page() {
    for_each_backend(|app| async move {
        for path in ["/nothing-here", "/municipalities/131105/sheets/2022/edit/basic/more", "/assets/none.css"] {
            let response = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
            assert_japanese_page(response, 404, "お探しのページは見つかりません", path).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_wrong_method_is_a_japanese_405_page_naming_the_allowed_ones() {
    for_each_backend(|app| async move {
        let response = app.client.delete(format!("{}/municipalities", app.base)).send().await.unwrap();
        let allow = response.headers().get("allow").expect("Allow header").to_str().unwrap().to_string();
        assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
        assert_japanese_page(response, 405, "この操作はできません", "DELETE /municipalities").await;
        let response = app.client.put(format!("{}{SHEET}", app.base)).send().await.unwrap();
        assert_japanese_page(response, 405, "この操作はできません", "PUT sheet").await;
    })
    .await;
}

#[tokio::test]
async fn bodies_the_extractors_cannot_read_get_japanese_pages() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        let post = |path: &str| app.client.post(format!("{}{path}", app.base));

        // Bodies that cannot carry the CSRF token are refused by that check, before any extractor.
        let expired = "フォームの有効期限が切れたか、正しくない送信です";
        let response = post("/municipalities").body("code=131016&name=x").send().await.unwrap();
        let body = assert_japanese_page(response, 403, expired, "form without a type").await;
        assert!(!body.contains("Content-Type"), "no English detail: {body}");

        let response = post(&format!("{SHEET}/edit/basic")).header("content-type", "text/plain").body("x").send();
        assert_japanese_page(response.await.unwrap(), 403, expired, "text/plain form").await;

        let response =
            post("/import").header("content-type", "multipart/form-data").body("--x--").send().await.unwrap();
        let body = assert_japanese_page(response, 403, expired, "no boundary").await;
        assert!(!body.contains("boundary"), "no English detail: {body}");

        // With its token, a form is read by the extractor, which enforces the size limit.
        let response = post(&format!("{SHEET}/edit/basic"))
            .header("content-type", "text/plain")
            .body(format!("csrf={}", app.csrf))
            .send();
        assert_japanese_page(response.await.unwrap(), 403, expired, "a token in a body of the wrong type").await;
        let huge = format!("csrf={}&code={}", app.csrf, "1".repeat(3 * 1024 * 1024));
        let response = post("/municipalities")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_japanese_page(response, 413, "送信されたデータが大きすぎます", "a form over the limit").await;

        let response = app.client.get(format!("{}/municipalities/%FF/sheets/2022", app.base)).send().await.unwrap();
        assert_japanese_page(response, 400, "リクエストの形式が正しくありません", "undecodable path").await;
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn hsts_is_sent_only_when_configured_behind_https() {
    for_each_backend(|app| async move {
        let (_, headers, _) = app.get_bytes("/municipalities").await;
        assert!(headers.get("strict-transport-security").is_none());
    })
    .await;
    for_each_backend_with(
        |state| state.with_behind_https(true),
        |app| async move {
            for path in ["/municipalities", "/nothing-here", "/assets/style.css"] {
                let (_, headers, _) = app.get_bytes(path).await;
                assert_eq!(headers.get("strict-transport-security").unwrap(), "max-age=31536000", "{path}");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn a_download_that_finds_every_renderer_busy_gets_a_japanese_503() {
    let renderers = Renderers::new(1, Duration::from_millis(50));
    let permits = renderers.permits.clone();
    for_each_backend_with(
        |state| state.with_renderers(renderers.clone()),
        |app| {
            let permits = permits.clone();
            async move {
                let held = permits.acquire_owned().await.unwrap();
                let response = app.client.get(format!("{}{SHEET}/export.xlsx", app.base)).send().await.unwrap();
                assert_eq!(response.headers().get("retry-after").map(|v| v.to_str().unwrap()), Some("10"));
                assert_japanese_page(response, 503, "混み合っています。しばらくしてからもう一度お試しください", "busy")
                    .await;
                drop(held);
                let (status, headers, bytes) = app.get_bytes(&format!("{SHEET}/export.xlsx")).await;
                assert_eq!(status, 200);
                assert!(headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
                assert!(bytes.starts_with(b"PK"));
            }
        },
    )
    .await;
}

#[tokio::test]
async fn concurrent_pdf_downloads_beyond_the_limit_succeed_or_get_503() {
    // One renderer and a short wait: of four simultaneous downloads some may be told to come
    // back later, but none fails and none is refused while a renderer is free.
    let renderers = Renderers::new(1, Duration::from_millis(300));
    for_each_backend_with(
        |state| state.with_renderers(renderers.clone()),
        |app| async move {
            let url = format!("{}{SHEET}/export.pdf", app.base);
            let downloads = (0..4).map(|_| {
                let (client, url) = (app.client.clone(), url.clone());
                tokio::spawn(async move {
                    let response = client.get(url).send().await.unwrap();
                    let status = response.status().as_u16();
                    (status, response.bytes().await.unwrap())
                })
            });
            let mut statuses = Vec::new();
            for download in downloads.collect::<Vec<_>>() {
                let (status, body) = download.await.unwrap();
                match status {
                    200 => assert!(body.starts_with(b"%PDF"), "a PDF"),
                    503 => assert!(
                        String::from_utf8_lossy(&body).contains("利用できません")
                            || String::from_utf8_lossy(&body).contains("混み合っています")
                    ),
                    other => panic!("{:?}: status {other}", app.backend),
                }
                statuses.push(status);
            }
            // Unless PDF export is unavailable altogether (no fonts: every answer says so), at
            // least the first download got the renderer.
            let (_, _, alone) = app.get_bytes(&format!("{SHEET}/export.pdf")).await;
            if alone.starts_with(b"%PDF") {
                assert!(statuses.contains(&200), "{statuses:?}");
            }
        },
    )
    .await;
}
