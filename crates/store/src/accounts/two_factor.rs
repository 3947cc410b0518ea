//! The second factor: TOTP enrolment (RFC 6238: 6 digits, SHA-1, 30-second steps, one step of
//! clock skew either way), the check at sign-in with replay protection, and one-time recovery
//! codes.

use super::credentials::{
    canonical_recovery_code, find_match, hash_all, random_recovery_code, security_stamp, timestamp,
};
use super::login::{forget_failures, record_failure, throttled_until};
use super::{AccountError, LoginError, RECOVERY_CODES, Throttle, TotpEnrolment};
use crate::audit::{AuditEvent, append_in};
use crate::sealed::{TOTP_PENDING, TOTP_SECRET};
use crate::{Db, StoreError};
use sqlx::Row;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Secret, Totp};
use zeroize::Zeroizing;

/// The issuer name authenticator apps show next to the account.
const ISSUER: &str = "nimo";
/// Seconds per TOTP step.
const STEP_SECONDS: i64 = 30;
/// Steps accepted either side of the current one.
const SKEW_STEPS: i64 = 1;

/// A TOTP generator for a base32 secret. `skew` is 0 where nimo walks the steps itself.
fn totp(secret_base32: &str, login: &str, skew: u16) -> Result<Totp, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("TOTP secret: {what}"));
    let secret = Secret::try_from_base32(secret_base32).map_err(|e| corrupt(format!("{e:?}")))?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(STEP_SECONDS as u64)
        .with_skew(skew)
        .with_secret(secret)
        .with_account_name(login)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| corrupt(e.to_string()))
}

/// The code an authenticator app shows for a secret at a time (for a demo that enrols its own
/// accounts, and for tests).
pub fn code_at(secret_base32: &str, at: OffsetDateTime) -> Result<String, StoreError> {
    let at = u64::try_from(at.unix_timestamp()).map_err(|_| StoreError::Corrupt("time before 1970".into()))?;
    Ok(totp(secret_base32, "", 0)?.generate(at).to_string())
}

