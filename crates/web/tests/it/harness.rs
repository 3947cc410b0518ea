//! `spawn_app`: a fresh database, the real router on 127.0.0.1:0, and a client.

use nimo_store::audit::AuditEvent;
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Backend, sheets};

/// A running app with its own database, and a client signed in as a 保健師 of 目黒区.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: nimo_store::Db,
    pub backend: Backend,
    /// The signed-in session's CSRF token, added to every form the helpers post.
    pub csrf: String,
    /// The app's clock: tests move it forward instead of sleeping.
    pub clock: nimo_web::clock::Clock,
    _database: TestDb,
}

/// The password of every account the harness creates.
pub const PASSWORD: &str = "めぐろの保健師が使う長いパスフレーズ";

/// A staff account of 目黒区 with a second factor, returning its recovery codes.
pub async fn staff_account(db: &nimo_store::Db, login: &str, municipality: &str) -> Vec<String> {
    account(db, login, nimo_domain::access::Role::Staff, Some(municipality)).await
}

/// An account of any role with a second factor enrolled (when the role needs one), returning its
/// recovery codes (each signs in once).
pub async fn account(
    db: &nimo_store::Db,
    login: &str,
    role: nimo_domain::access::Role,
    municipality: Option<&str>,
) -> Vec<String> {
    use nimo_store::accounts;
    let scope = nimo_domain::access::Scope {
        municipality: municipality.map(|m| nimo_domain::MunicipalityCode::parse(m).unwrap()),
        ..Default::default()
    };
    let new = accounts::NewUser {
        login,
        display_name: "目黒 花子",
        role,
        scope,
        password: PASSWORD,
        must_change_password: false,
    };
    let user =
        accounts::create_user(db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.expect("account");
    if !role.requires_two_factor() {
        return Vec::new();
    }
    let enrolment =
        accounts::begin_totp_enrolment(db, user.id, nimo_store::audit::AuditEvent::cli("totp_enrolment_started"))
            .await
            .expect("enrolment");
    let code = totp_now(&enrolment.secret_base32);
    accounts::confirm_totp_enrolment(db, user.id, &code, AuditEvent::cli("totp_enrolled")).await.expect("confirm")
}

/// An account of any role in any scope (a hospital, a 地区), with a second factor enrolled when
/// `enrol` is set; returns the account and its recovery codes (empty without a second factor).
pub async fn account_in_scope(
    db: &nimo_store::Db,
    login: &str,
    role: nimo_domain::access::Role,
    scope: nimo_domain::access::Scope,
    enrol: bool,
) -> (nimo_store::accounts::User, Vec<String>) {
    use nimo_store::accounts;
    let new = accounts::NewUser {
        login,
        display_name: "検査 用子",
        role,
        scope,
        password: PASSWORD,
        must_change_password: false,
    };
    let user =
        accounts::create_user(db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.expect("account");
    if !enrol {
        return (user, Vec::new());
    }
    let enrolment =
        accounts::begin_totp_enrolment(db, user.id, nimo_store::audit::AuditEvent::cli("totp_enrolment_started"))
            .await
            .expect("enrolment");
    let codes = accounts::confirm_totp_enrolment(
        db,
        user.id,
        &totp_now(&enrolment.secret_base32),
        AuditEvent::cli("totp_enrolled"),
    )
    .await
    .expect("confirm");
    (accounts::get(db, user.id).await.expect("account"), codes)
}

/// The current one-time code of a base32 secret.
pub fn totp_now(secret: &str) -> String {
    nimo_store::accounts::code_at(secret, time::OffsetDateTime::now_utc()).expect("code")
}

/// The CSRF token in a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// With a `Drop` of its own, a `TestApp` cannot be partly moved: a test body that uses only some
/// fields (`app.client`, `app.base`) still keeps the whole app, database included, alive until it
/// ends (edition-2021 closures otherwise capture the used fields and drop the rest at once).
impl Drop for TestApp {
    fn drop(&mut self) {}
}

impl TestApp {
    /// The database's URL (for a second connection with its own caches, as another process has).
    pub fn database_url(&self) -> &str {
        &self._database.url
    }
}

impl TestApp {
    /// Starts the app on a fresh database holding the 目黒区 R4 demo sheet, signed in as staff.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |state| state).await
    }

    /// Like [`TestApp::spawn`], with the app state adjusted first.
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(nimo_web::AppState) -> nimo_web::AppState,
    ) -> Self {
        if std::env::var_os("NIMO_TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_env_filter("debug,sqlx=info").with_test_writer().try_init();
        }
        let database = TestDb::new(backend).await.expect("test database");
        sheets::save(
            &database.db,
            &nimo_domain::demo::meguro_r4(),
            nimo_store::sheets::SaveMode::Create,
            AuditEvent::cli("import"),
        )
        .await
        .expect("demo sheet");
        let codes = staff_account(&database.db, "hokenshi", "131105").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = configure(nimo_web::AppState::new(database.db.clone()));
        let clock = state.clock.clone();
        let service = nimo_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        let mut app = Self {
            base: format!("http://{addr}"),
            client: new_client(),
            db: database.db.clone(),
            backend,
            csrf: String::new(),
            clock,
            _database: database,
        };
        app.csrf = app.sign_in("hokenshi", &codes[0]).await;
        app
    }

    /// Another signed-in client of the same app (password and recovery code).
    pub async fn client_for(app: &TestApp, login: &str, code: &str) -> Client {
        let client = Client { base: app.base.clone(), client: new_client(), csrf: String::new() };
        let csrf = sign_in_with(&client.client, &app.base, login, Some(code)).await;
        Client { csrf, ..client }
    }

    /// Another client signed in with a password only (roles without a second factor, or one
    /// that still has to enrol it).
    pub async fn client_for_password_only(app: &TestApp, login: &str) -> Client {
        let client = Client { base: app.base.clone(), client: new_client(), csrf: String::new() };
        let csrf = sign_in_with(&client.client, &app.base, login, None).await;
        Client { csrf, ..client }
    }

    /// Signs the client in with a password and a recovery code; returns the new CSRF token.
    pub async fn sign_in(&self, login: &str, code: &str) -> String {
        let (_, page) = self.get("/login").await;
        let csrf = csrf_of(&page).expect("login form has a CSRF token");
        let form = [("login", login), ("password", PASSWORD), ("csrf", csrf.as_str()), ("next", "/municipalities")];
        let response = self.client.post(format!("{}/login", self.base)).form(&form).send().await.expect("login");
        assert_eq!(response.status().as_u16(), 303, "password accepted");
        let (_, page) = self.get("/login/totp").await;
        let csrf = csrf_of(&page).expect("code form has a CSRF token");
        let form = [("code", code), ("csrf", csrf.as_str()), ("next", "/municipalities")];
        let response = self.client.post(format!("{}/login/totp", self.base)).form(&form).send().await.expect("code");
        assert_eq!(response.status().as_u16(), 303, "second factor accepted");
        let (status, page) = self.get("/municipalities").await;
        assert_eq!(status, 200, "signed in");
        csrf_of(&page).expect("pages carry the CSRF token")
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
        let mut form = form.to_vec();
        if !form.iter().any(|(name, _)| name == "csrf") {
            form.push(("csrf".into(), self.csrf.clone()));
        }
        let response = self.client.post(format!("{}{path}", self.base)).form(&form).send().await.expect("request");
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
            .text("csrf", self.csrf.clone())
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

/// A form's pairs as a test writes them.
pub fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Replaces one field's value in a form.
pub fn set(form: &mut [(String, String)], name: &str, value: &str) {
    let field = form.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no field {name}"));
    field.1 = value.to_string();
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

fn new_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().expect("client")
}

/// A client with no session, for what a stranger sees.
pub fn anonymous_client() -> reqwest::Client {
    new_client()
}

/// A second browser: its own cookies and CSRF token.
pub struct Client {
    pub base: String,
    pub client: reqwest::Client,
    pub csrf: String,
}

impl Client {
    /// GET a path; returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("request");
        (response.status().as_u16(), response.text().await.expect("body"))
    }

    /// POST a form with the client's CSRF token.
    pub async fn post_form(&self, path: &str, form: &[(String, String)]) -> (u16, Option<String>, String) {
        let mut form = form.to_vec();
        form.push(("csrf".into(), self.csrf.clone()));
        let response = self.client.post(format!("{}{path}", self.base)).form(&form).send().await.expect("request");
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap_or_default().to_string());
        (status, location, response.text().await.expect("body"))
    }
}

