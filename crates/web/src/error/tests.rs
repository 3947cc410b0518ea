//! The translation of store and domain errors: each refusal's status, kind, sentence and field.

use super::*;
use nimo_domain::FiscalYear;
use nimo_domain::access::{Role, ScopeError};
use nimo_domain::beds::{FreeBedsError, HoldState};
use nimo_domain::password::PasswordError;
use nimo_store::accounts::{AccountError, LoginError, Throttle};

/// A retry time in the middle of a second (rounded up on pages): 14:05:09 in Japan.
const RETRY_AT: time::OffsetDateTime = time::macros::datetime!(2026-12-06 05:05:08.25 UTC);
use nimo_store::{PostingRefusal, Record};

fn refused(error: StoreError) -> (StatusCode, &'static str, String, Option<&'static str>) {
    let refusal = store_refusal(&error).unwrap_or_else(|| panic!("{error:?} is a refusal"));
    (refusal.status, refusal.kind, refusal.detail, refusal.field)
}

#[test]
fn every_store_refusal_has_its_status_sentence_and_field() {
    use StatusCode as S;
    let r4 = FiscalYear::new(2022).unwrap();
    let cases: Vec<(StoreError, StatusCode, &str, &str, Option<&str>)> = vec![
        (StoreError::NotFound("case 7".into()), S::NOT_FOUND, "not-found", "お探しのページは見つかりません", None),
        (
            StoreError::StaleRevision(Record::Sheet),
            S::CONFLICT,
            "stale-revision",
            "他の職員が先にこのシートを保存しました。表示中の値を確認してからやり直してください",
            Some("revision"),
        ),
        (
            StoreError::StaleRevision(Record::Case),
            S::CONFLICT,
            "stale-revision",
            "他の職員が先にこの事例を更新しました。最新の状態を確認してからやり直してください",
            Some("state"),
        ),
        (
            StoreError::StaleRevision(Record::Plan),
            S::CONFLICT,
            "stale-revision",
            "他の職員が先にこの計画を更新しました。最新の内容を確認してからやり直してください",
            Some("state"),
        ),
        (
            StoreError::StaleRevision(Record::Person),
            S::CONFLICT,
            "stale-revision",
            "すでに統合済みの記録は統合できません",
            Some("other"),
        ),
        (
            StoreError::SheetExists { municipality: "131105".into(), fiscal_year: r4 },
            S::CONFLICT,
            "sheet-exists",
            "令和4年度のシートはすでにあります",
            Some("fiscal_year"),
        ),
        (
            StoreError::DistrictNameTaken { municipality: "131105".into() },
            S::CONFLICT,
            "district-name-taken",
            "同じ名前の地区がすでにあります",
            Some("name"),
        ),
        (StoreError::NoBedLeft { ward: "w-1".into() }, S::CONFLICT, "no-bed-left", NO_BED_LEFT, None),
        (
            StoreError::AdmissionNotAccepted {
                ward: "w-1".into(),
                admission: nimo_domain::beds::AdmissionType::Nini,
                refusal: nimo_domain::beds::AdmissionRefusal::NotListed,
            },
            S::UNPROCESSABLE_ENTITY,
            "admission-not-accepted",
            "入院形態: この病棟は「任意入院」を受け入れていません",
            Some("admission"),
        ),
        (
            StoreError::HoldNotWaiting { hold: 3, state: HoldState::Expired },
            S::CONFLICT,
            "hold-closed",
            "この仮押さえは期限切れです（病床は解放されました）",
            None,
        ),
        (
            StoreError::HoldNotWaiting { hold: 3, state: HoldState::Accepted },
            S::CONFLICT,
            "hold-closed",
            "この仮押さえはすでに受入決定済みです",
            None,
        ),
        (
            StoreError::HoldNotWaiting { hold: 3, state: HoldState::Declined },
            S::CONFLICT,
            "hold-closed",
            "この仮押さえにはすでに受入不可を回答しています",
            None,
        ),
        (
            StoreError::HoldNotWaiting { hold: 3, state: HoldState::Cancelled },
            S::CONFLICT,
            "hold-closed",
            "この仮押さえには回答できません",
            None,
        ),
        (
            StoreError::Posting { row: 2, refusal: PostingRefusal::FreeBeds(FreeBedsError) },
            S::UNPROCESSABLE_ENTITY,
            "posting-refused",
            "2件目: 空床数は0から500までの整数で入力してください",
            Some("free_beds"),
        ),
        (
            StoreError::Posting { row: 1, refusal: PostingRefusal::UnknownWard("w-x".into()) },
            S::UNPROCESSABLE_ENTITY,
            "posting-refused",
            "1件目: 病棟 w-x は自院の病棟として登録されていません",
            Some("ward_id"),
        ),
        (
            StoreError::Posting { row: 3, refusal: PostingRefusal::NotOwnWard("w-x".into()) },
            S::UNPROCESSABLE_ENTITY,
            "posting-refused",
            "3件目: 病棟 w-x は自院の病棟として登録されていません",
            Some("ward_id"),
        ),
        (
            StoreError::Posting {
                row: 1,
                refusal: PostingRefusal::BelowActiveHolds { ward: "w-1".into(), free: 0, active: 2 },
            },
            S::UNPROCESSABLE_ENTITY,
            "posting-refused",
            "1件目: 空床数（0）が仮押さえ中の件数（2件）より少なくなります。先に仮押さえに回答してください",
            Some("free_beds"),
        ),
        (
            StoreError::Posting {
                row: 1,
                refusal: PostingRefusal::SeclusionFree { ward: "w-1".into(), free: 3, rooms: 2 },
            },
            S::UNPROCESSABLE_ENTITY,
            "posting-refused",
            "1件目: 保護室の空きは0からこの病棟の保護室数（2室）までの整数で入力してください",
            Some("seclusion_free"),
        ),
        (
            StoreError::AdmissionNotAccepted {
                ward: "w-1".into(),
                admission: nimo_domain::beds::AdmissionType::Sochi,
                refusal: nimo_domain::beds::AdmissionRefusal::NotSochiDesignated,
            },
            S::UNPROCESSABLE_ENTITY,
            "admission-not-accepted",
            "入院形態: この病院は国等の設置する精神科病院でも指定病院でもないため、措置入院はできません（法29条1項、19条の8）",
            Some("admission"),
        ),
        (
            StoreError::InvalidDate("since"),
            S::UNPROCESSABLE_ENTITY,
            "invalid-date",
            "日付を「2022-04-01」の形で入力してください",
            Some("since"),
        ),
        (
            StoreError::UnknownCode("profession"),
            S::UNPROCESSABLE_ENTITY,
            "unknown-code",
            "選択肢から選んでください",
            Some("profession"),
        ),
        (
            StoreError::InvalidDistrictName,
            S::UNPROCESSABLE_ENTITY,
            "invalid-name",
            "地区名を入力してください（32文字まで）",
            Some("name"),
        ),
        (
            StoreError::InvalidTokenName,
            S::UNPROCESSABLE_ENTITY,
            "invalid-name",
            "トークンの名前を1〜100文字で指定してください",
            Some("name"),
        ),
        (
            StoreError::MissingReason,
            S::UNPROCESSABLE_ENTITY,
            "missing-reason",
            "集計値ではなく入力値を使う理由を入力してください",
            Some("reason"),
        ),
        (
            StoreError::PersonNotLinkable { person: 4 },
            S::UNPROCESSABLE_ENTITY,
            "person-not-linkable",
            "選んだ人はこの事例に結びつけられません",
            Some("person_choice"),
        ),
        (
            StoreError::NotMergeable { keep: 1, gone: 2 },
            S::UNPROCESSABLE_ENTITY,
            "not-mergeable",
            "すでに統合済みの記録は統合できません",
            Some("other"),
        ),
        (
            StoreError::NotMunicipalityStaff { user: 9 },
            S::UNPROCESSABLE_ENTITY,
            "not-municipality-staff",
            "この自治体の保健所・市区町村職員から選んでください",
            Some("user_id"),
        ),
        (
            StoreError::InvalidId { kind: "ward" },
            S::UNPROCESSABLE_ENTITY,
            "invalid-id",
            "ID は半角英小文字・数字と - で指定してください",
            Some("id"),
        ),
    ];
    for (error, status, kind, detail, field) in cases {
        let name = format!("{error:?}");
        assert_eq!(refused(error), (status, kind, detail.to_string(), field), "{name}");
    }
}