fn step_of(now: OffsetDateTime) -> i64 {
    now.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// A typed TOTP code without spaces, in half-width digits, if it is six digits.
fn totp_code(input: &str) -> Option<String> {
    let code: String = nimo_domain::text::nfkc(input).chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// Starts (or restarts) enrolling a TOTP authenticator: stores a new pending secret and returns
/// it with its `otpauth://` URL and QR code. An already enabled second factor stays in force
/// until [`confirm_totp_enrolment`] succeeds, so an abandoned enrolment never weakens sign-in.
/// The pending secret and its audit row (`audit` with the record `user`/ID) commit together.
pub async fn begin_totp_enrolment(db: &Db, user_id: i64, audit: AuditEvent) -> Result<TotpEnrolment, AccountError> {
    let login: String = sqlx::query_scalar("SELECT login FROM app_user WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AccountError::NotFound)?;
    let secret_base32 = Secret::generate().to_base32();
    let generator = totp(&secret_base32, &login, SKEW_STEPS as u16)?;
    let otpauth_url = generator.to_url().map_err(|e| StoreError::Corrupt(format!("otpauth URL: {e}")))?;
    let qr_png = generator.to_qr_png().map_err(|e| StoreError::Corrupt(format!("QR code: {e}")))?;
    let sealed = TOTP_PENDING.seal(db.keyring()?, user_id, &secret_base32);
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE app_user SET totp_pending_sealed = $1 WHERE id = $2")
        .bind(&sealed)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    append_in(&mut tx, &super::user_event(audit, user_id)).await?;
    tx.commit().await?;
    Ok(TotpEnrolment { secret_base32, otpauth_url, qr_png })
}

/// Confirms an enrolment with a code from the app, at the system clock's time. See
/// [`confirm_totp_enrolment_at`].
pub async fn confirm_totp_enrolment(
    db: &Db,
    user_id: i64,
    code: &str,
    audit: AuditEvent,
) -> Result<Vec<String>, AccountError> {
    confirm_totp_enrolment_at(db, user_id, code, OffsetDateTime::now_utc(), audit).await
}

/// Confirms an enrolment with a code made from the pending secret at `now` (±1 step): the
/// secret becomes the account's second factor, the code's step counts as used, other sessions
/// end (new security stamp), and [`RECOVERY_CODES`] fresh recovery codes replace any old ones,
/// all in one transaction with the audit row (`audit` with the record `user`/ID). The codes are
/// returned once, for the user to keep; only their argon2id hashes are stored.
pub async fn confirm_totp_enrolment_at(
    db: &Db,
    user_id: i64,
    code: &str,
    now: OffsetDateTime,
    audit: AuditEvent,
) -> Result<Vec<String>, AccountError> {
    let keyring = db.keyring()?;
    let row = sqlx::query("SELECT login, totp_pending_sealed FROM app_user WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AccountError::NotFound)?;
    let login: String = row.try_get("login")?;
    let Some(pending_sealed): Option<String> = row.try_get("totp_pending_sealed")? else {
        return Err(AccountError::NoPendingEnrolment);
    };
    let pending = Zeroizing::new(TOTP_PENDING.open(keyring, user_id, &pending_sealed)?);
    let generator = totp(&pending, &login, SKEW_STEPS as u16)?;
    let secret_sealed = TOTP_SECRET.seal(keyring, user_id, &pending);
    let step = totp_code(code).and_then(|code| generator.check(&code, now.unix_timestamp().max(0) as u64));
    let Some(step) = step else {
        return Err(AccountError::WrongCode);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| random_recovery_code()).collect();
    let hashes = hash_all(codes.iter().map(|c| c.replace('-', "")).collect()).await;
    let mut tx = db.pool.begin().await?;
    // The pending secret must still be the one the code was checked against (no enrolment was
    // restarted in between).
    let done = sqlx::query(
        "UPDATE app_user SET totp_secret_sealed = $1, totp_pending_sealed = NULL, totp_enabled = 1,
             totp_last_step = $2, security_stamp = $3
         WHERE id = $4 AND totp_pending_sealed = $5",
    )
    .bind(&secret_sealed)
    .bind(step as i64)
    .bind(security_stamp())
    .bind(user_id)
    .bind(&pending_sealed)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AccountError::NoPendingEnrolment);
    }
    sqlx::query("DELETE FROM recovery_code WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    for hash in &hashes {
        sqlx::query("INSERT INTO recovery_code (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    append_in(&mut tx, &super::user_event(audit, user_id)).await?;
    // Other servers on the same PostgreSQL forget their cached tokens too.
    crate::beds::announce_in(&mut tx, db, "tokens", "all").await?;
    tx.commit().await?;
    // A token of the account may answer differently now (tokens::TokenCache).
    db.token_cache.clear();
    tracing::info!(user_id, "second factor enrolled");
    Ok(codes)
}

/// Checks the second factor at sign-in, at the system clock's time. See [`check_second_factor_at`].
pub async fn check_second_factor(db: &Db, user_id: i64, code: &str) -> Result<(), LoginError> {
    check_second_factor_at(db, user_id, code, OffsetDateTime::now_utc()).await
}

/// Checks the second factor of an account whose password was just accepted: a 6-digit TOTP
/// code of the current step ±1 that is later than the last step accepted (an earlier or equal
/// step is a replay), or an unused recovery code, which is then used up. A wrong code counts
/// against the login name like a wrong password, and while its attempts wait no code is checked
/// ([`LoginError::Throttled`]). The password was proven, so a disabled account is reported as
/// such; an account without an enabled second factor, or one that does not exist, gets
/// `BadCredentials`.
pub async fn check_second_factor_at(db: &Db, user_id: i64, code: &str, now: OffsetDateTime) -> Result<(), LoginError> {
    let row = sqlx::query(&format!(
        "SELECT {}, totp_secret_sealed, totp_last_step FROM app_user WHERE id = $1",
        super::USER_COLUMNS
    ))
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Err(LoginError::BadCredentials) };
    let user = super::user_from(&row)?;
    if user.disabled {
        return Err(LoginError::Disabled);
    }
    if let Some(until) = throttled_until(db, &user.login, now).await? {
        return Err(LoginError::Throttled { until, cause: Throttle::Login });
    }
    let secret: Option<String> = row.try_get("totp_secret_sealed").map_err(StoreError::from)?;
    let last_step: Option<i64> = row.try_get("totp_last_step").map_err(StoreError::from)?;
    let (true, Some(secret)) = (user.totp_enabled, secret) else {
        return Err(LoginError::BadCredentials);
    };
    let secret = Zeroizing::new(TOTP_SECRET.open(db.keyring()?, user_id, &secret)?);
    let accepted = if let Some(code) = totp_code(code) {
        accept_totp(db, user_id, &user.login, &secret, last_step, &code, now).await?
    } else if let Some(code) = canonical_recovery_code(code) {
        accept_recovery_code(db, user_id, code, now).await?
    } else {
        false
    };
    if !accepted {
        record_failure(db, &user.login, Some(user_id), now).await?;
        return Err(LoginError::BadCredentials);
    }
    forget_failures(db, &user.login).await?;
    Ok(())
}

/// Accepts a TOTP code of a step within the skew and after the last accepted one, and records
/// that step in the same statement, so that two sign-ins racing with one code cannot both pass.
async fn accept_totp(
    db: &Db,
    user_id: i64,
    login: &str,
    secret: &str,
    last_step: Option<i64>,
    code: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let generator = totp(secret, login, 0)?;
    let current = step_of(now);
    let step = (current - SKEW_STEPS..=current + SKEW_STEPS)
        .filter(|step| last_step.is_none_or(|last| *step > last))
        .find(|step| generator.check(code, (*step * STEP_SECONDS).max(0) as u64).is_some());
    let Some(step) = step else { return Ok(false) };
    let done = sqlx::query(
        "UPDATE app_user SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts an unused recovery code and marks it used (once, even under concurrent attempts).
async fn accept_recovery_code(db: &Db, user_id: i64, code: String, now: OffsetDateTime) -> Result<bool, StoreError> {
    let rows =
        sqlx::query("SELECT id, code_hash FROM recovery_code WHERE user_id = $1 AND used_at IS NULL ORDER BY id")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    for row in &rows {
        ids.push(row.try_get::<i64, _>("id")?);
        hashes.push(row.try_get::<String, _>("code_hash")?);
    }
    let Some(index) = find_match(code, hashes).await else { return Ok(false) };
    let done = sqlx::query("UPDATE recovery_code SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(timestamp(now))
        .bind(ids[index])
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 1 {
        tracing::info!(user_id, "recovery code used");
    }
    Ok(done.rows_affected() == 1)
}

/// Seals TOTP secrets left in the plain columns of databases made before secrets were sealed
/// (migration 0005), and clears the plain columns. Run at start-up with the keys loaded; returns
/// how many accounts it sealed. A row changed in between is left for the next start.
pub async fn seal_plain_totp_secrets(db: &Db) -> Result<u64, StoreError> {
    let keyring = db.keyring()?;
    let rows = sqlx::query(
        "SELECT id, totp_secret, totp_pending_secret FROM app_user
         WHERE totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut sealed = 0;
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let secret: Option<String> = row.try_get("totp_secret")?;
        let pending: Option<String> = row.try_get("totp_pending_secret")?;
        let done = sqlx::query(
            "UPDATE app_user SET
                 totp_secret_sealed = COALESCE($1, totp_secret_sealed),
                 totp_pending_sealed = COALESCE($2, totp_pending_sealed),
                 totp_secret = NULL, totp_pending_secret = NULL
             WHERE id = $3 AND totp_secret IS NOT DISTINCT FROM $4 AND totp_pending_secret IS NOT DISTINCT FROM $5",
        )
        .bind(secret.as_deref().map(|s| TOTP_SECRET.seal(keyring, id, s)))
        .bind(pending.as_deref().map(|s| TOTP_PENDING.seal(keyring, id, s)))
        .bind(id)
        .bind(secret.as_deref())
        .bind(pending.as_deref())
        .persistent(false)
        .execute(&db.pool)
        .await?;
        sealed += done.rows_affected();
    }
    if sealed > 0 {
        tracing::info!(accounts = sealed, "sealed TOTP secrets left in plain columns");
    }
    Ok(sealed)
}
