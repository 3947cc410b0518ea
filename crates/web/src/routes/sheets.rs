//! The sheet page, its per-section edit forms, and copying a sheet to the next fiscal year.

use super::sheet_key;
use crate::forms::{self, Group, Section};
use crate::views::SheetView;
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::validate::ValidationErrors;
use nimo_store::{StoreError, menu, sheets};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage {
    v: SheetView,
    notice: Option<&'static str>,
    next_wareki: String,
    revision: i64,
    updated_at: String,
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    code: String,
    fy: i32,
    name: String,
    fy_wareki: String,
    title: &'static str,
    anchor: &'static str,
    groups: Vec<Group>,
    revision: i64,
    error_count: usize,
    conflict: bool,
}

fn notice_text(key: Option<&String>) -> Option<&'static str> {
    Some(match key?.as_str() {
        "saved" => "保存しました。",
        "created" => "シートを作成しました。各節の「編集」から入力してください。",
        "copied" => "前年度のシートを複製しました。数値と日付を確認してください。",
        "imported" => "取り込みました。",
        _ => return None,
    })
}

/// GET /municipalities/{code}/sheets/{fy}
pub async fn show(
    State(state): State<AppState>,
    Path((code, fy)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Html<String>, WebError> {
    let (code, fy) = sheet_key(&code, &fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    let page = SheetPage {
        v: SheetView::new(stored.sheet, &menu),
        notice: notice_text(query.get("notice")),
        next_wareki: fy.next().wareki(),
        revision: stored.revision,
        updated_at: stored.updated_at.replace('T', " ").chars().take(16).collect::<String>() + " UTC",
    };
    Ok(Html(page.render()?))
}

fn section_of(name: &str) -> Result<Section, WebError> {
    Section::parse(name).ok_or_else(|| WebError::NotFound("その節はありません".into()))
}

/// GET /municipalities/{code}/sheets/{fy}/edit/{section}
pub async fn edit(
    State(state): State<AppState>,
    Path((code, fy, section)): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    let (code, fy) = sheet_key(&code, &fy)?;
    let section_enum = section_of(&section)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    let groups = forms::groups(section_enum, &stored.sheet, &menu, None, &ValidationErrors::default());
    let page = EditPage {
        code: code.to_string(),
        fy: fy.year(),
        name: stored.sheet.municipality.name.clone(),
        fy_wareki: fy.wareki(),
        title: section_enum.title(),
        anchor: section_enum.anchor(),
        groups,
        revision: stored.revision,
        error_count: 0,
        conflict: false,
    };
    Ok(Html(page.render()?))
}

/// POST /municipalities/{code}/sheets/{fy}/edit/{section}: validates on the server; on error
/// re-renders the form with what was typed and each message beside its field (422); a save over
/// someone else's newer revision is refused (409) and keeps what was typed.
pub async fn update(
    State(state): State<AppState>,
    Path((code, fy, section)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(&code, &fy)?;
    let section_enum = section_of(&section)?;
    let form: HashMap<String, String> = pairs.into_iter().collect();
    let revision: i64 = form.get("revision").and_then(|r| r.parse().ok()).unwrap_or(0);
    let stored = sheets::load(&state.db, &code, fy).await?;
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    let outcome = match forms::apply(section_enum, &stored.sheet, &menu, &form) {
        Ok(next) => match sheets::save(&state.db, &next, Some(revision)).await {
            Ok(_) => {
                let to = format!("/municipalities/{code}/sheets/{}?notice=saved{}", fy.year(), section_enum.anchor());
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::Conflict(_)) => (StatusCode::CONFLICT, ValidationErrors::default(), true),
            Err(other) => return Err(other.into()),
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false),
    };
    let (status, errors, conflict) = outcome;
    let groups = forms::groups(section_enum, &stored.sheet, &menu, Some(&form), &errors);
    let page = EditPage {
        code: code.to_string(),
        fy: fy.year(),
        name: stored.sheet.municipality.name.clone(),
        fy_wareki: fy.wareki(),
        title: section_enum.title(),
        anchor: section_enum.anchor(),
        groups,
        revision: if conflict { stored.revision } else { revision },
        error_count: errors.0.len(),
        conflict,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// POST /municipalities/{code}/sheets/{fy}/copy: starts next year's sheet from this one.
pub async fn copy_to_next_year(
    State(state): State<AppState>,
    Path((code, fy)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(&code, &fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let next = fy.next();
    if sheets::exists(&state.db, &code, next).await? {
        return Err(WebError::Conflict(format!(
            "{}のシートはすでにあります。複製すると上書きになるため、既存のシートを編集してください。",
            next.wareki()
        )));
    }
    let copy = stored.sheet.copy_to_next_year();
    let menu = menu::for_fiscal_year(&state.db, next).await?;
    // The next year's menu may differ: the copy keeps only what it can, and says so.
    if let Err(errors) = nimo_domain::validate::validate(&copy, &menu) {
        return Err(WebError::BadRequest(format!("{}の様式に合わないため複製できません: {errors}", next.wareki())));
    }
    sheets::save(&state.db, &copy, None).await?;
    Ok(Redirect::to(&format!("/municipalities/{code}/sheets/{}?notice=copied", next.year())).into_response())
}
