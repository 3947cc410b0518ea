//! How long each free-text field of case work may be, and whether it may break lines: the 23条通報
//! intake, the person's fields (at intake and when a 本人不明 case is identified), the steps of a
//! case and outreach visits. Keyed by the form field's name; checked by
//! [`TextRule::problems`](crate::text::TextRule::problems), the sheet's own rules.

use crate::text::TextRule;

/// The 事例一覧 search's typed criteria (the kana as long as the person's own).
pub const SEARCH: &[(&str, TextRule)] =
    &[("reception", TextRule::line(20)), ("kana", TextRule::line(100)), ("district", TextRule::line(100))];

/// The person's fields, at intake and when identifying the person of a case.
pub const PERSON: &[(&str, TextRule)] = &[
    ("name_kana", TextRule::line(100)),
    ("name_kanji", TextRule::line(100)),
    ("address", TextRule::line(200)),
    ("contact", TextRule::line(200)),
];

/// The report's own fields at intake (the person's are [`PERSON`]).
pub const INTAKE: &[(&str, TextRule)] = &[
    ("police_station", TextRule::line(100)),
    ("district", TextRule::line(50)),
    ("circumstances", TextRule::lines(4_000)),
];

/// A step of a case: its note, the hospital of a 措置診察, the reason for holding.
pub const CASE_STEP: &[(&str, TextRule)] =
    &[("note", TextRule::lines(4_000)), ("hospital", TextRule::line(100)), ("reason", TextRule::line(200))];

/// An outreach visit's note.
pub const VISIT: &[(&str, TextRule)] = &[("note", TextRule::lines(4_000))];
