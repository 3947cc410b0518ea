//! Moving a clock's deadline: only an administrator, only with a coded reason from a fixed list
//! (`MoveReason`), and the clock keeps both dates. A move names the clock it moves by its rule and
//! the instant it started (what identifies a running clock of a record), the deadline it replaced
//! and the new one. [`apply`] sets each clock's deadline to that of its latest move and keeps the
//! computed one as [`Moved::original`]; a revert is one more move (history is kept). [`check`]
//! is the rule a move must pass before it is stored: a running clock, the number of moves the
//! mover saw (a stale page is refused), a deadline after the start, a note for その他, and for a
//! 許可状 the police 保護 clock only and no more than 5 days of extension in all (警職法3条4項).

use super::compute::{Clock, ClockState};
use time::{Duration, OffsetDateTime};

/// Why an administrator moves a deadline. Codes are stored; labels are what staff read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoveReason {
    /// 期間計算の誤り訂正: nimo (or its rule table) computed the period wrongly.
    CalculationError,
    /// 記録時刻の誤り訂正: the event that starts the clock was recorded at a wrong time and the
    /// record itself cannot be corrected any more (the move keeps the trace).
    RecordedTimeError,
    /// 裁判官の許可状による延長: police 保護 extended by a 簡易裁判所 judge's warrant.
    CourtWarrant,
    /// その他: anything else, with the reason written in the note.
    Other,
}

impl MoveReason {
    /// Every reason, in the order the form lists them.
    pub const ALL: [MoveReason; 4] =
        [MoveReason::CalculationError, MoveReason::RecordedTimeError, MoveReason::CourtWarrant, MoveReason::Other];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            MoveReason::CalculationError => "calculation_error",
            MoveReason::RecordedTimeError => "recorded_time_error",
            MoveReason::CourtWarrant => "court_warrant",
            MoveReason::Other => "other",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            MoveReason::CalculationError => "期間計算の誤り訂正",
            MoveReason::RecordedTimeError => "記録時刻の誤り訂正",
            MoveReason::CourtWarrant => "裁判官の許可状による延長（警職法3条3項ただし書）",
            MoveReason::Other => "その他（理由を記載）",
        }
    }

    /// What choosing it means.
    pub fn meaning(self) -> &'static str {
        match self {
            MoveReason::CalculationError => {
                "規則表または期間の数え方（民法の期間計算）の誤りで期限が違っていたのを正す。"
            }
            MoveReason::RecordedTimeError => {
                "期限の起点となる出来事の日時が誤って記録され、記録そのものを直せないため、期限を正しい時刻に合わせる。"
            }
            MoveReason::CourtWarrant => {
                "警察官の請求により簡易裁判所の裁判官が引き続き保護することを許可した（許可状）。警察官による保護の期限にのみ使え、延長は通じて5日まで（警職法3条4項）。"
            }
            MoveReason::Other => "上のどれにも当たらない。理由を備考に必ず書く。",
        }
    }

    /// The reason of a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether the note must say why.
    pub fn needs_note(self) -> bool {
        self == MoveReason::Other
    }
}

/// The rule a 許可状 may extend: the 24 hours of police 保護.
pub const WARRANT_RULE: &str = "police_protection";

/// The most police 保護 may last with its extension: 24 hours and, by warrant, no more than 5 days
/// in all (警察官職務執行法3条3項ただし書・4項「その延長に係る期間は、通じて五日をこえてはならない」).
pub const WARRANT_LIMIT: Duration = Duration::hours(24 + 5 * 24);

/// One stored move of a clock's deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The rule of the clock it moves.
    pub rule: String,
    /// The instant the clock started.
    pub started_at: OffsetDateTime,
    /// 1 for the first move of this clock, counting up.
    pub seq: u32,
    /// The deadline it replaced.
    pub from: OffsetDateTime,
    /// The new deadline.
    pub to: OffsetDateTime,
    /// Why.
    pub reason: MoveReason,
}

impl Move {
    /// Whether it moves this clock (the start compared to the second, as forms carry it).
    pub fn moves(&self, clock: &Clock) -> bool {
        self.rule == clock.rule.id && self.started_at.unix_timestamp() == clock.started_at.unix_timestamp()
    }
}

/// What a clock whose deadline was moved keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// The deadline the rule gives (before any move).
    pub original: Option<OffsetDateTime>,
    /// The reason of the latest move.
    pub reason: MoveReason,
    /// How many moves there were.
    pub count: u32,
}

