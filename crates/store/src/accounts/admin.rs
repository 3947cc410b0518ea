//! What an administrator (or `nimo user …`) does to an account: a temporary password, disabling
//! and enabling, ending its sessions, forgetting its failed sign-ins, and the first administrator
//! of an empty database. Each change commits with its audit row. Disabling an account and a
//! password reset also revoke every API token of the account (a token would otherwise outlive
//! the decision), with a `token_revoke` row (record `user`/ID, detail `all`) when there was one
//! to revoke.

use super::history::RevokeTokens;
use super::*;

/// Sets a random temporary password (returned once, at least 16 characters) that must be
/// changed at the next sign-in, ends the account's sessions, keeps the replaced password among
/// the previous ones (so it cannot be chosen again) and forgets the failed sign-ins, with its
/// audit row (`audit` with the record `user`/ID) in the same transaction. The second factor
/// stays enrolled: a reset password alone never signs anyone in. Every API token of the account
/// is revoked in the same transaction: the account's credentials are in doubt.
pub async fn admin_reset_password(db: &Db, user_id: i64, audit: AuditEvent) -> Result<String, AccountError> {
    let (login, replaced) = password_hash_of(db, user_id).await?;
    let password = temporary_password(&login);
    let hash = hash_password(&password).await;
    let query = sqlx::query(
        "UPDATE app_user SET password_hash = $1, must_change_password = 1, security_stamp = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(security_stamp())
    .bind(user_id);
    let now = OffsetDateTime::now_utc();
    super::history::replace_password(db, (user_id, &login), &replaced, query, now, audit, RevokeTokens(true)).await?;
    tracing::info!(user_id, "password reset by an administrator");
    Ok(password)
}

/// A random password for an account with this login, as [`admin_reset_password`] and
/// [`bootstrap_admin`] make them: 23 characters (four groups of five from 31 letters and digits
/// that cannot be confused, about 99 bits), and always passing the password policy (a short
/// login could, very rarely, turn up inside a random one).
pub fn temporary_password(login: &str) -> String {
    loop {
        let password = random_password();
        if check_password_policy(&password, login).is_ok() {
            return password;
        }
    }
}

/// Runs one `UPDATE app_user … WHERE id = $last` and appends the account's audit row in the same
/// transaction. No such account is [`AccountError::NotFound`] (and nothing is appended).
pub(super) async fn update_with_audit<'q>(
    db: &Db,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    user_id: i64,
    audit: AuditEvent,
) -> Result<(), AccountError> {
    update_revoking_tokens(db, query, user_id, audit, false).await
}

/// [`update_with_audit`], revoking every live API token of the account in the same transaction
/// when `revoke_tokens` is set (with a `token_revoke` row when there was any).
async fn update_revoking_tokens<'q>(
    db: &Db,
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    user_id: i64,
    audit: AuditEvent,
    revoke_tokens: bool,
) -> Result<(), AccountError> {
    let mut tx = db.pool.begin().await?;
    let done = query.execute(&mut *tx).await?;
    if done.rows_affected() == 0 {
        return Err(AccountError::NotFound);
    }
    let revocation = AuditEvent { action: "token_revoke".into(), ..audit.clone() };
    append_in(&mut tx, &user_event(audit, user_id)).await?;
    if revoke_tokens && crate::tokens::revoke_all_in(&mut tx, user_id).await? > 0 {
        append_in(&mut tx, &user_event(revocation, user_id).with_detail("all")).await?;
    }
    // Other servers on the same PostgreSQL forget their cached tokens too.
    crate::beds::announce_in(&mut tx, db, "tokens", "all").await?;
    tx.commit().await?;
    // A token of the account may answer differently now (tokens::TokenCache).
    db.token_cache.clear();
    Ok(())
}

/// Disables or re-enables an account, with its audit row (`audit` with the record `user`/ID) in
/// the same transaction. Either way its sessions end (new security stamp); disabling also
/// revokes every API token of the account, so that enabling it again brings none back.
pub async fn set_disabled(db: &Db, user_id: i64, disabled: bool, audit: AuditEvent) -> Result<(), AccountError> {
    let query = sqlx::query("UPDATE app_user SET disabled = $1, security_stamp = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(security_stamp())
        .bind(user_id);
    update_revoking_tokens(db, query, user_id, audit, disabled).await?;
    tracing::info!(user_id, disabled, "account disabled flag set");
    Ok(())
}

/// Ends every session of an account, on every device ("log out everywhere"), by giving it a
/// new security stamp, with its audit row (`audit` with the record `user`/ID) in the same
/// transaction.
pub async fn end_sessions(db: &Db, user_id: i64, audit: AuditEvent) -> Result<(), AccountError> {
    let query =
        sqlx::query("UPDATE app_user SET security_stamp = $1 WHERE id = $2").bind(security_stamp()).bind(user_id);
    update_with_audit(db, query, user_id, audit).await?;
    tracing::info!(user_id, "all sessions of the account ended");
    Ok(())
}

/// Forgets the failed sign-ins of the account's login name, so that its next attempt does not
/// wait ("unlock"), with its audit row (`audit` with the record `user`/ID) in the same
/// transaction.
pub async fn unlock(db: &Db, user_id: i64, audit: AuditEvent) -> Result<(), AccountError> {
    let (login, _) = password_hash_of(db, user_id).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM login_attempt WHERE user_id = $1 OR login_key = $2")
        .bind(user_id)
        .bind(super::login::login_key(&login))
        .execute(&mut *tx)
        .await?;
    append_in(&mut tx, &user_event(audit, user_id)).await?;
    tx.commit().await?;
    tracing::info!(user_id, "failed sign-ins of the account forgotten");
    Ok(())
}

/// On a database without any account, creates the first administrator, login `admin`, with a
/// random password that must be changed at first sign-in, and returns (login, password) for
/// printing once. Otherwise `None`. Safe when several processes start at once: the insert only
/// happens while the table is empty, and the unique login lets exactly one of them through. The
/// account and its audit row (`audit` with the record `user`/ID) commit together.
pub async fn bootstrap_admin(db: &Db, audit: AuditEvent) -> Result<Option<(String, String)>, AccountError> {
    if count(db).await? > 0 {
        return Ok(None);
    }
    let login = "admin";
    let password = temporary_password(login);
    let hash = hash_password(&password).await;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO app_user (login, display_name, role, password_hash, must_change_password, security_stamp,
             created_at)
         SELECT $1, $2, $3, $4, 1, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM app_user)
         ON CONFLICT (login) DO NOTHING RETURNING id",
    )
    .bind(login)
    .bind("システム管理者")
    .bind(Role::SystemAdmin.code())
    .bind(&hash)
    .bind(security_stamp())
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_optional(&mut *tx)
    .await?;
    match row {
        Some(row) => {
            let id: i64 = row.try_get("id")?;
            append_in(&mut tx, &user_event(audit, id)).await?;
            tx.commit().await?;
            tracing::info!(user_id = id, "first administrator account created");
            Ok(Some((login.to_string(), password)))
        }
        None => Ok(None),
    }
}
