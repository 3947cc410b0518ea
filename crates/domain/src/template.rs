//! The R4 template of section 1 (自治体の基礎情報): which figures the sheet holds, their labels and
//! units, and which of them nimo derives from others.

use crate::figure::{Figure, Source, Value, count_in_range};
use std::collections::BTreeMap;

/// What kind of value a figure holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole count in `0..=MAX_COUNT` (人, か所, 件).
    Count,
    /// A percentage from 0 to 100, kept to 0.1.
    Rate,
    /// A 有・無 choice.
    YesNo,
}

/// The time basis a figure is reported on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// As of the section's as-of date (令和4年7月時点).
    AsOf,
    /// Over the fiscal year (R4年度).
    FiscalYear,
}

/// How nimo computes a derived figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The same value as another figure (人口 = 総人口).
    Same(&'static str),
    /// The sum of other counts, when every one of them is known.
    Sum(&'static [&'static str]),
    /// A share in percent (to 0.1) of a part in a whole.
    Share {
        /// The key of the part (a band of inpatients).
        part: &'static str,
        /// The key of the whole (all inpatients).
        whole: &'static str,
    },
}

/// Where a figure is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The banner at the top of section 1.
    Banner,
    /// The table of section 1.
    Table,
}

/// One figure of the section-1 template.
#[derive(Debug, Clone, Copy)]
pub struct FigureDef {
    /// The stable key used in the exchange formats and the store (e.g. `inpatients_total`).
    pub key: &'static str,
    /// The label as the sheet prints it (e.g. 合計).
    pub label: &'static str,
    /// The group label printed before the figure's own label (e.g. 相談支援事業所数).
    pub group: &'static str,
    /// The unit as printed (人, か所, ％, 有・無).
    pub unit: &'static str,
    /// What kind of value it holds.
    pub kind: Kind,
    /// Whether it is reported as of a date or over the fiscal year.
    pub basis: Basis,
    /// Whether it is shown in the banner or in the table.
    pub place: Place,
    /// How nimo derives it, or `None` when staff enter it.
    pub rule: Option<Rule>,
}

const fn def(
    key: &'static str,
    group: &'static str,
    label: &'static str,
    unit: &'static str,
    kind: Kind,
    place: Place,
) -> FigureDef {
    FigureDef { key, label, group, unit, kind, basis: Basis::AsOf, place, rule: None }
}

const fn derived(mut d: FigureDef, rule: Rule) -> FigureDef {
    d.rule = Some(rule);
    d
}

const fn per_year(mut d: FigureDef) -> FigureDef {
    d.basis = Basis::FiscalYear;
    d
}

use Kind::{Count, Rate, YesNo};
use Place::{Banner, Table};

