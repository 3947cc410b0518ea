//! Walking a person's events in time order into clock instances, a clock's state at an instant,
//! and the board of running clocks, most urgent first.

use super::events::{Event, EventKind};
use super::rule::{Anchor, Rule, Start, Stop, rules_at};
use crate::beds::AdmissionType;
use std::cmp::Ordering;
use time::{Duration, OffsetDateTime};

/// Why a clock instance stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// One of the rule's stopping events (the duty was done, or the situation ended).
    Stopped,
    /// The rule's restarting event: the next instance follows (更新, the next report).
    Restarted,
    /// The rule started again and a new instance replaced this one.
    Replaced,
}

/// One instance of a rule's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// The rule version in force when this instance started.
    pub rule: &'static Rule,
    /// 0 for the first instance, counting up with each restart.
    pub instance: u32,
    /// The index (in the slice given to [`compute`]) of the event that started it.
    pub started_by: usize,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// What its length counts from (see [`Anchor`]).
    pub anchor: OffsetDateTime,
    /// The end of the period this instance stands for (before `ends_before`).
    pub period_end: Option<OffsetDateTime>,
    /// The instant it runs out; `None` when the rule's length is declared and none was.
    pub deadline: Option<OffsetDateTime>,
    /// The index of the event that stopped it.
    pub stopped_by: Option<usize>,
    /// When it stopped (always the stopping event's instant).
    pub stopped_at: Option<OffsetDateTime>,
    /// Why it stopped.
    pub stop_reason: Option<StopReason>,
    /// When an administrator moved its deadline: the computed one and why (`moves::apply`).
    pub moved: Option<super::moves::Moved>,
}

/// A clock's state at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClockState {
    /// 期限超過.
    Overdue,
    /// 期限間近.
    DueSoon,
    /// 進行中.
    Running,
    /// 期限未設定 (a declared length with nothing declared).
    NoDeadline,
    /// 停止.
    Stopped,
}

impl ClockState {
    /// The stored and API code.
    pub fn code(self) -> &'static str {
        match self {
            ClockState::Overdue => "overdue",
            ClockState::DueSoon => "due_soon",
            ClockState::Running => "running",
            ClockState::NoDeadline => "no_deadline",
            ClockState::Stopped => "stopped",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            ClockState::Overdue => "期限超過",
            ClockState::DueSoon => "期限間近",
            ClockState::Running => "進行中",
            ClockState::NoDeadline => "期限未設定",
            ClockState::Stopped => "停止",
        }
    }
}

impl Clock {
    /// The state at `now`: stopped from its stopping event on; otherwise by its deadline.
    pub fn state_at(&self, now: OffsetDateTime) -> ClockState {
        if self.stopped_at.is_some_and(|stopped| stopped <= now) {
            return ClockState::Stopped;
        }
        match self.deadline {
            None => ClockState::NoDeadline,
            Some(deadline) if now >= deadline => ClockState::Overdue,
            Some(deadline) if now >= self.rule.due_soon.before(deadline) => ClockState::DueSoon,
            Some(_) => ClockState::Running,
        }
    }

    /// The time left at `now` (negative once overdue).
    pub fn time_left(&self, now: OffsetDateTime) -> Option<Duration> {
        self.deadline.map(|deadline| deadline - now)
    }

    /// Whether it stopped only after its deadline had passed.
    pub fn stopped_late(&self) -> bool {
        matches!((self.stopped_at, self.deadline), (Some(stopped), Some(deadline)) if stopped > deadline)
    }
}

fn starts(rule: &Rule, event: &Event, left: Option<AdmissionType>, entered: Option<AdmissionType>) -> bool {
    rule.starts.iter().any(|start| match *start {
        Start::Event(kind) => kind == event.kind,
        Start::Enters { form, specified_doctor } => {
            entered == Some(form) && specified_doctor.is_none_or(|s| s == event.specified_doctor)
        }
        Start::Leaves(form) => left == Some(form),
    })
}

fn stops(rule: &Rule, event: &Event, left: Option<AdmissionType>) -> bool {
    rule.stops.iter().any(|stop| match *stop {
        Stop::Event(kind) => kind == event.kind,
        Stop::Leaves(form) => left == Some(form),
    })
}

/// Whether the event ends a rule's chain of instances (the situation it follows is over).
fn closes(rule: &Rule, left: Option<AdmissionType>) -> bool {
    rule.stops.iter().any(|stop| matches!(*stop, Stop::Leaves(form) if left == Some(form)))
}

