//! How long each free-text field of a 退院後支援計画 may be, and whether it may break lines:
//! opening a plan, its steps and its 支援会議. Keyed by the form field's name; checked by
//! [`TextRule::problems`](crate::text::TextRule::problems), the sheet's own rules.

use crate::text::TextRule;

/// Opening a plan (the consent answer's note, a 家族等's view).
pub const OPEN: &[(&str, TextRule)] = &[("note", TextRule::lines(4_000)), ("family_view", TextRule::lines(4_000))];

/// A step of a plan: its note, the contents, the reason for an extension, where it moves to.
pub const STEP: &[(&str, TextRule)] = &[
    ("note", TextRule::lines(4_000)),
    ("family_view", TextRule::lines(4_000)),
    ("contents", TextRule::lines(10_000)),
    ("reason", TextRule::line(200)),
    ("destination", TextRule::line(200)),
];

/// A 支援会議: who took part (one per line) and the minutes.
pub const MEETING: &[(&str, TextRule)] =
    &[("participants", TextRule::lines(2_000)), ("minutes", TextRule::lines(10_000))];
