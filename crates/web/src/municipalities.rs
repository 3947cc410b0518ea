//! Municipality pages: the list (with the form that starts a new sheet) and one municipality.

use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{MunicipalityMissing, PagePath, Submission};
use crate::sheets::form::{Field, FieldKind};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::access::Permission;
use nimo_domain::validate::ValidationErrors;
use nimo_domain::{FiscalYear, Municipality, MunicipalityCode, Sheet};
use nimo_store::sheets::SaveMode;
use nimo_store::{StoreError, municipalities, sheets};
use std::collections::HashMap;

pub struct Row {
    code: String,
    name: String,
    prefecture: String,
    years: Vec<(i32, String)>,
}

#[derive(Template)]
#[template(path = "municipalities.html")]
struct ListPage {
    ctx: Layout,
    rows: Vec<Row>,
    fields: Vec<Field>,
    form_error: Option<String>,
}

#[derive(Template)]
#[template(path = "municipality.html")]
struct ShowPage {
    ctx: Layout,
    code: String,
    name: String,
    prefecture: String,
    years: Vec<(i32, String, String)>,
}

fn new_sheet_fields(values: &HashMap<String, String>, errors: &ValidationErrors) -> Vec<Field> {
    [
        ("code", "地方公共団体コード（6桁）", "例: 131105（検査数字を含む）"),
        ("name", "自治体名", "例: 目黒区"),
        ("prefecture", "都道府県", "例: 東京都"),
        ("fiscal_year", "年度", "西暦（2022）または和暦（令和4年度・R4）"),
    ]
    .into_iter()
    .map(|(name, label, hint)| Field {
        name: name.into(),
        label: label.into(),
        value: values.get(name).cloned().unwrap_or_default(),
        error: errors.get(name).map(str::to_string),
        kind: FieldKind::Text,
        hint: hint.into(),
        short: true,
    })
    .collect()
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    values: &HashMap<String, String>,
    errors: &ValidationErrors,
) -> Result<String, WebError> {
    // Each user sees the municipalities their scope reaches (the administrator sees all).
    let principal = ctx.0.principal();
    let rows = municipalities::list(&state.db)
        .await?
        .into_iter()
        .filter(|m| {
            let target = nimo_domain::access::Target::Municipality(m.municipality.code.clone());
            nimo_domain::access::authorize(principal.as_ref(), Permission::SheetRead, &target).is_ok()
        })
        .map(|m| Row {
            code: m.municipality.code.to_string(),
            name: m.municipality.name,
            prefecture: m.municipality.prefecture,
            years: m.fiscal_years.iter().map(|fy| (fy.year(), fy.wareki())).collect(),
        })
        .collect();
    let form_error = (!errors.is_empty()).then(|| "入力内容を確認してください".to_string());
    Ok(ListPage { ctx: Layout::of(ctx), rows, fields: new_sheet_fields(values, errors), form_error }.render()?)
}

/// GET /municipalities
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, WebError> {
    Ok(Html(list_page(&state, &ctx, &HashMap::new(), &ValidationErrors::default()).await?))
}

/// Parses a fiscal year typed as 2022, 令和4年度, R4 or R4年度.
fn parse_fiscal_year(text: &str) -> Option<FiscalYear> {
    let t = nimo_domain::text::nfkc(text.trim());
    let t = t.trim_end_matches("年度").trim_end_matches('年');
    if let Ok(year) = t.parse::<i32>() {
        return FiscalYear::new(year);
    }
    // 和暦: reuse the date parser on "<era><n>年", then take the year (令和元年度 = 2019).
    let date = nimo_domain::PartialDate::parse(&format!("{t}年")).ok()?;
    FiscalYear::new(date.year)
}

/// The form that starts a sheet, as posted (each field at most once, nothing else).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSheetForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    prefecture: String,
    #[serde(default)]
    fiscal_year: String,
}

/// POST /municipalities: starts an empty sheet for a municipality and fiscal year.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Submission(submitted): Submission<NewSheetForm>,
) -> Result<Response, WebError> {
    let form = crate::pages::posted(&submitted);
    let mut errors = ValidationErrors::default();
    let get = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let code = match MunicipalityCode::parse(&nimo_domain::text::nfkc(&get("code"))) {
        Ok(code) => Some(code),
        Err(e) => {
            errors.add("code", e.to_string());
            None
        }
    };
    for field in ["name", "prefecture"] {
        if get(field).is_empty() {
            errors.add(field, "入力してください");
        }
    }
    let fy = parse_fiscal_year(&get("fiscal_year"));
    if fy.is_none() {
        errors.add(
            "fiscal_year",
            format!("年度を読み取れません（入力: {}）。2022 や 令和4年度 のように入力してください", get("fiscal_year")),
        );
    }
    if let Some(code) = &code {
        crate::policy::check_target(&state, &ctx.0, Permission::SheetWrite, code).await?;
    }
    if let (Some(code), Some(fy), true) = (&code, fy, errors.is_empty()) {
        let municipality = Municipality { code: code.clone(), name: get("name"), prefecture: get("prefecture") };
        let mut sheet = Sheet::empty(municipality, fy);
        sheet.derive();
        let event = crate::audit::event(&ctx.0, "write", nimo_store::audit::Outcome::Ok).with_detail("create");
        match sheets::save(&state.db, &sheet, SaveMode::Create, event).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/municipalities/{code}/sheets/{}?notice=created", fy.year()))
                    .into_response());
            }
            Err(StoreError::SheetExists { fiscal_year, .. }) => {
                errors.add("fiscal_year", crate::error::sheet_exists_message(fiscal_year));
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = list_page(&state, &ctx, &form, &errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
}

/// GET /municipalities/{code}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
) -> Result<Html<String>, WebError> {
    // The viewer's own municipality has a page before its first sheet (it is where their menu
    // and the worklist lead); any other municipality without a sheet is unknown here.
    let own = ctx.0.principal().and_then(|p| p.scope.municipality).as_ref() == Some(&code);
    let (name, prefecture, years) = match municipalities::get(&state.db, &code).await {
        Ok(m) => (m.municipality.name, m.municipality.prefecture, m.fiscal_years),
        Err(error) if own && error.is_not_found() => (code.to_string(), String::new(), Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let page = ShowPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        name,
        prefecture,
        years: years.iter().map(|fy| (fy.year(), fy.wareki(), fy.seireki())).collect(),
    };
    Ok(Html(page.render()?))
}

#[cfg(test)]
mod tests {
    use super::parse_fiscal_year;
    use nimo_domain::FiscalYear;

    #[test]
    fn fiscal_years_as_staff_type_them() {
        for text in ["2022", "２０２２年度", "令和4年度", "R4", "r4年度"] {
            assert_eq!(parse_fiscal_year(text), Some(FiscalYear(2022)), "{text}");
        }
        assert_eq!(parse_fiscal_year("令和元年度"), Some(FiscalYear(2019)));
        assert_eq!(parse_fiscal_year("来年"), None);
    }
}
