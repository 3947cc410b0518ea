//! Section 6 planned against what happened. A schedule row is fulfilled by the meetings and
//! events **held** in the row's month whose schedule item (`schedule_item`, chosen on their form
//! from the sheet's rows) is the row's 実施する項目, compared after NFKC without spaces; planned
//! and cancelled records never fulfil a row. The calendar lays the fiscal year out month by
//! month: each planned row done, slipped (its month is over and nothing was held) or still to
//! come, and every meeting and event of the month, marked when no row of the month plans it.

use super::HeldStatus;
use crate::FiscalYear;
use crate::calendar::PartialDate;
use crate::sheet::{Happened, RecordRef, ScheduleRow};
use time::Date;

/// A meeting or event of the fiscal year, as the schedule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The record.
    pub record: RecordRef,
    /// The day it is (or was) held.
    pub on: Date,
    /// Its title.
    pub title: String,
    /// The 実施する項目 of section 6 it fulfils (empty: none).
    pub schedule_item: String,
    /// Planned, held or cancelled.
    pub status: HeldStatus,
}

/// Whether two 実施する項目 name the same row: equal after NFKC with every space removed
/// (「普及啓発（区民・当事者・家族）」 and 「普及啓発(区民・当事者・家族)」 match); an empty item
/// matches nothing.
pub fn same_item(a: &str, b: &str) -> bool {
    let key = |text: &str| crate::text::nfkc(text).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let (a, b) = (key(a), key(b));
    !a.is_empty() && a == b
}

fn fulfils(occurrence: &Occurrence, row: &ScheduleRow) -> bool {
    occurrence.status == HeldStatus::Held
        && row.month.month == Some(u8::from(occurrence.on.month()))
        && row.month.year == occurrence.on.year()
        && same_item(&row.item, &occurrence.schedule_item)
}

/// Fills every row's `done` with the occurrences that fulfil it, by date (what was there
/// before is replaced).
pub fn fill_done(schedule: &mut [ScheduleRow], occurrences: &[Occurrence]) {
    for row in schedule.iter_mut() {
        let mut done: Vec<&Occurrence> = occurrences.iter().filter(|o| fulfils(o, row)).collect();
        done.sort_by_key(|o| (o.on, o.record.id));
        row.done = done
            .into_iter()
            .map(|o| Happened {
                record: o.record,
                on: PartialDate { year: o.on.year(), month: Some(u8::from(o.on.month())), day: Some(o.on.day()) },
                title: o.title.clone(),
            })
            .collect();
    }
}

/// Where a planned row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Something held fulfils it (実施済).
    Done,
    /// Its month is over and nothing fulfils it (未実施).
    Slipped,
    /// Its month has not ended yet.
    Upcoming,
}

impl RowState {
    /// As the calendar and the sheet page write it (empty for a month still to come).
    pub fn label(self) -> &'static str {
        match self {
            RowState::Done => "実施済",
            RowState::Slipped => "未実施",
            RowState::Upcoming => "",
        }
    }
}

/// A planned row of the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    /// The row, its `done` filled.
    pub row: ScheduleRow,
    /// Where it stands.
    pub state: RowState,
}

/// One month of the fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarMonth {
    /// The calendar year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The planned rows of the month.
    pub rows: Vec<MonthRow>,
    /// Every meeting and event of the month by date, with whether a row of the month plans it
    /// (`false`: held or planned outside the schedule).
    pub records: Vec<(Occurrence, bool)>,
}

impl CalendarMonth {
    /// 4月, 12月, 1月: how the calendar names the month.
    pub fn label(&self) -> String {
        format!("{}月", self.month)
    }

    /// Whether the month is over on `today`.
    pub fn is_past(&self, today: Date) -> bool {
        (self.year, self.month) < (today.year(), u8::from(today.month()))
    }
}

/// Where a row stands on `today`.
pub fn state_of(row: &ScheduleRow, today: Date) -> RowState {
    if !row.done.is_empty() {
        return RowState::Done;
    }
    match row.month.month {
        Some(month) if (row.month.year, month) < (today.year(), u8::from(today.month())) => RowState::Slipped,
        _ => RowState::Upcoming,
    }
}

