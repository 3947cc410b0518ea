//! `spawn_app`: a fresh database, the real router on 127.0.0.1:0, and a client.

use nimo_store::testing::{TestDb, backends};
use nimo_store::{Backend, sheets};

/// A running app with its own database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: nimo_store::Db,
    pub backend: Backend,
    _database: TestDb,
}

impl TestApp {
    /// Starts the app on a fresh database holding the 目黒区 R4 demo sheet.
    pub async fn spawn(backend: Backend) -> Self {
        let database = TestDb::new(backend).await.expect("test database");
        sheets::save(&database.db, &nimo_domain::demo::meguro_r4(), nimo_store::sheets::SaveMode::Create)
            .await
            .expect("demo sheet");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = nimo_web::AppState::new(database.db.clone());
        tokio::spawn(async move { axum::serve(listener, nimo_web::router(state)).await });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base: format!("http://{addr}"), client, db: database.db.clone(), backend, _database: database }
    }

    /// GET a path; returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// GET a path as bytes, with the response headers.
    pub async fn get_bytes(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.expect("body").to_vec())
    }

    /// POST a form; returns status, the Location header (if any) and the body.
    pub async fn post_form(&self, path: &str, form: &[(String, String)]) -> (u16, Option<String>, String) {
        let response = self.client.post(format!("{}{path}", self.base)).form(form).send().await.expect("request");
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap_or_default().to_string());
        (status, location, response.text().await.expect("body"))
    }

    /// POST a file as multipart field `file`, with extra fields.
    pub async fn post_file(
        &self,
        path: &str,
        name: &str,
        bytes: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let mut form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        for (k, v) in extra {
            form = form.text(k.to_string(), v.to_string());
        }
        let response = self.client.post(format!("{}{path}", self.base)).multipart(form).send().await.expect("request");
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap_or_default().to_string());
        (status, location, response.text().await.expect("body"))
    }

    /// The stored 目黒区 sheet of a year, as canonical JSON (to compare before and after).
    pub async fn sheet_json(&self, fy: i32) -> Vec<u8> {
        let code = nimo_domain::MunicipalityCode::parse("131105").unwrap();
        let stored = sheets::load(&self.db, &code, nimo_domain::FiscalYear(fy)).await.expect("sheet");
        nimo_exchange::to_json(&stored.sheet)
    }
}

/// Runs a test body on every backend, each with its own app.
pub async fn for_each_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        test(TestApp::spawn(backend).await).await;
    }
}

/// The edit form of a section as the page renders it: every named input, textarea and select
/// with its current value (a small HTML reader, enough for our own templates).
pub fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let tag_end = rest.find('>').unwrap_or(rest.len() - 1);
        let tag = &rest[..=tag_end];
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).map(|i| {
                let v = &tag[i + key.len()..];
                unescape(&v[..v.find('"').unwrap_or(v.len())])
            })
        };
        let name = attr("name");
        match name {
            Some(name) if tag.starts_with("<input") => fields.push((name, attr("value").unwrap_or_default())),
            Some(name) if tag.starts_with("<textarea") => {
                let body = &rest[tag_end + 1..];
                let end = body.find("</textarea>").unwrap_or(0);
                fields.push((name, unescape(&body[..end])));
            }
            Some(name) if tag.starts_with("<select") => {
                let body = &rest[tag_end + 1..];
                let body = &body[..body.find("</select>").unwrap_or(0)];
                let value = body
                    .split("<option")
                    .find(|o| o.contains(" selected"))
                    .and_then(|o| o.split("value=\"").nth(1))
                    .map(|v| unescape(&v[..v.find('"').unwrap_or(0)]))
                    .unwrap_or_default();
                fields.push((name, value));
            }
            _ => {}
        }
        rest = &rest[tag_end + 1..];
    }
    fields
}

fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Replaces one field's value in a form.
pub fn set(form: &mut [(String, String)], name: &str, value: &str) {
    let field = form.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no field {name}"));
    field.1 = value.to_string();
}

impl TestApp {
    /// Like [`TestApp::spawn`], with the state adjusted first (allowed hosts, HTTPS, renderers).
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(nimo_web::AppState) -> nimo_web::AppState,
    ) -> Self {
        let database = TestDb::new(backend).await.expect("test database");
        sheets::save(&database.db, &nimo_domain::demo::meguro_r4(), nimo_store::sheets::SaveMode::Create)
            .await
            .expect("demo sheet");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = configure(nimo_web::AppState::new(database.db.clone()));
        tokio::spawn(async move { axum::serve(listener, nimo_web::router(state)).await });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { base: format!("http://{addr}"), client, db: database.db.clone(), backend, _database: database }
    }
}

/// Runs a test body on every backend, each with its own app whose state `configure` adjusted.
pub async fn for_each_backend_with<C, F, Fut>(configure: C, test: F)
where
    C: Fn(nimo_web::AppState) -> nimo_web::AppState,
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        test(TestApp::spawn_with(backend, &configure).await).await;
    }
}
