//! A new password may not be the current one or one of the previous five, on every backend,
//! whether the old ones were chosen by the user or set by an administrator's reset.

use super::accounts::{PASSWORD, cli, staff};
use nimo_domain::password::PasswordError;
use nimo_store::accounts::{self, AccountError};
use nimo_store::testing::{TestDb, backends};

const PASSWORDS: [&str; 7] = [
    "ゆく河の流れは絶えずして",
    "しかももとの水にあらず、と",
    "よどみに浮かぶうたかたは",
    "かつ消えかつ結びて久しく",
    "久しくとどまりたるためしなし",
    "世の中にある人とすみかと",
    "またかくのごとし 方丈記より",
];

#[tokio::test]
async fn the_current_and_the_last_five_passwords_are_refused_and_older_ones_are_forgotten() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "kamo").await;
        let mut current = PASSWORD.to_string();
        for next in &PASSWORDS[..6] {
            accounts::change_password(&t.db, user.id, &current, next, cli()).await.unwrap();
            current = next.to_string();
        }
        // Now: current = PASSWORDS[5]; kept: PASSWORDS[0..5]; PASSWORD is the sixth back.
        let same = accounts::change_password(&t.db, user.id, &current, &current, cli()).await;
        assert!(matches!(same, Err(AccountError::SamePassword)), "{backend:?}: {same:?}");
        for old in &PASSWORDS[..5] {
            let reused = accounts::change_password(&t.db, user.id, &current, old, cli()).await;
            assert!(matches!(reused, Err(AccountError::ReusedPassword)), "{backend:?} {old}: {reused:?}");
        }
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_history WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
        assert_eq!(kept, accounts::PASSWORD_HISTORY, "{backend:?}");
        accounts::change_password(&t.db, user.id, &current, PASSWORD, cli()).await.unwrap();
    }
}

#[tokio::test]
async fn after_an_administrators_reset_the_password_before_it_is_refused() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "chomei").await;
        let temporary = accounts::admin_reset_password(&t.db, user.id, cli()).await.unwrap();
        let back = accounts::change_password(&t.db, user.id, &temporary, PASSWORD, cli()).await;
        assert!(matches!(back, Err(AccountError::ReusedPassword)), "{backend:?}: {back:?}");
        let weak = accounts::change_password(&t.db, user.id, &temporary, "abababababababab", cli()).await;
        assert!(matches!(weak, Err(AccountError::WeakPassword(PasswordError::Repetitive))), "{backend:?}: {weak:?}");
        accounts::change_password(&t.db, user.id, &temporary, PASSWORDS[0], cli()).await.unwrap();
    }
}
