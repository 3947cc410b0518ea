//! The 自治体情報シート: the municipality's sheet page and its per-section edit forms (`sheet`, with
//! the forms in `form` and the page's view in `view`), derived figures and their pages (`derived`,
//! `figures`), downloads and the sheet API (`exports`), and imports (`import`, the one path the
//! upload page and the CLI share; `imports`, the upload pages), and section 3 proposed from the
//! meetings (`history`).

pub(crate) mod derived;
pub(crate) mod exports;
pub(crate) mod figures;
pub(crate) mod form;
pub(crate) mod history;
pub mod import;
pub(crate) mod imports;
pub(crate) mod sheet;
pub(crate) mod view;

/// The `{code}` and `{fy}` of a sheet URL, typed by [`crate::pages::PagePath`]; a fiscal year
/// outside [`nimo_domain::FiscalYear::RANGE`] names no sheet: 404.
pub(crate) fn sheet_key(
    code: nimo_domain::MunicipalityCode,
    fy: nimo_domain::FiscalYear,
) -> Result<(nimo_domain::MunicipalityCode, nimo_domain::FiscalYear), crate::WebError> {
    let fy = nimo_domain::FiscalYear::new(fy.year()).ok_or_else(|| {
        crate::WebError::NotFound(<crate::pages::SheetMissing as crate::pages::Missing>::MESSAGE.into())
    })?;
    Ok((code, fy))
}
