//! The start pages of the roles that see no case records: hospital staff (their wards and the
//! holds waiting for their answer), 協議の場 members (their municipality's sheets and figures) and
//! administrators (the accounts and the audit log). None of them shows personal data.

use super::{Item, Parts, Section, today_in_japan};
use crate::layout::Layout;
use crate::{AppState, WebError};
use nimo_domain::access::Principal;
use nimo_domain::beds::HoldState;
use nimo_store::audit::{AuditFilter, Outcome};

/// The hospital's start page: holds to answer, then each ward's free beds.
pub(crate) async fn hospital(state: &AppState, _layout: &Layout, principal: &Principal) -> Result<Parts, WebError> {
    let hospital_id = principal.scope.hospital.clone().ok_or_else(crate::pages::not_found)?;
    let hospital = nimo_store::beds::hospital(&state.db, &hospital_id).await?;
    let now = state.clock.unix();
    let holds = nimo_store::beds::holds_of_hospital_at(&state.db, &hospital_id, now, 50).await?;
    let wards = nimo_store::beds::wards_of_hospital_at(&state.db, &hospital_id, now).await?;
    let waiting: Vec<Item> = holds
        .iter()
        .filter(|h| h.state_at(now) == HoldState::Held)
        .map(|h| Item {
            href: format!("/hospital#hold-{}", h.id),
            title: h.ward_name.clone(),
            detail: format!("受付番号 {}・{}", h.case_ref, h.admission.label()),
            badge: Some(("waiting", format!("回答待ち（あと{}分）", (h.expires_at - now).max(0).div_euclid(60)))),
        })
        .collect();
    let ward_items = wards
        .iter()
        .map(|w| {
            let stale = now - w.posted_at > state.beds.stale_after_seconds;
            Item {
                href: "/hospital".to_string(),
                title: w.ward.name.clone(),
                detail: format!(
                    "掲示 {} 床・仮押さえ {}・入院 {}・残り {}",
                    w.availability.posted,
                    w.availability.active_holds,
                    w.availability.admissions,
                    w.availability.left()
                ),
                badge: stale.then(|| ("overdue", "空床数の更新が必要です".to_string())),
            }
        })
        .collect();
    let sections = vec![
        Section {
            id: "holds",
            heading: "回答待ちの仮押さえ",
            empty: "回答待ちの仮押さえはありません。",
            items: waiting,
            more: Some(("/hospital".to_string(), "受入れの回答へ")),
        },
        Section {
            id: "wards",
            heading: "病棟の空床",
            empty: "病棟が登録されていません。",
            items: ward_items,
            more: Some(("/hospital".to_string(), "空床数を更新する")),
        },
    ];
    let lead = "仮押さえへの回答と空床数の更新は「病棟・受入れ」の画面で行います。".to_string();
    Ok((hospital.name, lead, sections, vec![("/hospital".to_string(), "病棟・受入れ")]))
}

/// A 協議の場 member's start page: the municipality's sheets, newest first, with their
/// downloads, the placement statistics, and the meetings and action items.
pub(crate) async fn council(state: &AppState, _layout: &Layout, principal: &Principal) -> Result<Parts, WebError> {
    let code = principal.scope.municipality.clone().ok_or_else(crate::pages::not_found)?;
    let summary = nimo_store::municipalities::get(&state.db, &code).await;
    let (name, years) = match summary {
        Ok(m) => (m.municipality.name, m.fiscal_years),
        Err(error) if error.is_not_found() => (code.to_string(), Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let sheets = years
        .iter()
        .map(|fy| Item {
            href: format!("/municipalities/{code}/sheets/{}", fy.year()),
            title: fy.wareki(),
            detail: format!("{}の自治体情報シート（{}）", name, fy.seireki()),
            badge: None,
        })
        .collect();
    let figures = years
        .first()
        .map(|fy| {
            let base = format!("/municipalities/{code}/sheets/{}", fy.year());
            [("export.pdf", "PDF（A4）"), ("export.xlsx", "Excel"), ("export.csv", "CSV（数値）")]
                .into_iter()
                .map(|(file, label)| Item {
                    href: format!("{base}/{file}"),
                    title: format!("{} {label}", fy.wareki()),
                    detail: "最新のシートの数値をダウンロード".to_string(),
                    badge: None,
                })
                .collect()
        })
        .unwrap_or_default();
    let sections = vec![
        Section {
            id: "sheets",
            heading: "自治体情報シート",
            empty: "シートはまだありません。",
            items: sheets,
            more: Some((format!("/municipalities/{code}"), "年度の一覧へ")),
        },
        Section {
            id: "figures",
            heading: "数値のダウンロード",
            empty: "ダウンロードできるシートはまだありません。",
            items: figures,
            more: Some(("/beds/stats".to_string(), "入院調整の統計へ")),
        },
    ];
    let lead = "協議の場の資料として、シートと数値を閲覧・ダウンロードできます（個人の記録は含みません）。".to_string();
    let shortcuts = vec![
        (format!("/municipalities/{code}/meetings"), "協議の場の会議"),
        (format!("/municipalities/{code}/action-items"), "対応事項"),
        ("/beds/stats".to_string(), "入院調整の統計"),
    ];
    Ok((name, lead, sections, shortcuts))
}

/// The administrator's start page: accounts that need attention and today's refusals.
pub(crate) async fn admin(state: &AppState, _layout: &Layout) -> Result<Parts, WebError> {
    let users = nimo_store::accounts::list(&state.db).await.map_err(|error| match error {
        nimo_store::accounts::AccountError::Store(error) => WebError::from(error),
        other => WebError::Internal(other.to_string()),
    })?;
    let now = state.clock.now();
    let attention: Vec<Item> = users
        .iter()
        .filter_map(|u| {
            let reason = if u.disabled {
                "利用停止中"
            } else if u.is_throttled_at(now) {
                "サインインの待機中"
            } else if u.role.requires_two_factor() && !u.totp_enabled {
                "二要素認証が未設定"
            } else if u.must_change_password {
                "パスワードの変更待ち"
            } else {
                return None;
            };
            Some(Item {
                href: "/admin/users".to_string(),
                title: u.display_name.clone(),
                detail: format!("{}・{}", u.login, u.role.label()),
                badge: Some(("due", reason.to_string())),
            })
        })
        .collect();
    let today = today_in_japan(state);
    let from = today.with_time(time::Time::MIDNIGHT).assume_offset(time::macros::offset!(+9));
    let filter = AuditFilter {
        outcome: Some(Outcome::Denied),
        from: Some(from),
        limit: nimo_store::audit::MAX_LIMIT,
        ..AuditFilter::default()
    };
    let denied = nimo_store::audit::search(&state.db, &filter).await?.len();
    let audit_items = vec![Item {
        href: format!("/admin/audit?outcome=denied&from={today}"),
        title: format!("今日の拒否 {denied}件"),
        detail: "権限やスコープで拒否された操作".to_string(),
        badge: None,
    }];
    let sections = vec![
        Section {
            id: "accounts",
            heading: "対応が必要なアカウント",
            empty: "対応が必要なアカウントはありません。",
            items: attention,
            more: Some(("/admin/users".to_string(), "アカウント管理へ")),
        },
        Section {
            id: "audit",
            heading: "監査ログ",
            empty: "",
            items: audit_items,
            more: Some(("/admin/audit".to_string(), "監査ログへ")),
        },
    ];
    let lead = "アカウントの管理と監査ログの確認ができます。".to_string();
    Ok(("システム管理".to_string(), lead, sections, Vec::new()))
}