/// Section 1's figures in the order the sheet prints them.
pub const FIGURES: &[FigureDef] = &[
    def("total_population", "", "総人口", "人", Count, Banner),
    def("households", "", "世帯数", "世帯", Count, Banner),
    def("jiritsu_shien_iryo_recipients", "", "自立支援医療受給者数", "人", Count, Banner),
    def("techo_holders", "", "精神保健福祉手帳取得者数", "人", Count, Banner),
    def("hokenjo", "", "保健所数", "か所", Count, Table),
    def("soudan_ippan", "相談支援事業所数", "一般相談支援事業所数", "か所", Count, Table),
    def("soudan_tokutei", "相談支援事業所数", "特定相談支援事業所数", "か所", Count, Table),
    def("kikan_soudan_center", "", "基幹相談支援センター数", "か所", Count, Table),
    def("kenniki", "", "障害保健福祉圏域数", "か所", Count, Table),
    def("kenniki_municipalities", "", "市町村数", "市町村", Count, Table),
    derived(def("population", "", "人口", "人", Count, Table), Rule::Same("total_population")),
    def("psych_hospitals", "", "精神科病院の数", "病院", Count, Table),
    def("psych_beds", "", "精神科病床数", "床", Count, Table),
    derived(
        def("inpatients_total", "入院精神障害者数", "合計", "人", Count, Table),
        Rule::Sum(&["inpatients_under_3m", "inpatients_3m_to_1y", "inpatients_1y_plus"]),
    ),
    def("inpatients_under_3m", "入院精神障害者数", "３か月未満", "人", Count, Table),
    derived(
        def("inpatients_under_3m_share", "入院精神障害者数", "３か月未満（構成割合）", "％", Rate, Table),
        Rule::Share { part: "inpatients_under_3m", whole: "inpatients_total" },
    ),
    def("inpatients_3m_to_1y", "入院精神障害者数", "３か月以上１年未満", "人", Count, Table),
    derived(
        def("inpatients_3m_to_1y_share", "入院精神障害者数", "３か月以上１年未満（構成割合）", "％", Rate, Table),
        Rule::Share { part: "inpatients_3m_to_1y", whole: "inpatients_total" },
    ),
    derived(
        def("inpatients_1y_plus", "入院精神障害者数", "１年以上", "人", Count, Table),
        Rule::Sum(&["inpatients_1y_plus_under_65", "inpatients_1y_plus_65_and_over"]),
    ),
    derived(
        def("inpatients_1y_plus_share", "入院精神障害者数", "１年以上（構成割合）", "％", Rate, Table),
        Rule::Share { part: "inpatients_1y_plus", whole: "inpatients_total" },
    ),
    def("inpatients_1y_plus_under_65", "入院精神障害者数", "１年以上 うち６５歳未満", "人", Count, Table),
    def("inpatients_1y_plus_65_and_over", "入院精神障害者数", "１年以上 うち６５歳以上", "人", Count, Table),
    def("discharge_rate_3m", "退院率", "入院後３か月時点", "％", Rate, Table),
    def("discharge_rate_6m", "退院率", "入院後６か月時点", "％", Rate, Table),
    def("discharge_rate_1y", "退院率", "入院後１年時点", "％", Rate, Table),
    def(
        "kyogi_no_ba",
        "",
        "精神障害にも対応した地域包括ケアシステムの構築に向けた保健・医療・福祉関係者による協議の場の設置状況",
        "か所",
        Count,
        Table,
    ),
    per_year(def("jiritsu_shien_kyogikai_frequency", "", "（自立支援）協議会の開催頻度", "回", Count, Table)),
    per_year(def("seishin_bukai", "", "精神領域に関する議論を行う部会の有無", "有・無", YesNo, Table)),
];

/// The definition of a figure key, if the template has it.
pub fn figure_def(key: &str) -> Option<&'static FigureDef> {
    FIGURES.iter().find(|d| d.key == key)
}

/// A template in which every figure is unknown (entered), for a new sheet.
pub fn empty_figures() -> BTreeMap<String, Figure> {
    FIGURES.iter().map(|d| (d.key.to_string(), Figure::unknown())).collect()
}

