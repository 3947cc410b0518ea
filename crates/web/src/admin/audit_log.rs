//! The audit log pages of the administration (`audit.read`): the search form with a page of
//! rows in Japan time, and the CSV export of everything a search selects, itself audited before
//! any row leaves.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use nimo_store::audit::{AuditFilter, AuditRow, Outcome};
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time};

// Japan Standard Time: the search form's dates are meant in it (times are shown through
// `display.rs`).
use crate::display::JST;
/// Rows on one page of the audit log.
const PAGE_ROWS: i64 = 50;
/// The most rows one CSV download holds (more: narrow the search, or use `nimo audit export`).
const MAX_CSV_ROWS: usize = 100_000;

/// The search form as the query string carries it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    actor: String,
    action: String,
    record_type: String,
    record_id: String,
    outcome: String,
    from: String,
    to: String,
    before: String,
}

impl AuditQuery {
    /// The search fields that are filled in, for links (without the page position).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("record_type", &self.record_type),
            ("record_id", &self.record_id),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .map(|(name, value)| (name, value.trim()))
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string(self.pairs()).unwrap_or_default()
    }

    /// The filter the fields describe, or what is wrong with them.
    fn filter(&self) -> Result<AuditFilter, String> {
        let text = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
        let outcome = match self.outcome.trim() {
            "" => None,
            "ok" => Some(Outcome::Ok),
            "denied" => Some(Outcome::Denied),
            "failed" => Some(Outcome::Failed),
            _ => return Err("結果は「成功」「拒否」「失敗」から選んでください".into()),
        };
        let from = date(&self.from, "開始日")?;
        let to = date(&self.to, "終了日")?;
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err("開始日が終了日より後になっています".into());
        }
        let before_id = match self.before.trim() {
            "" => None,
            id => Some(id.parse::<i64>().map_err(|_| "ページの指定が正しくありません".to_string())?),
        };
        Ok(AuditFilter {
            actor: text(&self.actor),
            action: text(super::actions::code_of(self.action.trim())),
            record_type: text(&self.record_type),
            record_id: text(&self.record_id),
            outcome,
            from: from.map(start_of_day),
            to: to.and_then(Date::next_day).map(start_of_day),
            before_id,
            ..AuditFilter::default()
        })
    }
}

/// A `YYYY-MM-DD` date of the form, if filled in.
fn date(text: &str, label: &str) -> Result<Option<Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map(Some).map_err(|_| format!("{label}は 2026-04-01 のように入力してください"))
}

/// The start of a day in Japan.
fn start_of_day(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_offset(JST)
}

/// One row as the page shows it.
struct AuditLine {
    at: String,
    row: AuditRow,
}

impl AuditLine {
    /// What the row's action is called (its code when it has no label).
    fn action_label(&self) -> &str {
        super::actions::label(&self.row.action)
    }

    fn outcome_label(&self) -> &'static str {
        match self.row.outcome.as_str() {
            "ok" => "成功",
            "denied" => "拒否",
            "failed" => "失敗",
            _ => "不明",
        }
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ctx: Layout,
    q: AuditQuery,
    /// (value, label, selected) for the outcome select.
    outcomes: Vec<(&'static str, &'static str, bool)>,
    lines: Vec<AuditLine>,
    error: Option<String>,
    /// The link to the next (older) page, if there is one.
    older: Option<String>,
    csv: String,
    filtered: bool,
    retention: crate::retention::RetentionSummary,
}

/// GET /admin/audit: the search form and a page of rows, newest first, paged by id.
pub async fn audit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Result<Response, WebError> {
    let (lines, older, error) = match q.filter() {
        Ok(mut filter) => {
            filter.limit = PAGE_ROWS + 1;
            let mut rows = nimo_store::audit::search(&state.db, &filter).await?;
            let more = rows.len() as i64 > PAGE_ROWS;
            rows.truncate(PAGE_ROWS as usize);
            let older = match (more, rows.last()) {
                (true, Some(last)) => {
                    let query = q.query_string();
                    let sep = if query.is_empty() { "" } else { "&" };
                    Some(format!("/admin/audit?{query}{sep}before={}", last.id))
                }
                _ => None,
            };
            let lines = rows.into_iter().map(|row| AuditLine { at: crate::display::jst_second(row.at), row }).collect();
            (lines, older, None)
        }
        Err(message) => (Vec::new(), None, Some(message)),
    };
    let query = q.query_string();
    let csv = if query.is_empty() { "/admin/audit.csv".to_string() } else { format!("/admin/audit.csv?{query}") };
    let outcomes = [("", "すべて"), ("ok", "成功"), ("denied", "拒否"), ("failed", "失敗")]
        .into_iter()
        .map(|(value, label)| (value, label, q.outcome.trim() == value))
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let filtered = !q.pairs().is_empty();
    let retention = crate::retention::summary(&state).await?;
    let page = AuditPage { ctx: Layout::of(&ctx), q, outcomes, lines, error, older, csv, filtered, retention };
    Ok((status, Html(page.render()?)).into_response())
}

/// GET /admin/audit.csv: every row the search selects (not just one page), oldest first, as CSV
/// with BOM. The download is itself audited, before any row leaves.
pub async fn audit_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let mut filter = q.filter().map_err(WebError::BadRequest)?;
    filter.before_id = None;
    filter.oldest_first = true;
    filter.limit = nimo_store::audit::BATCH;
    let mut rows = Vec::new();
    loop {
        let batch = nimo_store::audit::search(&state.db, &filter).await?;
        let Some(last) = batch.last() else { break };
        filter.after_id = Some(last.id);
        let full = batch.len() as i64 == filter.limit;
        rows.extend(batch);
        if rows.len() > MAX_CSV_ROWS {
            return Err(WebError::BadRequest(format!(
                "{MAX_CSV_ROWS} 行を超えるため CSV にできません。期間などで絞り込むか、サーバーで nimo audit export を使ってください"
            )));
        }
        if !full {
            break;
        }
    }
    let mut event = audit::event(&ctx.0, "export", Outcome::Ok).with_detail("csv");
    event.record_type = Some("audit".into());
    audit::before(&state.db, &event).await?;
    let today = crate::display::date_in_japan(OffsetDateTime::now_utc());
    let filename = format!("nimo-audit-{}.csv", today.to_string().replace('-', ""));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        nimo_store::audit::to_csv_labelled(&rows, |code| super::actions::label(code).to_string()),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_form_becomes_a_filter() {
        let q = AuditQuery {
            actor: " user:3 ".into(),
            outcome: "denied".into(),
            from: "2026-04-01".into(),
            to: "2026-04-01".into(),
            ..AuditQuery::default()
        };
        let filter = q.filter().unwrap();
        assert_eq!(filter.actor.as_deref(), Some("user:3"));
        assert_eq!(filter.action, None);
        assert_eq!(filter.outcome, Some(Outcome::Denied));
        let day = filter.to.unwrap() - filter.from.unwrap();
        assert_eq!(day, time::Duration::days(1), "the end date is included");
        assert_eq!(q.query_string(), "actor=user%3A3&outcome=denied&from=2026-04-01&to=2026-04-01");
        assert!(AuditQuery { from: "4/1".into(), ..AuditQuery::default() }.filter().is_err());
        assert!(AuditQuery { outcome: "maybe".into(), ..AuditQuery::default() }.filter().is_err());
    }
}
