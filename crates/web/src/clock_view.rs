//! Legal clocks as pages show them, shared by the admission page, the case page, the worklist,
//! the staff start page and the clock board: a row per clock (label, article, deadline in JST,
//! time left, state, 要確認 where the rule is not verified), and the board, which takes a list of
//! [`ClockEntry`] (link, label, clock) from every source — admissions and 市町村長同意 requests —
//! and orders them as `clocks::board` does.

use crate::{AppState, WebError};
use nimo_domain::clocks::{self, Clock, ClockState, Move, Verification};
use nimo_store::admissions::{self, Admission};
use nimo_store::clock_moves::{self, ClockRecord};
use std::collections::HashMap;
use time::OffsetDateTime;

/// One clock of the board, from whichever record it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct ClockEntry {
    /// Where the record is (the admission's page).
    pub link: String,
    /// What staff call the record: the case's 受付番号, or `入院 #12`.
    pub label: String,
    /// The clock.
    pub clock: Clock,
    /// The record the clock belongs to (for moves of its deadline).
    pub record: Option<ClockRecord>,
}

/// A clock as a table row.
#[derive(Debug, Clone)]
pub(crate) struct ClockRow {
    pub link: String,
    pub label: String,
    pub rule: &'static str,
    pub article: String,
    pub deadline: String,
    pub left: String,
    pub state: &'static str,
    pub state_label: &'static str,
    /// What is still to be checked, when the rule is 要確認.
    pub unverified: Option<&'static str>,
    /// When it stopped (JST), for stopped clocks.
    pub stopped: String,
}

impl ClockRow {
    fn of(entry: &ClockEntry, now: OffsetDateTime) -> Self {
        ClockRow { link: entry.link.clone(), label: entry.label.clone(), ..Self::of_clock(&entry.clock, now) }
    }

    /// A clock of the record the page shows (no link or record label: the page names the record).
    pub(crate) fn of_clock(c: &Clock, now: OffsetDateTime) -> Self {
        let state = c.state_at(now);
        ClockRow {
            link: String::new(),
            label: String::new(),
            rule: c.rule.label,
            article: c.rule.article_label(),
            deadline: crate::display::clock_deadline(c),
            left: if state == ClockState::Stopped { String::new() } else { c.time_left_text(now).unwrap_or_default() },
            state: state.code(),
            state_label: state.label(),
            unverified: match c.rule.verification {
                Verification::Confirmed => None,
                Verification::Unconfirmed(what) => Some(what),
            },
            stopped: c.stopped_at.map(crate::display::jst_minute).unwrap_or_default(),
        }
    }

    /// Whether the clock is overdue.
    pub fn overdue(&self) -> bool {
        self.state == ClockState::Overdue.code()
    }

    /// Whether the clock is overdue or due soon (marked on lists).
    pub fn urgent(&self) -> bool {
        self.overdue() || self.state == ClockState::DueSoon.code()
    }
}

/// Whether any row's rule is 要確認 (the table then says what that means).
pub(crate) fn any_unverified(rows: &[ClockRow]) -> bool {
    rows.iter().any(|r| r.unverified.is_some())
}

/// The label of an admission on the board: its case's 受付番号, or its own number.
pub(crate) fn admission_label(a: &Admission) -> String {
    a.reception.clone().unwrap_or_else(|| format!("入院 #{}", a.id))
}

/// Every clock of an admission as board entries.
pub(crate) fn admission_entries(a: &Admission) -> Vec<ClockEntry> {
    let link = format!("/municipalities/{}/admissions/{}", a.municipality, a.id);
    let label = admission_label(a);
    let record = Some(ClockRecord::Admission(a.id));
    a.clocks().into_iter().map(|clock| ClockEntry { link: link.clone(), label: label.clone(), clock, record }).collect()
}

/// Puts the moves an administrator made on the entries' clocks (`clocks::apply_moves`).
pub(crate) fn apply_moves(entries: &mut [ClockEntry], moves: &[(ClockRecord, Move)]) {
    for entry in entries.iter_mut() {
        let Some(record) = entry.record else { continue };
        let mine: Vec<Move> = moves.iter().filter(|(r, _)| *r == record).map(|(_, m)| m.clone()).collect();
        clocks::apply_moves(std::slice::from_mut(&mut entry.clock), &mine);
    }
}

