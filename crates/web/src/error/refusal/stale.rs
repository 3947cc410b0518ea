//! The refusal of a write made from a stale page: another person saved the record first.

use super::Refusal;
use axum::http::StatusCode;
use nimo_store::Record;

/// Someone saved the record first; the field is where the form shows it.
pub fn stale_refusal(record: Record) -> Refusal {
    let (detail, field) = match record {
        Record::Sheet => {
            ("他の職員が先にこのシートを保存しました。表示中の値を確認してからやり直してください", "revision")
        }
        Record::Case => ("他の職員が先にこの事例を更新しました。最新の状態を確認してからやり直してください", "state"),
        Record::Plan => ("他の職員が先にこの計画を更新しました。最新の内容を確認してからやり直してください", "state"),
        Record::Person => ("すでに統合済みの記録は統合できません", "other"),
        Record::Consent => {
            ("他の職員が先にこの市町村長同意を更新しました。最新の状態を確認してからやり直してください", "event")
        }
        Record::Admission => {
            ("他の職員が先にこの入院を更新しました。最新の状態を確認してからやり直してください", "state")
        }
        Record::Event => {
            ("他の職員が先にこの普及啓発の記録を更新しました。最新の内容を確認してからやり直してください", "revision")
        }
        Record::Action => {
            ("他の職員が先にこの取組を更新しました。最新の内容を確認してからやり直してください", "revision")
        }
        Record::Directory => {
            ("他の職員が先にこの記録を更新しました。最新の内容を確認してからやり直してください", "revision")
        }
        Record::ClockMove => {
            ("この期限は表示した後に変更されたか、すでに停止しています。画面を読み込み直してください", "seen")
        }
        Record::Meeting => {
            ("他の職員が先にこの会議の記録を更新しました。最新の内容を確認してからやり直してください", "revision")
        }
        Record::ActionItem => {
            ("他の職員が先にこの対応事項を更新しました。最新の内容を確認してからやり直してください", "revision")
        }
    };
    Refusal::new(StatusCode::CONFLICT, "stale-revision", detail, Some(field))
}