/// The fiscal year's twelve months, April first: the schedule's rows (their `done` filled here)
/// and the occurrences, each in its month.
pub fn calendar(
    fy: FiscalYear,
    schedule: &[ScheduleRow],
    occurrences: &[Occurrence],
    today: Date,
) -> Vec<CalendarMonth> {
    let mut filled = schedule.to_vec();
    fill_done(&mut filled, occurrences);
    fy.months()
        .map(|(year, month)| {
            let rows: Vec<MonthRow> = filled
                .iter()
                .filter(|r| r.month.year == year && r.month.month == Some(month))
                .map(|r| MonthRow { row: r.clone(), state: state_of(r, today) })
                .collect();
            let mut records: Vec<(Occurrence, bool)> = occurrences
                .iter()
                .filter(|o| o.on.year() == year && u8::from(o.on.month()) == month)
                .map(|o| {
                    let planned = rows.iter().any(|r| same_item(&r.row.item, &o.schedule_item));
                    (o.clone(), planned)
                })
                .collect();
            records.sort_by_key(|(o, _)| (o.on, o.record.kind.code(), o.record.id));
            CalendarMonth { year, month, rows, records }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::RecordKind;
    use time::macros::date;

    fn row(month: u8, item: &str) -> ScheduleRow {
        let year = if month >= 4 { 2022 } else { 2023 };
        ScheduleRow { month: PartialDate::month(year, month), item: item.into(), content: String::new(), done: vec![] }
    }

    fn event(id: i64, on: Date, item: &str, status: HeldStatus) -> Occurrence {
        Occurrence {
            record: RecordRef { kind: RecordKind::Event, id },
            on,
            title: format!("第{id}回"),
            schedule_item: item.into(),
            status,
        }
    }

    #[test]
    fn only_held_records_of_the_rows_month_and_item_fulfil_it() {
        let mut rows = vec![row(8, "普及啓発（区民・当事者・家族）"), row(11, "普及啓発")];
        let records = [
            event(1, date!(2022 - 08 - 20), "普及啓発(区民・当事者・家族)", HeldStatus::Held),
            event(2, date!(2022 - 08 - 21), "普及啓発（区民・当事者・家族）", HeldStatus::Cancelled),
            event(3, date!(2022 - 08 - 22), "普及啓発（区民・当事者・家族）", HeldStatus::Planned),
            event(4, date!(2022 - 09 - 01), "普及啓発（区民・当事者・家族）", HeldStatus::Held),
            event(5, date!(2022 - 11 - 05), "普及啓発（関係機関）", HeldStatus::Held),
        ];
        fill_done(&mut rows, &records);
        assert_eq!(rows[0].done.len(), 1);
        assert_eq!(rows[0].done[0].record.id, 1);
        assert_eq!(rows[0].done[0].on.iso(), "2022-08-20");
        assert!(rows[1].done.is_empty(), "another item of the month does not count");
    }

    #[test]
    fn the_calendar_says_done_slipped_upcoming_and_unplanned() {
        let rows = vec![row(8, "普及啓発"), row(9, "アウトリーチ支援事業"), row(1, "協議の場")];
        let records = [
            event(1, date!(2022 - 08 - 20), "普及啓発", HeldStatus::Held),
            event(2, date!(2022 - 10 - 03), "", HeldStatus::Held),
        ];
        let months = calendar(FiscalYear(2022), &rows, &records, date!(2022 - 12 - 01));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].label(), "4月");
        assert_eq!(months[11].label(), "3月");
        assert_eq!(months[4].rows[0].state, RowState::Done);
        assert_eq!(months[5].rows[0].state, RowState::Slipped);
        assert_eq!(months[9].rows[0].state, RowState::Upcoming);
        assert_eq!(months[6].records.len(), 1);
        assert!(!months[6].records[0].1, "October's event is on no row");
        assert!(months[4].records[0].1);
    }

    #[test]
    fn an_empty_item_matches_nothing() {
        assert!(!same_item("", " "));
        assert!(same_item("協議の場", " 協議の場　"));
    }
}
