//! The municipality's meetings and events as an iCalendar feed (RFC 5545): one VEVENT per record,
//! all-day (`DTSTART;VALUE=DATE`), its UID stable per record (`meeting-12@…`), DTSTAMP the
//! record's last change (so that a feed fetched twice is the same bytes), text escaped (`\\`,
//! `;`, `,`, line breaks) and content lines folded at 75 octets without splitting a UTF-8
//! character (3.1). Lines end CRLF.

use super::HeldStatus;
use time::{Date, OffsetDateTime, UtcOffset};

/// The longest content line in octets, line break excluded (RFC 5545 3.1).
pub const MAX_OCTETS: usize = 75;

/// One meeting or event of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Globally unique and stable: `meeting-12@131105.nimo`.
    pub uid: String,
    /// When the record last changed.
    pub stamp: OffsetDateTime,
    /// The day.
    pub on: Date,
    /// Its title.
    pub summary: String,
    /// What else the calendar shows (kind, schedule item).
    pub description: String,
    /// Planned and held are CONFIRMED, cancelled CANCELLED.
    pub status: HeldStatus,
}

/// TEXT escaped as RFC 5545 3.3.11 asks: backslash, semicolon, comma and line breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line folded into lines of at most [`MAX_OCTETS`] octets (a continuation begins
/// with one space, which counts), each ended by CRLF; a character is never split.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > MAX_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn day(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

fn instant(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!("{}T{:02}{:02}{:02}Z", day(at.date()), at.hour(), at.minute(), at.second())
}

/// The whole feed: VCALENDAR with its name and one VEVENT per entry.
pub fn feed(name: &str, entries: &[FeedEntry]) -> String {
    let mut out = String::new();
    let mut line = |text: String| out.push_str(&fold(&text));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//nimo//nimo network calendar//JA".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for entry in entries {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&entry.uid)));
        line(format!("DTSTAMP:{}", instant(entry.stamp)));
        line(format!("DTSTART;VALUE=DATE:{}", day(entry.on)));
        line(format!("DTEND;VALUE=DATE:{}", day(entry.on.next_day().unwrap_or(entry.on))));
        line(format!("SUMMARY:{}", escape(&entry.summary)));
        if !entry.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape(&entry.description)));
        }
        let status = if entry.status == HeldStatus::Cancelled { "CANCELLED" } else { "CONFIRMED" };
        line(format!("STATUS:{status}"));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(escape(r"a,b;c\d"), r"a\,b\;c\\d");
        assert_eq!(escape("一行目\r\n二行目"), r"一行目\n二行目");
    }

    proptest! {
        #[test]
        fn folding_keeps_every_line_short_and_the_text_whole(text in "[a-zあ-んー、；,;\\\\]{0,120}") {
            let folded = fold(&format!("SUMMARY:{}", escape(&text)));
            for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
                prop_assert!(physical.len() <= MAX_OCTETS, "{physical:?}");
            }
            let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
            prop_assert_eq!(unfolded, format!("SUMMARY:{}", escape(&text)));
        }
    }
}