/// Sets each clock's deadline to that of its latest move (highest `seq`), keeping the computed
/// one. Clocks are neither added nor removed, nor reordered.
pub fn apply(clocks: &mut [Clock], moves: &[Move]) {
    for clock in clocks.iter_mut() {
        let mine = moves.iter().filter(|m| m.moves(clock));
        let count = u32::try_from(mine.clone().count()).unwrap_or(u32::MAX);
        let Some(latest) = mine.max_by_key(|m| m.seq) else { continue };
        let original = clock.moved.map_or(clock.deadline, |m| m.original);
        clock.moved = Some(Moved { original, reason: latest.reason, count });
        clock.deadline = Some(latest.to);
    }
}

/// Why a move is refused; each names the form field it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    /// The clock is not running any more, or was moved since the page was read.
    #[error("the clock changed since it was read")]
    Stale,
    /// The new deadline is not after the clock's start.
    #[error("the new deadline is not after the start")]
    BeforeStart,
    /// The new deadline is the current one.
    #[error("the new deadline is the current one")]
    Unchanged,
    /// その他 without a note.
    #[error("the reason needs a note")]
    NoteRequired,
    /// A 許可状 on a clock other than police 保護's.
    #[error("a warrant extends police protection only")]
    WarrantNotPolice,
    /// A 許可状 that does not extend, or extends beyond 5 days in all.
    #[error("a warrant extends by at most 5 days in all")]
    WarrantLimit,
}

impl MoveError {
    /// The form field it is about.
    pub fn field(self) -> &'static str {
        match self {
            MoveError::Stale => "seen",
            MoveError::BeforeStart | MoveError::Unchanged | MoveError::WarrantLimit => "deadline",
            MoveError::NoteRequired => "note",
            MoveError::WarrantNotPolice => "reason",
        }
    }

    /// What is wrong, in Japanese, naming the field.
    pub fn message(self) -> &'static str {
        match self {
            MoveError::Stale => {
                "この期限は表示した後に変更されたか、すでに停止しています。画面を読み込み直してください。"
            }
            MoveError::BeforeStart => "新しい期限: 期限の起点（開始日時）より後の日時を入力してください。",
            MoveError::Unchanged => "新しい期限: 現在の期限と同じです。",
            MoveError::NoteRequired => "備考: 「その他」を選んだときは理由を書いてください。",
            MoveError::WarrantNotPolice => "理由: 許可状による延長は警察官による保護の期限にだけ使えます。",
            MoveError::WarrantLimit => {
                "新しい期限: 許可状による延長は現在の期限より後、保護の開始から通じて6日（24時間＋延長5日）以内にしてください（警職法3条4項）。"
            }
        }
    }
}