/// Signs a client in: the password, then (if given) a recovery code. Returns the CSRF token of
/// the session that results (from the page it lands on).
async fn sign_in_with(client: &reqwest::Client, base: &str, login: &str, code: Option<&str>) -> String {
    let page = client.get(format!("{base}/login")).send().await.expect("login page").text().await.expect("body");
    let csrf = csrf_of(&page).expect("login form has a CSRF token");
    let form = [("login", login), ("password", PASSWORD), ("csrf", csrf.as_str())];
    let response = client.post(format!("{base}/login")).form(&form).send().await.expect("login");
    assert_eq!(response.status().as_u16(), 303, "password accepted for {login}");
    let landing = response.headers().get("location").expect("redirect").to_str().expect("ascii").to_string();
    if let Some(code) = code {
        let page =
            client.get(format!("{base}/login/totp")).send().await.expect("code page").text().await.expect("body");
        let csrf = csrf_of(&page).expect("code form has a CSRF token");
        let form = [("code", code), ("csrf", csrf.as_str())];
        let response = client.post(format!("{base}/login/totp")).form(&form).send().await.expect("code");
        assert_eq!(response.status().as_u16(), 303, "second factor accepted for {login}");
    }
    // Any page of the signed-in session carries its token: the password page for a full sign-in,
    // the page the sign-in landed on otherwise (the enrolment of a second factor).
    let page_path =
        if code.is_some() || landing.starts_with("/municipalities") { "/account/password" } else { landing.as_str() };
    let page = client.get(format!("{base}{page_path}")).send().await.expect("page").text().await.expect("body");
    csrf_of(&page).unwrap_or_default()
}
