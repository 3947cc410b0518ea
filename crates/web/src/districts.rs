//! 地区担当制: the page of a municipality's 地区 with the 保健師 in charge of each (and, for those
//! who manage them, the forms to add, rename, switch off and assign), and the caseload per staff
//! member and per 地区.
//!
//! Managing needs `DistrictManage` (the administrator and staff with a municipality-wide scope;
//! the policy table refuses a 地区-scoped 保健師). A bad form comes back 422 with the reason
//! beside the field and nothing saved. The caseload of a 地区-scoped viewer holds only their
//! 地区 and themselves: the store query is filtered, not the page.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, PagePath, Record, Submission, not_found, own_district, today, user_id};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Role;
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::districts::{self, Counts, District, Duty, View};

#[derive(Template)]
#[template(path = "districts.html")]
struct DistrictsPage {
    ctx: Layout,
    code: String,
    manage: bool,
    districts: Vec<District>,
    staff: Vec<(i64, String)>,
    f: Fields,
    errors: Errors,
    /// The errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
    today: String,
}

impl DistrictsPage {
    fn value(&self, name: impl AsRef<str>) -> String {
        self.f.get(name.as_ref()).cloned().unwrap_or_default()
    }
    fn error(&self, name: impl AsRef<str>) -> String {
        self.errors.get(name.as_ref()).cloned().unwrap_or_default()
    }
}

/// Whether the page offers the forms that manage 地区: what the policy allows on them.
fn may_manage(ctx: &Ctx, code: &MunicipalityCode) -> bool {
    Layout::of(ctx).can("POST", format!("/municipalities/{code}/districts"))
}

async fn districts_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    f: Fields,
    errors: Errors,
) -> Result<DistrictsPage, WebError> {
    let districts = districts::list(&state.db, code.as_str()).await?;
    let manage = may_manage(ctx, code);
    let staff = if manage {
        nimo_store::accounts::list(&state.db)
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?
            .into_iter()
            .filter(|u| u.role == Role::Staff && !u.disabled && u.scope.municipality.as_ref() == Some(code))
            .map(|u| (u.id, u.display_name))
            .collect()
    } else {
        Vec::new()
    };
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("districts", code.as_str()))
        .await?;
    Ok(DistrictsPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        manage,
        districts,
        staff,
        f,
        summary: crate::pages::summary(&errors, &[], field_id),
        errors,
        today: today(),
    })
}

/// The id of the element an error's field names: a 地区's staff choice for `assign-{id}`, the
/// field of that name otherwise (`name`, `name-{id}`).
fn field_id(name: &str) -> String {
    if name.starts_with("assign-") { format!("{name}-user") } else { name.to_string() }
}

/// GET /municipalities/{code}/districts: the 地区 and who is in charge of each.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    Ok(Html(districts_page(&state, &ctx, &code, Fields::new(), Errors::new()).await?.render()?))
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    f: Fields,
    errors: Errors,
) -> Result<Response, WebError> {
    let page = districts_page(state, ctx, code, f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

fn back(code: &MunicipalityCode) -> Response {
    Redirect::to(&format!("/municipalities/{code}/districts")).into_response()
}

/// The reason beside the name field, for a name the store refused.
fn name_error(error: &StoreError) -> Option<String> {
    match error {
        StoreError::InvalidDistrictName | StoreError::DistrictNameTaken { .. } => {
            crate::error::store_refusal(error).map(|refusal| refusal.detail)
        }
        _ => None,
    }
}

/// The form that adds a 地区 as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddForm {
    #[serde(default)]
    name: String,
}

/// The form that renames a 地区 and switches it on or off, as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateForm {
    #[serde(default)]
    name: String,
    /// `1` when ticked; absent otherwise.
    active: Option<String>,
}

/// The form that puts a staff member in charge of a 地区, as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    duty: String,
    #[serde(default)]
    since: String,
}

/// The form that takes a staff member off a 地区, as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnassignForm {
    #[serde(default)]
    user_id: String,
}

/// An assignment as the form describes it, or the one reason shown beside the form.
struct Assignment {
    user: i64,
    duty: Duty,
    since: String,
}

impl TryFrom<&AssignForm> for Assignment {
    type Error = &'static str;

    fn try_from(form: &AssignForm) -> Result<Self, &'static str> {
        let user = form.user_id.trim().parse::<i64>().map_err(|_| "担当にする職員を選んでください")?;
        let duty = Duty::parse(form.duty.trim()).ok_or("主担当か副担当かを選んでください")?;
        let since = form.since.trim();
        if !crate::pages::valid_date(since) {
            return Err("担当開始日を「2022-04-01」の形で入力してください");
        }
        Ok(Assignment { user, duty, since: since.to_string() })
    }
}

/// POST /municipalities/{code}/districts: adds a 地区.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(form): Submission<AddForm>,
) -> Result<Response, WebError> {
    let name = form.name;
    let f = Fields::from([("name".to_string(), name.clone())]);
    let event = audit::event(&ctx.0, "write", Outcome::Ok);
    match districts::add(&state.db, code.as_str(), &name, event).await {
        Ok(_) => Ok(back(&code)),
        Err(error) => match name_error(&error) {
            Some(message) => refused(&state, &ctx, &code, f, Errors::from([("name".to_string(), message)])).await,
            None => Err(error.into()),
        },
    }
}

