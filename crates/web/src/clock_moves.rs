//! Moving a legal clock's deadline (`ClockMove`: the administrator only). The page lists every
//! running clock of a municipality by record number, rule, start and deadline (no person), each
//! with a form: the new deadline (Japan time), a reason from the fixed list
//! (`nimo_domain::clocks::MoveReason`, with what each means) and a note (sealed; required for
//! その他); below, every move made, newest first. A move is checked by the domain
//! (`clocks::check_move`: running clock, the count of moves the page showed, after the start, the
//! 許可状's limit) and written with its audit row in one transaction; a bad value comes back 422
//! naming its field, a stale page 409, and nothing changes. Reading the page (its notes) is
//! audited before it answers. A revert is another move.

use crate::audit;
use crate::clock_view::{ClockEntry, entries_in};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, NoticeQuery, PagePath, Submission, SummaryItem};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::clocks::{self, Move, MoveError, MoveReason};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::clock_moves::{self, ClockRecord, NewMove};
use time::OffsetDateTime;

/// The longest note.
const MAX_NOTE: usize = 1000;
/// How many past moves the page shows.
const HISTORY: i64 = 200;
/// The fields in the order the form shows them.
const FIELD_ORDER: &[&str] = &["seen", "record", "deadline", "reason", "note"];

/// A running clock with its form's hidden values.
struct MovableRow {
    key: String,
    record: String,
    label: String,
    rule: &'static str,
    rule_id: &'static str,
    started: String,
    started_unix: i64,
    deadline: String,
    state_label: &'static str,
    seen: u32,
    /// The current deadline as the form's default (`2026-12-08T10:00`).
    value: String,
}

/// A past move as the history shows it.
struct HistoryRow {
    at: String,
    record: String,
    rule: String,
    from: String,
    to: String,
    reason: &'static str,
    note: String,
    actor: String,
}

#[derive(Template)]
#[template(path = "clock_moves.html")]
struct MovesPage {
    ctx: Layout,
    code: String,
    rows: Vec<MovableRow>,
    history: Vec<HistoryRow>,
    reasons: Vec<(&'static str, &'static str, &'static str)>,
    errors: Errors,
    summary: Vec<SummaryItem>,
    /// The clock whose form failed (`record|rule|start`), and what was typed.
    failed: String,
    typed: MoveForm,
    /// Whether the failed form's clock is no longer listed (stopped, or not a clock at all).
    failed_gone: bool,
    saved: bool,
}

impl MovesPage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

/// The form as posted.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveForm {
    #[serde(default)]
    record: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    started: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

impl MoveForm {
    fn key(&self) -> String {
        format!("{}|{}|{}", self.record, self.rule, self.started)
    }
}

fn japan_minute_value(at: OffsetDateTime) -> String {
    let local = at.to_offset(clocks::JST);
    nimo_domain::calendar::local_minute_text(time::PrimitiveDateTime::new(local.date(), local.time()))
}

fn movable(entry: &ClockEntry, now: OffsetDateTime) -> Option<MovableRow> {
    let record = entry.record?;
    let c = &entry.clock;
    let row = crate::clock_view::ClockRow::of_clock(c, now);
    Some(MovableRow {
        key: format!("{}|{}|{}", record.key(), c.rule.id, c.started_at.unix_timestamp()),
        record: record.key(),
        label: entry.label.clone(),
        rule: c.rule.label,
        rule_id: c.rule.id,
        started: crate::display::jst_minute(c.started_at),
        started_unix: c.started_at.unix_timestamp(),
        deadline: row.deadline,
        state_label: row.state_label,
        seen: c.moved.map_or(0, |m| m.count),
        value: c.deadline.map(japan_minute_value).unwrap_or_default(),
    })
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    errors: Errors,
    typed: MoveForm,
    saved: bool,
) -> Result<MovesPage, WebError> {
    let now = state.clock.now();
    let entries = entries_in(state, code.as_str(), None, now).await?;
    let history = clock_moves::history(&state.db, code.as_str(), HISTORY).await?;
    let read = audit::event(&ctx.0, "read", Outcome::Ok).with_record("clock_move", code.as_str());
    audit::before(&state.db, &read).await?;
    // Most urgent first, as the board orders them.
    let mut running: Vec<&ClockEntry> =
        entries.iter().filter(|e| e.clock.state_at(now) != clocks::ClockState::Stopped).collect();
    running.sort_by_key(|e| (e.clock.state_at(now), e.clock.deadline));
    let rows: Vec<MovableRow> = running.into_iter().filter_map(|e| movable(e, now)).collect();
    let failed_gone = !errors.is_empty() && !rows.iter().any(|r| r.key == typed.key());
    let label_of =
        |r: &str| clocks::RULES.iter().find(|rule| rule.id == r).map_or(r.to_string(), |rule| rule.label.into());
    let summary = crate::pages::summary(&errors, FIELD_ORDER, |name| format!("move-{name}"));
    Ok(MovesPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        rows,
        history: history
            .into_iter()
            .map(|h| HistoryRow {
                at: crate::display::jst_minute(h.at),
                record: h.record.key(),
                rule: label_of(&h.movement.rule),
                from: clocks::deadline_text(h.movement.from),
                to: clocks::deadline_text(h.movement.to),
                reason: h.movement.reason.label(),
                note: h.note,
                actor: h.actor,
            })
            .collect(),
        reasons: MoveReason::ALL.iter().map(|r| (r.code(), r.label(), r.meaning())).collect(),
        summary,
        errors,
        failed: typed.key(),
        typed,
        failed_gone,
        saved,
    })
}

