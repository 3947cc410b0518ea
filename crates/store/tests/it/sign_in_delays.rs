//! Sign-in delays per login name on every backend: failures delay the next attempt for that
//! name, known or not, doubling up to a cap; while a delay lasts nothing is checked, so right and
//! wrong passwords get the same answer; nothing locks an account; an administrator's unlock
//! forgets the failures.

use super::accounts::{ADDRESS, PASSWORD, assert_bad_credentials, cli, code_at, staff, start, wrong_code};
use nimo_store::accounts::{self, LoginError, Throttle};
use nimo_store::testing::{TestDb, backends};
use time::Duration;

const WRONG: &str = "まちがったパスワードです";

/// The `until` of a refusal by the login name's delay; panics on any other answer.
#[track_caller]
fn delayed_until<T: std::fmt::Debug>(result: Result<T, LoginError>) -> time::OffsetDateTime {
    match result {
        Err(LoginError::Throttled { until, cause: Throttle::Login }) => until,
        other => panic!("expected a delay of the login name, got {other:?}"),
    }
}

#[tokio::test]
async fn failures_delay_the_next_attempt_doubling_and_a_right_password_then_signs_in() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "kato").await;
        let mut now = start();
        // Each attempt from an address of its own: only the login name's count is at work here.
        let address = |i: i64| format!("198.51.100.{i}");
        for i in 0..accounts::DELAY_AFTER_FAILURES {
            let result = accounts::check_password_at(&t.db, "kato", WRONG, &address(i), now).await;
            assert_bad_credentials(result, backend, &format!("failure {i}"));
        }
        // After five failures: 2 s, then 4 s, then 8 s.
        for (i, wait) in [2, 4, 8].into_iter().enumerate() {
            let early = accounts::check_password_at(&t.db, "kato", PASSWORD, &address(10 + i as i64), now).await;
            assert_eq!(delayed_until(early), now + Duration::seconds(wait), "{backend:?}");
            now += Duration::seconds(wait);
            let result = accounts::check_password_at(&t.db, "KATO", WRONG, &address(20 + i as i64), now).await;
            assert_bad_credentials(result, backend, "a wrong password once the delay is over");
        }
        let shown = accounts::get(&t.db, user.id).await.unwrap();
        assert_eq!(shown.throttled_until, Some(now + Duration::seconds(16)), "{backend:?}");
        assert!(!shown.disabled, "{backend:?}: nothing locks the account");
        now += Duration::seconds(16);
        let signed_in = accounts::check_password_at(&t.db, "kato", PASSWORD, &address(30), now).await.unwrap();
        assert_eq!(signed_in.throttled_until, None);
        // Success forgets the count: the next failure delays nothing.
        assert_bad_credentials(accounts::check_password_at(&t.db, "kato", WRONG, &address(31), now).await, backend, "");
        assert!(accounts::check_password_at(&t.db, "kato", PASSWORD, &address(32), now).await.is_ok(), "{backend:?}");
    }
}

#[tokio::test]
async fn a_delayed_login_answers_right_and_wrong_passwords_alike_and_never_stops_its_sessions() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "ito").await;
        let stamp = user.security_stamp.clone();
        let now = start();
        for i in 0..2 * accounts::DELAY_AFTER_FAILURES {
            let at = now + Duration::hours(i);
            let _ = accounts::check_password_at(&t.db, "ito", WRONG, &format!("198.51.100.{i}"), at).await;
        }
        let at = now + Duration::hours(2 * accounts::DELAY_AFTER_FAILURES - 1);
        let right = delayed_until(accounts::check_password_at(&t.db, "ito", PASSWORD, "203.0.113.1", at).await);
        let wrong = delayed_until(accounts::check_password_at(&t.db, "ito", WRONG, "203.0.113.2", at).await);
        assert_eq!(right, wrong, "{backend:?}");
        assert!(right <= at + Duration::seconds(accounts::MAX_DELAY_SECONDS), "{backend:?}: capped");
        let after = accounts::get(&t.db, user.id).await.unwrap();
        assert_eq!(after.security_stamp, stamp, "{backend:?}: failed sign-ins end no session");
        assert!(accounts::check_password_at(&t.db, "ito", PASSWORD, ADDRESS, right).await.is_ok(), "{backend:?}");
    }
}

