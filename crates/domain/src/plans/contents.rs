//! The contents of a 退院後支援計画 as data, after the sections the guideline asks a plan to
//! state (障発0327第16号 H30.3.27, III.1: 「必要な医療等の支援内容等を記載した」計画, 別添参考様式1・2):
//! the person's wishes and those of the family and other supporters (III.1: 家族その他の支援者の
//! 意見についても十分に尊重), the wishes for life after discharge, the support by kind with the
//! agency, its contact person and what it does, what to do when the condition worsens (the crisis
//! plan, by day and by night) and who in the authority is in charge. The support kinds follow the
//! guideline's 医療、福祉、介護、就労支援等 (通知本文). The layout of the 参考様式 itself was not read
//! item by item: pages and the print say so ([`FORM_NOTE`], 要確認). No I/O.

use crate::text::TextRule;
use serde::{Deserialize, Serialize};

/// What pages and the print say of the sections: their source, and what is not verified.
pub const FORM_NOTE: &str = "項目は「地方公共団体による精神障害者の退院後支援に関するガイドライン」（障発0327第16号、平成30年3月27日）III.1（計画に記載する医療等の支援内容、本人の希望と家族その他の支援者の意見）による。別添参考様式1・2との項目・配置の対応は要確認。";

/// The kinds of support a row names: code and Japanese label.
pub const SUPPORT_KINDS: &[(&str, &str)] = &[
    ("medical", "医療（精神科外来・訪問看護・デイケア等）"),
    ("welfare", "障害福祉サービス（相談支援・居宅介護・グループホーム等）"),
    ("care", "介護サービス"),
    ("work", "就労（就労支援・職場等）"),
    ("other", "その他（住まい・生活・経済的支援、民生委員等）"),
];

/// The label of a support kind, if the code is one of [`SUPPORT_KINDS`].
pub fn support_kind_label(code: &str) -> Option<&'static str> {
    SUPPORT_KINDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The most support rows a plan holds.
pub const MAX_SUPPORTS: usize = 20;

/// One kind of support: who gives it, who to call there, what and how often.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupportRow {
    /// Kind code ([`SUPPORT_KINDS`]).
    pub kind: String,
    /// 事業所・機関名.
    pub agency: String,
    /// 担当者.
    pub contact: String,
    /// 電話番号.
    pub phone: String,
    /// 支援の内容.
    pub content: String,
    /// 頻度.
    pub frequency: String,
}

impl SupportRow {
    /// Whether nothing was typed in the row (an empty row is dropped).
    pub fn is_blank(&self) -> bool {
        [&self.kind, &self.agency, &self.contact, &self.phone, &self.content, &self.frequency]
            .iter()
            .all(|t| t.trim().is_empty())
    }

    /// The kind's label (empty for an unknown code).
    pub fn kind_label(&self) -> &'static str {
        support_kind_label(&self.kind).unwrap_or("")
    }
}

/// 病状が悪化した場合の対処方針 (the crisis plan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrisisPlan {
    /// 注意サイン: the signs that the condition is worsening.
    pub signs: String,
    /// 本人が行うこと.
    pub own_actions: String,
    /// Who to contact and how in the daytime (機関・電話).
    pub day_contact: String,
    /// Who to contact and how at night and on holidays.
    pub night_contact: String,
}

/// 計画作成の担当: the authority, the person in charge and how to reach them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanAuthor {
    /// 作成主体（自治体・担当課）.
    pub authority: String,
    /// 担当者（保健師等）.
    pub officer: String,
    /// 連絡先.
    pub contact: String,
}

/// The contents of a plan, by section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanContents {
    /// 本人の希望.
    pub person_wishes: String,
    /// 家族その他の支援者の意見.
    pub family_views: String,
    /// 退院後の生活に関する本人の希望（住まい等）.
    pub living_wishes: String,
    /// 支援の内容, by kind.
    pub supports: Vec<SupportRow>,
    /// 病状が悪化した場合の対処方針.
    pub crisis: CrisisPlan,
    /// 計画作成の担当.
    pub author: PlanAuthor,
}

/// The form fields of the sections (the support rows are `support_{field}_{n}`), with their
/// Japanese names and rules.
pub const FIELDS: &[(&str, &str, TextRule)] = &[
    ("person_wishes", "本人の希望", TextRule::lines(2_000)),
    ("family_views", "家族その他の支援者の意見", TextRule::lines(2_000)),
    ("living_wishes", "退院後の生活に関する本人の希望", TextRule::lines(2_000)),
    ("crisis_signs", "病状悪化の注意サイン", TextRule::lines(2_000)),
    ("crisis_own_actions", "本人が行うこと", TextRule::lines(2_000)),
    ("crisis_day_contact", "日中の連絡先", TextRule::lines(1_000)),
    ("crisis_night_contact", "夜間・休日の連絡先", TextRule::lines(1_000)),
    ("author_authority", "作成主体（自治体・担当課）", TextRule::line(100)),
    ("author_officer", "担当者", TextRule::line(100)),
    ("author_contact", "担当者の連絡先", TextRule::line(100)),
];

