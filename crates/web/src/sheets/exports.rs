//! Downloads of a sheet: A4 PDF, JSON (canonical), CSV (UTF-8 with BOM) and XLSX. PDF and XLSX are
//! CPU work, rendered on the blocking pool under the state's limit on concurrent renderings.

use super::sheet_key;
use crate::audit;
use crate::context::Ctx;
use crate::pages::{PagePath, SheetMissing};
use crate::printing::render;
use crate::problem::{ApiPath, Problem};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::audit::Outcome;
use nimo_store::{menu, sheets};

/// The formats a sheet downloads in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Json,
    Csv,
    Xlsx,
}

impl Format {
    fn from_file(file: &str) -> Option<Self> {
        Some(match file {
            "export.pdf" => Format::Pdf,
            "export.json" => Format::Json,
            "export.csv" => Format::Csv,
            "export.xlsx" => Format::Xlsx,
            _ => return None,
        })
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// GET /municipalities/{code}/sheets/{fy}/export.{pdf,json,csv,xlsx}
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, file), ..): PagePath<(MunicipalityCode, FiscalYear, String), SheetMissing>,
) -> Result<Response, WebError> {
    let format = Format::from_file(&file).ok_or_else(|| WebError::NotFound("その形式では出力できません".into()))?;
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let mut sheet = stored.sheet;
    crate::sheets::derived::apply(&state.db, &mut sheet).await?;
    let bytes = match format {
        Format::Json => nimo_exchange::to_json(&sheet),
        Format::Csv => nimo_exchange::to_csv(&sheet),
        Format::Xlsx => render(&state, move || nimo_exchange::to_xlsx(&sheet)).await?,
        Format::Pdf => {
            let fonts = match state.fonts.as_ref() {
                Ok(fonts) => fonts.clone(),
                Err(reason) => return Err(WebError::Unavailable(format!("PDFを作成できません: {reason}"))),
            };
            let menu = menu::for_fiscal_year(&state.db, fy).await?;
            render(&state, move || nimo_report::render_pdf(&sheet, &menu, &fonts)).await?
        }
    };
    // The file leaves only with its audit row (failing closed, see `crate::audit`).
    let event = audit::event(&ctx.0, "export", Outcome::Ok)
        .with_record("sheet", audit::sheet_id(&code, fy))
        .with_detail(format.extension());
    audit::before(&state.db, &event).await?;
    let filename = format!("jichitai-sheet-{code}-{}.{}", fy.year(), format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// A municipality's sheet for a fiscal year
///
/// The canonical JSON of the sheet, the same bytes as its `export.json` download, with the
/// section-4 figures derived from the case records. Each read is audited.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/sheets/{fy}",
    tag = "sheets",
    params(
        ("code" = String, Path, description = "the 地方公共団体コード", example = "131105"),
        ("fy" = i32, Path, description = "the fiscal year, by the calendar year it starts in (2022 = 令和4年度)", example = 2022),
    ),
    responses(
        (status = 200, description = "the sheet", body = nimo_exchange::SheetDocument),
        (status = 404, description = "no such sheet (or not a valid code or year)", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn api_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((code, fy), ..): ApiPath<(MunicipalityCode, FiscalYear), SheetMissing>,
) -> Result<Response, Problem> {
    let (code, fy) = sheet_key(code, fy)?;
    let mut sheet = sheets::load(&state.db, &code, fy).await?.sheet;
    crate::sheets::derived::apply(&state.db, &mut sheet).await?;
    let event = audit::event(&ctx.0, "export", Outcome::Ok)
        .with_record("sheet", audit::sheet_id(&code, fy))
        .with_detail("api_json");
    audit::before(&state.db, &event).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], nimo_exchange::to_json(&sheet)).into_response())
}
