//! API tokens: a hospital's own system (or a user's script) authenticates with
//! `Authorization: Bearer nimo_…` on `/api/v1` and acts as the token's user, with that user's
//! role, scope and account state, narrowed to the token's [`ApiScope`]s, until the token expires
//! (at most [`MAX_TOKEN_DAYS`] after it was made) or is revoked.
//!
//! A token is a long random secret (256 bits) that stands for a full sign-in, second factor
//! included: only its SHA-256 is stored, it is shown once at creation, and neither it nor its
//! hash is ever logged or audited. Disabling an account or an administrator's password reset
//! revokes every token of the account in the same transaction (see `accounts::admin`).

mod cache;

pub use cache::{TTL as CACHE_TTL, TokenCache};

use crate::accounts::{AccountError, User};
use crate::audit::{AuditEvent, append_in};
use crate::{Db, StoreError};
use nimo_domain::access::Role;
use nimo_domain::api_scope::{ApiScope, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS};
use rand::RngExt;
use sha2::{Digest, Sha256};

/// The prefix of every token (so that secret scanners and people recognise one).
pub const TOKEN_PREFIX: &str = "nimo_";
/// How stale `last_used_at` may get before a request writes it again: one write per token and
/// minute at most, so that a busy client does not turn every read into a write.
pub const LAST_USED_STEP: i64 = 60;
const DAY: i64 = 86_400;

/// A token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its id.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// Its name (what it is for).
    pub name: String,
    /// What it may be used for.
    pub scopes: Vec<ApiScope>,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
    /// When it was last used, to the minute (Unix seconds), if ever.
    pub last_used_at: Option<i64>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// What to make: the user, a name, the scopes (`None`: every scope the user's role can use) and
/// the lifetime in days (`None`: [`DEFAULT_TOKEN_DAYS`]).
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// The user the token acts as.
    pub user_id: i64,
    /// What it is for (1–100 characters).
    pub name: &'a str,
    /// Its scopes; `None` for all the role allows.
    pub scopes: Option<Vec<ApiScope>>,
    /// Its lifetime in days (1–[`MAX_TOKEN_DAYS`]); `None` for [`DEFAULT_TOKEN_DAYS`].
    pub days: Option<i64>,
}

/// A token just made: the secret (to show once) and what it carries.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    /// Its id.
    pub id: i64,
    /// The token itself, `nimo_` and 64 hex digits: shown once, never stored.
    pub secret: String,
    /// Its scopes.
    pub scopes: Vec<ApiScope>,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

/// A presented token that nimo accepts now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The token's id.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// What it may be used for.
    pub scopes: Vec<ApiScope>,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A valid token.
    Valid(TokenGrant),
    /// Not a token nimo made (or malformed).
    Unknown,
    /// Revoked.
    Revoked,
    /// Past its expiry.
    Expired,
}

/// The columns of a token as read (never its hash).
const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, revoked, scopes, expires_at, last_used_at";

/// A token's row, read by column name.
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: i64,
    revoked: i64,
    scopes: String,
    expires_at: i64,
    last_used_at: Option<i64>,
}

impl TryFrom<TokenRow> for TokenInfo {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> Result<Self, StoreError> {
        Ok(TokenInfo {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            created_at: row.created_at,
            revoked: row.revoked != 0,
            scopes: scopes_of(&row.scopes)?,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        })
    }
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn scopes_of(stored: &str) -> Result<Vec<ApiScope>, StoreError> {
    ApiScope::split(stored).ok_or_else(|| StoreError::Corrupt("api_token.scopes".into()))
}

/// Makes a token with the defaults: every scope the user's role can use, [`DEFAULT_TOKEN_DAYS`].
pub async fn create_token(
    db: &Db,
    user_id: i64,
    name: &str,
    now: i64,
    audit: AuditEvent,
) -> Result<String, StoreError> {
    let new = NewToken { user_id, name, scopes: None, days: None };
    Ok(create(db, &new, now, audit).await?.secret)
}

/// Makes a token (256 random bits, hex) and returns it once; only its hash is stored. The name
/// must be 1–100 characters, the scopes some the user's role can use, the lifetime 1 day to
/// [`MAX_TOKEN_DAYS`]. The token and its audit row (`audit` with the record `api_token`/ID and
/// the detail `user:ID`) commit together.
pub async fn create(db: &Db, new: &NewToken<'_>, now: i64, audit: AuditEvent) -> Result<CreatedToken, StoreError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::InvalidTokenName);
    }
    let days = new.days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(StoreError::InvalidTokenExpiry);
    }
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM app_user WHERE id = $1")
        .bind(new.user_id)
        .fetch_optional(&db.pool)
        .await?;
    let role = role.ok_or_else(|| StoreError::NotFound(format!("user {}", new.user_id)))?;
    let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt("app_user.role".into()))?;
    let allowed = ApiScope::for_role(role);
    let scopes = new.scopes.clone().unwrap_or_else(|| allowed.clone());
    if let Some(refused) = scopes.iter().find(|s| !allowed.contains(s)) {
        return Err(StoreError::TokenScopeNotAllowed(*refused));
    }
    if scopes.is_empty() {
        return Err(StoreError::NoTokenScope);
    }
    const HEX: &[u8] = b"0123456789abcdef";
    let secret: String = {
        let mut rng = rand::rng();
        (0..64).map(|_| char::from(HEX[rng.random_range(0..HEX.len())])).collect()
    };
    let secret = format!("{TOKEN_PREFIX}{secret}");
    let stored = ApiScope::join(&scopes);
    let expires_at = now + days * DAY;
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_token (user_id, name, token_hash, created_at, revoked, scopes, expires_at)
         VALUES ($1, $2, $3, $4, 0, $5, $6) RETURNING id",
    )
    .bind(new.user_id)
    .bind(name)
    .bind(hash(&secret))
    .bind(now)
    .bind(&stored)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    let event = audit.with_record("api_token", id.to_string()).with_detail(format!("user:{}", new.user_id));
    append_in(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(CreatedToken { id, secret, scopes: scopes_of(&stored)?, expires_at })
}

