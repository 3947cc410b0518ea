//! The 協議の場 and the other bodies of the network (its 部会, 連絡会, アドバイザー会議), their
//! members, meetings, decisions and action items: the code lists, the text limits, 第n回 titles,
//! and the section-3 line a held meeting proposes.
//!
//! Members act for organisations (no 要配慮個人情報); their contact details are shown to staff
//! only (web decides by the policy, not here).

use crate::sheet::{HistoryEvent, RecordKind, RecordRef};
use crate::text::TextRule;
use crate::{FiscalYear, PartialDate};

macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in the order lists show them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The code stored and exchanged.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The value named by its code.
            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// As staff read it.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }
    };
}

code_list! {
    /// What kind of body it is.
    BodyKind {
        /// 保健・医療・福祉関係者による協議の場 (section 4 ① counts its meetings).
        KyogiNoBa = "kyogi_no_ba", "協議の場";
        /// A 部会 of a body.
        Bukai = "bukai", "部会";
        /// A 連絡会 (関係所管連絡会, 関係機関連絡会).
        Renrakukai = "renrakukai", "連絡会";
        /// アドバイザー会議 (構築支援事業's アドバイザー合同会議 and the like).
        Advisor = "advisor", "アドバイザー会議";
        /// Any other body.
        Other = "other", "その他の会議体";
    }
}

code_list! {
    /// The sector a member acts for.
    Sector {
        /// 保健.
        Health = "health", "保健";
        /// 医療.
        Medical = "medical", "医療";
        /// 福祉.
        Welfare = "welfare", "福祉";
        /// 家族会.
        Family = "family", "家族";
        /// ピアサポート.
        Peer = "peer", "当事者・ピア";
        /// 行政.
        Administration = "administration", "行政";
        /// 警察 (never for crime prevention; a member of the forum as such).
        Police = "police", "警察";
        /// 学識経験者.
        Academic = "academic", "学識経験者";
        /// その他.
        Other = "other", "その他";
    }
}

code_list! {
    /// How a meeting is (or was to be) held.
    MeetingFormat {
        /// 対面.
        InPerson = "in_person", "対面";
        /// オンライン.
        Online = "online", "オンライン";
        /// 書面開催 (counts as held: section 4 ① counts it).
        Written = "written", "書面開催";
    }
}

code_list! {
    /// Where a meeting stands.
    MeetingStatus {
        /// 予定.
        Planned = "planned", "予定";
        /// 開催済み.
        Held = "held", "開催済み";
        /// 中止.
        Cancelled = "cancelled", "中止";
    }
}

code_list! {
    /// Where an action item stands.
    ActionStatus {
        /// 未着手.
        Open = "open", "未着手";
        /// 対応中.
        InProgress = "in_progress", "対応中";
        /// 完了.
        Done = "done", "完了";
        /// 取りやめ.
        Dropped = "dropped", "取りやめ";
    }
}

impl ActionStatus {
    /// Whether the item is still to be done (an overdue one is marked).
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// The text limits of a body and a member, keyed by form field.
pub const BODY_TEXTS: &[(&str, TextRule)] = &[("name", TextRule::line(100))];
/// A member's texts.
pub const MEMBER_TEXTS: &[(&str, TextRule)] = &[
    ("name", TextRule::line(60)),
    ("organisation", TextRule::line(100)),
    ("position", TextRule::line(60)),
    ("contact", TextRule::line(200)),
];
/// A meeting's texts; `decisions` is one decision per line.
pub const MEETING_TEXTS: &[(&str, TextRule)] = &[
    ("title", TextRule::line(150)),
    ("place", TextRule::line(100)),
    ("agenda", TextRule::lines(4_000)),
    ("minutes", TextRule::lines(20_000)),
    ("decisions", TextRule::lines(4_000)),
    ("schedule_item", TextRule::line(100)),
];
/// An action item's texts.
pub const ACTION_TEXTS: &[(&str, TextRule)] = &[("title", TextRule::line(200)), ("owner", TextRule::line(100))];

/// The fields that must not be empty (a meeting's title may be: it then gets
/// [`default_title`]).
pub const REQUIRED: &[&str] = &["name", "organisation", "title", "owner"];

/// Every problem of a text field under its rule (and, for a required field, emptiness), in
/// Japanese; empty when it is fine.
pub fn text_problems(rules: &[(&str, TextRule)], field: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if REQUIRED.contains(&field) && rules != MEETING_TEXTS && text.trim().is_empty() {
        problems.push("入力してください".to_string());
    }
    if let Some((_, rule)) = rules.iter().find(|(name, _)| *name == field) {
        problems.extend(rule.problems(text));
    }
    problems
}

/// The title a meeting gets when none is typed: 令和4年度第1回目黒区精神保健福祉医療推進協議会.
pub fn default_title(fiscal_year: FiscalYear, seq: i64, body_name: &str) -> String {
    format!("{}第{seq}回{body_name}", fiscal_year.wareki())
}

/// The fiscal year a meeting held on this day belongs to.
pub fn fiscal_year_of(held_on: time::Date) -> FiscalYear {
    FiscalYear::of_date(held_on.year(), u8::from(held_on.month()))
}

/// What section 3 needs of a held meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldMeeting {
    /// The meeting's id.
    pub id: i64,
    /// The day it was held (or, 書面開催, its 締切).
    pub held_on: time::Date,
    /// Its title (令和4年度第1回目黒区精神保健福祉医療推進協議会).
    pub title: String,
    /// How it was held.
    pub format: MeetingFormat,
}

