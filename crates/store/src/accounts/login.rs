//! The password step of signing in, with throttling per client address and lockout per account.

use super::credentials::{timestamp, verify_dummy, verify_password};
use super::{
    ADDRESS_FAILURES_PER_WINDOW, ADDRESS_WINDOW_MINUTES, LOCKOUT_MINUTES, LoginError, MAX_FAILED_LOGINS, USER_COLUMNS,
    User, normalize_login, user_from,
};
use crate::{Db, StoreError};
use sqlx::Row;
use time::{Duration, OffsetDateTime};

/// Checks a login and password from a client address, at the system clock's time. See
/// [`check_password_at`].
pub async fn check_password(db: &Db, login: &str, password: &str, address: &str) -> Result<User, LoginError> {
    check_password_at(db, login, password, address, OffsetDateTime::now_utc()).await
}

/// Checks a login and password from a client address at a given time.
///
/// An address over [`ADDRESS_FAILURES_PER_WINDOW`] failures in its window is refused before any
/// hashing. An unknown login is verified against a dummy hash, so it takes as long as a wrong
/// password. A wrong password counts against the address and the account; the
/// [`MAX_FAILED_LOGINS`]th in a row locks the account for [`LOCKOUT_MINUTES`]. See
/// [`LoginError`] for which refusal is returned when. Success forgets the account's failures
/// (not the address's: one good account must not reset an attacker's count).
pub async fn check_password_at(
    db: &Db,
    login: &str,
    password: &str,
    address: &str,
    now: OffsetDateTime,
) -> Result<User, LoginError> {
    if address_is_throttled(db, address, now).await? {
        return Err(LoginError::Throttled);
    }
    let row =
        sqlx::query(&format!("SELECT {USER_COLUMNS}, password_hash, failed_logins FROM app_user WHERE login = $1"))
            .bind(normalize_login(login))
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else {
        verify_dummy(password).await;
        record_address_failure(db, address, now).await?;
        return Err(LoginError::BadCredentials);
    };
    let mut user = user_from(&row)?;
    let hash: String = row.try_get("password_hash").map_err(StoreError::from)?;
    let failures: i64 = row.try_get("failed_logins").map_err(StoreError::from)?;
    let locked = user.is_locked_at(now);
    // While locked, `failed_logins` counts the attempts made during the lock. Once those are
    // used up, passwords are no longer verified, so a locked account stops answering guesses.
    let right = if locked && failures >= MAX_FAILED_LOGINS {
        verify_dummy(password).await;
        false
    } else {
        verify_password(password, &hash).await
    };
    if !right {
        record_address_failure(db, address, now).await?;
        record_account_failure(db, user.id, now).await?;
        return Err(LoginError::BadCredentials);
    }
    if user.disabled {
        return Err(LoginError::Disabled);
    }
    if locked {
        return Err(LoginError::Locked);
    }
    forget_account_failures(db, user.id).await?;
    user.locked_until = None;
    Ok(user)
}

/// Whether an address has used up its failures for the current window.
async fn address_is_throttled(db: &Db, address: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
    let window_open_since = timestamp(now - Duration::minutes(ADDRESS_WINDOW_MINUTES));
    let failures: Option<i64> =
        sqlx::query_scalar("SELECT failures FROM login_throttle WHERE address = $1 AND window_start > $2")
            .bind(address)
            .bind(window_open_since)
            .fetch_optional(&db.pool)
            .await?;
    Ok(failures.is_some_and(|n| n >= ADDRESS_FAILURES_PER_WINDOW))
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

/// Counts a failed password or second factor against an account, in one statement so that
/// concurrent failures are all counted:
/// - while a lock lasts, the count of attempts during the lock goes up and the lock stays as is;
/// - otherwise (no lock, or one that has run out, which starts the count afresh) the count goes
///   up, and reaching [`MAX_FAILED_LOGINS`] locks the account for [`LOCKOUT_MINUTES`] and resets
///   the count for the attempts during the lock.
pub(super) async fn record_account_failure(db: &Db, user_id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
    let until = timestamp(now + Duration::minutes(LOCKOUT_MINUTES));
    let result = sqlx::query(
        "UPDATE app_user SET
             failed_logins = CASE
                 WHEN locked_until > $1 THEN failed_logins + 1
                 WHEN (CASE WHEN locked_until IS NULL THEN failed_logins ELSE 0 END) + 1 >= $2 THEN 0
                 ELSE (CASE WHEN locked_until IS NULL THEN failed_logins ELSE 0 END) + 1
             END,
             locked_until = CASE
                 WHEN locked_until > $1 THEN locked_until
                 WHEN (CASE WHEN locked_until IS NULL THEN failed_logins ELSE 0 END) + 1 >= $2 THEN $3
                 ELSE NULL
             END
         WHERE id = $4
         RETURNING locked_until",
    )
    .bind(timestamp(now))
    .bind(MAX_FAILED_LOGINS)
    .bind(&until)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    if let Some(row) = result
        && row.try_get::<Option<String>, _>(0)?.as_deref() == Some(until.as_str())
    {
        tracing::warn!(user_id, minutes = LOCKOUT_MINUTES, "account locked after failed sign-ins");
    }
    Ok(())
}

/// Forgets an account's failed sign-ins after a success.
pub(super) async fn forget_account_failures(db: &Db, user_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
