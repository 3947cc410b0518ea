//! What the audit log's action codes mean, in the words the audit page and its CSV show beside
//! them. The codes stay what is stored and searched; a search may also name an action by its
//! label. A code missing here is shown as it is, never hidden.

/// Each action code nimo writes and what it is called.
pub(crate) const ACTIONS: &[(&str, &str)] = &[
    ("login", "ログイン"),
    ("login_failed", "ログイン失敗"),
    ("second_factor", "二段階認証"),
    ("logout", "ログアウト"),
    ("logout_everywhere", "すべての端末からログアウト"),
    ("password_changed", "パスワード変更"),
    ("totp_enrolment_started", "二段階認証の登録開始"),
    ("totp_enrolled", "二段階認証の登録"),
    ("token_create", "API トークンの発行"),
    ("token_revoke", "API トークンの失効"),
    ("denied", "アクセス拒否"),
    ("read", "閲覧"),
    ("create", "登録"),
    ("write", "更新"),
    ("import", "取り込み"),
    ("export", "出力"),
    ("print", "印刷"),
    ("user_admin", "アカウント管理"),
    ("hold_place", "病床の仮押さえ"),
    ("hold_cancel", "仮押さえの取り消し"),
    ("hold_accept", "仮押さえの受け入れ"),
    ("hold_decline", "仮押さえの辞退"),
    ("hold_expire", "仮押さえの期限切れ"),
    ("ward_availability", "空床数の更新"),
    ("hospital_admin", "病院・病棟の登録"),
    ("health_centre_set", "保健所の連絡先の設定"),
    ("event_create", "普及啓発の記録の作成"),
    ("event_update", "普及啓発の記録の更新"),
    ("action_from_sheet", "第5節からの取組の作成"),
    ("action_update", "構築推進事業の取組の更新"),
    ("action_carry_over", "取組の次年度への引継ぎ"),
    ("escalation_set", "法定期限超過の通知先の設定"),
    ("escalation", "法定期限超過の通知（メール）"),
    ("audit_purge", "監査ログの削除（保存期間の経過）"),
    ("keys_rotate", "暗号鍵の更新"),
    ("synthetic", "合成データの作成"),
];

/// What an action code is called; the code itself when it has no label.
pub(crate) fn label(code: &str) -> &str {
    ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or(code)
}

/// The code a search names: a label typed as shown (or a code, kept as typed).
pub(crate) fn code_of(typed: &str) -> &str {
    ACTIONS.iter().find(|(_, l)| *l == typed).map(|(c, _)| *c).unwrap_or(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_translate_both_ways_and_each_once() {
        assert_eq!(label("hold_place"), "病床の仮押さえ");
        assert_eq!(label("made_up"), "made_up", "an unknown code is shown as it is");
        assert_eq!(code_of("ログイン失敗"), "login_failed");
        assert_eq!(code_of("login"), "login");
        for (i, (code, label)) in ACTIONS.iter().enumerate() {
            assert!(ACTIONS[i + 1..].iter().all(|(c, l)| c != code && l != label), "{code} once");
        }
    }
}
