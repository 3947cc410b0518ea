//! Where values print relative to their labels, read from the word boxes of
//! `pdftotext -bbox-layout`: a value counts only on its label's row (the boxes overlap vertically),
//! right of the label, and, in tables with a header row, under its column's header.
//!
//! Labels are found as whole phrases: a run of consecutive words (poppler's reading order) that
//! spells the label once squeezed, with no word glued on to either end (a glued word is one on the
//! same row closer than half a character), so that 1年以上 is not found inside
//! 1年以上 うち65歳未満. A phrase may wrap onto the next line of its cell; its box is then the
//! union of its lines, and the value, centred vertically in the row, overlaps it.

use crate::poppler::squeeze;
use nimo_domain::Sheet;
use nimo_domain::figure::Figure;
use nimo_domain::template::{FIGURES, FigureDef, Kind, Place, Rule};
use nimo_report::DERIVED_MARKER;

/// A box on a page, in PDF points from the top left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub page: usize,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Area {
    fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    fn centre_x(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }

    fn union(self, other: Area) -> Area {
        Area {
            page: self.page,
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    /// On the same page and overlapping vertically by at least a quarter of the lower box, so that
    /// boxes of neighbouring table rows (apart by the cell insets) never count.
    fn same_row(&self, other: &Area) -> bool {
        let overlap = self.y1.min(other.y1) - self.y0.max(other.y0);
        self.page == other.page && overlap > 0.25 * self.height().min(other.height())
    }
}

/// One word of `pdftotext -bbox-layout`.
#[derive(Debug, Clone)]
pub struct Word {
    pub area: Area,
    pub text: String,
}

/// The words of a `pdftotext -bbox-layout` document in its order, pages counted from 1.
pub fn words(xhtml: &str) -> Vec<Word> {
    let mut page = 0;
    let mut words = Vec::new();
    for line in xhtml.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let attribute = |name: &str| -> f64 {
                let start = rest.find(&format!("{name}=\"")).expect("word boxes have all four sides") + name.len() + 2;
                let end = start + rest[start..].find('"').unwrap();
                rest[start..end].parse().unwrap()
            };
            let text = &rest[rest.find('>').unwrap() + 1..rest.rfind("</word>").expect("one word a line")];
            let area = Area {
                page,
                x0: attribute("xMin"),
                y0: attribute("yMin"),
                x1: attribute("xMax"),
                y1: attribute("yMax"),
            };
            words.push(Word { area, text: unescape(text) });
        }
    }
    words
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `b` continues `a` on the same row with less than half a character between them, as the words
/// of one phrase (a space) or a value and its glued unit do; table cells are further apart.
fn glued(a: &Area, b: &Area) -> bool {
    a.same_row(b) && b.x0 >= a.x1 - 1.0 && b.x0 - a.x1 < 0.5 * a.height().min(b.height())
}

/// The boxes of every whole phrase that spells `text`. With `basis`, a parenthesised suffix glued
/// on also counts: section 1 prints a label's time basis right after it (保健所数（R4年7月時点）).
fn phrases(words: &[Word], text: &str, basis: bool) -> Vec<Area> {
    let want = squeeze(text);
    let mut found = Vec::new();
    for start in 0..words.len() {
        if want.is_empty() || (start > 0 && glued(&words[start - 1].area, &words[start].area)) {
            continue;
        }
        let mut spelled = String::new();
        for end in start..words.len() {
            if words[end].area.page != words[start].area.page {
                break;
            }
            spelled.push_str(&squeeze(&words[end].text));
            let suffix = spelled.strip_prefix(want.as_str());
            let on_track = want.starts_with(&spelled) || (basis && suffix.is_some());
            if !on_track {
                break;
            }
            let whole = words.get(end + 1).is_none_or(|next| !glued(&words[end].area, &next.area));
            let spells =
                suffix.is_some_and(|rest| rest.is_empty() || (basis && rest.starts_with('(') && rest.ends_with(')')));
            if spells && whole {
                found.push(words[start + 1..=end].iter().fold(words[start].area, |area, word| area.union(word.area)));
                break;
            }
        }
    }
    found
}

/// The words on `anchor`'s row right of it, left to right.
fn right_of<'a>(words: &'a [Word], anchor: &Area) -> Vec<&'a Word> {
    let mut right: Vec<&Word> =
        words.iter().filter(|word| word.area.same_row(anchor) && word.area.x0 >= anchor.x1 - 0.5).collect();
    right.sort_by(|a, b| a.area.x0.total_cmp(&b.area.x0));
    right
}

fn joined<'a>(words: impl IntoIterator<Item = &'a Word>) -> String {
    words.into_iter().map(|word| squeeze(&word.text)).collect()
}

