//! Finding a case again: its 受付番号 as staff type it, and the first due date a new case gets.

use crate::calendar::FiscalYear;
use time::Date;

/// Days from receipt to the default due date of a new case's 事前調査: the next day.
///
/// Source: 措置入院の運用に関するガイドライン (H30.3,
/// https://www.mhlw.go.jp/web/t_doc?dataId=00tc3289&dataType=1&pageNo=1): a 23条通報 is followed
/// promptly by a 事前調査; no number of days was found in it. The next day is nimo's reading for
/// the worklist, not a legal limit (要確認 with the 保健所; staff may type another date at intake).
pub const FIRST_DUE_DAYS: i64 = 1;

/// Where [`FIRST_DUE_DAYS`] comes from, as the intake form says it.
pub const FIRST_DUE_SOURCE: &str =
    "措置入院の運用に関するガイドライン（H30.3）「速やかに事前調査」から受理の翌日としています（要確認）";

/// The due date a case received on `received` gets when staff give none.
pub fn first_due_on(received: Date) -> Date {
    received.saturating_add(time::Duration::days(FIRST_DUE_DAYS))
}

/// The case number a typed 受付番号 names, and the fiscal year it names if it has one:
/// `R4-012` (as [`super::reception_number`] prints it), `12`, `#12`, full-width digits too.
/// `None` when the text is no 受付番号.
pub fn parse_reception(text: &str) -> Option<(Option<String>, i64)> {
    use unicode_normalization::UnicodeNormalization;
    let text: String = text.nfkc().collect::<String>().trim().to_uppercase();
    let (prefix, number) = match text.rsplit_once('-') {
        Some((prefix, number)) => (Some(prefix.trim().to_string()), number.trim()),
        None => (None, text.trim_start_matches('#').trim()),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.len() > 15 {
        return None;
    }
    let id = number.parse::<i64>().ok().filter(|id| *id > 0)?;
    Some((prefix.filter(|p| !p.is_empty()), id))
}

/// Whether a case of fiscal year `fy` and number `id` is the one a typed 受付番号 names.
pub fn reception_matches(typed: &(Option<String>, i64), fy: FiscalYear, id: i64) -> bool {
    let (prefix, number) = typed;
    *number == id
        && prefix.as_ref().is_none_or(|p| {
            let printed = super::reception_number(fy, id);
            printed.split_once('-').is_some_and(|(era, _)| era == p)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_new_case_is_due_the_day_after_receipt() {
        assert_eq!(first_due_on(date!(2022 - 03 - 31)), date!(2022 - 04 - 01));
    }

    #[test]
    fn a_reception_number_is_read_as_printed_or_as_a_bare_number() {
        assert_eq!(parse_reception("R4-012"), Some((Some("R4".into()), 12)));
        assert_eq!(parse_reception(" ｒ４－０１２ "), Some((Some("R4".into()), 12)));
        assert_eq!(parse_reception("#7"), Some((None, 7)));
        assert_eq!(parse_reception("７"), Some((None, 7)));
        assert_eq!(parse_reception("みほん"), None);
        assert_eq!(parse_reception("R4-"), None);
        assert_eq!(parse_reception("0"), None);
        let typed = parse_reception("R4-012").unwrap();
        assert!(reception_matches(&typed, FiscalYear(2022), 12));
        assert!(!reception_matches(&typed, FiscalYear(2021), 12), "R3 is another year's number");
        assert!(!reception_matches(&typed, FiscalYear(2022), 13));
        assert!(reception_matches(&parse_reception("12").unwrap(), FiscalYear(2021), 12));
    }
}
