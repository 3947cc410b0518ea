//! One write path: a change and its audit row commit together. With every audit append refused
//! by the database (`nimo_store::testing::refuse_audit_appends`), each change a user makes through
//! HTTP — a sheet edit, copy or import, an account created, reset, disabled or its password
//! changed, a hold, a case event, a plan step — answers 500 and leaves nothing behind.

use crate::admin::{admin_client, new_staff_form};
use crate::beds::{OWN_WARD, held, seed_beds};
use crate::harness::{Client, PASSWORD, TestApp, form, form_fields, set, staff_account};
use crate::{cases, for_each_backend, plans};
use nimo_domain::access::Role;
use nimo_store::testing::{allow_audit_appends, refuse_audit_appends};

const SHEET: &str = "/municipalities/131105/sheets/2022";

async fn refuse(app: &TestApp) {
    refuse_audit_appends(&app.db).await.expect("audit appends refused");
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn revision(app: &TestApp, fy: i32) -> i64 {
    scalar(app, &format!("SELECT revision FROM sheet WHERE municipality_code = '131105' AND fiscal_year = {fy}")).await
}

async fn sheets_of_year(app: &TestApp, fy: i32) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM sheet WHERE fiscal_year = {fy}")).await
}

#[tokio::test]
async fn a_sheet_edit_or_copy_whose_audit_row_cannot_be_written_saves_nothing() {
    for_each_backend(|app| async move {
        let (_, html) = app.get(&format!("{SHEET}/edit/history")).await;
        let mut fields = form_fields(&html);
        set(&mut fields, "history[9].date", "R4.11");
        set(&mut fields, "history[9].text", "監査ログに残らない変更");
        let before = app.sheet_json(2022).await;
        refuse(&app).await;

        let (status, _, _) = app.post_form(&format!("{SHEET}/edit/history"), &fields).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert_eq!(app.sheet_json(2022).await, before, "the edit was rolled back");
        assert_eq!(revision(&app, 2022).await, 1);

        let (status, _, _) = app.post_form(&format!("{SHEET}/copy"), &[]).await;
        assert_eq!(status, 500);
        assert_eq!(sheets_of_year(&app, 2023).await, 0, "no copy");

        let create =
            form(&[("code", "131113"), ("name", "世田谷区"), ("prefecture", "東京都"), ("fiscal_year", "2022")]);
        let (status, _, _) = app.post_form("/municipalities", &create).await;
        assert_eq!(status, 500);
        assert_eq!(sheets_of_year(&app, 2022).await, 1, "no new sheet");

        // With the audit log writable again, the same edit is saved with its row.
        allow_audit_appends(&app.db).await.unwrap();
        let (status, _, _) = app.post_form(&format!("{SHEET}/edit/history"), &fields).await;
        assert_eq!(status, 303);
        assert_eq!(revision(&app, 2022).await, 2);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE detail = 'section:history'").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_sheet_import_whose_audit_row_cannot_be_written_saves_nothing() {
    for_each_backend(|app| async move {
        let before = app.sheet_json(2022).await;
        refuse(&app).await;

        let mut sheet = nimo_domain::demo::meguro_r4();
        sheet.header.slogan = "～監査ログに残らない取り込み～".into();
        let replacing = nimo_exchange::to_json(&sheet);
        let (status, _, _) = app.post_file("/import", "sheet.json", replacing, &[("replace", "1")]).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert_eq!(app.sheet_json(2022).await, before, "the replacement was rolled back");

        let new_year = nimo_exchange::to_json(&nimo_domain::demo::meguro_r4().copy_to_next_year());
        let (status, _, _) = app.post_file("/import", "sheet.json", new_year, &[]).await;
        assert_eq!(status, 500);
        assert_eq!(sheets_of_year(&app, 2023).await, 0, "no new sheet");

        let csv = "key,value\nhouseholds,150000\n";
        let (status, _, _) =
            app.post_file(&format!("{SHEET}/figures.csv"), "f.csv", csv.as_bytes().to_vec(), &[]).await;
        assert_eq!(status, 500);
        assert_eq!(app.sheet_json(2022).await, before, "the figures were rolled back");
        assert_eq!(revision(&app, 2022).await, 1);
    })
    .await;
}

#[tokio::test]
async fn an_account_change_whose_audit_row_cannot_be_written_changes_nothing() {
    for_each_backend(|app| async move {
        let admin = admin_client(&app, "admin1").await;
        staff_account(&app.db, "nurse2", "131105").await;
        let nurse = nimo_store::accounts::find_by_login(&app.db, "nurse2").await.unwrap();
        let hash_of = |login: &'static str| {
            let app = &app;
            async move { text(app, &format!("SELECT password_hash FROM app_user WHERE login = '{login}'")).await }
        };
        let (nurse_hash, own_hash) = (hash_of("nurse2").await, hash_of("hokenshi").await);
        let accounts = scalar(&app, "SELECT COUNT(*) FROM app_user").await;
        refuse(&app).await;

        let create = new_staff_form("newnurse");
        let (status, _, page) = admin.post_form("/admin/users", &create).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert!(!page.contains("temp-password"), "no password shown for an account that was not made");
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM app_user").await, accounts, "no account made");

        let (status, _, page) = admin.post_form(&format!("/admin/users/{}/reset-password", nurse.id), &[]).await;
        assert_eq!(status, 500);
        assert!(!page.contains("temp-password"));
        assert_eq!(hash_of("nurse2").await, nurse_hash, "the password was not reset");

        let (status, _, _) = admin.post_form(&format!("/admin/users/{}/disable", nurse.id), &[]).await;
        assert_eq!(status, 500);
        let stored = nimo_store::accounts::get(&app.db, nurse.id).await.unwrap();
        assert!(!stored.disabled && stored.security_stamp == nurse.security_stamp, "not disabled");

        // The signed-in staff member changes their own password, and ends their other sessions.
        let change = form(&[("current", PASSWORD), ("new", "監査ログに残らない新しいパスフレーズ")]);
        let (status, _, _) = app.post_form("/account/password", &change).await;
        assert_eq!(status, 500);
        assert_eq!(hash_of("hokenshi").await, own_hash, "the password was not changed");
        let stamp = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap().security_stamp;
        let (status, _, _) = app.post_form("/account/logout-everywhere", &[]).await;
        assert_eq!(status, 500);
        let after = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap().security_stamp;
        assert_eq!(after, stamp, "the sessions were not ended");
    })
    .await;
}

#[tokio::test]
async fn a_second_factor_whose_audit_row_cannot_be_written_is_not_enrolled() {
    for_each_backend(|app| async move {
        let (user, _) = crate::harness::account_in_scope(
            &app.db,
            "enrolling",
            Role::Staff,
            nimo_domain::access::Scope {
                municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()),
                ..Default::default()
            },
            false,
        )
        .await;
        let client = TestApp::client_for_password_only(&app, "enrolling").await;
        let (status, page) = client.get("/account/2fa").await;
        assert_eq!(status, 200);
        let started = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'totp_enrolment_started' AND record_id = '{}'",
            user.id
        );
        assert!(scalar(&app, &started).await >= 1, "starting an enrolment is audited");
        let secret = page.split("<code class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap();
        let client = Client { csrf: crate::harness::csrf_of(&page).unwrap(), ..client };
        let pending = format!("SELECT COALESCE(totp_pending_sealed, '') FROM app_user WHERE id = {}", user.id);
        let before = text(&app, &pending).await;
        refuse(&app).await;
        // Starting again stores a new pending secret: not without its audit row.
        let (status, _) = client.get("/account/2fa").await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert_eq!(text(&app, &pending).await, before, "the pending secret is unchanged");
        let code = crate::harness::totp_now(secret);
        let (status, _, page) = client.post_form("/account/2fa", &form(&[("code", &code)])).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert!(!page.contains("class=\"codes\""), "no recovery codes shown for an enrolment that did not happen");
        assert!(!nimo_store::accounts::get(&app.db, user.id).await.unwrap().totp_enabled);
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM recovery_code WHERE user_id = {}", user.id)).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_hold_whose_audit_row_cannot_be_written_is_not_placed() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        refuse(&app).await;
        let hold = form(&[("ward_id", OWN_WARD), ("case_ref", "R4-077"), ("admission", "sochi")]);
        let (status, _, _) = app.post_form("/beds/holds", &hold).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert_eq!(held(&app.db, OWN_WARD).await, 0);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM bed_hold").await, 0, "no hold");
    })
    .await;
}

