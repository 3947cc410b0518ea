//! The route table. Every route of the app is listed here, in one place, with the Japanese 404 and
//! 405 pages for everything else.

use crate::AppState;
use crate::admissions::{admit, page as admission};
use crate::beds::{
    api as beds_api, holds as bed_holds, hospital, live, search as beds, settings as hospital_settings,
    stats as bed_stats,
};
use crate::cases::{case_page as cases, identify, intake, merge, people, worklist};
use crate::consents::{list as consent_list, pages as consents};
use crate::council;
use crate::directory::{api as directory_api, edit as directory_edit, files as directory_files, pages as directory};
use crate::plans::plan as plans;
use crate::sheets::{exports, figures, imports, sheet as sheets};
use crate::tokens::{admin as token_admin, pages as token_pages};
use crate::{account, admin, districts, health_centre, municipalities};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};

/// The largest file upload (an XLSX workbook; the exchange crate refuses larger ones too).
const UPLOAD_LIMIT: usize = nimo_exchange::MAX_XLSX_BYTES + 64 * 1024;
/// The largest form submission: a whole section of a sheet is a few tens of kilobytes.
const FORM_LIMIT: usize = 2 * 1024 * 1024;
/// The largest body of a request without a signed-in session (the sign-in form is tiny).
pub(crate) const ANONYMOUS_LIMIT: usize = 16 * 1024;

/// The routes that take a file, with their own body limit; every other route takes [`FORM_LIMIT`].
const UPLOADS: &[(&str, usize)] = &[
    ("/municipalities/{code}/sheets/{fy}/figures.csv", UPLOAD_LIMIT),
    ("/import", UPLOAD_LIMIT),
    ("/hospital/import", crate::beds::hospital::IMPORT_LIMIT),
    ("/municipalities/{code}/directory/import", crate::directory::files::IMPORT_LIMIT),
];

/// The body limit of a route (its registered pattern) for a signed-in session. The CSRF check
/// applies it before reading a body, and the route's own `DefaultBodyLimit` is the same value.
pub(crate) fn body_limit(route: &str) -> usize {
    UPLOADS.iter().find(|(pattern, _)| *pattern == route).map_or(FORM_LIMIT, |(_, limit)| *limit)
}