#[test]
fn failures_that_are_nobodys_input_are_a_logged_500_without_details() {
    for error in [
        StoreError::Database(sqlx::Error::RowNotFound),
        StoreError::Corrupt("ward.sex".into()),
        StoreError::NoKeys,
        StoreError::NotAShortCode("detail"),
        StoreError::Synthetic("no staff account".into()),
    ] {
        assert_eq!(store_refusal(&error), None, "{error:?}");
        let response = WebError::from(error).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}

#[test]
fn a_refusal_becomes_the_error_page_of_its_status() {
    let page = |error: StoreError| WebError::from(error).into_response().status();
    assert_eq!(page(StoreError::NotFound("x".into())), StatusCode::NOT_FOUND);
    assert_eq!(page(StoreError::NoBedLeft { ward: "w".into() }), StatusCode::CONFLICT);
    assert_eq!(page(StoreError::MissingReason), StatusCode::UNPROCESSABLE_ENTITY);
}

#[test]
fn a_refusal_is_a_problem_with_its_field() {
    let refusal =
        store_refusal(&StoreError::Posting { row: 1, refusal: PostingRefusal::FreeBeds(FreeBedsError) }).unwrap();
    let problem = refusal.problem();
    assert_eq!(problem.kind, "/problems/posting-refused");
    assert_eq!(problem.status, 422);
    assert_eq!(problem.errors[0].field, "free_beds");
    assert_eq!(problem.errors[0].detail, refusal.detail);
    let conflict = store_refusal(&StoreError::NoBedLeft { ward: "w".into() }).unwrap().problem();
    assert_eq!((conflict.status, conflict.errors.len()), (409, 0));
}

#[test]
fn every_account_refusal_has_its_status_sentence_and_field() {
    use StatusCode as S;
    let cases: Vec<(AccountError, StatusCode, &str, Option<&str>)> = vec![
        (
            AccountError::InvalidLogin,
            S::UNPROCESSABLE_ENTITY,
            "ログイン名は3〜64文字の半角英小文字・数字と記号 . _ - @ で指定してください",
            Some("login"),
        ),
        (
            AccountError::InvalidDisplayName,
            S::UNPROCESSABLE_ENTITY,
            "表示名を100文字以内で入力してください",
            Some("display_name"),
        ),
        (
            AccountError::InvalidScope(ScopeError { role: Role::Staff }),
            S::UNPROCESSABLE_ENTITY,
            "保健所・市区町村職員には自治体（地方公共団体コード）が必要です（病院は指定できません）",
            None,
        ),
        (
            AccountError::InvalidScope(ScopeError { role: Role::SystemAdmin }),
            S::UNPROCESSABLE_ENTITY,
            "システム管理者に範囲（自治体・地区・病院）は指定できません",
            None,
        ),
        (
            AccountError::InvalidScope(ScopeError { role: Role::CouncilMember }),
            S::UNPROCESSABLE_ENTITY,
            "協議の場 構成員には自治体だけを指定します",
            None,
        ),
        (
            AccountError::InvalidScope(ScopeError { role: Role::HospitalStaff }),
            S::UNPROCESSABLE_ENTITY,
            "病院職員には病院だけを指定します",
            None,
        ),
        (
            AccountError::WeakPassword(PasswordError::TooShort { chars: 11 }),
            S::UNPROCESSABLE_ENTITY,
            "パスワードは12文字以上にしてください（いまは11文字です）",
            Some("password"),
        ),
        (
            AccountError::WeakPassword(PasswordError::TooLong { chars: 129 }),
            S::UNPROCESSABLE_ENTITY,
            "パスワードは128文字以内にしてください（いまは129文字です）",
            Some("password"),
        ),
        (
            AccountError::WeakPassword(PasswordError::Repetitive),
            S::UNPROCESSABLE_ENTITY,
            "パスワードが同じ文字や短い並びの繰り返しになっています。繰り返しのない、長い文にしてください",
            Some("password"),
        ),
        (
            AccountError::WeakPassword(PasswordError::Sequence),
            S::UNPROCESSABLE_ENTITY,
            "パスワードが「abcd」「1234」「asdf」のような連続した文字の並びになっています。推測されにくいものにしてください",
            Some("password"),
        ),
        (
            AccountError::WeakPassword(PasswordError::ContainsLogin),
            S::UNPROCESSABLE_ENTITY,
            "パスワードにログイン名を含めないでください",
            Some("password"),
        ),
        (
            AccountError::WeakPassword(PasswordError::Common),
            S::UNPROCESSABLE_ENTITY,
            "よく使われるパスワードの一覧に載っているパスワードです。推測されにくいものにしてください",
            Some("password"),
        ),
        (
            AccountError::WrongCurrentPassword,
            S::UNPROCESSABLE_ENTITY,
            "現在のパスワードが正しくありません",
            Some("current"),
        ),
        (
            AccountError::SamePassword,
            S::UNPROCESSABLE_ENTITY,
            "新しいパスワードが現在のパスワードと同じです",
            Some("new"),
        ),
        (
            AccountError::ReusedPassword,
            S::UNPROCESSABLE_ENTITY,
            "以前（直近5回まで）に使ったパスワードは使えません。別のパスワードにしてください",
            Some("new"),
        ),
        (
            AccountError::Throttled { until: RETRY_AT },
            S::TOO_MANY_REQUESTS,
            "パスワードの誤りが続いたため、14時05分09秒（日本時間）まで確認を受け付けません。その後にもう一度お試しください",
            Some("current"),
        ),
        (
            AccountError::NoPendingEnrolment,
            S::UNPROCESSABLE_ENTITY,
            "二段階認証の登録を最初からやり直してください（QR コードの表示から）",
            Some("code"),
        ),
        (
            AccountError::WrongCode,
            S::UNPROCESSABLE_ENTITY,
            "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください",
            Some("code"),
        ),
        (AccountError::LoginTaken, S::CONFLICT, "このログイン名はすでに使われています", Some("login")),
        (AccountError::NotFound, S::NOT_FOUND, "アカウントが見つかりません", None),
    ];
    for (error, status, detail, field) in cases {
        let refusal = account_refusal(&error).unwrap_or_else(|| panic!("{error:?} is a refusal"));
        assert_eq!((refusal.status, refusal.detail.as_str(), refusal.field), (status, detail, field), "{error:?}");
    }
    assert_eq!(account_refusal(&AccountError::Store(StoreError::NoKeys)), None);
}

#[test]
fn every_login_refusal_has_its_status_and_sentence() {
    use StatusCode as S;
    let cases = [
        (LoginError::BadCredentials, S::UNAUTHORIZED, "ログイン名またはパスワードが違います"),
        (
            LoginError::Throttled { until: RETRY_AT, cause: Throttle::Login },
            S::TOO_MANY_REQUESTS,
            "このログイン名でのログインの失敗が続いたため、14時05分09秒（日本時間）まで受け付けません。その後にもう一度お試しください",
        ),
        (
            LoginError::Throttled { until: RETRY_AT, cause: Throttle::Address },
            S::TOO_MANY_REQUESTS,
            "この端末からのログインの失敗が多すぎるため、14時05分09秒（日本時間）まで受け付けません。その後にもう一度お試しください",
        ),
        (LoginError::Disabled, S::FORBIDDEN, "このアカウントは利用停止中です。管理者に連絡してください"),
    ];
    for (error, status, detail) in cases {
        let refusal = login_refusal(&error).unwrap_or_else(|| panic!("{error:?} is a refusal"));
        assert_eq!((refusal.status, refusal.detail.as_str()), (status, detail), "{error:?}");
    }
    assert_eq!(login_refusal(&LoginError::Store(StoreError::NoKeys)), None);
}

#[test]
fn account_and_login_errors_say_what_happened_in_ascii() {
    let account = [
        AccountError::InvalidLogin,
        AccountError::InvalidDisplayName,
        AccountError::InvalidScope(ScopeError { role: Role::Staff }),
        AccountError::WeakPassword(PasswordError::TooShort { chars: 3 }),
        AccountError::WeakPassword(PasswordError::Common),
        AccountError::WrongCurrentPassword,
        AccountError::SamePassword,
        AccountError::ReusedPassword,
        AccountError::Throttled { until: RETRY_AT },
        AccountError::NoPendingEnrolment,
        AccountError::WrongCode,
        AccountError::LoginTaken,
        AccountError::NotFound,
        AccountError::Store(StoreError::NoKeys),
    ];
    for error in account {
        assert!(error.to_string().is_ascii(), "{error:?}: {error}");
    }
    let login = [
        LoginError::BadCredentials,
        LoginError::Throttled { until: RETRY_AT, cause: Throttle::Login },
        LoginError::Disabled,
        LoginError::Store(StoreError::NoKeys),
    ];
    for error in login {
        assert!(error.to_string().is_ascii(), "{error:?}: {error}");
    }
    assert!(FreeBedsError.to_string().is_ascii());
}