/// A printed value that is not where its label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The label (or schedule row) whose value is wrong.
    pub what: String,
    /// What should print beside it, squeezed.
    pub expected: String,
    /// What does print beside each place the label prints, squeezed; empty when the label itself
    /// is not printed.
    pub found: Vec<String>,
}

impl Mismatch {
    fn new(what: &str, expected: &str, found: Vec<String>) -> Self {
        Self { what: what.to_string(), expected: squeeze(expected), found }
    }
}

/// Every value of `sheet`'s sections 1, 4 and 6 that the printed `words` do not show beside its
/// label: the section-1 figures with their units and shares (and each group label beside its
/// rows), the target and actual of every section-4 indicator under their headers, every
/// breakdown line's amount, and every schedule row's month, item and content.
pub fn misplaced(words: &[Word], sheet: &Sheet) -> Vec<Mismatch> {
    let mut mismatches = figures(words, sheet);
    mismatches.extend(outcomes(words, sheet));
    mismatches.extend(schedule(words, sheet));
    mismatches
}

/// A section-1 figure's value as printed, and the derived marker when nimo computed it.
fn shown(sheet: &Sheet, def: &FigureDef) -> (String, &'static str) {
    let figure = sheet.basic.figures.get(def.key);
    let value = figure.map(Figure::display).unwrap_or_default();
    let derived = figure.is_some_and(|figure| figure.source == nimo_domain::Source::Derived);
    let marker = if derived && !value.is_empty() { DERIVED_MARKER } else { "" };
    (value, marker)
}

/// Every section-1 figure that prints on a row of its own (shares print beside their counts),
/// with what prints right of its label, unsqueezed: value and unit, and the share in the table.
pub fn expected_figures(sheet: &Sheet) -> Vec<(&'static FigureDef, String)> {
    FIGURES
        .iter()
        .filter(|def| !matches!(def.rule, Some(Rule::Share { .. })))
        .map(|def| {
            let expected = if def.kind == Kind::YesNo {
                // Which word is circled is not in the text, only that both are printed.
                "有・無".to_string()
            } else {
                // The marker follows a count and precedes its unit, but follows a share's ％.
                let share = FIGURES
                    .iter()
                    .find(|share| matches!(share.rule, Some(Rule::Share { part, .. }) if part == def.key))
                    .map(|share| (shown(sheet, share), share.unit))
                    .filter(|((value, _), _)| !value.is_empty())
                    .map(|((value, marker), unit)| format!("（{value}{unit}{marker}）"))
                    .unwrap_or_default();
                let (value, marker) = shown(sheet, def);
                format!("{value}{marker}{}{share}", def.unit)
            };
            (def, expected)
        })
        .collect()
}

fn figures(words: &[Word], sheet: &Sheet) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    // Each table row's label box, for the group labels.
    let mut rows: Vec<(&FigureDef, Area)> = Vec::new();
    for (def, expected) in expected_figures(sheet) {
        let beside: Vec<String> = match def.place {
            // The banner's value and unit are one run (278,748人); the column right of the
            // banner shares its rows, so only the phrase right after the label counts.
            Place::Banner => phrases(words, def.label, false)
                .iter()
                .map(|label| {
                    let right = right_of(words, label);
                    let run = right.windows(2).take_while(|pair| glued(&pair[0].area, &pair[1].area)).count();
                    joined(right.into_iter().take(run + 1))
                })
                .collect(),
            // A table row: value, unit and share cells are everything right of the label.
            Place::Table => {
                let labels = phrases(words, def.label, true);
                if let [label] = labels[..] {
                    rows.push((def, label));
                }
                labels.iter().map(|label| joined(right_of(words, label))).collect()
            }
        };
        if beside.iter().any(|text| *text == squeeze(&expected)) {
            continue;
        }
        mismatches.push(Mismatch::new(def.label, &expected, beside));
    }

    // A group label (相談支援事業所数) sits left of its rows, centred on them.
    let mut groups: Vec<&str> = rows.iter().map(|(def, _)| def.group).filter(|group| !group.is_empty()).collect();
    groups.dedup();
    for group in groups {
        let members: Vec<Area> = rows.iter().filter(|(def, _)| def.group == group).map(|(_, area)| *area).collect();
        let span = members.iter().skip(1).fold(members[0], |span, area| span.union(*area));
        let found = phrases(words, group, true);
        if !found.iter().any(|area| area.same_row(&span) && area.x1 <= span.x0) {
            let labels: Vec<&str> =
                rows.iter().filter(|(def, _)| def.group == group).map(|(def, _)| def.label).collect();
            mismatches.push(Mismatch::new(group, &format!("left of {}", labels.join("・")), Vec::new()));
        }
    }
    mismatches
}