/// Checks a move of `clock` (with the moves already `applied`) at `now`: `seen` is the number of
/// moves the mover's page showed, `to` the new deadline.
pub fn check(
    clock: &Clock,
    seen: u32,
    to: OffsetDateTime,
    reason: MoveReason,
    note: &str,
    now: OffsetDateTime,
) -> Result<(), MoveError> {
    let count = clock.moved.map_or(0, |m| m.count);
    if clock.state_at(now) == ClockState::Stopped || count != seen {
        return Err(MoveError::Stale);
    }
    if to <= clock.started_at {
        return Err(MoveError::BeforeStart);
    }
    if clock.deadline == Some(to) {
        return Err(MoveError::Unchanged);
    }
    if reason.needs_note() && note.trim().is_empty() {
        return Err(MoveError::NoteRequired);
    }
    if reason == MoveReason::CourtWarrant {
        if clock.rule.id != WARRANT_RULE {
            return Err(MoveError::WarrantNotPolice);
        }
        let extends = clock.deadline.is_some_and(|current| to > current);
        if !extends || to > clock.started_at + WARRANT_LIMIT {
            return Err(MoveError::WarrantLimit);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Event, EventKind, RULES, compute};
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn police(start: OffsetDateTime) -> Clock {
        compute(&[Event::new(EventKind::PoliceProtection, start)], RULES).remove(0)
    }

    fn warrant(clock: &Clock, seq: u32, to: OffsetDateTime) -> Move {
        let from = clock.deadline.unwrap_or(to);
        Move {
            rule: clock.rule.id.into(),
            started_at: clock.started_at,
            seq,
            from,
            to,
            reason: MoveReason::CourtWarrant,
        }
    }

    #[test]
    fn a_warrant_moves_the_24_hours_and_the_clock_keeps_both_dates() {
        let start = datetime!(2026-12-06 10:00 +9);
        let now = start + Duration::hours(20);
        let mut clocks = vec![police(start)];
        let to = start + Duration::hours(72);
        assert_eq!(check(&clocks[0], 0, to, MoveReason::CourtWarrant, "", now), Ok(()));
        let extension = warrant(&clocks[0], 1, to);
        apply(&mut clocks, &[extension]);
        assert_eq!(clocks[0].deadline, Some(to));
        let moved = clocks[0].moved.unwrap();
        assert_eq!((moved.original, moved.count), (Some(start + Duration::hours(24)), 1));
        assert_eq!(clocks[0].state_at(start + Duration::hours(30)), ClockState::Running);
        // A page that saw no move is stale now.
        assert_eq!(
            check(&clocks[0], 0, to + Duration::hours(1), MoveReason::CourtWarrant, "", now),
            Err(MoveError::Stale)
        );
    }

    #[test]
    fn refusals_name_their_field() {
        let start = datetime!(2026-12-06 10:00 +9);
        let now = start + Duration::hours(1);
        let clock = police(start);
        let check_to = |to, reason, note| check(&clock, 0, to, reason, note, now);
        assert_eq!(
            check_to(start - Duration::minutes(1), MoveReason::CalculationError, ""),
            Err(MoveError::BeforeStart)
        );
        assert_eq!(check_to(start + Duration::hours(23), MoveReason::Other, " "), Err(MoveError::NoteRequired));
        assert_eq!(check_to(start + Duration::hours(23), MoveReason::Other, "誤入力"), Ok(()));
        let beyond = start + WARRANT_LIMIT + Duration::minutes(1);
        assert_eq!(check_to(beyond, MoveReason::CourtWarrant, ""), Err(MoveError::WarrantLimit));
        assert_eq!(check_to(start + WARRANT_LIMIT, MoveReason::CourtWarrant, ""), Ok(()));
        assert_eq!(check_to(start + Duration::hours(20), MoveReason::CourtWarrant, ""), Err(MoveError::WarrantLimit));
        assert_eq!(MoveError::WarrantLimit.field(), "deadline");
        assert_eq!(
            check(&clock, 0, clock.deadline.unwrap(), MoveReason::CalculationError, "", now),
            Err(MoveError::Unchanged)
        );
        let admitted = compute(
            &[Event::new(EventKind::Admission, start + Duration::hours(2))
                .entering(crate::beds::AdmissionType::KinkyuSochi, false)],
            RULES,
        );
        let kinkyu = &admitted[0];
        let to = kinkyu.started_at + Duration::hours(80);
        assert_eq!(check(kinkyu, 0, to, MoveReason::CourtWarrant, "", now), Err(MoveError::WarrantNotPolice));
        // A stopped clock cannot be moved.
        let ended = compute(
            &[
                Event::new(EventKind::PoliceProtection, start),
                Event::new(EventKind::ProtectionEnded, start + Duration::minutes(30)),
            ],
            RULES,
        );
        assert_eq!(
            check(&ended[0], 0, start + Duration::hours(2), MoveReason::CalculationError, "", now),
            Err(MoveError::Stale)
        );
        assert!(MoveReason::ALL.iter().all(|r| MoveReason::parse(r.code()) == Some(*r)));
        assert_eq!(MoveReason::parse("whim"), None);
    }

    proptest! {
        /// Whatever moves are applied, every clock is still there once, with its rule, instance,
        /// start and stop; only the deadline changes, and the computed one is kept.
        #[test]
        fn a_move_never_loses_or_duplicates_a_clock(
            events in super::super::props::any_events(),
            picks in proptest::collection::vec((any::<proptest::sample::Index>(), 1i64..20_000, 1u32..4), 0..12),
        ) {
            let computed = compute(&events, RULES);
            let moves: Vec<Move> = if computed.is_empty() { Vec::new() } else {
                picks.iter().map(|(index, minutes, seq)| {
                    let clock = index.get(&computed);
                    Move {
                        rule: clock.rule.id.into(),
                        started_at: clock.started_at,
                        seq: *seq,
                        from: clock.deadline.unwrap_or(clock.started_at),
                        to: clock.started_at + Duration::minutes(*minutes),
                        reason: MoveReason::CalculationError,
                    }
                }).collect()
            };
            let mut moved = computed.clone();
            apply(&mut moved, &moves);
            // Applying twice changes nothing more.
            let mut again = moved.clone();
            apply(&mut again, &moves);
            prop_assert_eq!(&again, &moved);
            prop_assert_eq!(moved.len(), computed.len());
            for (before, after) in computed.iter().zip(&moved) {
                prop_assert_eq!(before.rule.id, after.rule.id);
                prop_assert_eq!((before.instance, before.started_at, before.stopped_at), (after.instance, after.started_at, after.stopped_at));
                let mine: Vec<&Move> = moves.iter().filter(|m| m.moves(before)).collect();
                match mine.iter().max_by_key(|m| m.seq) {
                    None => prop_assert_eq!((after.deadline, after.moved), (before.deadline, None)),
                    Some(latest) => {
                        prop_assert_eq!(after.deadline, Some(latest.to));
                        prop_assert_eq!(after.moved.map(|m| (m.original, m.count)), Some((before.deadline, u32::try_from(mine.len()).unwrap())));
                    }
                }
            }
        }
    }
}
