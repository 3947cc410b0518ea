//! What the store's and the domain's errors mean to a person, written once: the status, the
//! problem kind (the `type` of an RFC 9457 problem, `/problems/{kind}`), the Japanese sentence
//! and the form field it belongs to. Pages put the sentence beside the field, the JSON API
//! answers with [`Refusal::problem`], the CLI prints the sentence; nobody reads an error's text.

use crate::problem::Problem;
use axum::http::StatusCode;
use nimo_domain::FiscalYear;
use nimo_domain::access::{Role, ScopeError};
use nimo_domain::beds::{FreeBedsError, HoldState, MAX_FREE_BEDS};
use nimo_domain::password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordError};
use nimo_store::accounts::{AccountError, LoginError, PASSWORD_HISTORY, Throttle};
use nimo_store::districts::MAX_NAME_CHARS;
use nimo_store::{PostingRefusal, StoreError};

mod stale;
pub use stale::stale_refusal;

/// An error as a person is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status of a page or problem that reports it.
    pub status: StatusCode,
    /// What happened, as the problem kind (`no-bed-left`; `/problems/no-bed-left` in a problem).
    pub kind: &'static str,
    /// The Japanese sentence a person reads.
    pub detail: String,
    /// The form field (or JSON member) it belongs to, when it belongs to one.
    pub field: Option<&'static str>,
}

impl Refusal {
    pub(crate) fn new(
        status: StatusCode,
        kind: &'static str,
        detail: impl Into<String>,
        field: Option<&'static str>,
    ) -> Self {
        Self { status, kind, detail: detail.into(), field }
    }

    /// The refusal as an RFC 9457 problem, with its field in `errors` when it has one.
    pub fn problem(&self) -> Problem {
        let errors = self.field.map(|field| (field.to_string(), self.detail.clone()));
        Problem::new(self.status, self.kind, self.detail.clone()).with_errors(errors)
    }
}

/// Why a ward does not take a hold's 入院形態, in the words of the hold form.
pub fn admission_not_accepted_message(
    admission: nimo_domain::beds::AdmissionType,
    refusal: nimo_domain::beds::AdmissionRefusal,
) -> String {
    match refusal {
        nimo_domain::beds::AdmissionRefusal::NotListed => {
            format!("入院形態: この病棟は「{}」を受け入れていません", admission.label())
        }
        nimo_domain::beds::AdmissionRefusal::NotOkyuDesignated => {
            "入院形態: この病院は応急入院指定病院ではありません（応急入院は指定病院だけです）".to_string()
        }
        nimo_domain::beds::AdmissionRefusal::NotSochiDesignated => format!(
            "入院形態: この病院は国等の設置する精神科病院でも指定病院でもないため、{}はできません（{}）",
            admission.label(),
            nimo_domain::beds::placement_rule(admission).article
        ),
    }
}

