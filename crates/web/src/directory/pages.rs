//! The directory's list (search by name or reading in any kana or width, filters by type, area
//! and かかりつけ, pages of [`super::PER_PAGE`]) and one organisation's page.

use super::{ListQuery, OrgView, PER_PAGE};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{MunicipalityMissing, NoticeQuery, PagePath, Record};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use nimo_domain::MunicipalityCode;
use nimo_domain::directory::OrgType;
use nimo_store::directory;

#[derive(Template)]
#[template(path = "directory_list.html")]
struct ListPage {
    ctx: Layout,
    code: String,
    query: ListQuery,
    types: Vec<(&'static str, &'static str)>,
    areas: Vec<String>,
    rows: Vec<OrgView>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    bad_type: bool,
    imported: Option<i64>,
}

/// The list's notice after an import.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ImportedQuery {
    imported: Option<i64>,
}

/// GET /municipalities/{code}/directory
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode, MunicipalityMissing>,
    Query(query): Query<ListQuery>,
    Query(notice): Query<ImportedQuery>,
) -> Result<Html<String>, WebError> {
    let (filter, bad_type) = match query.filter() {
        Some(filter) => (filter, false),
        None => (ListQuery { org_type: String::new(), ..query.clone() }.filter().unwrap_or_default(), true),
    };
    let index = query.page_index();
    let found = directory::search(&state.db, code.as_str(), &filter, index, PER_PAGE).await?;
    let pages = ((found.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = ListPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        types: OrgType::ALL.iter().map(|t| (t.code(), t.label())).collect(),
        areas: directory::areas(&state.db, code.as_str()).await?,
        rows: found.records.into_iter().map(|r| OrgView::of(r, code.as_str())).collect(),
        total: found.total,
        page: index + 1,
        pages,
        previous: (index > 0).then(|| query.on_page(index)),
        next: (index + 1 < pages).then(|| query.on_page(index + 2)),
        query,
        bad_type,
        imported: notice.imported,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "directory_org.html")]
struct OrgPage {
    ctx: Layout,
    code: String,
    v: OrgView,
    source: &'static str,
    map: Option<String>,
    notice: Option<&'static str>,
}

/// GET /municipalities/{code}/directory/{org_id}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let record = directory::get(&state.db, code.as_str(), id).await?;
    let map = record
        .org
        .coordinates
        .map(|(lat, lon)| format!("https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"));
    let notice = match query.notice.as_deref() {
        Some("created") => Some("登録しました。"),
        Some("saved") => Some("保存しました。"),
        _ => None,
    };
    let page = OrgPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        source: record.org.org_type.source(),
        v: OrgView::of(record, code.as_str()),
        map,
        notice,
    };
    Ok(Html(page.render()?))
}
