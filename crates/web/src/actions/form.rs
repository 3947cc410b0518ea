//! The form that moves a 構築推進事業 action: owner, status, progress note and the linked records
//! (a group of checkboxes `link`, each `meeting:3`, `event:5` or `action_item:7`).

use crate::pages::{Errors, WithList};
use nimo_domain::pdca::{self, ActionStatus};
use nimo_store::actions::{ActionChange, LinkKind, TrackedAction};

/// The form as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActionForm {
    #[serde(default)]
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) progress: String,
    #[serde(default)]
    pub(crate) revision: String,
}

impl WithList for ActionForm {
    const LIST: &'static str = "link";
}

/// The fields in the order the form shows them.
pub(crate) const ORDER: &[&str] = &["owner", "status", "progress", "links", "revision"];

impl ActionForm {
    /// The form of a stored action and its links' keys.
    pub(crate) fn of(action: &TrackedAction) -> (Self, Vec<String>) {
        let form = Self {
            owner: action.owner.clone(),
            status: action.status.code().into(),
            progress: action.progress.clone(),
            revision: action.revision.to_string(),
        };
        (form, action.links.iter().map(|l| l.key()).collect())
    }

    /// The revision and the change, or each field's problem.
    pub(crate) fn check(&self, linked: &[String]) -> Result<(i64, ActionChange), Errors> {
        let mut errors = Errors::new();
        let owner = self.owner.trim().to_string();
        if let Some(problem) = pdca::SHORT.problems(&owner).into_iter().next() {
            errors.insert("owner".into(), format!("担当（課・係）: {problem}"));
        }
        let status = ActionStatus::parse(&self.status);
        if status.is_none() {
            errors.insert("status".into(), "状態: 未着手・実施中・完了・見送りから選んでください".into());
        }
        let progress = self.progress.replace("\r\n", "\n").trim().to_string();
        if let Some(problem) = pdca::NOTE.problems(&progress).into_iter().next() {
            errors.insert("progress".into(), format!("進捗: {problem}"));
        }
        let links: Option<Vec<(LinkKind, i64)>> = linked
            .iter()
            .map(|key| {
                let (kind, id) = key.split_once(':')?;
                Some((LinkKind::parse(kind)?, id.parse().ok()?))
            })
            .collect();
        if links.is_none() {
            errors.insert("links".into(), "関連する記録: 一覧から選んでください".into());
        }
        let revision = self.revision.trim().parse::<i64>().ok();
        if revision.is_none() {
            errors.insert("revision".into(), "版: フォームを開き直してからやり直してください".into());
        }
        match (status, links, revision) {
            (Some(status), Some(links), Some(revision)) if errors.is_empty() => {
                Ok((revision, ActionChange { owner, status, progress, links }))
            }
            _ => Err(errors),
        }
    }
}
