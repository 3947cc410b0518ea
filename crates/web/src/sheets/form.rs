//! The edit form of each sheet section: which sections have one (`Section`, named in the edit
//! URL) and what a form is made of (`Group`s of `Field`s). Field names are the validation paths of
//! `nimo_domain::validate` (e.g. `history[2].date`), so that every error lands next to its field.
//! `groups.rs` lays out each section's fields (filled from the sheet, or from what the user typed
//! when a save was refused), `submission.rs` reads a posted form as exactly those fields, and
//! `apply.rs` turns it into a new sheet.

mod apply;
mod groups;
mod submission;
#[cfg(test)]
mod tests;

pub use apply::apply;
pub use groups::{field_names, groups};
pub use submission::{SectionFields, SectionPost};

/// The sections that have an edit form, named in the edit URL by their lower-case name
/// (`/edit/history`); a path naming no section is the 404 page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Header,
    Basic,
    Policy,
    History,
    Outcomes,
    Strengths,
    Schedule,
}

impl Section {
    /// Its name in the edit URL and in the audit detail (`section:history`).
    pub fn name(self) -> &'static str {
        match self {
            Section::Header => "header",
            Section::Basic => "basic",
            Section::Policy => "policy",
            Section::History => "history",
            Section::Outcomes => "outcomes",
            Section::Strengths => "strengths",
            Section::Schedule => "schedule",
        }
    }

    /// The heading of its form.
    pub fn title(self) -> &'static str {
        match self {
            Section::Header => "表題（自治体名・タイトル・スローガン・目指す姿）",
            Section::Basic => "１ 自治体の基礎情報",
            Section::Policy => "２ 取組概要（全体）",
            Section::History => "３ 取組の経緯",
            Section::Outcomes => "４ 取組の成果・効果",
            Section::Strengths => "５ 強みと課題",
            Section::Schedule => "６ 今年度の取組スケジュール",
        }
    }

    /// The anchor of the section on the sheet page.
    pub fn anchor(self) -> &'static str {
        match self {
            Section::Header => "",
            Section::Basic => "#s1",
            Section::Policy => "#s2",
            Section::History => "#s3",
            Section::Outcomes => "#s4",
            Section::Strengths => "#s5",
            Section::Schedule => "#s6",
        }
    }
}

/// How a field is shown.
pub enum FieldKind {
    Text,
    Textarea,
    Select(Vec<(String, String)>),
    ReadOnly,
}

/// One form field.
pub struct Field {
    pub name: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    pub kind: FieldKind,
    pub hint: String,
    /// A short field (numbers, dates) that shares a line with others.
    pub short: bool,
}

impl Field {
    /// Whether it is a text input.
    pub fn is_text(&self) -> bool {
        matches!(self.kind, FieldKind::Text)
    }
    /// Whether it is a textarea.
    pub fn is_textarea(&self) -> bool {
        matches!(self.kind, FieldKind::Textarea)
    }
    /// Whether it is read-only.
    pub fn is_readonly(&self) -> bool {
        matches!(self.kind, FieldKind::ReadOnly)
    }
    /// The options of a select, with whether each is chosen.
    pub fn options(&self) -> Vec<(String, String, bool)> {
        match &self.kind {
            FieldKind::Select(options) => {
                options.iter().map(|(v, l)| (v.clone(), l.clone(), *v == self.value)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// A group of fields shown together (a fieldset: one row of a list, or a block).
pub struct Group {
    pub title: String,
    pub fields: Vec<Field>,
    pub nested: bool,
}