/// What a store error means to a person; `None` for a failure that is nobody's input (the
/// database, a corrupt row, missing keys …): that is a 500, logged, with no details.
pub fn store_refusal(error: &StoreError) -> Option<Refusal> {
    use StatusCode as S;
    let refusal = match error {
        StoreError::NotFound(_) => Refusal::new(S::NOT_FOUND, "not-found", "お探しのページは見つかりません", None),
        StoreError::StaleRevision(record) => stale_refusal(*record),
        StoreError::SheetExists { fiscal_year, .. } => {
            Refusal::new(S::CONFLICT, "sheet-exists", sheet_exists_message(*fiscal_year), Some("fiscal_year"))
        }
        StoreError::DistrictNameTaken { .. } => {
            Refusal::new(S::CONFLICT, "district-name-taken", "同じ名前の地区がすでにあります", Some("name"))
        }
        StoreError::NoBedLeft { .. } => Refusal::new(S::CONFLICT, "no-bed-left", NO_BED_LEFT, None),
        StoreError::AdmissionNotAccepted { admission, refusal, .. } => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "admission-not-accepted",
            admission_not_accepted_message(*admission, *refusal),
            Some("admission"),
        ),
        StoreError::HoldNotWaiting { state, .. } => {
            Refusal::new(S::CONFLICT, "hold-closed", hold_not_waiting_message(*state), None)
        }
        StoreError::Posting { row, refusal } => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "posting-refused",
            format!("{row}件目: {}", posting_message(refusal)),
            Some(posting_field(refusal)),
        ),
        StoreError::Directory(refusals) => super::directory::refusal(refusals),
        StoreError::InvalidDate(field) => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-date",
            "日付を「2022-04-01」の形で入力してください",
            Some(field),
        ),
        StoreError::UnknownCode(field) => {
            Refusal::new(S::UNPROCESSABLE_ENTITY, "unknown-code", "選択肢から選んでください", Some(field))
        }
        StoreError::InvalidText(field) => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-text",
            "入力してください（長すぎる文や、使えない文字が含まれていないかも確認してください）",
            Some(field),
        ),
        StoreError::InvalidDistrictName => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-name",
            format!("地区名を入力してください（{MAX_NAME_CHARS}文字まで）"),
            Some("name"),
        ),
        StoreError::InvalidTokenName => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-name",
            "トークンの名前を1〜100文字で指定してください",
            Some("name"),
        ),
        StoreError::NoTokenScope => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-scope",
            "トークンで使える操作（スコープ）を1つ以上選んでください",
            Some("scope"),
        ),
        StoreError::TokenScopeNotAllowed(scope) => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-scope",
            format!("スコープ {scope}（{}）はこの利用者の役割では使えません", scope.label()),
            Some("scope"),
        ),
        StoreError::InvalidTokenExpiry => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-expiry",
            format!("有効期間を1〜{}日で指定してください", nimo_domain::api_scope::MAX_TOKEN_DAYS),
            Some("expires_days"),
        ),
        StoreError::MissingReason => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "missing-reason",
            "集計値ではなく入力値を使う理由を入力してください",
            Some("reason"),
        ),
        StoreError::PersonNotLinkable { .. } => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "person-not-linkable",
            "選んだ人はこの事例に結びつけられません",
            Some("person_choice"),
        ),
        StoreError::NotMergeable { .. } => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "not-mergeable",
            "すでに統合済みの記録は統合できません",
            Some("other"),
        ),
        StoreError::NotMunicipalityStaff { .. } => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "not-municipality-staff",
            "この自治体の保健所・市区町村職員から選んでください",
            Some("user_id"),
        ),
        StoreError::InvalidId { .. } => Refusal::new(
            S::UNPROCESSABLE_ENTITY,
            "invalid-id",
            "ID は半角英小文字・数字と - で指定してください",
            Some("id"),
        ),
        StoreError::NotAShortCode(_)
        | StoreError::Synthetic(_)
        | StoreError::Corrupt(_)
        | StoreError::Missing(_)
        | StoreError::Io { .. }
        | StoreError::Url(_)
        | StoreError::NoKeys
        | StoreError::Vault(_)
        | StoreError::Migrate(_)
        | StoreError::Database(_) => return None,
    };
    Some(refusal)
}

/// A sheet of that fiscal year exists already (pages add what to do instead).
pub fn sheet_exists_message(fiscal_year: FiscalYear) -> String {
    format!("{}のシートはすでにあります", fiscal_year.wareki())
}

/// Why a hold could not be placed: the ward's last bed went to someone else.
pub const NO_BED_LEFT: &str = "この病棟の空床はすでに埋まりました（他の職員が先に仮押さえしました）";

/// A store error as the refusal a page shows, or the error page to answer with when it is
/// nobody's input.
pub fn refusal_of(error: StoreError) -> Result<Refusal, crate::WebError> {
    match store_refusal(&error) {
        Some(refusal) => Ok(refusal),
        None => Err(error.into()),
    }
}