/// A presented token with the account it acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticated {
    /// A valid token and its account as it is now (within [`CACHE_TTL`]).
    Valid(TokenGrant, Box<User>),
    /// Not a token nimo made (or malformed).
    Unknown,
    /// Revoked.
    Revoked,
    /// Past its expiry.
    Expired,
    /// Its account no longer exists.
    UserMissing,
}

fn well_formed(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 64
}

/// A presented token and its account at `now`, from this process's [`TokenCache`] when it read
/// them less than [`CACHE_TTL`] ago (no query), else from the database (then cached).
pub async fn authenticate_at(db: &Db, token: &str, now: i64) -> Result<Authenticated, StoreError> {
    if !well_formed(token) {
        return Ok(Authenticated::Unknown);
    }
    let key = hash(token);
    if let Some((grant, user)) = db.token_cache.get(&key, now) {
        return Ok(Authenticated::Valid(grant, Box::new(user)));
    }
    let generation = db.token_cache.generation();
    let (resolved, expires_at) = resolve_hash(db, &key, now).await?;
    let grant = match resolved {
        Resolved::Valid(grant) => grant,
        Resolved::Unknown => return Ok(Authenticated::Unknown),
        Resolved::Revoked => return Ok(Authenticated::Revoked),
        Resolved::Expired => return Ok(Authenticated::Expired),
    };
    let user = match crate::accounts::get(db, grant.user_id).await {
        Ok(user) => user,
        Err(AccountError::NotFound) => return Ok(Authenticated::UserMissing),
        Err(AccountError::Store(error)) => return Err(error),
        Err(other) => return Err(StoreError::Corrupt(format!("app_user: {other}"))),
    };
    db.token_cache.put(generation, key, grant.clone(), user.clone(), expires_at);
    Ok(Authenticated::Valid(grant, Box::new(user)))
}

/// What a presented token is at `now`, read from the database. A valid token's `last_used_at`
/// is written when it is [`LAST_USED_STEP`] or more behind (so at most once a minute per token).
pub async fn resolve_at(db: &Db, token: &str, now: i64) -> Result<Resolved, StoreError> {
    if !well_formed(token) {
        return Ok(Resolved::Unknown);
    }
    Ok(resolve_hash(db, &hash(token), now).await?.0)
}

/// [`resolve_at`] of a token's hash, with the token's expiry (0 when unknown).
async fn resolve_hash(db: &Db, key: &str, now: i64) -> Result<(Resolved, i64), StoreError> {
    let row = sqlx::query_as::<_, TokenRow>(&format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = $1"))
        .bind(key)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok((Resolved::Unknown, 0)) };
    if row.revoked != 0 {
        return Ok((Resolved::Revoked, row.expires_at));
    }
    if now >= row.expires_at {
        return Ok((Resolved::Expired, row.expires_at));
    }
    if row.last_used_at.is_none_or(|at| now - at >= LAST_USED_STEP) {
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(&db.pool)
            .await?;
    }
    let grant = TokenGrant { id: row.id, user_id: row.user_id, scopes: scopes_of(&row.scopes)? };
    Ok((Resolved::Valid(grant), row.expires_at))
}

/// A user's tokens, oldest first.
pub async fn list_tokens(db: &Db, user_id: i64) -> Result<Vec<TokenInfo>, StoreError> {
    let rows =
        sqlx::query_as::<_, TokenRow>(&format!("SELECT {TOKEN_COLUMNS} FROM api_token WHERE user_id = $1 ORDER BY id"))
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter().map(TokenInfo::try_from).collect()
}

/// Revokes a token (of `owner`, when given: a token of someone else is `NotFound`), with its
/// audit row (`audit` with the record `api_token`/ID and the detail `user:ID`) in the same
/// transaction.
pub async fn revoke(db: &Db, id: i64, owner: Option<i64>, audit: AuditEvent) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let user: Option<i64> = sqlx::query_scalar("UPDATE api_token SET revoked = 1 WHERE id = $1 RETURNING user_id")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let user = match user {
        Some(user) if owner.is_none_or(|o| o == user) => user,
        // Dropping the transaction rolls the update back.
        _ => return Err(StoreError::NotFound(format!("token {id}"))),
    };
    append_in(&mut tx, &audit.with_record("api_token", id.to_string()).with_detail(format!("user:{user}"))).await?;
    // Other servers on the same PostgreSQL forget their cached tokens too.
    crate::beds::announce_in(&mut tx, db, "tokens", "all").await?;
    tx.commit().await?;
    db.token_cache.clear();
    Ok(())
}

/// Revokes a token by id (the CLI, an administrator).
pub async fn revoke_token(db: &Db, id: i64, audit: AuditEvent) -> Result<(), StoreError> {
    revoke(db, id, None, audit).await
}

/// Revokes every live token of a user inside the caller's transaction (disabling an account, an
/// administrator's password reset); returns how many.
pub(crate) async fn revoke_all_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE api_token SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