fn outcomes(words: &[Word], sheet: &Sheet) -> Vec<Mismatch> {
    let outcomes = &sheet.outcomes;
    let headers = [format!("目標値（{}）", outcomes.target_basis), format!("実績値（{}）", outcomes.actual_basis)];
    let columns: Vec<Option<Area>> =
        headers.iter().map(|header| phrases(words, header, false).first().copied()).collect();
    let mut mismatches = Vec::new();
    for indicator in &outcomes.indicators {
        let name = format!("{}{}", indicator.marker, indicator.name);
        let names = phrases(words, &name, false);
        let measures = [&indicator.target, &indicator.actual];
        for ((header, column), measure) in headers.iter().zip(&columns).zip(measures) {
            let expected = measure.as_ref().map(|measure| measure.display()).unwrap_or_default();
            // Targets and actuals are centred under their headers, so a word is in the column when
            // its centre is within the header's width.
            let beside: Vec<String> = names
                .iter()
                .filter_map(|name| {
                    let column = column.filter(|column| column.page == name.page)?;
                    let under = right_of(words, name).into_iter().filter(|word| {
                        let centre = word.area.centre_x();
                        column.x0 <= centre && centre <= column.x1
                    });
                    Some(joined(under))
                })
                .collect();
            if !beside.iter().any(|text| *text == squeeze(&expected)) {
                mismatches.push(Mismatch::new(&format!("{name} {header}"), &expected, beside));
            }
        }
        // A breakdown line prints `label　amount note` in the indicator's cell, left of the
        // targets' column.
        for line in &indicator.breakdown {
            let value = line.value.display();
            let amount = if value.is_empty() { String::new() } else { format!("{value}{}", line.unit) };
            let expected = format!("{amount}{}", line.note);
            let beside: Vec<String> = phrases(words, &line.label, false)
                .iter()
                .map(|label| {
                    let limit = columns[0].filter(|column| column.page == label.page).map_or(f64::INFINITY, |c| c.x0);
                    joined(right_of(words, label).into_iter().filter(|word| word.area.x1 <= limit))
                })
                .collect();
            if !beside.iter().any(|text| *text == squeeze(&expected)) {
                mismatches.push(Mismatch::new(&line.label, &expected, beside));
            }
        }
    }
    mismatches
}

fn schedule(words: &[Word], sheet: &Sheet) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    // Each row's item and content boxes, when they print side by side.
    let mut placed: Vec<Option<Area>> = Vec::new();
    for row in &sheet.schedule {
        let items = phrases(words, &row.item, false);
        let contents = phrases(words, &row.content, false);
        // The content is right of the item on its row, with nothing printed between them.
        let pair = contents.iter().find_map(|content| {
            items
                .iter()
                .find(|item| {
                    item.same_row(content)
                        && item.x1 <= content.x0
                        && !words.iter().any(|word| {
                            word.area.same_row(content)
                                && word.area.x0 >= item.x1 - 0.5
                                && word.area.x1 <= content.x0 + 0.5
                        })
                })
                .map(|item| item.union(*content))
        });
        if pair.is_none() {
            // What prints left of the content on its row (the item, and the month on a row of
            // its own).
            let beside = contents
                .iter()
                .map(|content| {
                    joined(words.iter().filter(|word| word.area.same_row(content) && word.area.x1 <= content.x0 + 0.5))
                })
                .collect();
            mismatches.push(Mismatch::new(&row.content, &row.item, beside));
        }
        placed.push(pair);
    }
    // A month prints once, left of its rows and centred on them (rows of one month share a cell).
    let mut index = 0;
    while index < sheet.schedule.len() {
        let month = sheet.schedule[index].month;
        let count = sheet.schedule[index..].iter().take_while(|row| row.month == month).count();
        let rows: Vec<Area> = placed[index..index + count].iter().flatten().copied().collect();
        index += count;
        let Some(span) = rows.iter().skip(1).fold(rows.first().copied(), |span, area| span.map(|s| s.union(*area)))
        else {
            continue;
        };
        let months = phrases(words, &month.wareki(), false);
        if !months.iter().any(|area| area.same_row(&span) && area.x1 <= span.x0) {
            let items: Vec<&str> = sheet.schedule[index - count..index].iter().map(|row| row.item.as_str()).collect();
            let beside = months
                .iter()
                .filter(|area| area.page == span.page)
                .map(|area| joined(right_of(words, area).into_iter().take(1)))
                .collect();
            mismatches.push(Mismatch::new(&month.wareki(), &items.join("・"), beside));
        }
    }
    mismatches
}