/// All routes; the state is needed by the policy layer (which audits its refusals).
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(crate::home::show))
        .route("/healthz", get(crate::health::healthz))
        .route("/readyz", get(crate::health::readyz))
        .route("/metrics", get(crate::metrics::scrape))
        .route("/assets/style.css", get(style))
        .route("/municipalities", get(municipalities::list).post(municipalities::create))
        .route("/municipalities/{code}", get(municipalities::show))
        .route("/municipalities/{code}/sheets/{fy}", get(sheets::show))
        .route("/municipalities/{code}/sheets/{fy}/edit/{section}", get(sheets::edit).post(sheets::update))
        .route("/municipalities/{code}/sheets/{fy}/copy", post(sheets::copy_to_next_year))
        .route(
            "/municipalities/{code}/sheets/{fy}/figures.csv",
            post(imports::figures_csv)
                .layer(DefaultBodyLimit::max(body_limit("/municipalities/{code}/sheets/{fy}/figures.csv"))),
        )
        .route("/municipalities/{code}/sheets/{fy}/{file}", get(exports::download))
        .route("/municipalities/{code}/sheets/{fy}/figures/{key}", get(figures::show))
        .route("/municipalities/{code}/sheets/{fy}/figures/{key}/override", post(figures::set_override))
        .route("/municipalities/{code}/sheets/{fy}/figures/{key}/derive", post(figures::derive))
        .route("/api/v1/municipalities/{code}/sheets/{fy}", get(exports::api_sheet))
        .route("/api/v1/municipalities/{code}/events", get(crate::events::api_list))
        .route("/municipalities/{code}/events", get(crate::events::list).post(crate::events::create))
        .route("/municipalities/{code}/events/new", get(crate::events::new_form))
        .route("/municipalities/{code}/events/{event_id}", get(crate::events::edit_form).post(crate::events::update))
        .route("/municipalities/{code}/actions/{fy}", get(crate::actions::evaluation))
        .route("/municipalities/{code}/actions/{fy}/from-sheet", post(crate::actions::from_sheet))
        .route(
            "/municipalities/{code}/actions/{fy}/{action_id}",
            get(crate::actions::edit_form).post(crate::actions::update),
        )
        .route("/municipalities/{code}/calendar/{fy}", get(crate::calendar::show))
        .route("/municipalities/{code}/calendar.ics", get(crate::calendar::ics))
        .route(
            "/municipalities/{code}/sheets/{fy}/history",
            get(crate::sheets::history::propose).post(crate::sheets::history::save),
        )
        .route("/municipalities/{code}/council", get(council::bodies::list).post(council::bodies::create))
        .route("/municipalities/{code}/council/{body_id}", get(council::bodies::show).post(council::bodies::update))
        .route("/municipalities/{code}/council/{body_id}/members", post(council::bodies::add_member))
        .route("/municipalities/{code}/meetings", get(council::meetings::list).post(council::meetings::create))
        .route(
            "/municipalities/{code}/meetings/{meeting_id}",
            get(council::meetings::show).post(council::meetings::update),
        )
        .route("/municipalities/{code}/meetings/{meeting_id}/actions", post(council::meetings::add_action))
        .route("/municipalities/{code}/action-items", get(council::actions::list))
        .route("/municipalities/{code}/action-items/{action_id}", post(council::actions::update))
        .route("/api/v1/municipalities/{code}/meetings", get(council::api::list))
        .route("/api/v1/municipalities/{code}/meetings/{meeting_id}", get(council::api::show))
        .route("/municipalities/{code}/directory", get(directory::list).post(directory_edit::create))
        .route("/municipalities/{code}/directory/new", get(directory_edit::new_form))
        .route(
            "/municipalities/{code}/directory/import",
            get(directory_files::form)
                .post(directory_files::upload)
                .layer(DefaultBodyLimit::max(body_limit("/municipalities/{code}/directory/import"))),
        )
        .route("/municipalities/{code}/directory/export.csv", get(directory_files::export_csv))
        .route("/municipalities/{code}/directory/hsds.json", get(directory_files::export_hsds))
        .route("/municipalities/{code}/directory/{org_id}", get(directory::show).post(directory_edit::update))
        .route("/municipalities/{code}/directory/{org_id}/edit", get(directory_edit::edit_form))
        .route("/api/v1/municipalities/{code}/directory", get(directory_api::search))
        .route("/api/v1/municipalities/{code}/directory/{org_id}", get(directory_api::show))
        .route("/cases", get(worklist::home))
        .route("/municipalities/{code}/cases", get(worklist::worklist).post(intake::create))
        .route("/municipalities/{code}/cases/new", get(intake::new_form))
        .route("/municipalities/{code}/cases/search", post(worklist::search))
        .route("/municipalities/{code}/cases/{case_id}", get(cases::show))
        .route("/municipalities/{code}/cases/{case_id}/print.pdf", get(crate::cases::print::print))
        .route("/municipalities/{code}/cases/{case_id}/events", post(cases::record))
        .route("/municipalities/{code}/cases/{case_id}/protection", post(cases::protection))
        .route("/municipalities/{code}/cases/{case_id}/person", post(identify::identify))
        .route("/municipalities/{code}/cases/{case_id}/admissions", get(admit::new_form).post(admit::create))
        .route("/municipalities/{code}/admissions/{admission_id}", get(admission::show))
        .route("/municipalities/{code}/admissions/{admission_id}/events", post(admission::record))
        .route("/municipalities/{code}/clocks", get(crate::clocks::board_page))
        .route("/municipalities/{code}/clocks/moves", get(crate::clock_moves::show).post(crate::clock_moves::create))
        .route("/municipalities/{code}/districts", get(districts::show).post(districts::add))
        .route("/municipalities/{code}/districts/{district_id}", post(districts::update))
        .route("/municipalities/{code}/districts/{district_id}/assign", post(districts::assign))
        .route("/municipalities/{code}/districts/{district_id}/unassign", post(districts::unassign))
        .route("/municipalities/{code}/caseload", get(districts::caseload))
        .route("/municipalities/{code}/health-centre", get(health_centre::show).post(health_centre::update))
        .route("/municipalities/{code}/people/{person_id}", get(people::show))
        .route("/municipalities/{code}/people/{person_id}/visits", post(people::add_visit))
        .route("/municipalities/{code}/people/{person_id}/merge", get(merge::form).post(merge::merge))
        .route("/plans", get(crate::plans::list::home))
        .route("/clocks", get(crate::clocks::home))
        .route("/clocks/rules", get(crate::clock_rules::rules))
        .route("/consents", get(crate::consents::list::home))
        .route("/municipalities/{code}/plans", get(crate::plans::list::list))
        .route("/municipalities/{code}/plans/{plan_id}", get(plans::show))
        .route("/municipalities/{code}/plans/{plan_id}/print.pdf", get(crate::plans::print::print))
        .route("/municipalities/{code}/plans/{plan_id}/events", post(plans::record))
        .route("/municipalities/{code}/plans/{plan_id}/meetings", post(plans::add_meeting))
        .route("/municipalities/{code}/plans/{plan_id}/contents", post(plans::write_contents))
        .route("/municipalities/{code}/people/{person_id}/plans", get(plans::new_form).post(plans::create))
        .route("/municipalities/{code}/consents", get(consent_list::list))
        .route("/municipalities/{code}/consents/{consent_id}", get(consents::show))
        .route("/municipalities/{code}/consents/{consent_id}/events", post(consents::record))
        .route("/municipalities/{code}/consents/{consent_id}/decisions", post(consents::decide))
        .route("/municipalities/{code}/people/{person_id}/consents", get(consents::new_form).post(consents::create))
        .route("/import", get(imports::form).post(imports::upload).layer(DefaultBodyLimit::max(body_limit("/import"))))
        .route("/login", get(account::login_form).post(account::login))
        .route("/login/totp", get(account::totp_form).post(account::totp))
        .route("/account/2fa", get(account::enrol_form).post(account::enrol))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/logout", post(account::logout))
        .route("/account/logout-everywhere", post(account::logout_everywhere))
        .route("/account/tokens", get(token_pages::list).post(token_pages::create))
        .route("/account/tokens/{token}/revoke", post(token_pages::revoke))
        .route("/admin/users/{id}/tokens", get(token_admin::list))
        .route("/admin/users/{id}/tokens/{token}/revoke", post(token_admin::revoke))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/reset-password", post(admin::reset_password))
        .route("/admin/users/{id}/disable", post(admin::disable))
        .route("/admin/users/{id}/enable", post(admin::enable))
        .route("/admin/users/{id}/unlock", post(admin::unlock))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/audit.csv", get(admin::audit_csv))
        .route("/api/openapi.json", get(crate::api_doc::serve))
        .route("/assets/live.js", get(live::script))
        .route("/beds/events", get(live::search))
        .route("/hospital/events", get(live::hospital))
        .route("/beds", get(beds::search))
        .route("/beds/holds", get(bed_holds::my_holds).post(bed_holds::create_hold))
        .route("/beds/holds/{own}/cancel", post(bed_holds::cancel_hold))
        .route("/beds/stats", get(bed_stats::stats))
        .route("/hospital", get(hospital::show))
        .route("/hospital/import", post(hospital::import).layer(DefaultBodyLimit::max(body_limit("/hospital/import"))))
        .route("/hospital/wards/{ward}/availability", post(hospital::post_availability))
        .route("/hospital/settings", get(hospital_settings::show).post(hospital_settings::update))
        .route("/hospital/wards/{ward}/rooms", post(hospital_settings::update_rooms))
        .route("/hospital/holds/{hold}/accept", post(hospital::accept))
        .route("/hospital/holds/{hold}/decline", post(hospital::decline))
        .route("/api/v1/beds/search", get(beds_api::search))
        .route("/api/v1/wards/{ward}/availability", put(beds_api::put_availability))
        .route("/api/v1/holds", post(beds_api::create_hold))
        .route("/api/v1/holds/{hold}/accept", post(beds_api::accept))
        .route("/api/v1/holds/{hold}/decline", post(beds_api::decline))
        // Every route above: first the policy table (one missing from it is refused), then the
        // body limit, the same-origin check and the CSRF token of every state-changing request. Unknown routes and methods get their 404/405.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::csrf::check))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::policy::enforce))
        // Both after every route: the 405 fallback applies to the routes registered before it.
        .method_not_allowed_fallback(crate::error::method_not_allowed)
        .fallback(crate::error::not_found)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../assets/style.css"),
    )
}
