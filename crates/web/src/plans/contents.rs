//! The plan's contents by section on the plan page: the form (本人の希望, 家族その他の支援者の
//! 意見, the support rows by kind, the crisis plan, the person in charge), read into
//! [`PlanContents`] with the reasons by field, and the outcome of `POST …/plans/{plan_id}/contents`
//! (its handler is `plan::write_contents`), which writes them as a `draft` step at the plan's
//! revision (`nimo_store::plans::write_contents`).
//!
//! Without JavaScript: the form shows the rows it has plus one empty row; 「行を追加」 sends the
//! form back with one more empty row and saves nothing; a row left empty or marked 「この行を削除」
//! is dropped on saving. Refused input comes back 422 as typed, the reason beside its field.

use super::forms::{Outcome, explain};
use crate::audit;
use crate::context::Ctx;
use crate::pages::{Errors, Fields, user_id};
use crate::{AppState, WebError};
use axum::http::StatusCode;
use nimo_domain::plans::contents::{
    CrisisPlan, FIELDS, MAX_SUPPORTS, PlanAuthor, PlanContents, SUPPORT_FIELDS, SUPPORT_KINDS, SupportRow,
};
use nimo_store::audit::Outcome as AuditOutcome;
use std::collections::BTreeMap;

/// The contents form as posted: only its own field names (the sections, `support_{field}_{n}`
/// and `support_remove_{n}` for rows below [`MAX_SUPPORTS`], the row count, the date, the note,
/// the revision and 「行を追加」); anything else refuses the submission.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "BTreeMap<String, String>")]
pub(crate) struct ContentsForm(BTreeMap<String, String>);

const OWN_FIELDS: &[&str] = &["revision", "occurred_on", "note", "rows", "add_row"];

/// Whether `name` is a field of the contents form.
fn known(name: &str) -> bool {
    if OWN_FIELDS.contains(&name) || FIELDS.iter().any(|(f, ..)| *f == name) {
        return true;
    }
    let Some(rest) = name.strip_prefix("support_") else { return false };
    let Some((field, n)) = rest.rsplit_once('_') else { return false };
    let digits = !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'));
    let row_ok = digits && n.parse::<usize>().is_ok_and(|n| n < MAX_SUPPORTS);
    row_ok && (field == "remove" || SUPPORT_FIELDS.iter().any(|(f, ..)| *f == field))
}

impl TryFrom<BTreeMap<String, String>> for ContentsForm {
    type Error = String;
    fn try_from(map: BTreeMap<String, String>) -> Result<Self, String> {
        match map.keys().find(|name| !known(name)) {
            Some(name) => Err(format!("unknown field {name}")),
            None => Ok(ContentsForm(map)),
        }
    }
}

