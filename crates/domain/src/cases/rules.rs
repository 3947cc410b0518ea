//! Rules of a 23条 case that are data with their source: the legal basis of a report (法22条 to
//! 26条の3), the dispositions that need a recorded reason, the flag a 緊急措置 after a second
//! 指定医's 措置不要 carries, and the staff at the 事前調査.

use super::{Disposition, Finding};
use crate::clocks::Verification;

/// The article a report or application was made under (精神保健福祉法 22条 to 26条の3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportArticle {
    /// 22条: anyone's application (一般人の申請).
    Citizen,
    /// 23条: a police officer's report.
    Police,
    /// 24条: a public prosecutor's report.
    Prosecutor,
    /// 25条: the head of a probation office.
    Probation,
    /// 26条: the head of a correctional institution.
    Correctional,
    /// 26条の2: the administrator of a psychiatric hospital.
    Hospital,
    /// 26条の3: under the 心神喪失者等医療観察法 (its 指定通院医療機関 and the probation office).
    MedicalTreatmentAct,
}

/// One article of the code list, with where its wording was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleEntry {
    /// The value.
    pub value: ReportArticle,
    /// The code in the database and forms (`23`, `26_2`).
    pub code: &'static str,
    /// What staff read.
    pub label: &'static str,
    /// Where it was read.
    pub source: &'static str,
    /// Whether nimo could verify it.
    pub verification: Verification,
}

const HAKUSYO: &str = "精神保健福祉法22条〜26条の2（犯罪白書 令和5年版 第2編第4章第10節の整理: https://hakusyo1.moj.go.jp/jp/70/nfm/n70_2_4_10_2_4.html）";

/// The articles a report can be made under, in the law's order. 23条 is the default.
pub const REPORT_ARTICLES: &[ArticleEntry] = &[
    ArticleEntry {
        value: ReportArticle::Citizen,
        code: "22",
        label: "22条（一般人の申請）",
        source: HAKUSYO,
        verification: Verification::Confirmed,
    },
    ArticleEntry {
        value: ReportArticle::Police,
        code: "23",
        label: "23条（警察官の通報）",
        source: HAKUSYO,
        verification: Verification::Confirmed,
    },
    ArticleEntry {
        value: ReportArticle::Prosecutor,
        code: "24",
        label: "24条（検察官の通報）",
        source: HAKUSYO,
        verification: Verification::Confirmed,
    },
    ArticleEntry {
        value: ReportArticle::Probation,
        code: "25",
        label: "25条（保護観察所の長の通報）",
        source: HAKUSYO,
        verification: Verification::Confirmed,
    },
    ArticleEntry {
        value: ReportArticle::Correctional,
        code: "26",
        label: "26条（矯正施設の長の通報）",
        source: HAKUSYO,
        verification: Verification::Confirmed,
    },
    ArticleEntry {
        value: ReportArticle::Hospital,
        code: "26_2",
        label: "26条の2（精神科病院の管理者の届出）",
        source: HAKUSYO,
        verification: Verification::Confirmed,
    },
    ArticleEntry {
        value: ReportArticle::MedicalTreatmentAct,
        code: "26_3",
        label: "26条の3（医療観察法の指定通院医療機関の管理者・保護観察所の長の通報）",
        source: "精神保健福祉法26条の3（記憶による。e-Gov の条文で確認していない）",
        verification: Verification::Unconfirmed("条文の現行の文言と番号を e-Gov で確認する"),
    },
];

impl ReportArticle {
    /// The default of a new report: 23条.
    pub const DEFAULT: ReportArticle = ReportArticle::Police;

    /// The entry of this article.
    pub fn entry(self) -> &'static ArticleEntry {
        // Every variant has its entry (the unit test below checks it); 23条 is the fallback.
        REPORT_ARTICLES.iter().find(|e| e.value == self).unwrap_or(&REPORT_ARTICLES[1])
    }

    /// The code.
    pub fn code(self) -> &'static str {
        self.entry().code
    }

    /// The label, with 要確認 when the article was not verified.
    pub fn label(self) -> String {
        let entry = self.entry();
        match entry.verification {
            Verification::Confirmed => entry.label.to_string(),
            Verification::Unconfirmed(_) => format!("{}（要確認）", entry.label),
        }
    }

    /// The article of a code.
    pub fn parse(code: &str) -> Option<Self> {
        REPORT_ARTICLES.iter().find(|e| e.code == code).map(|e| e.value)
    }
}

/// Why a case is flagged for review (shown as 要確認 on the case page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewFlag {
    /// A 緊急措置入院 decided after a second 指定医 found 措置不要.
    KinkyuAfterNoSochi,
}