#[tokio::test]
async fn an_unknown_login_is_delayed_exactly_like_a_known_one() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        staff(&t.db, "mori").await;
        let now = start();
        for login in ["mori", "nobody-here"] {
            for i in 0..accounts::DELAY_AFTER_FAILURES {
                let result = accounts::check_password_at(&t.db, login, WRONG, &format!("198.51.100.{i}"), now).await;
                assert_bad_credentials(result, backend, login);
            }
            let until = delayed_until(accounts::check_password_at(&t.db, login, WRONG, "203.0.113.9", now).await);
            assert_eq!(until, now + Duration::seconds(2), "{backend:?}: {login}");
        }
        // What was typed is not stored: only its hash is.
        let keys: Vec<String> =
            sqlx::query_scalar("SELECT login_key FROM login_attempt").fetch_all(&t.db.pool).await.unwrap();
        assert_eq!(keys.len(), 2, "{backend:?}");
        assert!(keys.iter().all(|key| key.len() == 64 && !key.contains("nobody") && !key.contains("mori")));
    }
}

#[tokio::test]
async fn failures_are_forgotten_after_a_day_and_by_an_administrators_unlock() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "sato").await;
        let now = start();
        let fail = |at| {
            let db = t.db.clone();
            async move { accounts::check_password_at(&db, "sato", WRONG, "198.51.100.1", at).await }
        };
        for _ in 0..accounts::DELAY_AFTER_FAILURES {
            let _ = fail(now).await;
        }
        delayed_until(accounts::check_password_at(&t.db, "sato", PASSWORD, ADDRESS, now).await);
        accounts::unlock(&t.db, user.id, cli().with_detail("unlock")).await.unwrap();
        assert_eq!(accounts::get(&t.db, user.id).await.unwrap().throttled_until, None, "{backend:?}");
        assert!(accounts::check_password_at(&t.db, "sato", PASSWORD, ADDRESS, now).await.is_ok(), "{backend:?}");
        // Four failures, then one more a day later: it counts as the first.
        for _ in 0..accounts::DELAY_AFTER_FAILURES - 1 {
            let _ = fail(now).await;
        }
        let next_day = now + Duration::hours(accounts::FAILURE_MEMORY_HOURS) + Duration::seconds(1);
        assert_bad_credentials(fail(next_day).await, backend, "a day later");
        assert!(accounts::check_password_at(&t.db, "sato", PASSWORD, ADDRESS, next_day).await.is_ok(), "{backend:?}");
    }
}

#[tokio::test]
async fn wrong_second_factors_delay_the_login_and_a_delayed_code_is_not_checked() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "kobayashi").await;
        let now = start();
        let secret = crate::accounts::begin_enrolment(&t.db, user.id).await.secret_base32;
        accounts::confirm_totp_enrolment_at(&t.db, user.id, &code_at(&secret, now), now, cli()).await.unwrap();
        let later = now + Duration::minutes(1);
        let (right, wrong) = (code_at(&secret, later), wrong_code(&secret, later));
        for _ in 0..accounts::DELAY_AFTER_FAILURES {
            let result = accounts::check_second_factor_at(&t.db, user.id, &wrong, later).await;
            assert_bad_credentials(result, backend, "wrong code");
        }
        let until = delayed_until(accounts::check_second_factor_at(&t.db, user.id, &right, later).await);
        assert_eq!(until, later + Duration::seconds(2), "{backend:?}");
        delayed_until(accounts::check_password_at(&t.db, "kobayashi", PASSWORD, ADDRESS, later).await);
        // Once the delay is over the right code is accepted: it was not used up while delayed.
        accounts::check_second_factor_at(&t.db, user.id, &right, until).await.unwrap();
    }
}
