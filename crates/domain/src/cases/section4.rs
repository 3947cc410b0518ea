//! The sheet's section-4 figures that nimo derives from case records: which keys, from which
//! counts, for which fiscal year, and how an entered value is kept over a derived one.

use crate::FiscalYear;

/// The section-4 counts nimo derives for one fiscal year of records. `None` = no records of
/// that kind in the year, so the entered value stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section4Counts {
    /// The fiscal year of the records counted.
    pub records_fy: Option<FiscalYear>,
    /// 23条通報 received in the area (all persons), when any exist.
    pub report23: Option<Report23Counts>,
    /// 退院後支援計画 of 措置入院者 started in the year, when any exist.
    pub plans_started: Option<i64>,
    /// Outreach visits (訪問, not 電話) by profession code, when any exist: a team visit counts
    /// once for each profession that took part.
    pub visits: Option<Vec<(String, i64)>>,
    /// Outreach calls (電話) in the year, counted apart: the sheet has no line for them.
    pub calls: i64,
    /// Held meetings (書面開催 included) of the municipality's 協議の場 in the year, when the
    /// municipality keeps any body of that kind in nimo.
    pub council_meetings: Option<i64>,
}

/// The 23条 counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report23Counts {
    /// `report23.in_area`.
    pub in_area: i64,
    /// `report23.residents`.
    pub residents: i64,
    /// `report23.residents.sochi`: residents whose final disposition is 措置入院 (including a
    /// 緊急措置 followed by 措置).
    pub sochi: i64,
    /// `report23.residents.iryo_hogo`.
    pub iryo_hogo: i64,
    /// `report23.residents.no_admission`: residents examined whose disposition is 入院なし. A
    /// decision that no exam is needed is not counted here (it is not an outcome of an exam).
    pub no_admission: i64,
}

/// The fiscal year whose records a sheet's section 4 reports: the year before the sheet's. The
/// form's section 4 is 「令和３年までの取り組み状況」 with actuals at 「R3年度末」 on the R4
/// sheet: it reports the previous year's results.
pub fn outcomes_fiscal_year(sheet_fy: FiscalYear) -> FiscalYear {
    FiscalYear(sheet_fy.year() - 1)
}

/// The sheet figure key a derived count fills, with the count.
pub fn derived_values(counts: &Section4Counts) -> Vec<(&'static str, i64)> {
    let mut values = Vec::new();
    if let Some(r) = &counts.report23 {
        values.extend([
            ("report23.in_area", r.in_area),
            ("report23.residents", r.residents),
            ("report23.residents.sochi", r.sochi),
            ("report23.residents.iryo_hogo", r.iryo_hogo),
            ("report23.residents.no_admission", r.no_admission),
        ]);
    }
    if let Some(n) = counts.plans_started {
        values.push(("discharge_support.plans", n));
    }
    if let Some(visits) = &counts.visits {
        let count = |code: &str| visits.iter().filter(|(p, _)| p == code).map(|(_, n)| n).sum::<i64>();
        values.push(("outreach.visits.doctor", count("doctor")));
        values.push(("outreach.visits.psw", count("psw")));
    }
    if let Some(n) = counts.council_meetings {
        values.push((COUNCIL_MEETINGS, n));
    }
    values
}

/// Puts derived counts into a sheet's section 4 (actual measures and breakdown lines), except
/// for keys with a recorded override (whose entered value stays). Returns the keys derived.
pub fn apply_derived(sheet: &mut crate::Sheet, counts: &Section4Counts, overridden: &[String]) -> Vec<&'static str> {
    let mut done = Vec::new();
    for (key, n) in derived_values(counts) {
        if overridden.iter().any(|k| k == key) {
            continue;
        }
        let figure = crate::Figure { value: crate::Value::Count(n), source: crate::Source::Derived };
        for indicator in &mut sheet.outcomes.indicators {
            if let Some(actual) = indicator.actual.as_mut().filter(|m| m.key.as_deref() == Some(key)) {
                actual.value = figure;
                done.push(key);
            }
            for line in indicator.breakdown.iter_mut().filter(|l| l.key.as_deref() == Some(key)) {
                line.value = figure;
                done.push(key);
            }
        }
    }
    done
}

/// ① 協議の場 開催回数: held meetings of bodies of kind 協議の場 (書面開催 counts).
pub const COUNCIL_MEETINGS: &str = "kyogi_no_ba.meetings";

