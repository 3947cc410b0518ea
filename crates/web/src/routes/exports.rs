//! Downloads of a sheet: A4 PDF, JSON (canonical), CSV (UTF-8 with BOM) and XLSX.

use super::sheet_key;
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
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
    Path((code, fy, file)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let format = Format::from_file(&file).ok_or_else(|| WebError::NotFound("その形式では出力できません".into()))?;
    let (code, fy) = sheet_key(&code, &fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let sheet = stored.sheet;
    let bytes = match format {
        Format::Json => nimo_exchange::to_json(&sheet),
        Format::Csv => nimo_exchange::to_csv(&sheet),
        Format::Xlsx => tokio::task::spawn_blocking(move || nimo_exchange::to_xlsx(&sheet))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?
            .map_err(|e| WebError::Internal(e.to_string()))?,
        Format::Pdf => {
            let fonts = match state.fonts.as_ref() {
                Ok(fonts) => fonts.clone(),
                Err(reason) => return Err(WebError::Unavailable(format!("PDFを作成できません: {reason}"))),
            };
            let menu = menu::for_fiscal_year(&state.db, fy).await?;
            // Typesetting is CPU work: keep it off the async workers.
            tokio::task::spawn_blocking(move || nimo_report::render_pdf(&sheet, &menu, &fonts))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?
                .map_err(|e| WebError::Internal(e.to_string()))?
        }
    };
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

/// GET /api/v1/municipalities/{code}/sheets/{fy}: the canonical JSON.
pub async fn api_sheet(
    State(state): State<AppState>,
    Path((code, fy)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(&code, &fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], nimo_exchange::to_json(&stored.sheet)).into_response())
}