impl ReviewFlag {
    /// The code in the database.
    pub fn code(self) -> &'static str {
        match self {
            ReviewFlag::KinkyuAfterNoSochi => "kinkyu_after_no_sochi",
        }
    }

    /// The flag of a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        (code == "kinkyu_after_no_sochi").then_some(ReviewFlag::KinkyuAfterNoSochi)
    }

    /// What staff read, with the source.
    pub fn label(self) -> &'static str {
        match self {
            ReviewFlag::KinkyuAfterNoSochi => {
                "要確認: 二次診察の指定医が「措置不要」とした後の緊急措置入院です。法29条の2は、急速を要し\
                 27条〜29条の手続を採ることができない場合の規定で、2人の指定医の所見が一致しない場合は\
                 29条の要件を満たしません。明文の規定は見つかっていないため、記録した理由を確認してください。"
            }
        }
    }

    /// Whether nimo could verify the rule behind the flag (it could not: no explicit rule).
    pub fn verification(self) -> Verification {
        match self {
            ReviewFlag::KinkyuAfterNoSochi => {
                Verification::Unconfirmed("緊急措置の後の二次診察で措置不要とされた場合の明文の規定が見つからない")
            }
        }
    }
}

/// What an examination's findings and disposition require: a recorded reason (with what the
/// reason must say, as the form's message), and a review flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExamRequirement {
    /// The message when the reason is missing, if a reason is required.
    pub reason: Option<&'static str>,
    /// The flag the case gets.
    pub flag: Option<ReviewFlag>,
}

/// What an examination requires. A 緊急措置 after a second 指定医's 措置不要 needs a reason and
/// is flagged (29条の2 is for when the 27–29条 procedure cannot be taken: two doctors who
/// disagree do not meet 29条, and no rule was found that allows it); two findings of 要措置
/// with a disposition other than 措置入院 need a reason (29条 then calls for 措置入院).
pub fn exam_requirement(first: Finding, second: Option<Finding>, disposition: Disposition) -> ExamRequirement {
    if disposition == Disposition::KinkyuSochi && second == Some(Finding::NoSochi) {
        return ExamRequirement {
            reason: Some("二次診察が「措置不要」の後に緊急措置入院とする理由を入力してください"),
            flag: Some(ReviewFlag::KinkyuAfterNoSochi),
        };
    }
    if first == Finding::NeedsSochi && second == Some(Finding::NeedsSochi) && disposition != Disposition::Sochi {
        return ExamRequirement {
            reason: Some("2人の指定医がともに「要措置」のときに措置入院としない理由を入力してください"),
            flag: None,
        };
    }
    ExamRequirement { reason: None, flag: None }
}

/// The fewest and most staff a 事前調査 may record.
pub const INVESTIGATION_STAFF: std::ops::RangeInclusive<u8> = 1..=20;

/// The staff the guideline asks for at a 事前調査, and where that is read.
pub const INVESTIGATION_STAFF_GUIDED: u8 = 2;

/// The source of [`INVESTIGATION_STAFF_GUIDED`], as the page shows it.
pub const INVESTIGATION_STAFF_SOURCE: &str =
    "措置入院の運用に関するガイドライン（H30.3）の事前調査は2名以上での調査としています（要確認: 原文の文言を確認）";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_article_has_one_entry_and_23_is_the_default() {
        use ReportArticle::*;
        for article in [Citizen, Police, Prosecutor, Probation, Correctional, Hospital, MedicalTreatmentAct] {
            assert_eq!(REPORT_ARTICLES.iter().filter(|e| e.value == article).count(), 1, "{article:?}");
            assert_eq!(ReportArticle::parse(article.code()), Some(article));
        }
        assert_eq!(ReportArticle::DEFAULT.code(), "23");
        assert_eq!(ReportArticle::parse("99"), None);
        assert!(ReportArticle::MedicalTreatmentAct.label().ends_with("（要確認）"));
        assert_eq!(ReportArticle::Citizen.label(), "22条（一般人の申請）");
    }

    #[test]
    fn a_kinkyu_after_a_second_no_sochi_needs_a_reason_and_a_review() {
        use Disposition::*;
        use Finding::*;
        let r = exam_requirement(NeedsSochi, Some(NoSochi), KinkyuSochi);
        assert!(r.reason.is_some());
        assert_eq!(r.flag, Some(ReviewFlag::KinkyuAfterNoSochi));
        assert!(matches!(ReviewFlag::KinkyuAfterNoSochi.verification(), Verification::Unconfirmed(_)));
        assert_eq!(ReviewFlag::parse(ReviewFlag::KinkyuAfterNoSochi.code()), Some(ReviewFlag::KinkyuAfterNoSochi));
        // One 指定医 alone (the usual 緊急措置) needs nothing more.
        assert_eq!(exam_requirement(NeedsSochi, None, KinkyuSochi), ExamRequirement { reason: None, flag: None });
    }

    #[test]
    fn two_findings_of_sochi_without_sochi_need_a_reason() {
        use Disposition::*;
        use Finding::*;
        for disposition in [KinkyuSochi, IryoHogo, Oukyu, Nini, NoAdmission, Other] {
            let r = exam_requirement(NeedsSochi, Some(NeedsSochi), disposition);
            assert!(r.reason.is_some() && r.flag.is_none(), "{disposition:?}");
        }
        assert_eq!(exam_requirement(NeedsSochi, Some(NeedsSochi), Sochi).reason, None);
        assert_eq!(exam_requirement(NoSochi, Some(NeedsSochi), IryoHogo).reason, None);
        assert_eq!(exam_requirement(NoSochi, Some(NoSochi), NoAdmission).reason, None);
    }
}
