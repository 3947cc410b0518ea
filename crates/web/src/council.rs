//! The 協議の場 and the other bodies of the network, their meetings and action items: what the
//! pages of [`bodies`], [`meetings`] and [`actions`] share (field checks, the code lists as
//! options, the refusals of the store as reasons beside their fields), and the JSON API
//! ([`api`]).
//!
//! Staff with a municipality-wide scope keep these records (`CouncilWrite`); the council, the
//! administrator and other staff read them (`CouncilRead`). Members' contact details are shown
//! only to those who may keep the records. Every page appends its `read` audit row first.

pub(crate) mod actions;
pub(crate) mod api;
pub(crate) mod bodies;
pub(crate) mod meetings;

use crate::WebError;
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::posted;
use crate::pages::{Errors, Fields};
use nimo_domain::MunicipalityCode;
use nimo_domain::council::ACTION_TEXTS;
use nimo_domain::text::TextRule;
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::council::actions::ActionInput;

/// Field labels, for the reasons shown beside fields and in the summary.
const LABELS: &[(&str, &str)] = &[
    ("name", "名称・氏名"),
    ("kind", "種別"),
    ("parent_id", "親会議体"),
    ("organisation", "所属団体"),
    ("sector", "分野"),
    ("position", "役職"),
    ("contact", "連絡先"),
    ("body_id", "会議体"),
    ("title", "件名"),
    ("held_on", "開催日"),
    ("format", "開催方法"),
    ("status", "状況"),
    ("place", "場所"),
    ("agenda", "議題"),
    ("minutes", "議事録"),
    ("decisions", "決定事項"),
    ("present", "出席者"),
    ("schedule_item", "実施する項目"),
    ("owner", "担当"),
    ("due_on", "期限"),
    ("menu_code", "構築推進事業の項目"),
    ("revision", "更新"),
];

/// The label of a field.
pub(crate) fn label(field: &str) -> &'static str {
    LABELS.iter().find(|(name, _)| *name == field).map_or("入力", |(_, label)| label)
}

/// Checks each posted text against its rule and required fields for emptiness; every problem
/// goes beside its field as 「{label}: {reason}」.
pub(crate) fn check(f: &Fields, rules: &[(&str, TextRule)], errors: &mut Errors) {
    for (name, _) in rules {
        let text = f.get(*name).map(|v| v.trim()).unwrap_or_default();
        let problems = nimo_domain::council::text_problems(rules, name, text);
        if let Some(problem) = problems.into_iter().next() {
            errors.entry(name.to_string()).or_insert(format!("{}: {problem}", label(name)));
        }
    }
}

/// A store refusal that belongs beside a field of a form, as (field, 「{label}: {reason}」);
/// any other error is the caller's to raise.
pub(crate) fn field_refusal(error: StoreError) -> Result<(String, String), WebError> {
    match crate::error::store_refusal(&error) {
        Some(refusal) if refusal.status != axum::http::StatusCode::NOT_FOUND => {
            let field = refusal.field.unwrap_or("revision");
            Ok((field.to_string(), format!("{}: {}", label(field), refusal.detail)))
        }
        _ => Err(error.into()),
    }
}

/// The options of a code list as (code, label).
pub(crate) fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_string(), label(*v).to_string())).collect()
}

/// Whether the viewer may keep the municipality's council records (and see members' contacts).
pub(crate) fn may_keep(ctx: &Ctx, code: &MunicipalityCode) -> bool {
    Layout::of(ctx).can("POST", format!("/municipalities/{code}/council"))
}

/// Appends the `read` row of a council page before it is made.
pub(crate) async fn audit_read(state: &crate::AppState, ctx: &Ctx, record: &str, id: String) -> Result<(), WebError> {
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record(record, id)).await
}

/// The summary's element id of a field (every field's element has its name as id).
pub(crate) fn field_id(name: &str) -> String {
    name.to_string()
}

/// The form that adds an action item, or changes one, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionForm {
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) due_on: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) menu_code: String,
    /// The revision a change was made from (changes only).
    #[serde(default)]
    pub(crate) revision: String,
}

impl ActionForm {
    pub(crate) fn input(&self, errors: &mut Errors) -> ActionInput {
        check(&posted(self), ACTION_TEXTS, errors);
        let due = self.due_on.trim();
        if !due.is_empty() && nimo_domain::calendar::parse_iso_date(due).is_none() {
            errors.insert("due_on".into(), format!("{}: 日付を「2022-09-30」の形で入力してください", label("due_on")));
        }
        ActionInput {
            title: self.title.clone(),
            owner: self.owner.clone(),
            due_on: due.to_string(),
            status: self.status.clone(),
            menu_code: self.menu_code.clone(),
        }
    }
}
