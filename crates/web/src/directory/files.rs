//! The directory's files: CSV (UTF-8 with BOM) and HSDS 3.0 JSON downloads, and the import page
//! that takes either back. An import is all-or-nothing: every problem of the file (line, column,
//! reason; a JSON place for HSDS) and every refusal of the store (ids or names repeated in the
//! file or already in the directory) is listed on the page, and nothing is saved.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{MunicipalityMissing, PagePath};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::directory::Organisation;
use nimo_exchange::directory::{directory_from_csv, directory_to_csv, from_hsds, to_hsds};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::directory;

/// The largest file the import takes.
pub(crate) const IMPORT_LIMIT: usize = 8 * 1024 * 1024;

async fn stored(state: &AppState, code: &MunicipalityCode) -> Result<Vec<Organisation>, WebError> {
    Ok(directory::all(&state.db, code.as_str()).await?.into_iter().map(|r| r.org).collect())
}

fn download(content_type: &str, name: String, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// GET /municipalities/{code}/directory/export.csv
pub async fn export_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
) -> Result<Response, WebError> {
    let orgs = stored(&state, &code).await?;
    let event = audit::event(&ctx.0, "export", Outcome::Ok).with_record("directory", code.as_str()).with_detail("csv");
    audit::before(&state.db, &event).await?;
    Ok(download("text/csv; charset=utf-8", format!("directory-{code}.csv"), directory_to_csv(&orgs)))
}

/// GET /municipalities/{code}/directory/hsds.json
pub async fn export_hsds(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
) -> Result<Response, WebError> {
    let orgs = stored(&state, &code).await?;
    let event = audit::event(&ctx.0, "export", Outcome::Ok).with_record("directory", code.as_str()).with_detail("hsds");
    audit::before(&state.db, &event).await?;
    Ok(download("application/json", format!("directory-{code}-hsds.json"), to_hsds(code.as_str(), &orgs)))
}

#[derive(Template)]
#[template(path = "directory_import.html")]
struct ImportPage {
    ctx: Layout,
    code: String,
    file_name: String,
    errors: Vec<String>,
}

/// GET /municipalities/{code}/directory/import
pub async fn form(
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
) -> Result<Html<String>, WebError> {
    let page =
        ImportPage { ctx: Layout::of(&ctx), code: code.to_string(), file_name: String::new(), errors: Vec::new() };
    Ok(Html(page.render()?))
}

/// The uploaded file: its name and bytes, or the reason it could not be read.
async fn read_file(mut multipart: Multipart) -> Result<(String, Vec<u8>), String> {
    while let Some(field) = multipart.next_field().await.map_err(|e| format!("送信を読み取れません: {e}"))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|e| format!("ファイルを読み取れません: {e}"))?.to_vec();
            if bytes.is_empty() {
                break;
            }
            return Ok((name, bytes));
        }
    }
    Err("ファイルを選んでください（空のファイルは取り込めません）".into())
}

/// POST /municipalities/{code}/directory/import: a CSV or an HSDS JSON document (by its name
/// ending `.json` or its first character `{`), all or nothing.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let refused = |file_name: String, errors: Vec<String>| -> Result<Response, WebError> {
        let page = ImportPage { ctx: Layout::of(&ctx), code: code.to_string(), file_name, errors };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
    };
    let (name, bytes) = match read_file(multipart).await {
        Ok(file) => file,
        Err(reason) => return refused(String::new(), vec![reason]),
    };
    let json = name.to_lowercase().ends_with(".json") || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    // Each record with how the page names it: its CSV line or its place in the HSDS document.
    let parsed: Result<Vec<(String, Organisation)>, Vec<nimo_exchange::ImportError>> = if json {
        from_hsds(&bytes)
            .map(|orgs| orgs.into_iter().enumerate().map(|(i, o)| (format!("JSON organizations[{i}]"), o)).collect())
    } else {
        directory_from_csv(&bytes)
            .map(|orgs| orgs.into_iter().map(|(line, o)| (format!("CSV {line}行目"), o)).collect())
    };
    let records = match parsed {
        Ok(records) => records,
        Err(errors) => return refused(name, errors.iter().map(ToString::to_string).collect()),
    };
    let orgs: Vec<Organisation> = records.iter().map(|(_, o)| o.clone()).collect();
    let event = audit::event(&ctx.0, "import", Outcome::Ok);
    match directory::import(&state.db, code.as_str(), &orgs, event).await {
        Ok(_) => Ok(Redirect::to(&format!("/municipalities/{code}/directory?imported={}", orgs.len())).into_response()),
        Err(StoreError::Directory(refusals)) => {
            let place = |n: usize| records.get(n).map(|(p, _)| p.clone()).unwrap_or_default();
            let errors = refusals
                .iter()
                .map(|r| {
                    let column = nimo_exchange::directory::column_label(r.field);
                    let reason = crate::error::directory::message(r, place);
                    format!("{} {column}: {reason}", place(r.position))
                })
                .collect();
            refused(name, errors)
        }
        Err(other) => Err(other.into()),
    }
}