/// Why a hold could not be answered, for the hospital.
pub fn hold_not_waiting_message(state: HoldState) -> &'static str {
    match state {
        HoldState::Expired => "この仮押さえは期限切れです（病床は解放されました）",
        HoldState::Accepted => "この仮押さえはすでに受入決定済みです",
        HoldState::Declined => "この仮押さえにはすでに受入不可を回答しています",
        HoldState::Held | HoldState::Cancelled => "この仮押さえには回答できません",
    }
}

/// Why one posting of free beds was refused (without its row: a page of one ward says
/// "空床数: …", an import "2件目: …").
pub fn posting_message(refusal: &PostingRefusal) -> String {
    match refusal {
        PostingRefusal::FreeBeds(error) => free_beds_message(*error).to_string(),
        // One message for both, so that an import cannot tell whether another hospital's ward
        // id exists.
        PostingRefusal::UnknownWard(ward) | PostingRefusal::NotOwnWard(ward) => {
            format!("病棟 {ward} は自院の病棟として登録されていません")
        }
        PostingRefusal::BelowActiveHolds { free, active, .. } => format!(
            "空床数（{free}）が仮押さえ中の件数（{active}件）より少なくなります。先に仮押さえに回答してください"
        ),
        PostingRefusal::SeclusionFree { rooms, .. } => {
            format!("保護室の空きは0からこの病棟の保護室数（{rooms}室）までの整数で入力してください")
        }
        PostingRefusal::SeclusionRooms { .. } => {
            format!("保護室数は0から{}までの整数で入力してください", nimo_domain::beds::MAX_SECLUSION_ROOMS)
        }
    }
}

/// The field a posting refusal belongs to.
fn posting_field(refusal: &PostingRefusal) -> &'static str {
    match refusal {
        PostingRefusal::UnknownWard(_) | PostingRefusal::NotOwnWard(_) => "ward_id",
        PostingRefusal::FreeBeds(_) | PostingRefusal::BelowActiveHolds { .. } => "free_beds",
        PostingRefusal::SeclusionFree { .. } => "seclusion_free",
        PostingRefusal::SeclusionRooms { .. } => "seclusion_rooms",
    }
}

/// A count of free beds out of range (or not a number).
pub fn free_beds_message(_: FreeBedsError) -> String {
    format!("空床数は0から{MAX_FREE_BEDS}までの整数で入力してください")
}

/// The rule of the password policy a new password breaks.
pub fn password_message(error: PasswordError) -> String {
    match error {
        PasswordError::TooShort { chars } => {
            format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください（いまは{chars}文字です）")
        }
        PasswordError::TooLong { chars } => {
            format!("パスワードは{MAX_PASSWORD_CHARS}文字以内にしてください（いまは{chars}文字です）")
        }
        PasswordError::Repetitive => {
            "パスワードが同じ文字や短い並びの繰り返しになっています。繰り返しのない、長い文にしてください".into()
        }
        PasswordError::Sequence => {
            "パスワードが「abcd」「1234」「asdf」のような連続した文字の並びになっています。推測されにくいものにしてください"
                .into()
        }
        PasswordError::ContainsLogin => "パスワードにログイン名を含めないでください".into(),
        PasswordError::Common => {
            "よく使われるパスワードの一覧に載っているパスワードです。推測されにくいものにしてください".into()
        }
    }
}

/// What the scope of a role must be.
pub fn scope_message(error: ScopeError) -> &'static str {
    match error.role {
        Role::SystemAdmin => "システム管理者に範囲（自治体・地区・病院）は指定できません",
        Role::Staff => "保健所・市区町村職員には自治体（地方公共団体コード）が必要です（病院は指定できません）",
        Role::CouncilMember => "協議の場 構成員には自治体だけを指定します",
        Role::HospitalStaff => "病院職員には病院だけを指定します",
    }
}

