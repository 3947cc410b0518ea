//! The 自治体情報シート: the municipality's sheet page and its per-section edit forms (`sheet`, with
//! the forms in `form` and the page's view in `view`), derived figures and their pages (`derived`,
//! `figures`), downloads and the sheet API (`exports`), and imports (`import`, the one path the
//! upload page and the CLI share; `imports`, the upload pages).

pub(crate) mod derived;
pub(crate) mod exports;
pub(crate) mod figures;
pub(crate) mod form;
pub mod import;
pub(crate) mod imports;
pub(crate) mod sheet;
pub(crate) mod view;

/// Parses the `{code}` and `{fy}` of a sheet URL, or 404.
pub(crate) fn sheet_key(
    code: &str,
    fy: &str,
) -> Result<(nimo_domain::MunicipalityCode, nimo_domain::FiscalYear), crate::WebError> {
    let not_found = || crate::WebError::NotFound("お探しのシートは見つかりません".into());
    let code = nimo_domain::MunicipalityCode::parse(code).map_err(|_| not_found())?;
    let fy = fy.parse::<i32>().ok().and_then(nimo_domain::FiscalYear::new).ok_or_else(not_found)?;
    Ok((code, fy))
}
