//! An account's previous passwords: the argon2id hashes of the newest [`PASSWORD_HISTORY`], kept
//! so that a new password that is one of them is refused, and the one transaction that replaces
//! a password (own change or administrator's reset) and keeps the old hash.

use super::credentials::{find_match, timestamp};
use super::login::login_key;
use super::{AccountError, PASSWORD_HISTORY, user_event};
use crate::Db;
use crate::audit::{AuditEvent, append_in};
use time::OffsetDateTime;

/// Refuses a new password that verifies against one of the account's kept previous hashes
/// ([`AccountError::ReusedPassword`]). The current password is the caller's to compare.
pub(super) async fn refuse_reuse(db: &Db, user_id: i64, new: &str) -> Result<(), AccountError> {
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(user_id)
            .bind(PASSWORD_HISTORY)
            .fetch_all(&db.pool)
            .await?;
    if hashes.is_empty() {
        return Ok(());
    }
    match find_match(nimo_domain::password::normalize(new), hashes).await {
        Some(_) => Err(AccountError::ReusedPassword),
        None => Ok(()),
    }
}

/// Runs the `UPDATE app_user … WHERE id = $last` that sets a new password hash, keeps the
/// replaced hash (dropping those older than the newest [`PASSWORD_HISTORY`]), forgets the login
/// name's failed sign-ins and appends the account's audit row, all in one transaction; with
/// [`RevokeTokens`]`(true)` (an administrator's reset) it also revokes the account's API tokens,
/// with a `token_revoke` row (detail `all`) when there was one. No such account is
/// [`AccountError::NotFound`] (and nothing is written).
pub(super) async fn replace_password<'q>(
    db: &Db,
    user: (i64, &str),
    replaced_hash: &str,
    update: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    now: OffsetDateTime,
    audit: AuditEvent,
    revoke: RevokeTokens,
) -> Result<(), AccountError> {
    let (user_id, login) = user;
    let mut tx = db.pool.begin().await?;
    if update.execute(&mut *tx).await?.rows_affected() == 0 {
        return Err(AccountError::NotFound);
    }
    sqlx::query("INSERT INTO password_history (user_id, password_hash, replaced_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(replaced_hash)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN
             (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(PASSWORD_HISTORY)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM login_attempt WHERE user_id = $1 OR login_key = $2")
        .bind(user_id)
        .bind(login_key(login))
        .execute(&mut *tx)
        .await?;
    let revocation = AuditEvent { action: "token_revoke".into(), ..audit.clone() };
    append_in(&mut tx, &user_event(audit, user_id)).await?;
    if revoke.0 && crate::tokens::revoke_all_in(&mut tx, user_id).await? > 0 {
        append_in(&mut tx, &user_event(revocation, user_id).with_detail("all")).await?;
    }
    // Other servers on the same PostgreSQL forget their cached tokens too.
    crate::beds::announce_in(&mut tx, db, "tokens", "all").await?;
    tx.commit().await?;
    // A token of the account may answer differently now (tokens::TokenCache).
    db.token_cache.clear();
    Ok(())
}

/// Whether a password change also revokes the account's API tokens (an administrator's reset
/// does; the user's own change keeps them).
pub(super) struct RevokeTokens(pub(super) bool);