/// Recomputes every derived figure from the others, in template order (a rule only reads
/// figures defined before it or entered ones). A rule whose inputs are not all known leaves the
/// figure to be entered; a figure that was derived before becomes unknown then. The same holds
/// when a result would fall outside `0..=MAX_COUNT` (an overflowing sum): derive never panics
/// and never produces a count the store could not load again.
pub fn derive(figures: &mut BTreeMap<String, Figure>) {
    // Sums first (1年以上 before 合計), then shares, so that every share sees final counts.
    let mut order: Vec<&FigureDef> = FIGURES.iter().filter(|d| d.rule.is_some()).collect();
    order.sort_by_key(|d| match d.rule {
        Some(Rule::Same(_)) => 0,
        Some(Rule::Sum(parts)) if parts.iter().any(|p| figure_def(p).and_then(|d| d.rule).is_some()) => 2,
        Some(Rule::Sum(_)) => 1,
        _ => 3,
    });
    for def in order {
        let count = |key: &str| figures.get(key).and_then(Figure::as_count);
        let computed = match def.rule {
            Some(Rule::Same(other)) => count(other).filter(|n| count_in_range(*n)).map(Value::Count),
            Some(Rule::Sum(parts)) => parts
                .iter()
                .try_fold(0i64, |total, part| total.checked_add(count(part)?))
                .filter(|n| count_in_range(*n))
                .map(Value::Count),
            Some(Rule::Share { part, whole }) => match (count(part), count(whole)) {
                (Some(p), Some(w)) if w > 0 => Some(Value::Rate(((p as f64) * 1000.0 / (w as f64)).round() / 10.0)),
                _ => None,
            },
            None => None,
        };
        let entry = figures.entry(def.key.to_string()).or_insert_with(Figure::unknown);
        match computed {
            Some(value) => *entry = Figure { value, source: Source::Derived },
            None if entry.source == Source::Derived => *entry = Figure::unknown(),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meguro_bands_give_the_printed_total_and_shares() {
        let mut figures = empty_figures();
        for (k, v) in [
            ("inpatients_under_3m", 51),
            ("inpatients_3m_to_1y", 42),
            ("inpatients_1y_plus_under_65", 55),
            ("inpatients_1y_plus_65_and_over", 70),
            ("total_population", 278748),
        ] {
            figures.insert(k.into(), Figure::count(v));
        }
        derive(&mut figures);
        let show = |k: &str| figures[k].display();
        assert_eq!(show("inpatients_1y_plus"), "125");
        assert_eq!(show("inpatients_total"), "218");
        assert_eq!(show("inpatients_under_3m_share"), "23.4");
        assert_eq!(show("inpatients_3m_to_1y_share"), "19.3");
        assert_eq!(show("inpatients_1y_plus_share"), "57.3");
        assert_eq!(show("population"), "278,748");
        assert_eq!(figures["population"].source, Source::Derived);
    }

    #[test]
    fn a_sum_with_an_unknown_part_is_left_to_be_entered() {
        let mut figures = empty_figures();
        figures.insert("inpatients_under_3m".into(), Figure::count(51));
        figures.insert("inpatients_total".into(), Figure::count(300));
        derive(&mut figures);
        assert_eq!(figures["inpatients_total"], Figure::count(300));
        assert_eq!(figures["inpatients_under_3m_share"].display(), "17.0");
    }

    #[test]
    fn an_overflowing_sum_is_left_unknown_instead_of_panicking() {
        let mut figures = empty_figures();
        figures.insert("inpatients_1y_plus_under_65".into(), Figure::count(i64::MAX));
        figures.insert("inpatients_1y_plus_65_and_over".into(), Figure::count(1));
        figures.insert("inpatients_1y_plus".into(), Figure { value: Value::Count(5), source: Source::Derived });
        derive(&mut figures);
        assert_eq!(figures["inpatients_1y_plus"], Figure::unknown());
    }

    #[test]
    fn a_sum_above_the_count_limit_is_left_to_be_entered() {
        let mut figures = empty_figures();
        for key in ["inpatients_under_3m", "inpatients_3m_to_1y", "inpatients_1y_plus"] {
            figures.insert(key.into(), Figure::count(crate::figure::MAX_COUNT));
        }
        figures.insert("inpatients_total".into(), Figure::count(7));
        derive(&mut figures);
        assert_eq!(figures["inpatients_total"], Figure::count(7));
    }

    proptest::proptest! {
        #[test]
        fn derive_never_panics_and_derives_only_counts_within_the_limit(
            counts in proptest::collection::vec(proptest::option::of(proptest::num::i64::ANY), FIGURES.len()),
        ) {
            let mut figures = empty_figures();
            for (def, count) in FIGURES.iter().zip(&counts) {
                if let (Kind::Count, Some(n)) = (def.kind, count) {
                    figures.insert(def.key.into(), Figure::count(*n));
                }
            }
            let entered = figures.clone();
            derive(&mut figures);
            for def in FIGURES {
                let figure = figures[def.key];
                if let (Source::Derived, Value::Count(n)) = (figure.source, figure.value) {
                    proptest::prop_assert!(count_in_range(n), "{} = {n}", def.key);
                }
                if let Some(Rule::Sum(parts)) = def.rule {
                    // The exact sum, computed without overflow, decides whether nimo derives it.
                    let exact: Option<i128> =
                        parts.iter().map(|p| figures[*p].as_count().map(i128::from)).sum();
                    match exact.filter(|n| (0..=i128::from(crate::figure::MAX_COUNT)).contains(n)) {
                        Some(n) => proptest::prop_assert_eq!(figure.as_count().map(i128::from), Some(n)),
                        None => proptest::prop_assert_eq!(figure, entered[def.key]),
                    }
                }
            }
        }
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = FIGURES.iter().map(|d| d.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), FIGURES.len());
    }
}
