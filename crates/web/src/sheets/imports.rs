//! Imports: a whole sheet from JSON or XLSX, and section-1 figures from CSV. All-or-nothing: a
//! bad file changes nothing, and the page lists every problem with its place in the file.

use super::sheet_key;
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, SheetMissing};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::access::Permission;
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::audit::Outcome;
use nimo_store::sheets::SaveMode;
use nimo_store::{menu, sheets};

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Layout,
    errors: Vec<String>,
}

/// GET /import
pub async fn form(ctx: Ctx) -> Result<Html<String>, WebError> {
    Ok(Html(ImportPage { ctx: Layout::of(&ctx), errors: Vec::new() }.render()?))
}

struct Upload {
    file_name: String,
    bytes: Vec<u8>,
    replace: bool,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload { file_name: String::new(), bytes: Vec::new(), replace: false };
    while let Some(field) = multipart.next_field().await.map_err(|e| format!("送信を読み取れません: {e}"))? {
        match field.name() {
            Some("file") => {
                upload.file_name = field.file_name().unwrap_or_default().to_string();
                upload.bytes = field.bytes().await.map_err(|e| format!("ファイルを読み取れません: {e}"))?.to_vec();
            }
            Some("replace") => upload.replace = true,
            _ => {}
        }
    }
    if upload.bytes.is_empty() {
        return Err("ファイルを選んでください（空のファイルは取り込めません）".into());
    }
    Ok(upload)
}

fn refused(ctx: &Ctx, errors: Vec<String>) -> Result<Response, WebError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(ImportPage { ctx: Layout::of(ctx), errors }.render()?)).into_response())
}

/// POST /import: a JSON or XLSX sheet.
pub async fn upload(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response, WebError> {
    let upload = match read_upload(multipart).await {
        Ok(u) => u,
        Err(message) => return refused(&ctx, vec![message]),
    };
    let sheet = match crate::sheets::import::parse_sheet(&state.db, &upload.bytes, &upload.file_name).await {
        Ok(sheet) => sheet,
        Err(crate::sheets::import::ImportFailure::Refused(errors)) => return refused(&ctx, errors),
        Err(crate::sheets::import::ImportFailure::Store(e)) => return Err(e.into()),
    };
    // The municipality is named in the file: check the scope now that it is known.
    crate::policy::check_target(&state, &ctx.0, Permission::SheetImport, &sheet.municipality.code).await?;
    let event = audit::event(&ctx.0, "import", Outcome::Ok).with_detail(crate::sheets::import::audit_detail(
        &upload.bytes,
        &upload.file_name,
        upload.replace,
    ));
    match crate::sheets::import::save_sheet(&state.db, sheet, upload.replace, event).await {
        Ok(sheet) => Ok(Redirect::to(&format!(
            "/municipalities/{}/sheets/{}?notice=imported",
            sheet.municipality.code,
            sheet.fiscal_year.year()
        ))
        .into_response()),
        Err(crate::sheets::import::ImportFailure::Refused(errors)) => refused(&ctx, errors),
        Err(crate::sheets::import::ImportFailure::Store(e)) => Err(e.into()),
    }
}

/// POST /municipalities/{code}/sheets/{fy}/figures.csv: updates section-1 figures from CSV
/// (UTF-8 with or without BOM, or Shift_JIS).
pub async fn figures_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, FiscalYear), SheetMissing>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let upload = match read_upload(multipart).await {
        Ok(u) => u,
        Err(message) => return refused(&ctx, vec![message]),
    };
    let figures = match nimo_exchange::figures_from_csv(&upload.bytes) {
        Ok(f) => f,
        Err(e) => return refused(&ctx, vec![e.to_string()]),
    };
    let mut sheet = stored.sheet;
    for (key, figure) in &figures {
        sheet.basic.figures.insert(key.clone(), *figure);
    }
    sheet.derive();
    // A value the file gives for a figure nimo computes must be the computed one.
    let overridden: Vec<String> = figures
        .iter()
        .filter(|(key, figure)| sheet.basic.figures.get(key).is_some_and(|d| d.value != figure.value))
        .map(|(key, figure)| {
            let computed = sheet.basic.figures[key].display();
            format!("CSV {key}: 自動計算される値です（計算値: {computed}、CSV の値: {}）", figure.display())
        })
        .collect();
    if !overridden.is_empty() {
        return refused(&ctx, overridden);
    }
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    if let Err(errors) = nimo_domain::validate::validate(&sheet, &menu) {
        return refused(&ctx, errors.0.into_iter().map(|e| format!("CSV {}: {}", e.path, e.message)).collect());
    }
    let event = audit::event(&ctx.0, "import", Outcome::Ok).with_detail("figures_csv");
    sheets::save(&state.db, &sheet, SaveMode::Update { revision: stored.revision }, event).await?;
    Ok(Redirect::to(&format!("/municipalities/{code}/sheets/{}?notice=imported#s1", fy.year())).into_response())
}
