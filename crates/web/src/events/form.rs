//! The 普及啓発 event form: what it posts, read into `nimo_store::events::EventInput` with each
//! problem beside its field (in Japanese, naming the field), and what the page shows again.

use crate::pages::Errors;
use nimo_domain::calendar::parse_iso_date;
use nimo_domain::pdca::{self, EventKind, HeldStatus, MAX_PARTICIPANTS};
use nimo_domain::text::TextRule;
use nimo_store::events::EventInput;

/// The form as posted (every field a text, so that what was typed comes back on a refusal).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventForm {
    #[serde(default)]
    pub(crate) held_on: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) audience: String,
    #[serde(default)]
    pub(crate) participants: String,
    #[serde(default)]
    pub(crate) partners: String,
    #[serde(default)]
    pub(crate) materials: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) schedule_item: String,
    /// The revision the edit form was made from (absent on a new event).
    #[serde(default)]
    pub(crate) revision: String,
}

/// The fields in the order the form shows them (the error summary's order).
pub(crate) const ORDER: &[&str] =
    &["held_on", "title", "kind", "audience", "participants", "partners", "materials", "status", "schedule_item"];

fn text(errors: &mut Errors, name: &str, label: &str, value: &str, rule: TextRule) -> String {
    let value = value.replace("\r\n", "\n");
    let value = value.trim();
    if let Some(problem) = rule.problems(value).into_iter().next() {
        errors.insert(name.into(), format!("{label}: {problem}"));
    }
    value.to_string()
}

impl EventForm {
    /// The form of a stored event.
    pub(crate) fn of(event: &nimo_store::events::Event) -> Self {
        let i = &event.input;
        Self {
            held_on: i.held_on.to_string(),
            title: i.title.clone(),
            kind: i.kind.code().into(),
            audience: i.audience.clone(),
            participants: i.participants.map(|p| p.to_string()).unwrap_or_default(),
            partners: i.partners.join("\n"),
            materials: i.materials.join("\n"),
            status: i.status.code().into(),
            schedule_item: i.schedule_item.clone(),
            revision: event.revision.to_string(),
        }
    }

    /// The event the form describes, or every field's problem.
    pub(crate) fn check(&self) -> Result<EventInput, Errors> {
        let mut errors = Errors::new();
        let held_on = parse_iso_date(self.held_on.trim());
        if held_on.is_none() {
            errors.insert("held_on".into(), "開催日: 実在する日付を 2022-08-20 の形で入力してください".into());
        }
        let title = text(&mut errors, "title", "テーマ・名称", &self.title, pdca::TITLE);
        if title.is_empty() {
            errors.entry("title".into()).or_insert_with(|| "テーマ・名称: 入力してください".into());
        }
        let kind = EventKind::parse(&self.kind);
        if kind.is_none() {
            errors.insert("kind".into(), "種類: 一覧から選んでください".into());
        }
        let audience = text(&mut errors, "audience", "対象", &self.audience, pdca::SHORT);
        let participants = match self.participants.trim() {
            "" => Some(None),
            typed => nimo_domain::text::nfkc(typed)
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=MAX_PARTICIPANTS).contains(n))
                .map(Some),
        };
        if participants.is_none() {
            errors.insert("participants".into(), "参加者数: 0以上の整数で入力してください（不明なら空欄）".into());
        }
        let partners = text(&mut errors, "partners", "連携団体", &self.partners, pdca::LIST);
        let materials = text(&mut errors, "materials", "資料・配布物", &self.materials, pdca::LIST);
        let status = HeldStatus::parse(&self.status);
        if status.is_none() {
            errors.insert("status".into(), "状態: 予定・実施済・中止から選んでください".into());
        }
        let schedule_item = text(&mut errors, "schedule_item", "スケジュールの項目", &self.schedule_item, pdca::SHORT);
        match (held_on, kind, participants, status) {
            (Some(held_on), Some(kind), Some(participants), Some(status)) if errors.is_empty() => Ok(EventInput {
                held_on,
                title,
                kind,
                audience,
                participants,
                partners: pdca::lines(&partners),
                materials: pdca::lines(&materials),
                status,
                schedule_item,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_field_is_named() {
        let form = EventForm {
            held_on: "2022-02-30".into(),
            kind: "party".into(),
            participants: "-1".into(),
            status: "done".into(),
            ..EventForm::default()
        };
        let errors = form.check().unwrap_err();
        for field in ["held_on", "title", "kind", "participants", "status"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn a_good_form_reads_full_width_digits_and_lists() {
        let form = EventForm {
            held_on: "2022-08-20".into(),
            title: " 精神保健講演会 ".into(),
            kind: "lecture".into(),
            participants: "１２０".into(),
            partners: "家族会\r\n\r\n医師会\n".into(),
            status: "held".into(),
            ..EventForm::default()
        };
        let input = form.check().unwrap();
        assert_eq!(input.title, "精神保健講演会");
        assert_eq!(input.participants, Some(120));
        assert_eq!(input.partners, vec!["家族会", "医師会"]);
    }
}