async fn district_of(state: &AppState, code: &MunicipalityCode, id: i64) -> Result<District, WebError> {
    match districts::get(&state.db, code.as_str(), id).await {
        Ok(district) => Ok(district),
        Err(StoreError::NotFound(_)) => Err(not_found()),
        Err(other) => Err(other.into()),
    }
}

/// POST /municipalities/{code}/districts/{district_id}: renames a 地区 (its records follow) and
/// switches it on or off for intake.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<UpdateForm>,
) -> Result<Response, WebError> {
    let district = district_of(&state, &code, id).await?;
    let field = format!("name-{}", district.id);
    let active = form.active.as_deref() == Some("1");
    let name = form.name;
    let mut f = Fields::from([("name".to_string(), name.clone())]);
    if let Some(value) = form.active {
        f.insert("active".into(), value);
    }
    let event = audit::event(&ctx.0, "write", Outcome::Ok);
    match districts::update(&state.db, code.as_str(), district.id, Some(&name), Some(active), event).await {
        Ok(()) => Ok(back(&code)),
        Err(error) => match name_error(&error) {
            Some(message) => {
                let mut f = f;
                f.insert(field.clone(), name);
                refused(&state, &ctx, &code, f, Errors::from([(field, message)])).await
            }
            None => Err(error.into()),
        },
    }
}

/// POST /municipalities/{code}/districts/{district_id}/assign: puts a staff member of the
/// municipality in charge (主担当 or 副担当) from a date.
pub async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<AssignForm>,
) -> Result<Response, WebError> {
    let district = district_of(&state, &code, id).await?;
    let field = format!("assign-{}", district.id);
    let message = match Assignment::try_from(&form) {
        Ok(a) => {
            let event = audit::event(&ctx.0, "write", Outcome::Ok);
            match districts::assign(&state.db, code.as_str(), district.id, a.user, a.duty, &a.since, event).await {
                Ok(()) => return Ok(back(&code)),
                Err(error @ (StoreError::NotMunicipalityStaff { .. } | StoreError::InvalidDate(_))) => {
                    crate::error::refusal_of(error)?.detail
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(message) => message.to_string(),
    };
    let mut typed = Fields::new();
    for (name, value) in [("user_id", &form.user_id), ("duty", &form.duty), ("since", &form.since)] {
        typed.insert(format!("{field}-{name}"), value.trim().to_string());
    }
    refused(&state, &ctx, &code, typed, Errors::from([(field, message)])).await
}

/// POST /municipalities/{code}/districts/{district_id}/unassign: takes a staff member off.
pub async fn unassign(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<UnassignForm>,
) -> Result<Response, WebError> {
    let district = district_of(&state, &code, id).await?;
    let Ok(user) = form.user_id.parse::<i64>() else {
        let errors = Errors::from([(format!("assign-{}", district.id), "外す職員を選んでください".to_string())]);
        return refused(&state, &ctx, &code, Fields::new(), errors).await;
    };
    let event = audit::event(&ctx.0, "write", Outcome::Ok);
    match districts::unassign(&state.db, code.as_str(), district.id, user, event).await {
        Ok(()) | Err(StoreError::NotFound(_)) => Ok(back(&code)),
        Err(other) => Err(other.into()),
    }
}

/// One caseload line as the page shows it.
struct Line {
    name: String,
    note: String,
    c: Counts,
}

#[derive(Template)]
#[template(path = "caseload.html")]
struct CaseloadPage {
    ctx: Layout,
    code: String,
    fiscal_year: String,
    today: String,
    district: Option<String>,
    districts: Vec<Line>,
    staff: Vec<Line>,
    unassigned: Option<Counts>,
}

/// GET /municipalities/{code}/caseload: open cases, overdue follow-ups, running plans and this
/// fiscal year's visits per staff member and per 地区 (a 地区-scoped viewer: theirs only).
pub async fn caseload(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let district = own_district(&ctx);
    let view = match &district {
        Some(d) => View { district: Some(d), staff: Some(user_id(&ctx)?) },
        None => View::default(),
    };
    let today = today();
    let load = districts::caseload(&state.db, code.as_str(), view, &today).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("caseload", code.as_str())).await?;
    let staff = load
        .staff
        .into_iter()
        .map(|s| Line {
            name: s.name,
            note: [Duty::Main, Duty::Deputy]
                .iter()
                .filter_map(|duty| {
                    let names: Vec<&str> =
                        s.districts.iter().filter(|(_, d)| d == duty).map(|(name, _)| name.as_str()).collect();
                    (!names.is_empty()).then(|| format!("{} {}", duty.label(), names.join("・")))
                })
                .collect::<Vec<_>>()
                .join(" / "),
            c: s.counts,
        })
        .collect();
    let districts = load.districts.into_iter().map(|(name, c)| Line { name, note: String::new(), c }).collect();
    let page = CaseloadPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        fiscal_year: load.fiscal_year.to_string(),
        today,
        district,
        districts,
        staff,
        unassigned: (load.unassigned != Counts::default()).then_some(load.unassigned),
    };
    Ok(Html(page.render()?))
}
