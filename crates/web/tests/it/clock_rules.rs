//! 法定期限の規則と根拠 (`/clocks/rules`), through HTTP: every rule version of the domain's table
//! with its article, length and sources; each rule nimo has not verified says 要確認 and what is
//! still to check; the R6.4 renumbering is listed; the clock board links to the page; a 協議の場
//! member, who reads no case work, is refused.

use crate::harness::{TestApp, account, for_each_backend};
use nimo_domain::access::Role;
use nimo_domain::clocks::{ARTICLE_MOVES, RULES, Verification};

#[tokio::test]
async fn every_rule_shows_its_article_length_source_and_whether_it_was_verified() {
    for_each_backend(|app| async move {
        let (status, page) = app.get("/clocks/rules").await;
        assert_eq!(status, 200);
        for rule in RULES {
            for shown in
                [rule.label.to_string(), rule.article_label(), rule.length_label(), rule.source.law.to_string()]
            {
                assert!(page.contains(&shown), "rule {} shows {shown}", rule.id);
            }
            if let Verification::Unconfirmed(what) = rule.verification {
                assert!(page.contains(what), "rule {} says what is still to check", rule.id);
            }
        }
        let unverified = RULES.iter().filter(|r| matches!(r.verification, Verification::Unconfirmed(_))).count();
        assert!(unverified > 0, "the table has rules still to verify");
        assert_eq!(page.matches("<span class=\"badge unverified\">要確認</span>").count(), unverified);
        assert!(page.contains(&format!("{unverified} 件の規則は根拠の原文でまだ確かめていません")));
        for moved in ARTICLE_MOVES {
            assert!(page.contains(moved.before) && page.contains(moved.after), "{}", moved.topic);
        }
        // Versions not in force today are marked, so that the old 応急入院 article is not read as current.
        assert!(page.contains("（今日は適用外）"), "superseded versions are marked");

        let (status, board) = app.get("/municipalities/131105/clocks").await;
        assert_eq!(status, 200);
        assert!(board.contains("href=\"/clocks/rules\""), "the board links to the rules");

        assert!(account(&app.db, "council", Role::CouncilMember, Some("131105")).await.is_empty());
        let council = TestApp::client_for_password_only(&app, "council").await;
        let (status, _) = council.get("/clocks/rules").await;
        assert_eq!(status, 403, "a 協議の場 member reads no case work");
    })
    .await;
}