/// The section-3 line a held meeting proposes: its month, 「{title}を開催」, and 「（書面開催）」
/// when it was held in writing, tied to the meeting.
pub fn history_line(meeting: &HeldMeeting) -> HistoryEvent {
    let written = if meeting.format == MeetingFormat::Written { "（書面開催）" } else { "" };
    HistoryEvent {
        date: PartialDate::month(meeting.held_on.year(), u8::from(meeting.held_on.month())),
        text: format!("{}を開催{written}", meeting.title),
        record: Some(RecordRef { kind: RecordKind::Meeting, id: meeting.id }),
    }
}

/// Section 3 with the held meetings' lines: the lines already tied to a meeting stay as they
/// are (edited text included); a typed line whose date and text equal a meeting's proposed line
/// is tied to that meeting; every other meeting adds its line. Typed lines stay. The result is
/// in date order (a stable sort: lines of one month keep their order).
pub fn propose_history(history: &[HistoryEvent], meetings: &[HeldMeeting]) -> Vec<HistoryEvent> {
    let mut lines: Vec<HistoryEvent> = history.to_vec();
    for meeting in meetings {
        let proposed = history_line(meeting);
        if lines.iter().any(|l| l.record == proposed.record) {
            continue;
        }
        match lines.iter_mut().find(|l| l.record.is_none() && l.date == proposed.date && l.text == proposed.text) {
            Some(typed) => typed.record = proposed.record,
            None => lines.push(proposed),
        }
    }
    lines.sort_by_key(|l| l.date.iso());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(id: i64, on: time::Date, title: &str, format: MeetingFormat) -> HeldMeeting {
        HeldMeeting { id, held_on: on, title: title.into(), format }
    }

    #[test]
    fn codes_round_trip_and_a_written_meeting_says_so() {
        for kind in BodyKind::ALL {
            assert_eq!(BodyKind::parse(kind.code()), Some(*kind));
        }
        assert_eq!(ActionStatus::parse("in_progress"), Some(ActionStatus::InProgress));
        assert_eq!(MeetingFormat::parse("paper"), None);
        let title = default_title(FiscalYear(2021), 1, "目黒区精神保健福祉医療推進協議会");
        assert_eq!(title, "令和3年度第1回目黒区精神保健福祉医療推進協議会");
        let line = history_line(&meeting(7, time::macros::date!(2022 - 01 - 20), &title, MeetingFormat::Written));
        assert_eq!(line.date.iso(), "2022-01");
        assert_eq!(line.text, "令和3年度第1回目黒区精神保健福祉医療推進協議会を開催（書面開催）");
        assert_eq!(line.record, Some(RecordRef { kind: RecordKind::Meeting, id: 7 }));
        assert_eq!(fiscal_year_of(time::macros::date!(2022 - 01 - 20)), FiscalYear(2021));
    }

    #[test]
    fn a_proposal_keeps_typed_lines_ties_equal_ones_and_adds_the_rest_in_date_order() {
        let typed = |date: PartialDate, text: &str| HistoryEvent { date, text: text.into(), record: None };
        let history = vec![
            typed(PartialDate::month(2021, 4), "協議会を設置"),
            typed(PartialDate::month(2022, 7), "令和4年度第1回協議会を開催"),
        ];
        let meetings = [
            meeting(2, time::macros::date!(2022 - 07 - 12), "令和4年度第1回協議会", MeetingFormat::InPerson),
            meeting(1, time::macros::date!(2021 - 10 - 05), "連絡会", MeetingFormat::Online),
        ];
        let lines = propose_history(&history, &meetings);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["協議会を設置", "連絡会を開催", "令和4年度第1回協議会を開催"]);
        assert_eq!(lines[0].record, None);
        assert_eq!(lines[2].record.map(|r| r.id), Some(2), "the equal typed line is tied, not doubled");
        let again = propose_history(&lines, &meetings);
        assert_eq!(again, lines, "a second proposal adds nothing");
    }
}