/// The fields of a support row, with their rules and Japanese names.
pub const SUPPORT_FIELDS: &[(&str, &str, TextRule)] = &[
    ("kind", "支援の種類", TextRule::line(20)),
    ("agency", "事業所・機関名", TextRule::line(100)),
    ("contact", "担当者", TextRule::line(100)),
    ("phone", "電話番号", TextRule::line(30)),
    ("content", "支援の内容", TextRule::lines(1_000)),
    ("frequency", "頻度", TextRule::line(100)),
];

/// Whether a phone number is digits with hyphens, brackets, spaces or a leading +.
fn phone_ok(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits) && text.chars().all(|c| c.is_ascii_digit() || "-() +".contains(c))
}

impl PlanContents {
    /// The reasons the contents cannot be saved, by form field (`support_agency_1` for the second
    /// row's agency), each naming the field; empty when they can.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        if self.supports.is_empty() {
            found.push((
                "support_kind_0".to_string(),
                "支援の内容を1行以上入力してください（支援の種類と事業所・機関名）".to_string(),
            ));
        }
        if self.supports.len() > MAX_SUPPORTS {
            found.push(("supports".to_string(), format!("支援の内容は{MAX_SUPPORTS}行までです")));
        }
        for (n, row) in self.supports.iter().enumerate() {
            let line = n + 1;
            if support_kind_label(&row.kind).is_none() {
                found.push((format!("support_kind_{n}"), format!("支援{line}行目: 支援の種類を選んでください")));
            }
            if row.agency.trim().is_empty() {
                found
                    .push((format!("support_agency_{n}"), format!("支援{line}行目: 事業所・機関名を入力してください")));
            }
            if !row.phone.trim().is_empty() && !phone_ok(row.phone.trim()) {
                found.push((
                    format!("support_phone_{n}"),
                    format!("支援{line}行目: 電話番号は数字とハイフンで入力してください（例: 03-1234-5678）"),
                ));
            }
        }
        if self.crisis.day_contact.trim().is_empty() && self.crisis.night_contact.trim().is_empty() {
            found.push((
                "crisis_day_contact".to_string(),
                "病状が悪化した場合の連絡先（日中または夜間・休日）を入力してください".to_string(),
            ));
        }
        if self.author.officer.trim().is_empty() {
            found.push(("author_officer".to_string(), "計画作成の担当者を入力してください".to_string()));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, agency: &str) -> SupportRow {
        SupportRow { kind: kind.into(), agency: agency.into(), ..SupportRow::default() }
    }

    fn complete() -> PlanContents {
        PlanContents {
            supports: vec![row("medical", "見本記念病院")],
            crisis: CrisisPlan { day_contact: "保健予防課 03-0000-0000".into(), ..CrisisPlan::default() },
            author: PlanAuthor { officer: "保健師 見本".into(), ..PlanAuthor::default() },
            ..PlanContents::default()
        }
    }

    #[test]
    fn a_complete_plan_has_no_problems() {
        assert!(complete().problems().is_empty(), "{:?}", complete().problems());
    }

    #[test]
    fn each_missing_part_is_named_by_its_field() {
        let mut c = complete();
        c.supports.push(row("unknown", ""));
        c.supports[0].phone = "電話して".into();
        c.crisis = CrisisPlan::default();
        c.author.officer = String::new();
        let fields: Vec<String> = c.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["support_phone_0", "support_kind_1", "support_agency_1", "crisis_day_contact", "author_officer"]
        );
        let none = PlanContents { supports: vec![], ..complete() };
        assert_eq!(none.problems()[0].0, "support_kind_0");
    }

    #[test]
    fn phones_take_digits_and_hyphens() {
        assert!(phone_ok("03-1234-5678") && phone_ok("(03) 1234 5678") && phone_ok("+81-3-1234-5678"));
        assert!(!phone_ok("123") && !phone_ok("０３-1234-5678") && !phone_ok("03-1234-5678 内線"));
    }

    #[test]
    fn contents_read_back_from_json_with_missing_sections() {
        let json = serde_json::to_string(&complete()).unwrap();
        assert_eq!(serde_json::from_str::<PlanContents>(&json).unwrap(), complete());
        let partial: PlanContents = serde_json::from_str(r#"{"person_wishes":"家に帰りたい"}"#).unwrap();
        assert_eq!(partial.person_wishes, "家に帰りたい");
        assert!(partial.supports.is_empty());
    }
}