/// Every key nimo can derive, in the order of the form.
pub const DERIVED_KEYS: &[&str] = &[
    COUNCIL_MEETINGS,
    "report23.in_area",
    "report23.residents",
    "report23.residents.sochi",
    "report23.residents.iryo_hogo",
    "report23.residents.no_admission",
    "discharge_support.plans",
    "outreach.visits.doctor",
    "outreach.visits.psw",
];

/// What a keyed figure is called on the sheet: the indicator, and the breakdown line's label
/// when the key is a line's (「②退院後支援の実施：区内 23条通報」). `None` when the sheet has no
/// figure with that key.
pub fn figure_label(sheet: &crate::Sheet, key: &str) -> Option<String> {
    sheet.outcomes.indicators.iter().find_map(|i| {
        let name = format!("{}{}", i.marker, i.name);
        if i.actual.as_ref().is_some_and(|m| m.key.as_deref() == Some(key)) {
            return Some(format!("{name}：実績値"));
        }
        i.breakdown.iter().find(|l| l.key.as_deref() == Some(key)).map(|l| format!("{name}：{}", l.label.trim()))
    })
}

/// The figure of a key as it stands in the sheet (the first place it appears).
pub fn figure_of(sheet: &crate::Sheet, key: &str) -> Option<crate::Figure> {
    sheet.outcomes.indicators.iter().find_map(|i| {
        i.actual
            .as_ref()
            .filter(|m| m.key.as_deref() == Some(key))
            .map(|m| m.value)
            .or_else(|| i.breakdown.iter().find(|l| l.key.as_deref() == Some(key)).map(|l| l.value))
    })
}

/// Puts an entered value in every place of the sheet that has the key; returns whether any did.
pub fn set_entered(sheet: &mut crate::Sheet, key: &str, value: crate::Value) -> bool {
    let figure = crate::Figure { value, source: crate::Source::Entered };
    let mut found = false;
    for indicator in &mut sheet.outcomes.indicators {
        if let Some(actual) = indicator.actual.as_mut().filter(|m| m.key.as_deref() == Some(key)) {
            actual.value = figure;
            found = true;
        }
        for line in indicator.breakdown.iter_mut().filter(|l| l.key.as_deref() == Some(key)) {
            line.value = figure;
            found = true;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_counts_fill_the_keyed_measures_except_overrides() {
        let mut sheet = crate::demo::meguro_r4();
        let counts = Section4Counts {
            records_fy: Some(FiscalYear(2021)),
            report23: Some(Report23Counts { in_area: 5, residents: 4, sochi: 1, iryo_hogo: 1, no_admission: 2 }),
            plans_started: None,
            visits: Some(vec![("psw".into(), 7)]),
            calls: 0,
            council_meetings: None,
        };
        let done = apply_derived(&mut sheet, &counts, &["report23.residents".into()]);
        assert!(done.contains(&"report23.in_area") && !done.contains(&"report23.residents"));
        let line = |key: &str| {
            sheet.outcomes.indicators.iter().flat_map(|i| &i.breakdown).find(|l| l.key.as_deref() == Some(key)).unwrap()
        };
        assert_eq!(
            line("report23.in_area").value,
            crate::Figure { value: crate::Value::Count(5), source: crate::Source::Derived }
        );
        assert_eq!(line("report23.residents").value, crate::Figure::count(32));
        assert_eq!(line("outreach.visits.psw").value.as_count(), Some(7));
        assert_eq!(line("outreach.visits.doctor").value.as_count(), Some(0));
        let plans = sheet.outcomes.indicators[1].actual.as_ref().unwrap();
        assert_eq!(plans.value, crate::Figure::count(1), "no plans in the records: the entered value stays");
    }

    #[test]
    fn every_derived_key_has_a_label_and_takes_an_entered_value() {
        let mut sheet = crate::demo::meguro_r4();
        for key in DERIVED_KEYS {
            let label = figure_label(&sheet, key).unwrap_or_else(|| panic!("{key} has no place on the sheet"));
            assert!(label.contains('：'), "{label}");
            assert!(set_entered(&mut sheet, key, crate::Value::Count(99)));
            assert_eq!(figure_of(&sheet, key), Some(crate::Figure::count(99)));
        }
        assert_eq!(figure_label(&sheet, "report23.nowhere"), None);
        assert!(!set_entered(&mut sheet, "report23.nowhere", crate::Value::Count(1)));
        assert_eq!(
            figure_label(&sheet, "report23.in_area").as_deref(),
            Some("②措置入院者退院後支援：（参考）目黒区内 23条通報")
        );
    }
}
