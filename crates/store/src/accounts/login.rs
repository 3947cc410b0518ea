//! The password step of signing in, with delays per login name and throttling per client address.
//!
//! A failure counts against the login name as typed (normalised), whether an account has it or
//! not, in `login_attempt` under the SHA-256 of the name: an unknown login is delayed, answered
//! and timed like a known one, and what was typed is never stored. Nothing here locks an account
//! or ends its sessions.

use super::credentials::{timestamp, verify_dummy, verify_password};
use super::{
    ADDRESS_FAILURES_PER_WINDOW, ADDRESS_WINDOW_MINUTES, DELAY_AFTER_FAILURES, FAILURE_MEMORY_HOURS, LoginError,
    MAX_DELAY_SECONDS, Throttle, USER_COLUMNS, User, normalize_login, user_from,
};
use crate::{Db, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::{Duration, OffsetDateTime};

/// Checks a login and password from a client address, at the system clock's time. See
/// [`check_password_at`].
pub async fn check_password(db: &Db, login: &str, password: &str, address: &str) -> Result<User, LoginError> {
    check_password_at(db, login, password, address, OffsetDateTime::now_utc()).await
}

/// Checks a login and password from a client address at a given time.
///
/// An address over [`ADDRESS_FAILURES_PER_WINDOW`] failures in its window, or a login name whose
/// delay ([`sign_in_delay`]) has not run out, is [`LoginError::Throttled`] before any password is
/// looked at: right and wrong passwords get the same answer. Otherwise an unknown login is
/// verified against a dummy hash of the same argon2id parameters and its failure is recorded by
/// the same statements as a wrong password's, so that both take the same time. A wrong password
/// counts against the address and the login name. Success forgets the login name's failures
/// (not the address's: one good account must not reset an attacker's count).
pub async fn check_password_at(
    db: &Db,
    login: &str,
    password: &str,
    address: &str,
    now: OffsetDateTime,
) -> Result<User, LoginError> {
    if let Some(until) = address_throttled_until(db, address, now).await? {
        return Err(LoginError::Throttled { until, cause: Throttle::Address });
    }
    let login = normalize_login(login);
    if let Some(until) = throttled_until(db, &login, now).await? {
        record_address_failure(db, address, now).await?;
        return Err(LoginError::Throttled { until, cause: Throttle::Login });
    }
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE login = $1"))
        .bind(&login)
        .fetch_optional(&db.pool)
        .await?;
    let (user, right) = match row {
        Some(row) => {
            let hash: String = row.try_get("password_hash").map_err(StoreError::from)?;
            let right = verify_password(password, &hash).await;
            (Some(user_from(&row)?), right)
        }
        None => {
            verify_dummy(password).await;
            (None, false)
        }
    };
    let mut user = match (user, right) {
        (Some(user), true) => user,
        (user, _) => {
            record_address_failure(db, address, now).await?;
            record_failure(db, &login, user.map(|u| u.id), now).await?;
            return Err(LoginError::BadCredentials);
        }
    };
    if user.disabled {
        return Err(LoginError::Disabled);
    }
    forget_failures(db, &login).await?;
    user.throttled_until = None;
    Ok(user)
}

/// How long the next attempt for a login name waits after `failures` consecutive failures: nothing
/// before [`DELAY_AFTER_FAILURES`], then 2 s, 4 s, 8 s … doubling with each further failure, at
/// most [`MAX_DELAY_SECONDS`].
pub fn sign_in_delay(failures: i64) -> Duration {
    if failures < DELAY_AFTER_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - DELAY_AFTER_FAILURES + 1).min(30);
    Duration::seconds((1_i64 << doublings).min(MAX_DELAY_SECONDS))
}