#[tokio::test]
async fn a_case_event_whose_audit_row_cannot_be_written_is_not_recorded() {
    for_each_backend(|app| async move {
        let case = cases::intake(&app).await;
        let id = case.rsplit('/').next().unwrap().to_string();
        let (_, page) = app.get(&case).await;
        let mut step = form(&[("event", "start_investigation"), ("staff_count", "2"), ("occurred_on", "2021-06-01")]);
        step.push(("revision".into(), cases::revision_of(&page)));
        let state_sql = format!("SELECT state FROM report23 WHERE id = {id}");
        let revision_sql = format!("SELECT revision FROM report23 WHERE id = {id}");
        let events_sql = format!("SELECT COUNT(*) FROM case_event WHERE case_id = {id}");
        let state = text(&app, &state_sql).await;
        let (revision, events) = (scalar(&app, &revision_sql).await, scalar(&app, &events_sql).await);
        refuse(&app).await;
        let (status, _, _) = app.post_form(&format!("{case}/events"), &step).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert_eq!(text(&app, &state_sql).await, state, "the case did not move");
        assert_eq!(scalar(&app, &revision_sql).await, revision);
        assert_eq!(scalar(&app, &events_sql).await, events);
    })
    .await;
}

#[tokio::test]
async fn a_plan_step_whose_audit_row_cannot_be_written_is_not_recorded() {
    for_each_backend(|app| async move {
        let plan = plans::a_plan(&app).await;
        let id = plan.rsplit('/').next().unwrap().to_string();
        let (_, page) = app.get(&plan).await;
        let mut step =
            form(&[("event", "draft"), ("occurred_on", "2022-05-02"), ("contents", "監査ログに残らない計画内容")]);
        step.push(("revision".into(), plans::revision_of(&page)));
        let revision_sql = format!("SELECT revision FROM discharge_plan WHERE id = {id}");
        let events_sql = format!("SELECT COUNT(*) FROM plan_event WHERE plan_id = {id}");
        let (revision, events) = (scalar(&app, &revision_sql).await, scalar(&app, &events_sql).await);
        refuse(&app).await;
        let (status, _, _) = app.post_form(&format!("{plan}/events"), &step).await;
        assert_eq!(status, 500, "{:?}", app.backend);
        assert_eq!(scalar(&app, &revision_sql).await, revision, "the plan did not move");
        assert_eq!(scalar(&app, &events_sql).await, events);
    })
    .await;
}
