//! 「会議の記録から第3節を作成」: section 3 proposed from the held meetings of the fiscal years up
//! to the sheet's (`nimo_domain::council::propose_history`), for staff to review, edit, leave
//! out and save. Typed lines stay; a line made from a meeting keeps which
//! (`sheet_history.record_kind`/`record_id`) and the sheet page marks it 「会議の記録から」.
//!
//! The form is rows of `keep-N` (ticked to save), `date-N`, `text-N` and the hidden `record-N`
//! (`meeting:ID`, or empty for a typed line), with the sheet's `revision`: a form made from an
//! older revision is 409; a record the proposal could not have made, a doubled or unknown
//! field refuse the whole form (422); a bad date or text is shown beside its row.

use super::sheet_key;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, SheetMissing};
use crate::{AppState, WebError, audit};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::sheet::{HistoryEvent, RecordKind, RecordRef};
use nimo_domain::{FiscalYear, MunicipalityCode, PartialDate};
use nimo_store::audit::Outcome;
use nimo_store::council::meetings;
use nimo_store::sheets::{self, SaveMode};
use nimo_store::{StoreError, menu};
use std::collections::{BTreeMap, HashSet};

/// One row of the form.
struct Row {
    keep: bool,
    date: String,
    text: String,
    record: String,
    /// A line the stored section does not have yet.
    new: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "sheet_history.html")]
struct HistoryPage {
    ctx: Layout,
    code: String,
    fy: i32,
    fy_wareki: String,
    revision: i64,
    rows: Vec<Row>,
    meetings: usize,
    problem: Option<&'static str>,
    summary: Vec<crate::pages::SummaryItem>,
}

fn record_text(record: Option<RecordRef>) -> String {
    record.map(|r| format!("{}:{}", r.kind.code(), r.id)).unwrap_or_default()
}

fn rows_of(stored: &[HistoryEvent], proposed: &[HistoryEvent]) -> Vec<Row> {
    proposed
        .iter()
        .map(|line| Row {
            keep: true,
            date: line.date.wareki(),
            text: line.text.clone(),
            record: record_text(line.record),
            new: !stored.iter().any(|s| s.date == line.date && s.text == line.text && s.record == line.record),
            error: String::new(),
        })
        .collect()
}

fn page(
    ctx: &Ctx,
    code: &MunicipalityCode,
    fy: FiscalYear,
    revision: i64,
    rows: Vec<Row>,
    meetings: usize,
) -> HistoryPage {
    let summary = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.error.is_empty())
        .map(|(i, r)| crate::pages::SummaryItem {
            target: format!("text-{i}"),
            message: format!("{}行目: {}", i + 1, r.error),
        })
        .collect();
    HistoryPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        fy: fy.year(),
        fy_wareki: fy.wareki(),
        revision,
        rows,
        meetings,
        problem: None,
        summary,
    }
}

/// GET /municipalities/{code}/sheets/{fy}/history: the proposal.
pub async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, FiscalYear), SheetMissing>,
) -> Result<Html<String>, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let held = meetings::held_up_to(&state.db, code.as_str(), fy).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("meetings", code.to_string()))
        .await?;
    let proposed = nimo_domain::council::propose_history(&stored.sheet.history, &held);
    let rows = rows_of(&stored.sheet.history, &proposed);
    Ok(Html(page(&ctx, &code, fy, stored.revision, rows, held.len()).render()?))
}