/// The entries with the moves of a municipality's clocks put on them.
pub(crate) async fn moved(
    state: &AppState,
    municipality: &str,
    mut entries: Vec<ClockEntry>,
) -> Result<Vec<ClockEntry>, WebError> {
    let moves = clock_moves::of_municipality(&state.db, municipality).await?;
    apply_moves(&mut entries, &moves);
    Ok(entries)
}

/// The running clocks of `entries` at `now`, most urgent first (`clocks::board`'s order).
pub(crate) fn board(entries: &[ClockEntry], now: OffsetDateTime) -> Vec<ClockRow> {
    let all: Vec<Clock> = entries.iter().map(|e| e.clock.clone()).collect();
    let index: HashMap<usize, usize> =
        all.iter().enumerate().map(|(i, c)| (std::ptr::from_ref(c) as usize, i)).collect();
    clocks::board(&all, now)
        .into_iter()
        .filter_map(|c| index.get(&(std::ptr::from_ref(c) as usize)))
        .map(|&i| ClockRow::of(&entries[i], now))
        .collect()
}

/// Every clock of `entries` (stopped ones too), running ones first in board order.
pub(crate) fn all_rows(entries: &[ClockEntry], now: OffsetDateTime) -> Vec<ClockRow> {
    let mut rows = board(entries, now);
    rows.extend(entries.iter().filter(|e| e.clock.state_at(now) == ClockState::Stopped).map(|e| ClockRow::of(e, now)));
    rows
}

/// The board entries of a municipality (one 地区 when given): the clocks of its open admissions
/// of its open 市町村長同意 requests, and of the police 保護 of its open cases.
pub(crate) async fn entries_in(
    state: &AppState,
    municipality: &str,
    district: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<ClockEntry>, WebError> {
    let open = admissions::open_in(&state.db, municipality, district, now).await?;
    let mut entries: Vec<ClockEntry> = open.iter().flat_map(admission_entries).collect();
    let consents = nimo_store::consents::running_clocks(&state.db, municipality, district, now).await?;
    entries.extend(consents.into_iter().map(|c| {
        let record = c.link.rsplit('/').next().and_then(|id| id.parse().ok()).map(ClockRecord::Consent);
        ClockEntry { link: c.link, label: c.label, clock: c.clock, record }
    }));
    entries.extend(protection_entries(state, municipality, district).await?);
    moved(state, municipality, entries).await
}

/// The police 保護 clocks of a municipality's open cases (one 地区 when given) as board entries.
async fn protection_entries(
    state: &AppState,
    municipality: &str,
    district: Option<&str>,
) -> Result<Vec<ClockEntry>, WebError> {
    let found = nimo_store::cases::protection::running(&state.db, municipality, district).await?;
    Ok(found
        .into_iter()
        .map(|c| ClockEntry {
            link: format!("/municipalities/{municipality}/cases/{}#protection", c.case_id),
            label: c.reception,
            clock: c.clock,
            record: Some(ClockRecord::Case(c.case_id)),
        })
        .collect())
}

/// The cases of a municipality (one 地区 when given) with an overdue legal clock, for the marks of
/// the worklist.
pub(crate) async fn overdue_cases(
    state: &AppState,
    municipality: &str,
    district: Option<&str>,
    now: OffsetDateTime,
) -> Result<std::collections::HashSet<i64>, WebError> {
    let open = admissions::open_in(&state.db, municipality, district, now).await?;
    let case_of: HashMap<i64, i64> = open.iter().filter_map(|a| a.case_id.map(|case| (a.id, case))).collect();
    let mut entries: Vec<ClockEntry> = open.iter().flat_map(admission_entries).collect();
    entries.extend(protection_entries(state, municipality, district).await?);
    let entries = moved(state, municipality, entries).await?;
    Ok(entries
        .iter()
        .filter(|e| e.clock.state_at(now) == ClockState::Overdue)
        .filter_map(|e| match e.record {
            Some(ClockRecord::Case(id)) => Some(id),
            Some(ClockRecord::Admission(id)) => case_of.get(&id).copied(),
            _ => None,
        })
        .collect())
}
