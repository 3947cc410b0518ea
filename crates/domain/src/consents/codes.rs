//! The code lists of a 市町村長同意: how the 区 knows it is the right 市町村 (居住地, else 現在地),
//! why no 家族等 can consent (and why a relative is not a 家族等), the decision, how a request ends,
//! each with its Japanese label and source; and the typed refusals of the state machine.

/// 法33条2項 (R6.4〜) and 3項 (〜R6.3): the article of a 市町村長同意, with both numbers.
pub const ARTICLE: &str = "精神保健福祉法33条2項（令和6年3月以前は33条3項）";
/// The MHLW 要領 every step follows (法定受託事務の処理基準).
pub const GUIDANCE: &str = "市町村長同意事務処理要領（昭和63年6月22日 健医発第743号 厚生省保健医療局長通知 別添）";

/// Which place makes the 区 the 市町村 whose 市町村長 consents (法33条2項: 居住地, or when there is
/// none or it is unknown, 現在地; 要領: 居住地 confirmed by 住民票等, else treated as unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResidenceBasis {
    /// 居住地が区内（住民票等で確認）.
    Residence,
    /// 居住地がない・不明で、現在地が区内.
    PresentLocation,
    /// 居住地（または現在地）が他の市町村.
    Elsewhere,
}

impl ResidenceBasis {
    /// Every basis, in form order.
    pub const ALL: [ResidenceBasis; 3] =
        [ResidenceBasis::Residence, ResidenceBasis::PresentLocation, ResidenceBasis::Elsewhere];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ResidenceBasis::Residence => "residence",
            ResidenceBasis::PresentLocation => "present_location",
            ResidenceBasis::Elsewhere => "elsewhere",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            ResidenceBasis::Residence => "居住地が区内（住民票等で確認）",
            ResidenceBasis::PresentLocation => "居住地がない・確認できず、現在地が区内",
            ResidenceBasis::Elsewhere => "居住地（または現在地）が他の市町村（同意の対象外）",
        }
    }

    /// Whether this basis makes the 区's 市町村長 the one who consents.
    pub fn ours(self) -> bool {
        !matches!(self, ResidenceBasis::Elsewhere)
    }

    /// The basis of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    /// Where the rule comes from.
    pub fn source(self) -> &'static str {
        "法33条2項（その者の居住地を管轄する市町村長）; 要領 二(二)ア（住民票等で確認、できなければ居住地不明として現在地）"
    }
}

/// Why no 家族等 can consent: the three cases of 法33条2項.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FamilyFinding {
    /// 家族等がいない（法5条2項の除外に当たる者しかいない場合を含む）.
    NoFamily,
    /// 家族等の全員がその意思を表示することができない.
    CannotExpress,
    /// 家族等の全員が同意・不同意の意思表示を行わない（令和6年4月から）.
    WillNotExpress,
    /// 同意できる家族等がいる（市町村長同意の対象外）.
    FamilyAvailable,
}

impl FamilyFinding {
    /// Every finding, in form order.
    pub const ALL: [FamilyFinding; 4] = [
        FamilyFinding::NoFamily,
        FamilyFinding::CannotExpress,
        FamilyFinding::WillNotExpress,
        FamilyFinding::FamilyAvailable,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FamilyFinding::NoFamily => "no_family",
            FamilyFinding::CannotExpress => "cannot_express",
            FamilyFinding::WillNotExpress => "will_not_express",
            FamilyFinding::FamilyAvailable => "family_available",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            FamilyFinding::NoFamily => "家族等がいない",
            FamilyFinding::CannotExpress => "家族等の全員が意思を表示できない",
            FamilyFinding::WillNotExpress => "家族等の全員が同意・不同意の意思表示を行わない（令和6年4月から）",
            FamilyFinding::FamilyAvailable => "同意できる家族等がいる（対象外）",
        }
    }

    /// Whether the finding allows a 市町村長同意.
    pub fn allows_consent(self) -> bool {
        !matches!(self, FamilyFinding::FamilyAvailable)
    }

    /// The finding of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// Where the rule comes from.
    pub fn source(self) -> &'static str {
        match self {
            FamilyFinding::WillNotExpress => "法33条2項（令和4年法律第104号による改正、令和6年4月1日施行）",
            _ => "法33条2項（改正前33条3項）; 要領 一(四)",
        }
    }
}

/// Why a relative is not a 家族等 (法5条2項 ただし書の各号), recorded beside the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Excluded {
    /// 行方の知れない者.
    Missing,
    /// 本人に対して訴訟をしている者、した者、その配偶者と直系血族.
    Litigant,
    /// 家庭裁判所で免ぜられた法定代理人、保佐人、補助人.
    DismissedGuardian,
    /// 配偶者暴力（DV）・虐待を行った者など、意思表示を求めることが適切でない者（省令）.
    Abuser,
    /// 未成年者.
    Minor,
}

impl Excluded {
    /// Every reason, in form order.
    pub const ALL: [Excluded; 5] =
        [Excluded::Missing, Excluded::Litigant, Excluded::DismissedGuardian, Excluded::Abuser, Excluded::Minor];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Excluded::Missing => "missing",
            Excluded::Litigant => "litigant",
            Excluded::DismissedGuardian => "dismissed_guardian",
            Excluded::Abuser => "abuser",
            Excluded::Minor => "minor",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            Excluded::Missing => "行方の知れない者",
            Excluded::Litigant => "本人に対し訴訟をしている（した）者とその配偶者・直系血族",
            Excluded::DismissedGuardian => "家庭裁判所で免ぜられた法定代理人・保佐人・補助人",
            Excluded::Abuser => "DV・虐待を行った者など意思表示を求めることが適切でない者",
            Excluded::Minor => "未成年者",
        }
    }

    /// The reason of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    /// Where it comes from, and whether nimo read it (`None` = 確認済).
    pub fn source(self) -> (&'static str, Option<&'static str>) {
        match self {
            Excluded::Abuser => {
                ("法5条2項4号（令和6年4月から）と厚生労働省令", Some("号番号と省令で定める者の範囲は原文で未確認"))
            }
            _ => ("法5条2項ただし書", Some("号番号は原文で未確認")),
        }
    }
}