/// POST /municipalities/{code}/sheets/{fy}/history: saves the reviewed section 3.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, FiscalYear), SheetMissing>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let held = meetings::held_up_to(&state.db, code.as_str(), fy).await?;
    let known: HashSet<String> = held
        .iter()
        .map(|m| format!("meeting:{}", m.id))
        .chain(stored.sheet.history.iter().filter_map(|l| l.record).map(|r| record_text(Some(r))))
        .collect();
    let refuse = |ctx: &Ctx, problem: &'static str| -> Result<Response, WebError> {
        let proposed = nimo_domain::council::propose_history(&stored.sheet.history, &held);
        let mut shown = page(ctx, &code, fy, stored.revision, rows_of(&stored.sheet.history, &proposed), held.len());
        shown.problem = Some(problem);
        let status = if problem == STALE { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
        Ok((status, Html(shown.render()?)).into_response())
    };
    let Some(fields) = read_fields(pairs) else { return refuse(&ctx, FORGED) };
    if fields.get("revision").and_then(|r| r.parse::<i64>().ok()) != Some(stored.revision) {
        return refuse(&ctx, STALE);
    }
    let count =
        fields.get("rows").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n <= nimo_domain::validate::MAX_ROWS);
    let Some(count) = count else { return refuse(&ctx, FORGED) };
    let mut rows = Vec::new();
    for i in 0..count {
        let get = |name: &str| fields.get(&format!("{name}-{i}")).cloned().unwrap_or_default();
        let record = get("record");
        if !record.is_empty() && !known.contains(&record) {
            return refuse(&ctx, FORGED);
        }
        rows.push(Row {
            keep: get("keep") == "1",
            date: get("date"),
            text: get("text").trim().to_string(),
            record,
            new: false,
            error: String::new(),
        });
    }
    if fields.keys().any(|k| !expected(k, count)) {
        return refuse(&ctx, FORGED);
    }
    let mut next = stored.sheet.clone();
    next.history.clear();
    let mut kept = Vec::new();
    for (i, row) in rows.iter_mut().enumerate().filter(|(_, r)| r.keep) {
        let Ok(date) = PartialDate::parse(&row.date) else {
            row.error = "時期を「令和4年7月」「R4.7」「2022-07」の形で入力してください".into();
            continue;
        };
        let record = row
            .record
            .split_once(':')
            .and_then(|(kind, id)| Some(RecordRef { kind: RecordKind::parse(kind)?, id: id.parse().ok()? }));
        next.history.push(HistoryEvent { date, text: row.text.clone(), record });
        kept.push(i);
    }
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    if let Err(errors) = nimo_domain::validate::validate(&next, &menu) {
        for error in errors.0 {
            let Some(rest) = error.path.strip_prefix("history[") else { continue };
            let index = rest.split(']').next().and_then(|n| n.parse::<usize>().ok());
            if let Some(row) = index.and_then(|n| kept.get(n)).and_then(|i| rows.get_mut(*i)) {
                row.error = error.message;
            }
        }
    }
    if rows.iter().any(|r| !r.error.is_empty()) {
        let shown = page(&ctx, &code, fy, stored.revision, rows, held.len());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(shown.render()?)).into_response());
    }
    let event = audit::event(&ctx.0, "write", Outcome::Ok).with_detail("section:history:meetings");
    match sheets::save(&state.db, &next, SaveMode::Update { revision: stored.revision }, event).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/municipalities/{code}/sheets/{}?notice=saved#s3", fy.year())).into_response())
        }
        Err(StoreError::StaleRevision(_)) => refuse(&ctx, STALE),
        Err(other) => Err(other.into()),
    }
}

const STALE: &str = "他の職員が先にこのシートを保存しました。最新の内容から作り直した案を表示しています。確認してから保存してください。";
const FORGED: &str =
    "送信内容がこのフォームと一致しないため、保存していません。表示し直したフォームから入力してください。";

/// The posted fields by name (the CSRF token dropped); `None` when one came twice.
fn read_fields(pairs: Vec<(String, String)>) -> Option<BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    for (name, value) in pairs.into_iter().filter(|(name, _)| name != "csrf") {
        if fields.insert(name, value.replace("\r\n", "\n")).is_some() {
            return None;
        }
    }
    Some(fields)
}

/// Whether a field is one of the form's.
fn expected(name: &str, count: usize) -> bool {
    if name == "revision" || name == "rows" {
        return true;
    }
    name.split_once('-').is_some_and(|(field, i)| {
        ["keep", "date", "text", "record"].contains(&field) && i.parse::<usize>().is_ok_and(|i| i < count)
    })
}
