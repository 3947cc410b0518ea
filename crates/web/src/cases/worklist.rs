//! The worklist: a municipality's open cases by staff member in charge, overdue ones marked; the
//! search over all its cases, closed ones included (`search`); and `/cases`, which sends staff to
//! their own municipality's list.
//!
//! The search is a POST (with the CSRF token): the kana reading typed never appears in a URL, a
//! log line or the audit log, which records only that the list was read (`case_search`).

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, PagePath, Submission, SummaryItem, not_found, own_district, today};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Permission, Target, authorize};
use nimo_domain::calendar::parse_iso_date;
use nimo_domain::cases::{CaseState, parse_reception};
use nimo_store::audit::Outcome;
use nimo_store::cases::{self, CaseQuery, WorkItem};

/// Cases per page of search results.
pub const PER_PAGE: u32 = 50;

/// GET /cases: the signed-in staff member's own municipality's worklist.
pub async fn home(ctx: Ctx) -> Result<Response, WebError> {
    let code = ctx.0.principal().and_then(|p| p.scope.municipality).ok_or_else(not_found)?;
    Ok(Redirect::to(&format!("/municipalities/{code}/cases")).into_response())
}

struct WorkRow {
    id: i64,
    reception: String,
    received: String,
    district: String,
    staff: String,
    state: &'static str,
    due: String,
    overdue: bool,
    /// Whether a legal clock of the case's admission is overdue (the worklist marks it).
    clock_overdue: bool,
    person: String,
    review: bool,
}

impl WorkRow {
    fn of(item: &WorkItem) -> Self {
        WorkRow {
            id: item.case_id,
            reception: item.reception.clone(),
            received: crate::display::minute(item.received_at),
            district: item.district.clone(),
            staff: item.assigned.as_ref().map_or_else(|| "（担当未定）".to_string(), |(_, n)| n.clone()),
            state: item.state.label(),
            due: crate::display::date_or_empty(item.next_due_on),
            overdue: item.overdue,
            clock_overdue: false,
            review: item.review,
            person: if item.person_kana.is_empty() { "（不明）".into() } else { item.person_kana.clone() },
        }
    }
}

/// A page of search results.
struct Results {
    rows: Vec<WorkRow>,
    total: i64,
    first: i64,
    last: i64,
    /// The page shown (from 1) and how many there are.
    page: u32,
    pages: u32,
    previous: Option<u32>,
    next: Option<u32>,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct WorklistPage {
    ctx: Layout,
    code: String,
    district: Option<String>,
    groups: Vec<(String, Vec<WorkRow>)>,
    overdue: usize,
    open: usize,
    plan_reminders: usize,
    /// The search form: what was typed, its errors, the 地区 and states offered.
    f: Fields,
    errors: Errors,
    summary: Vec<SummaryItem>,
    districts: Vec<String>,
    states: Vec<(&'static str, &'static str)>,
    results: Option<Results>,
}

impl WorklistPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

/// The page without its list: the search form, the reminders and the counts.
async fn frame(state: &AppState, ctx: &Ctx, code: &MunicipalityCode) -> Result<WorklistPage, WebError> {
    let district = own_district(ctx);
    let plan_reminders = nimo_store::plans::reminders(
        &state.db,
        code.as_str(),
        district.as_deref(),
        &today(),
        crate::plans::REMINDER_DAYS,
    )
    .await?
    .len();
    let districts = nimo_store::districts::active_names(&state.db, code.as_str())
        .await?
        .into_iter()
        .filter(|d| district.as_ref().is_none_or(|own| own == d))
        .collect();
    let mut states = vec![("", "すべて（終結を含む）"), ("open", "対応中（終結以外）")];
    states.extend(CaseState::ALL.iter().map(|s| (s.code(), s.label())));
    Ok(WorklistPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        district,
        groups: Vec::new(),
        overdue: 0,
        open: 0,
        plan_reminders,
        f: Fields::new(),
        errors: Errors::new(),
        summary: Vec::new(),
        districts,
        states,
        results: None,
    })
}

/// GET /municipalities/{code}/cases: open cases by staff in charge, overdue first marked, and
/// the search form.
pub async fn worklist(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let district = own_district(&ctx);
    let items = cases::worklist(&state.db, code.as_str(), district.as_deref(), &today()).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case_list", code.as_str()))
        .await?;
    let late = crate::clock_view::overdue_cases(&state, code.as_str(), district.as_deref(), state.clock.now()).await?;
    let mut groups: Vec<(String, Vec<WorkRow>)> = Vec::new();
    for item in &items {
        let mut row = WorkRow::of(item);
        row.clock_overdue = late.contains(&item.case_id);
        match groups.last_mut() {
            Some((last, rows)) if *last == row.staff => rows.push(row),
            _ => groups.push((row.staff.clone(), vec![row])),
        }
    }
    let mut page = frame(&state, &ctx, &code).await?;
    page.overdue = items.iter().filter(|i| i.overdue).count();
    page.open = items.len();
    page.groups = groups;
    Ok(Html(page.render()?))
}