fn instance(
    rule: &'static Rule,
    number: u32,
    index: usize,
    event: &Event,
    period_start: OffsetDateTime,
    anchor: OffsetDateTime,
) -> Clock {
    let period_end = rule.period_end(period_start, anchor, number, event.declared_end);
    let deadline = period_end.map(|end| rule.ends_before.map_or(end, |window| window.before(end)));
    Clock {
        rule,
        instance: number,
        started_by: index,
        started_at: event.at,
        anchor,
        period_end,
        deadline,
        stopped_by: None,
        stopped_at: None,
        stop_reason: None,
        moved: None,
    }
}

/// Every clock instance the events give under `table`, running or stopped. Events are taken in
/// time order (equal instants in the order given); each rule version is the one in force on the
/// JST date of the event that starts the instance.
pub fn compute(events: &[Event], table: &'static [Rule]) -> Vec<Clock> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].at);
    let mut clocks: Vec<Clock> = Vec::new();
    let mut form: Option<(AdmissionType, OffsetDateTime)> = None;
    let mut last: Vec<(EventKind, OffsetDateTime)> = Vec::new();
    // The latest instance of each rule whose chain is still open, for restarts.
    let mut chains: Vec<(&'static str, usize)> = Vec::new();
    for index in order {
        let event = &events[index];
        let current = form.map(|(f, _)| f);
        let (left, entered) = (event.leaves(current), event.enters(current));
        let starting: Vec<&'static Rule> =
            rules_at(table, event.at).filter(|r| starts(r, event, left, entered)).collect();
        for clock in clocks.iter_mut().filter(|c| c.stopped_by.is_none()) {
            let reason = if stops(clock.rule, event, left) {
                Some(StopReason::Stopped)
            } else if clock.rule.restarts_on == Some(event.kind) {
                Some(StopReason::Restarted)
            } else if starting.iter().any(|r| r.id == clock.rule.id) {
                Some(StopReason::Replaced)
            } else {
                None
            };
            if reason.is_some() {
                clock.stopped_by = Some(index);
                clock.stopped_at = Some(event.at);
                clock.stop_reason = reason;
            }
        }
        chains.retain(|(_, i)| !closes(clocks[*i].rule, left));
        if left.is_some() {
            form = None;
        }
        if let Some(f) = entered {
            form = Some((f, event.at));
        }
        let mut restarted: Vec<&'static str> = Vec::new();
        for chain in chains.iter_mut() {
            let previous = &clocks[chain.1];
            if previous.rule.restarts_on != Some(event.kind) {
                continue;
            }
            let Some(rule) = rules_at(table, event.at).find(|r| r.id == chain.0) else { continue };
            let period_start = if rule.chains { previous.period_end.unwrap_or(event.at) } else { event.at };
            let next = instance(rule, previous.instance + 1, index, event, period_start, previous.anchor);
            clocks.push(next);
            chain.1 = clocks.len() - 1;
            restarted.push(rule.id);
        }
        for rule in starting.into_iter().filter(|r| !restarted.contains(&r.id)) {
            let anchor = match rule.anchor {
                Anchor::Start => event.at,
                Anchor::FormEntry => form.map_or(event.at, |(_, at)| at),
                Anchor::Last(kind) => last.iter().rev().find(|(k, _)| *k == kind).map_or(event.at, |(_, at)| *at),
            };
            clocks.push(instance(rule, 0, index, event, event.at, anchor));
            chains.retain(|(id, _)| *id != rule.id);
            chains.push((rule.id, clocks.len() - 1));
        }
        last.push((event.kind, event.at));
    }
    clocks
}

/// The clocks running at `now`, most urgent first: overdue, due soon, running, then those
/// without a deadline; within a state the earliest deadline first.
pub fn board(clocks: &[Clock], now: OffsetDateTime) -> Vec<&Clock> {
    let mut running: Vec<(ClockState, &Clock)> = clocks
        .iter()
        .map(|c| (c.state_at(now), c))
        .filter(|(state, c)| *state != ClockState::Stopped && c.started_at <= now)
        .collect();
    running.sort_by(|(sa, a), (sb, b)| {
        sa.cmp(sb).then_with(|| match (a.deadline, b.deadline) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        })
    });
    running.into_iter().map(|(_, c)| c).collect()
}