fn get(f: &Fields, name: &str) -> String {
    f.get(name).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// How many support rows the posted form had (at least one, at most [`MAX_SUPPORTS`]).
fn posted_rows(f: &Fields) -> usize {
    get(f, "rows").parse::<usize>().unwrap_or(1).clamp(1, MAX_SUPPORTS)
}

/// The contents a posted form holds: rows left empty or marked for removal dropped; a phone
/// number in full-width digits read as ASCII.
pub(crate) fn contents_of(f: &Fields) -> PlanContents {
    let cell = |field: &str, n: usize| get(f, &format!("support_{field}_{n}"));
    let supports = (0..posted_rows(f))
        .filter(|n| cell("remove", *n) != "1")
        .map(|n| SupportRow {
            kind: cell("kind", n),
            agency: cell("agency", n),
            contact: cell("contact", n),
            phone: nimo_domain::text::nfkc(&cell("phone", n)),
            content: cell("content", n),
            frequency: cell("frequency", n),
        })
        .filter(|row| !row.is_blank())
        .collect();
    PlanContents {
        person_wishes: get(f, "person_wishes"),
        family_views: get(f, "family_views"),
        living_wishes: get(f, "living_wishes"),
        supports,
        crisis: CrisisPlan {
            signs: get(f, "crisis_signs"),
            own_actions: get(f, "crisis_own_actions"),
            day_contact: get(f, "crisis_day_contact"),
            night_contact: get(f, "crisis_night_contact"),
        },
        author: PlanAuthor {
            authority: get(f, "author_authority"),
            officer: get(f, "author_officer"),
            contact: get(f, "author_contact"),
        },
    }
}

/// The form fields of saved contents (to show them in the form), the rows numbered from 0.
pub(crate) fn fields_of(c: &PlanContents) -> Fields {
    let mut f = Fields::new();
    let mut put = |name: String, value: &str| {
        f.insert(name, value.to_string());
    };
    put("person_wishes".into(), &c.person_wishes);
    put("family_views".into(), &c.family_views);
    put("living_wishes".into(), &c.living_wishes);
    put("crisis_signs".into(), &c.crisis.signs);
    put("crisis_own_actions".into(), &c.crisis.own_actions);
    put("crisis_day_contact".into(), &c.crisis.day_contact);
    put("crisis_night_contact".into(), &c.crisis.night_contact);
    put("author_authority".into(), &c.author.authority);
    put("author_officer".into(), &c.author.officer);
    put("author_contact".into(), &c.author.contact);
    for (n, row) in c.supports.iter().enumerate() {
        for (field, value) in [
            ("kind", &row.kind),
            ("agency", &row.agency),
            ("contact", &row.contact),
            ("phone", &row.phone),
            ("content", &row.content),
            ("frequency", &row.frequency),
        ] {
            put(format!("support_{field}_{n}"), value);
        }
    }
    f
}

/// What the contents form shows: the values (as typed after a refusal, else as saved, else the
/// plan's authority as 作成主体) and the rows.
pub(crate) struct ContentsView {
    values: Fields,
    /// The row numbers shown.
    pub(crate) rows: Vec<usize>,
    /// The support kinds to choose from.
    pub(crate) kinds: &'static [(&'static str, &'static str)],
}

impl ContentsView {
    /// The form of `plan`, or of the refused submission `f` when `failed` is the contents form.
    pub(crate) fn of(plan: &nimo_store::plans::Plan, f: &Fields, failed: &str, authority: &str) -> Self {
        let (values, rows) = if failed == "draft" && f.contains_key("rows") {
            let extra = usize::from(get(f, "add_row") == "1");
            (f.clone(), (posted_rows(f) + extra).min(MAX_SUPPORTS))
        } else {
            let saved = plan.form.clone().unwrap_or_default();
            let mut values = fields_of(&saved);
            if saved.author.authority.is_empty() {
                values.insert("author_authority".into(), authority.to_string());
            }
            (values, (saved.supports.len() + 1).clamp(2, MAX_SUPPORTS))
        };
        ContentsView { values, rows: (0..rows).collect(), kinds: SUPPORT_KINDS }
    }

    /// The value of a section's field.
    pub(crate) fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// The value of a support row's field.
    pub(crate) fn cell(&self, field: &str, n: &usize) -> String {
        self.value(&format!("support_{field}_{n}"))
    }

    /// Whether row `n` has kind `code` chosen.
    pub(crate) fn chosen(&self, n: &usize, code: &str) -> bool {
        self.cell("kind", n) == code
    }

    /// Whether row `n` is marked for removal.
    pub(crate) fn removed(&self, n: &usize) -> bool {
        self.cell("remove", n) == "1"
    }

    /// How many rows the form has.
    pub(crate) fn count(&self) -> usize {
        self.rows.len()
    }
}

/// Checks the posted contents form: the texts (length, line breaks), the date, the revision and
/// the contents' own rules; the contents, or the reasons by field.
fn check(f: &Fields, errors: &mut Errors) -> Option<(PlanContents, time::Date, i64)> {
    for (name, label, rule) in FIELDS {
        if let Some(problem) = rule.problems(&get(f, name)).into_iter().next() {
            errors.insert((*name).into(), format!("{label}: {problem}"));
        }
    }
    for n in 0..posted_rows(f) {
        for (field, label, rule) in SUPPORT_FIELDS {
            let name = format!("support_{field}_{n}");
            if let Some(problem) = rule.problems(&get(f, &name)).into_iter().next() {
                errors.insert(name, format!("支援{}行目の{label}: {problem}", n + 1));
            }
        }
    }
    if let Some(problem) = nimo_domain::plans::texts::STEP
        .iter()
        .find(|(name, _)| *name == "note")
        .and_then(|(_, rule)| rule.problems(&get(f, "note")).into_iter().next())
    {
        errors.insert("note".into(), format!("記録: {problem}"));
    }
    let on = nimo_domain::calendar::parse_iso_date(&get(f, "occurred_on"));
    if on.is_none() {
        errors.insert("occurred_on".into(), "計画作成日を「2022-05-10」の形で入力してください".into());
    }
    let revision = get(f, "revision").parse::<i64>().ok();
    if revision.is_none() {
        errors.insert("state".into(), "送信内容が正しくありません。ページを読み込み直してください".into());
    }
    let contents = contents_of(f);
    // The rows as the form numbers them: a problem of the n-th kept row belongs to its own field.
    let shown: Vec<usize> = (0..posted_rows(f))
        .filter(|n| get(f, &format!("support_remove_{n}")) != "1")
        .filter(|n| SUPPORT_FIELDS.iter().any(|(field, ..)| !get(f, &format!("support_{field}_{n}")).is_empty()))
        .collect();
    for (field, reason) in contents.problems() {
        let field = renumber(&field, &shown);
        errors.entry(field).or_insert(reason);
    }
    match (on, revision) {
        (Some(on), Some(revision)) if errors.is_empty() => Some((contents, on, revision)),
        _ => None,
    }
}

/// `support_agency_1` of the kept rows as the field of the form's row it came from.
fn renumber(field: &str, shown: &[usize]) -> String {
    let Some((head, n)) = field.rsplit_once('_') else { return field.to_string() };
    match (field.starts_with("support_"), n.parse::<usize>().ok().and_then(|n| shown.get(n))) {
        (true, Some(row)) => format!("{head}_{row}"),
        _ => field.to_string(),
    }
}

pub(super) async fn outcome(state: &AppState, ctx: &Ctx, plan_id: i64, f: &Fields) -> Result<Outcome, WebError> {
    let mut errors = Errors::new();
    let Some((contents, on, revision)) = check(f, &mut errors) else {
        return Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, errors));
    };
    let audit = audit::event(&ctx.0, "write", AuditOutcome::Ok);
    let written = nimo_store::plans::write_contents(
        &state.db,
        plan_id,
        revision,
        on,
        &contents,
        &get(f, "note"),
        user_id(ctx)?,
        audit,
    )
    .await;
    match written {
        Ok(_) => Ok(Outcome::Saved),
        Err(error) => {
            let status = explain(error, &mut errors)?;
            Ok(Outcome::Refused(status, errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_forms_own_fields_are_known() {
        assert!(known("person_wishes") && known("support_agency_0") && known("support_remove_19"));
        assert!(known("rows") && known("add_row") && known("revision"));
        assert!(!known("support_agency_20") && !known("support_agency_01") && !known("support_x_0"));
        assert!(!known("contents") && !known("support_agency_+1") && !known("is_admin"));
    }

    #[test]
    fn problems_of_kept_rows_go_to_the_rows_typed() {
        assert_eq!(renumber("support_agency_1", &[0, 2]), "support_agency_2");
        assert_eq!(renumber("author_officer", &[0, 2]), "author_officer");
    }
}