/// How a 市町村長同意 ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// 退院.
    Discharged,
    /// 家族等が判明し、同意者が家族等に代わった.
    FamilyFound,
    /// 入院形態の変更（任意入院など）.
    FormChanged,
    /// 転院（他の病院での入院は新たな同意による）.
    Transferred,
    /// 他の市町村の管轄と分かり回付した（依頼段階）.
    NotOurs,
    /// 病院が依頼を取り下げた（依頼段階）.
    Withdrawn,
    /// 不同意（同意の対象外と判断した）.
    Refused,
    /// 更新に同意しなかった.
    RenewalRefused,
}

impl EndReason {
    /// Every reason, in form order.
    pub const ALL: [EndReason; 8] = [
        EndReason::Discharged,
        EndReason::FamilyFound,
        EndReason::FormChanged,
        EndReason::Transferred,
        EndReason::NotOurs,
        EndReason::Withdrawn,
        EndReason::Refused,
        EndReason::RenewalRefused,
    ];

    /// Reasons staff choose on the end form (the others come from a decision).
    pub const CHOSEN: [EndReason; 6] = [
        EndReason::Discharged,
        EndReason::FamilyFound,
        EndReason::FormChanged,
        EndReason::Transferred,
        EndReason::NotOurs,
        EndReason::Withdrawn,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            EndReason::Discharged => "discharged",
            EndReason::FamilyFound => "family_found",
            EndReason::FormChanged => "form_changed",
            EndReason::Transferred => "transferred",
            EndReason::NotOurs => "not_ours",
            EndReason::Withdrawn => "withdrawn",
            EndReason::Refused => "refused",
            EndReason::RenewalRefused => "renewal_refused",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            EndReason::Discharged => "退院",
            EndReason::FamilyFound => "家族等が判明（同意者が家族等に）",
            EndReason::FormChanged => "入院形態の変更（任意入院など）",
            EndReason::Transferred => "転院",
            EndReason::NotOurs => "他の市町村の管轄（回付）",
            EndReason::Withdrawn => "病院が依頼を取り下げ",
            EndReason::Refused => "不同意",
            EndReason::RenewalRefused => "更新に不同意",
        }
    }

    /// Whether the reason ends a request that was never consented to.
    pub fn before_consent(self) -> bool {
        matches!(self, EndReason::NotOurs | EndReason::Withdrawn | EndReason::Refused)
    }

    /// The reason of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The state of a 市町村長同意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentState {
    /// 依頼受付（確認中）.
    Requested,
    /// 同意済（入院中）.
    Consented,
    /// 終了.
    Ended,
}

impl ConsentState {
    /// Every state.
    pub const ALL: [ConsentState; 3] = [ConsentState::Requested, ConsentState::Consented, ConsentState::Ended];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ConsentState::Requested => "requested",
            ConsentState::Consented => "consented",
            ConsentState::Ended => "ended",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            ConsentState::Requested => "依頼受付・確認中",
            ConsentState::Consented => "同意済・入院中",
            ConsentState::Ended => "終了",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Why the state machine refused an event; `field()` names the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// The event is not allowed in this state.
    #[error("この段階では「{event}」を記録できません（現在: {state}）")]
    NotAllowed {
        /// The event's label.
        event: &'static str,
        /// The state's label.
        state: &'static str,
    },
    /// An event dated before the last one.
    #[error("日時が前回の記録より前です")]
    BeforeLast,
    /// A consent before the checks were recorded.
    #[error("同意の前に、居住地と家族等の確認を記録してください")]
    ChecksMissing,
    /// A consent although the checks found the request is not the 区's, or a 家族等 can consent.
    #[error("確認の結果、区長同意の対象ではありません（{0}）")]
    NotEligible(&'static str),
    /// The official's name or title is empty.
    #[error("判断した職員（職名・氏名）を入力してください")]
    OfficialMissing,
    /// A renewal decision without a pending request, or a second request.
    #[error("更新の同意の依頼が受け付けられていません")]
    NoRenewalRequest,
    /// A second renewal request while one is pending.
    #[error("受付済みの更新の依頼にまだ回答していません")]
    RenewalPending,
    /// A renewal's new period that does not end after its request.
    #[error("入院期間の満了日時が記録の日時より後ではありません")]
    PeriodBeforeRequest,
    /// An end reason that does not fit the state.
    #[error("この段階では終了理由「{0}」は選べません")]
    WrongEnd(&'static str),
    /// The referral was already made.
    #[error("入院者訪問支援事業への紹介は記録済みです")]
    AlreadyReferred,
}

impl ConsentError {
    /// The form field the error belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            ConsentError::NotAllowed { .. } | ConsentError::AlreadyReferred => "event",
            ConsentError::BeforeLast => "occurred_at",
            ConsentError::ChecksMissing | ConsentError::NotEligible(_) => "consent",
            ConsentError::OfficialMissing => "official",
            ConsentError::NoRenewalRequest | ConsentError::RenewalPending => "event",
            ConsentError::PeriodBeforeRequest => "period_end",
            ConsentError::WrongEnd(_) => "reason",
        }
    }
}