/// The key of a login name (already normalised) in `login_attempt`: its SHA-256, hex.
pub(super) fn login_key(login: &str) -> String {
    Sha256::digest(format!("nimo-login:{login}").as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Until when attempts for a login name (already normalised) wait, if they wait at `now`.
pub(super) async fn throttled_until(
    db: &Db,
    login: &str,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, StoreError> {
    let retry_at: Option<String> =
        sqlx::query_scalar("SELECT retry_at FROM login_attempt WHERE login_key = $1 AND retry_at > $2")
            .bind(login_key(login))
            .bind(timestamp(now))
            .fetch_optional(&db.pool)
            .await?
            .flatten();
    retry_at.map(|at| crate::columns::instant("login_attempt.retry_at", &at)).transpose()
}

/// Counts a failed password, second factor or current password against a login name (already
/// normalised) and the account that has it, if any, and sets the delay of the next attempt. The
/// count goes up in one statement, so that concurrent failures are all counted; a failure more
/// than [`FAILURE_MEMORY_HOURS`] after the previous one starts the count afresh.
pub(super) async fn record_failure(
    db: &Db,
    login: &str,
    user_id: Option<i64>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let key = login_key(login);
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_attempt (login_key, user_id, failures, last_failure_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (login_key) DO UPDATE SET
             failures = CASE WHEN login_attempt.last_failure_at > $4 THEN login_attempt.failures + 1 ELSE 1 END,
             user_id = $2,
             last_failure_at = $3
         RETURNING failures",
    )
    .persistent(false)
    .bind(&key)
    .bind(user_id)
    .bind(timestamp(now))
    .bind(timestamp(now - Duration::hours(FAILURE_MEMORY_HOURS)))
    .fetch_one(&db.pool)
    .await?;
    let delay = sign_in_delay(failures);
    if delay.is_positive() {
        let retry_at = timestamp(now + delay);
        sqlx::query(
            "UPDATE login_attempt SET retry_at = $1 WHERE login_key = $2 AND (retry_at IS NULL OR retry_at < $1)",
        )
        .bind(&retry_at)
        .bind(&key)
        .execute(&db.pool)
        .await?;
        tracing::warn!(user_id, failures, delay_seconds = delay.whole_seconds(), "sign-in attempts delayed");
    }
    Ok(())
}

/// Forgets a login name's failed sign-ins after a success.
pub(super) async fn forget_failures(db: &Db, login: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_attempt WHERE login_key = $1").bind(login_key(login)).execute(&db.pool).await?;
    Ok(())
}

/// Until when an address that has used up its failures for the current window is refused.
async fn address_throttled_until(
    db: &Db,
    address: &str,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, StoreError> {
    let window_open_since = timestamp(now - Duration::minutes(ADDRESS_WINDOW_MINUTES));
    let row = sqlx::query("SELECT window_start, failures FROM login_throttle WHERE address = $1 AND window_start > $2")
        .bind(address)
        .bind(window_open_since)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<i64, _>("failures")? < ADDRESS_FAILURES_PER_WINDOW {
        return Ok(None);
    }
    let start = crate::columns::instant("login_throttle.window_start", &row.try_get::<String, _>("window_start")?)?;
    Ok(Some(start + Duration::minutes(ADDRESS_WINDOW_MINUTES)))
}

/// Counts a failure against an address, starting a new window when the old one has ended.
async fn record_address_failure(db: &Db, address: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    // Both CASEs read the row as it was before the update.
    sqlx::query(
        "INSERT INTO login_throttle (address, window_start, failures) VALUES ($1, $2, 1)
         ON CONFLICT (address) DO UPDATE SET
             failures = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.failures + 1 ELSE 1 END,
             window_start = CASE WHEN login_throttle.window_start > $3 THEN login_throttle.window_start ELSE $2 END",
    )
    .bind(address)
    .bind(timestamp(now))
    .bind(timestamp(now - Duration::minutes(ADDRESS_WINDOW_MINUTES)))
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_five_failures_double_and_stop_at_fifteen_minutes() {
        let delays: Vec<i64> = (1..=16).map(|n| sign_in_delay(n).whole_seconds()).collect();
        assert_eq!(delays, [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
        assert_eq!(sign_in_delay(i64::MAX).whole_seconds(), MAX_DELAY_SECONDS);
    }

    #[test]
    fn login_keys_do_not_hold_the_login() {
        let key = login_key("tanaka");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("tanaka"));
        assert_ne!(key, login_key("tanaka2"));
    }
}