/// The search form as posted (a field left out reads as empty).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchForm {
    reception: Option<String>,
    kana: Option<String>,
    from: Option<String>,
    to: Option<String>,
    district: Option<String>,
    state: Option<String>,
    page: Option<String>,
}

/// The search's fields in the order the form shows them.
const SEARCH_FIELDS: &[&str] = &["reception", "kana", "from", "to", "district", "state"];

/// The query a search form describes, or the reasons by field.
fn query_of(f: &Fields, districts: &[String]) -> Result<CaseQuery, Errors> {
    let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Errors::new();
    crate::pages::check_texts(f, nimo_domain::cases::texts::SEARCH, &mut errors);
    let mut query = CaseQuery { kana: get("kana"), ..CaseQuery::default() };
    let reception = get("reception");
    if !reception.is_empty() {
        query.reception = parse_reception(&reception);
        if query.reception.is_none() && !errors.contains_key("reception") {
            errors.insert("reception".into(), "受付番号は「R4-012」または番号だけの形で入力してください".into());
        }
    }
    for (name, label) in [("from", "受理日（から）"), ("to", "受理日（まで）")] {
        let text = get(name);
        let date = parse_iso_date(&text);
        if !text.is_empty() && date.is_none() {
            errors.insert(name.into(), format!("{label}を「2022-04-01」の形で入力してください"));
        }
        if name == "from" { query.received_from = date } else { query.received_to = date }
    }
    if let (Some(from), Some(to)) = (query.received_from, query.received_to)
        && from > to
    {
        errors.insert("to".into(), "受理日（まで）は受理日（から）と同じか後の日にしてください".into());
    }
    let district = get("district");
    if !district.is_empty() {
        // A municipality that lists no 地区 has them typed, as at intake.
        if !districts.is_empty() && !districts.contains(&district) && !errors.contains_key("district") {
            errors.insert("district".into(), "地区を一覧から選んでください".into());
        }
        query.district = Some(district);
    }
    match get("state").as_str() {
        "" => {}
        "open" => query.open_only = true,
        code => match CaseState::parse(code) {
            Some(state) => query.state = Some(state),
            None => {
                errors.insert("state".into(), "状態を一覧から選んでください".into());
            }
        },
    }
    if errors.is_empty() { Ok(query) } else { Err(errors) }
}

/// POST /municipalities/{code}/cases/search: the municipality's cases that match the form,
/// closed ones included, newest receipt first, a page at a time, within the viewer's 地区 as the
/// case pages allow. A bad criterion is shown beside its field and in the summary (422).
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(form): Submission<SearchForm>,
) -> Result<Response, WebError> {
    let f = crate::pages::posted(&form);
    let mut page = frame(&state, &ctx, &code).await?;
    let query = match query_of(&f, &page.districts) {
        Ok(query) => query,
        Err(errors) => {
            page.summary = crate::pages::summary(&errors, SEARCH_FIELDS, |name| format!("search-{name}"));
            page.f = f;
            page.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
        }
    };
    let number: u32 = f.get("page").and_then(|p| p.trim().parse().ok()).unwrap_or(0).min(100_000);
    let principal = ctx.0.principal();
    let visible = |district: &str| {
        let target = Target::District(code.clone(), district.to_string());
        authorize(principal.as_ref(), Permission::CaseRead, &target).is_ok()
    };
    let district = own_district(&ctx);
    let found =
        cases::search(&state.db, code.as_str(), district.as_deref(), visible, &query, &today(), number, PER_PAGE)
            .await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case_search", code.as_str()))
        .await?;
    let page_count = u32::try_from((found.total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE)).unwrap_or(0);
    let first = i64::from(number) * i64::from(PER_PAGE);
    page.results = Some(Results {
        first: first + 1,
        last: first + i64::try_from(found.items.len()).unwrap_or(0),
        rows: found.items.iter().map(WorkRow::of).collect(),
        total: found.total,
        page: number + 1,
        pages: page_count,
        previous: number.checked_sub(1),
        next: (number + 1 < page_count).then_some(number + 1),
    });
    page.f = f;
    Ok(Html(page.render()?).into_response())
}