/// What an account error means to a person; `None` for a database failure.
pub fn account_refusal(error: &AccountError) -> Option<Refusal> {
    use StatusCode as S;
    let invalid = |kind, detail: String, field| Refusal::new(S::UNPROCESSABLE_ENTITY, kind, detail, field);
    let refusal = match error {
        AccountError::InvalidLogin => invalid(
            "invalid-login",
            "ログイン名は3〜64文字の半角英小文字・数字と記号 . _ - @ で指定してください".into(),
            Some("login"),
        ),
        AccountError::InvalidDisplayName => {
            invalid("invalid-display-name", "表示名を100文字以内で入力してください".into(), Some("display_name"))
        }
        AccountError::InvalidScope(error) => invalid("invalid-scope", scope_message(*error).into(), None),
        AccountError::WeakPassword(error) => invalid("weak-password", password_message(*error), Some("password")),
        AccountError::WrongCurrentPassword => {
            invalid("wrong-current-password", "現在のパスワードが正しくありません".into(), Some("current"))
        }
        AccountError::SamePassword => {
            invalid("same-password", "新しいパスワードが現在のパスワードと同じです".into(), Some("new"))
        }
        AccountError::ReusedPassword => invalid(
            "reused-password",
            format!("以前（直近{PASSWORD_HISTORY}回まで）に使ったパスワードは使えません。別のパスワードにしてください"),
            Some("new"),
        ),
        AccountError::Throttled { until } => Refusal::new(
            S::TOO_MANY_REQUESTS,
            "throttled",
            format!(
                "パスワードの誤りが続いたため、{}（日本時間）まで確認を受け付けません。その後にもう一度お試しください",
                retry_time(*until)
            ),
            Some("current"),
        ),
        AccountError::NoPendingEnrolment => invalid(
            "no-pending-enrolment",
            "二段階認証の登録を最初からやり直してください（QR コードの表示から）".into(),
            Some("code"),
        ),
        AccountError::WrongCode => invalid(
            "wrong-code",
            "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください".into(),
            Some("code"),
        ),
        AccountError::LoginTaken => {
            Refusal::new(S::CONFLICT, "login-taken", "このログイン名はすでに使われています", Some("login"))
        }
        AccountError::NotFound => Refusal::new(S::NOT_FOUND, "not-found", "アカウントが見つかりません", None),
        AccountError::Store(error) => return store_refusal(error),
    };
    Some(refusal)
}

/// When a throttled sign-in may be tried again, in Japan time to the second: `14時05分09秒`.
/// A time in the middle of a second is rounded up, so that trying at the time shown works.
pub fn retry_time(until: time::OffsetDateTime) -> String {
    let up = if until.nanosecond() > 0 { time::Duration::seconds(1) } else { time::Duration::ZERO };
    let at = (until + up).to_offset(crate::display::JST);
    format!("{}時{:02}分{:02}秒", at.hour(), at.minute(), at.second())
}

/// What a refused sign-in means to the person signing in; `None` for a database failure.
pub fn login_refusal(error: &LoginError) -> Option<Refusal> {
    use StatusCode as S;
    let refusal = match error {
        LoginError::BadCredentials => {
            Refusal::new(S::UNAUTHORIZED, "bad-credentials", "ログイン名またはパスワードが違います", None)
        }
        LoginError::Throttled { until, cause: Throttle::Login } => Refusal::new(
            S::TOO_MANY_REQUESTS,
            "throttled",
            format!(
                "このログイン名でのログインの失敗が続いたため、{}（日本時間）まで受け付けません。その後にもう一度お試しください",
                retry_time(*until)
            ),
            None,
        ),
        LoginError::Throttled { until, cause: Throttle::Address } => Refusal::new(
            S::TOO_MANY_REQUESTS,
            "throttled",
            format!(
                "この端末からのログインの失敗が多すぎるため、{}（日本時間）まで受け付けません。その後にもう一度お試しください",
                retry_time(*until)
            ),
            None,
        ),
        LoginError::Disabled => {
            Refusal::new(S::FORBIDDEN, "disabled", "このアカウントは利用停止中です。管理者に連絡してください", None)
        }
        LoginError::Store(error) => return store_refusal(error),
    };
    Some(refusal)
}
