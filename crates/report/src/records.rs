//! The prints of case work: a 23条通報 case summary and a 退院後支援計画, each an A4 portrait PDF.
//!
//! The caller (web) fills these structs with the texts its page shows, already formatted (dates
//! as the page writes them, times in Japan time); they travel to typst as JSON, never as markup,
//! so no user text needs escaping. The records carry only what the viewer may see: this crate
//! never opens the database and decides nothing about access.

use serde::Serialize;

/// Printed at the top of every page of a case print: the data is 要配慮個人情報.
pub const HANDLING_MARK: &str = "取扱注意（要配慮個人情報）";

/// Who and when, printed in every page's footer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Printed {
    /// The municipality that holds the record: `目黒区`.
    pub municipality: String,
    /// When it was printed, in Japan time: `2026-12-07 09:30`.
    pub at: String,
    /// Who printed it (the signed-in user's display name).
    pub by: String,
}

/// The person as the viewer's page shows them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintedPerson {
    /// 氏名（漢字）.
    pub name_kanji: String,
    /// 氏名（かな）.
    pub name_kana: String,
    /// 生年月日 (ISO), empty when unknown.
    pub birth_date: String,
    /// 住所, empty when not printed.
    pub address: String,
    /// 連絡先, empty when not printed.
    pub contact: String,
}

/// One dated line of a record's history.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintedEvent {
    /// The date (or date and time) as the page shows it.
    pub on: String,
    /// What happened: `措置診察`.
    pub what: String,
    /// Its detail: findings, disposition, hospital.
    pub detail: String,
    /// The note recorded with it (empty when none, or when the print leaves notes out).
    pub note: String,
}

/// A bed hold placed under the case's 受付番号.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintedHold {
    /// The hold's number.
    pub id: i64,
    /// 病院・病棟.
    pub place: String,
    /// 入院形態.
    pub admission: String,
    /// 状態, with a decline's reason.
    pub state: String,
    /// When it was placed (Japan time).
    pub held_at: String,
    /// When the hospital answered (Japan time), empty while waiting.
    pub decided_at: String,
}

/// A 23条通報 case as its page shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaseSummary {
    /// The case's id.
    pub id: i64,
    /// 受付番号.
    pub reception: String,
    /// 状態.
    pub state: String,
    /// 処遇, empty before an examination.
    pub disposition: String,
    /// 受理日時.
    pub received_at: String,
    /// 根拠条文 (`23条（警察官の通報）`).
    pub article: String,
    /// 警察署 (for another article, who reported or applied).
    pub police_station: String,
    /// The review flag's text (要確認 …), empty when the case has none.
    pub review: String,
    /// 地区.
    pub district: String,
    /// Whether the person lives in the municipality, as a label: `区内（区民）`.
    pub residence: String,
    /// The person, `None` while 本人不明.
    pub person: Option<PrintedPerson>,
    /// 状況.
    pub circumstances: String,
    /// 入院先, empty when none.
    pub hospital: String,
    /// 次の期限, empty when none.
    pub next_due: String,
    /// 終結日, empty while open.
    pub closed_on: String,
    /// The events, oldest first.
    pub events: Vec<PrintedEvent>,
    /// The bed holds, newest first.
    pub holds: Vec<PrintedHold>,
    /// Who printed it, when.
    pub printed: Printed,
}

/// A 支援会議 as printed (the minutes stay on the page: they are the partners' record, not the
/// plan handed to the person).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintedMeeting {
    /// 開催日.
    pub held_on: String,
    /// 目的.
    pub purpose: String,
    /// 参加者 as `機関（職種）`.
    pub participants: Vec<String>,
    /// 本人・家族等の出欠: `本人: 出席・家族等: 欠席`.
    pub attendance: String,
}

/// A support row of a plan as printed (the kind as its label).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintedSupport {
    /// 支援の種類.
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

/// The contents of a plan by section, as printed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintedContents {
    /// 本人の希望.
    pub person_wishes: String,
    /// 家族その他の支援者の意見.
    pub family_views: String,
    /// 退院後の生活に関する本人の希望（住まい等）.
    pub living_wishes: String,
    /// 支援の内容, by kind.
    pub supports: Vec<PrintedSupport>,
    /// クライシスプラン: 注意サイン.
    pub crisis_signs: String,
    /// 本人が行うこと.
    pub crisis_own_actions: String,
    /// 連絡先（日中）.
    pub crisis_day_contact: String,
    /// 連絡先（夜間・休日）.
    pub crisis_night_contact: String,
    /// 作成主体.
    pub author_authority: String,
    /// 担当者.
    pub author_officer: String,
    /// 担当者の連絡先.
    pub author_contact: String,
}

/// A 退院後支援計画 laid out after the items the guideline asks a plan to state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SupportPlan {
    /// The plan's id.
    pub id: i64,
    /// 状態.
    pub state: String,
    /// The person.
    pub person: PrintedPerson,
    /// 地区.
    pub district: String,
    /// 同意: `同意あり（本人に確認、2022-05-01）`.
    pub consent: String,
    /// 計画作成日 (the day the contents were drafted), empty before.
    pub drafted_on: String,
    /// 入院先 (from the case the plan started from), empty when unknown.
    pub hospital: String,
    /// 退院日（支援開始日）, empty before the start.
    pub started_on: String,
    /// 支援期間の終了日, with the extensions: `2022-12-01（延長 1 回）`.
    pub period_end: String,
    /// 次回見直し.
    pub next_review: String,
    /// 終了日 and 終了の理由, or the 移管先, when it ended.
    pub ended: String,
    /// The contents by section, once written.
    pub sections: Option<PrintedContents>,
    /// 従前の計画内容（自由記述）: the one text a plan had before its contents had sections.
    pub contents: String,
    /// The 支援会議, oldest first.
    pub meetings: Vec<PrintedMeeting>,
    /// The plan's events (without their internal notes), oldest first.
    pub events: Vec<PrintedEvent>,
    /// The source of the items the print is laid out by, with what is unverified.
    pub basis: String,
    /// Who printed it, when.
    pub printed: Printed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_plain_json_strings() {
        let summary = CaseSummary {
            circumstances: "#set text(red)\n\"引用\"".into(),
            person: Some(PrintedPerson { name_kanji: "見本 花子".into(), ..PrintedPerson::default() }),
            ..CaseSummary::default()
        };
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["circumstances"], "#set text(red)\n\"引用\"");
        assert_eq!(json["person"]["name_kanji"], "見本 花子");
        assert!(serde_json::to_value(CaseSummary::default()).unwrap()["person"].is_null());
    }
}
