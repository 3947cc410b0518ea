//! API tokens: a hospital's own system (or a user's script) authenticates with
//! `Authorization: Bearer nimo_…` and acts as the token's user, with that user's role, scope and
//! account state. Only the SHA-256 of a token is stored; the token is shown once, at creation.

use crate::audit::{AuditEvent, append_in};
use crate::{Db, StoreError};
use rand::RngExt;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The prefix of every token (so that secret scanners and people recognise one).
pub const TOKEN_PREFIX: &str = "nimo_";

/// A token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its id.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// Its name (what it is for).
    pub name: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// Whether it was revoked.
    pub revoked: bool,
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a token for a user and returns it (256 random bits, hex); only its hash is stored. The
/// token and its audit row (`audit` with the record `api_token`/ID and the detail `user:ID`)
/// commit together.
pub async fn create_token(
    db: &Db,
    user_id: i64,
    name: &str,
    now: i64,
    audit: AuditEvent,
) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::InvalidTokenName);
    }
    let exists: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM app_user WHERE id = $1").bind(user_id).fetch_one(&db.pool).await?;
    if exists == 0 {
        return Err(StoreError::NotFound(format!("user {user_id}")));
    }
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::rng();
    let secret: String = (0..64).map(|_| char::from(HEX[rng.random_range(0..HEX.len())])).collect();
    let token = format!("{TOKEN_PREFIX}{secret}");
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_token (user_id, name, token_hash, created_at, revoked) VALUES ($1, $2, $3, $4, 0) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(hash(&token))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    append_in(&mut tx, &audit.with_record("api_token", id.to_string()).with_detail(format!("user:{user_id}"))).await?;
    tx.commit().await?;
    Ok(token)
}

/// The user a token acts as, if it is a token nimo made and it is not revoked.
pub async fn resolve_token(db: &Db, token: &str) -> Result<Option<i64>, StoreError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
        return Ok(None);
    }
    let user: Option<i64> = sqlx::query_scalar("SELECT user_id FROM api_token WHERE token_hash = $1 AND revoked = 0")
        .bind(hash(token))
        .fetch_optional(&db.pool)
        .await?;
    Ok(user)
}

/// A user's tokens.
pub async fn list_tokens(db: &Db, user_id: i64) -> Result<Vec<TokenInfo>, StoreError> {
    let rows =
        sqlx::query("SELECT id, user_id, name, created_at, revoked FROM api_token WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                name: r.try_get(2)?,
                created_at: r.try_get(3)?,
                revoked: r.try_get::<i64, _>(4)? != 0,
            })
        })
        .collect()
}

/// Revokes a token, with its audit row (`audit` with the record `api_token`/ID) in the same
/// transaction.
pub async fn revoke_token(db: &Db, id: i64, audit: AuditEvent) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query("UPDATE api_token SET revoked = 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("token {id}")));
    }
    append_in(&mut tx, &audit.with_record("api_token", id.to_string())).await?;
    tx.commit().await?;
    Ok(())
}