/// GET /municipalities/{code}/clocks/moves
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let saved = query.notice.as_deref() == Some("saved");
    Ok(Html(page(&state, &ctx, &code, Errors::new(), MoveForm::default(), saved).await?.render()?))
}

/// What the form gives once every value reads.
struct Parsed {
    record: ClockRecord,
    started_at: OffsetDateTime,
    seen: u32,
    to: OffsetDateTime,
    reason: MoveReason,
}

fn parse(form: &MoveForm, errors: &mut Errors) -> Option<Parsed> {
    let record = ClockRecord::parse(&form.record);
    let started_at = form.started.parse::<i64>().ok().and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok());
    let seen = form.seen.parse::<u32>().ok();
    if record.is_none() || started_at.is_none() || seen.is_none() || form.rule.is_empty() {
        errors.insert("record".into(), "期限: 動かす期限を一覧から選んでください".into());
    }
    let to = nimo_domain::calendar::parse_local_minute(form.deadline.trim()).map(|t| t.assume_offset(clocks::JST));
    if to.is_none() {
        errors.insert(
            "deadline".into(),
            "新しい期限: 日時を「2026-12-08T10:00」の形（日本時間）で入力してください".into(),
        );
    }
    let reason = MoveReason::parse(&form.reason);
    if reason.is_none() {
        errors.insert("reason".into(), "理由: 一覧から選んでください".into());
    }
    if form.note.chars().count() > MAX_NOTE {
        errors.insert("note".into(), format!("備考: {MAX_NOTE}字以内にしてください"));
    }
    if !errors.is_empty() {
        return None;
    }
    Some(Parsed { record: record?, started_at: started_at?, seen: seen?, to: to?, reason: reason? })
}

/// POST /municipalities/{code}/clocks/moves: checks the move and writes it with its audit row, or
/// shows the page again with the reason (422; 409 when the page was stale).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(form): Submission<MoveForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(p) = parse(&form, &mut errors) {
        let now = state.clock.now();
        let entries = entries_in(&state, code.as_str(), None, now).await?;
        let found = entries.iter().find(|e| {
            e.record == Some(p.record)
                && e.clock.rule.id == form.rule
                && e.clock.started_at.unix_timestamp() == p.started_at.unix_timestamp()
        });
        let checked = match found {
            None => Err(MoveError::Stale),
            Some(e) => clocks::check_move(&e.clock, p.seen, p.to, p.reason, &form.note, now).map(|()| e),
        };
        match checked {
            Err(e) => {
                if e == MoveError::Stale {
                    status = StatusCode::CONFLICT;
                }
                errors.insert(e.field().into(), e.message().into());
            }
            Ok(entry) => {
                let movement = Move {
                    rule: form.rule.clone(),
                    // The clock's own start, as stored with every move of it.
                    started_at: entry.clock.started_at,
                    seq: p.seen + 1,
                    from: entry.clock.deadline.unwrap_or(p.to),
                    to: p.to,
                    reason: p.reason,
                };
                let new =
                    NewMove { municipality: code.to_string(), record: p.record, movement, note: form.note.clone() };
                let actor = audit::actor_of(&ctx.0);
                let event = audit::event(&ctx.0, "clock_move", Outcome::Ok);
                match clock_moves::add(&state.db, &new, &actor, event).await {
                    Ok(_) => {
                        let to = format!("/municipalities/{code}/clocks/moves?notice=saved");
                        return Ok(Redirect::to(&to).into_response());
                    }
                    Err(StoreError::StaleRevision(_)) => {
                        status = StatusCode::CONFLICT;
                        errors.insert("seen".into(), MoveError::Stale.message().into());
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        }
    }
    let page = page(&state, &ctx, &code, errors, form, false).await?;
    Ok((status, Html(page.render()?)).into_response())
}
