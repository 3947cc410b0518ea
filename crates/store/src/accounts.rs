//! Accounts: who may sign in, with which role and scope, and the state of their credentials
//! (argon2id password and the previous ones, TOTP second factor, recovery codes, sign-in delays,
//! security stamp).
//!
//! The web layer signs people in with [`check_password`] then [`check_second_factor`], and keeps
//! the account's [`User::security_stamp`] in the session: every change that must end existing
//! sessions (password change or reset, second factor confirmed, account disabled) rotates it.
//!
//! Time enters through the `*_at` variants, which take "now" as an argument; the plain functions
//! pass the system clock. Tests use the variants to move through sign-in delays and TOTP steps
//! without sleeping.
//!
//! Every change someone makes to an account (create, password change or reset, disable, enable,
//! unlock, sessions ended, second factor confirmed) takes the caller's [`AuditEvent`] (who, from
//! where, what), sets its record to `user`/ID and appends it in the change's own transaction, so
//! the change and its audit row commit together or not at all. The bookkeeping of signing in
//! (failure counts, delays, throttling, used TOTP steps and recovery codes) is audited by the
//! caller's sign-in rows instead.
//!
//! Failed sign-ins never lock an account and never end its sessions: they delay the next attempt
//! for that login name ([`sign_in_delay`]), whether an account has it or not, and count against
//! the client's address. Only an administrator's disable (無効化) stops an account.

mod admin;
mod credentials;
mod errors;
mod history;
mod login;
mod two_factor;

pub use admin::{admin_reset_password, bootstrap_admin, end_sessions, set_disabled, temporary_password, unlock};
pub use credentials::argon2_parameters;
pub use errors::{AccountError, LoginError, Throttle};
pub use login::{check_password, check_password_at, sign_in_delay};
pub use two_factor::{
    begin_totp_enrolment, check_second_factor, check_second_factor_at, code_at, confirm_totp_enrolment,
    confirm_totp_enrolment_at, seal_plain_totp_secrets,
};

use crate::audit::{AuditEvent, append_in};
use crate::{Db, StoreError};
use credentials::{hash_password, random_password, security_stamp, timestamp, verify_password};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_domain::password::check_password_policy;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// Consecutive failed sign-ins of one login name (wrong password, wrong second factor, wrong
/// current password) after which each further attempt waits ([`sign_in_delay`]).
pub const DELAY_AFTER_FAILURES: i64 = 5;
/// The longest delay between two attempts for one login name.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;
/// Failures are forgotten this long after the last one: the next failure counts as the first.
pub const FAILURE_MEMORY_HOURS: i64 = 24;
/// Failed sign-ins from one client address, across all logins, after which that address is
/// refused until its window ends.
pub const ADDRESS_FAILURES_PER_WINDOW: i64 = 20;
/// The length of an address's window, counted from its first failure.
pub const ADDRESS_WINDOW_MINUTES: i64 = 15;
/// How many previous passwords of an account are kept (as hashes) and refused as a new one,
/// besides the current one.
pub const PASSWORD_HISTORY: i64 = 5;
/// How many recovery codes a confirmed enrolment hands out.
pub const RECOVERY_CODES: usize = 10;

/// An account as the rest of nimo sees it (no hashes, no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account's id.
    pub id: i64,
    /// The sign-in name, lower-case.
    pub login: String,
    /// The name shown on pages.
    pub display_name: String,
    /// What the account may do.
    pub role: Role,
    /// Where it may do it.
    pub scope: Scope,
    /// Switched off by an administrator.
    pub disabled: bool,
    /// Until when no sign-in attempt for the account's login is checked, after failed ones; a
    /// time in the past means the delay has run out. Its sessions are not affected. See
    /// [`User::is_throttled_at`].
    pub throttled_until: Option<OffsetDateTime>,
    /// Whether a TOTP second factor is enrolled and confirmed.
    pub totp_enabled: bool,
    /// Whether the next sign-in must set a new password (new account, admin reset).
    pub must_change_password: bool,
    /// Random; changes whenever existing sessions must end.
    pub security_stamp: String,
}

impl User {
    /// Whether sign-in attempts for the account wait at a given time.
    pub fn is_throttled_at(&self, now: OffsetDateTime) -> bool {
        self.throttled_until.is_some_and(|until| until > now)
    }
}

/// What it takes to create an account.
pub struct NewUser<'a> {
    /// The sign-in name (stored lower-case; 3–64 of `a-z 0-9 . _ - @`).
    pub login: &'a str,
    /// The name shown on pages.
    pub display_name: &'a str,
    /// What the account may do.
    pub role: Role,
    /// Where it may do it; must fit the role ([`Scope::check_for`]).
    pub scope: Scope,
    /// The first password; must pass the password policy.
    pub password: &'a str,
    /// Whether the first sign-in must set a new password (an administrator chose or generated
    /// the first one).
    pub must_change_password: bool,
}

impl std::fmt::Debug for NewUser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("scope", &self.scope)
            .field("password", &"***")
            .field("must_change_password", &self.must_change_password)
            .finish()
    }
}

/// What a user needs to add nimo to an authenticator app. The secret is not in force until
/// [`confirm_totp_enrolment`] sees a code made from it.
pub struct TotpEnrolment {
    /// The shared secret in base32, for typing into an app by hand.
    pub secret_base32: String,
    /// The `otpauth://totp/nimo:LOGIN?...` URL the QR code holds.
    pub otpauth_url: String,
    /// The QR code as a PNG image.
    pub qr_png: Vec<u8>,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment").field("qr_png", &format_args!("{} bytes", self.qr_png.len())).finish()
    }
}

const USER_COLUMNS: &str = "id, login, display_name, role, scope_municipality, scope_district, scope_hospital, \
     disabled, totp_enabled, must_change_password, security_stamp, \
     (SELECT MAX(retry_at) FROM login_attempt WHERE login_attempt.user_id = app_user.id) AS throttled_until";

fn user_from(row: &AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("account role {role}")))?;
    let municipality = row
        .try_get::<Option<String>, _>("scope_municipality")?
        .map(|code| MunicipalityCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()?;
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role,
        scope: Scope {
            municipality,
            district: row.try_get("scope_district")?,
            hospital: row.try_get("scope_hospital")?,
        },
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        throttled_until: row
            .try_get::<Option<String>, _>("throttled_until")?
            .map(|at| crate::columns::instant("login_attempt.retry_at", &at))
            .transpose()?,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        security_stamp: row.try_get("security_stamp")?,
    })
}

/// A login as stored: NFKC, trimmed, lower-case.
fn normalize_login(login: &str) -> String {
    nimo_domain::text::nfkc(login).trim().to_lowercase()
}

fn check_login(login: &str) -> Result<(), AccountError> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@');
    if (3..=64).contains(&login.chars().count()) && login.chars().all(allowed) {
        Ok(())
    } else {
        Err(AccountError::InvalidLogin)
    }
}

fn checked_display_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AccountError::InvalidDisplayName);
    }
    Ok(name.to_string())
}

/// The scope with blank parts made absent and the rest trimmed, checked against the role.
fn checked_scope(scope: &Scope, role: Role) -> Result<Scope, AccountError> {
    let clean = |part: &Option<String>| part.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
    let scope = Scope {
        municipality: scope.municipality.clone(),
        district: clean(&scope.district),
        hospital: clean(&scope.hospital),
    };
    scope.check_for(role)?;
    Ok(scope)
}

/// The audit event of a change to an account: the caller's event with the record `user`/ID.
fn user_event(audit: AuditEvent, user_id: i64) -> AuditEvent {
    audit.with_record("user", user_id.to_string())
}

/// Creates an account after checking the login, display name, scope (for the role) and
/// password policy, with its audit row (`audit` with the record `user`/ID) in the same
/// transaction. The password is stored as an argon2id hash; the new account has no second
/// factor yet, and must change its password first if [`NewUser::must_change_password`] says so.
pub async fn create_user(db: &Db, new: &NewUser<'_>, audit: AuditEvent) -> Result<User, AccountError> {
    let login = normalize_login(new.login);
    check_login(&login)?;
    let display_name = checked_display_name(new.display_name)?;
    let scope = checked_scope(&new.scope, new.role)?;
    check_password_policy(new.password, &login)?;
    let hash = hash_password(new.password).await;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO app_user (login, display_name, role, scope_municipality, scope_district, scope_hospital,
             password_hash, security_stamp, created_at, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (login) DO NOTHING RETURNING id",
    )
    .persistent(false)
    .bind(&login)
    .bind(&display_name)
    .bind(new.role.code())
    .bind(scope.municipality.as_ref().map(|code| code.as_str().to_string()))
    .bind(scope.district.as_deref())
    .bind(scope.hospital.as_deref())
    .bind(&hash)
    .bind(security_stamp())
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(i64::from(new.must_change_password))
    .fetch_optional(&mut *tx)
    .await?;
    let id: i64 = row.ok_or(AccountError::LoginTaken)?.try_get("id")?;
    append_in(&mut tx, &user_event(audit, id)).await?;
    tx.commit().await?;
    tracing::info!(user_id = id, role = new.role.code(), "account created");
    get(db, id).await
}

/// The account with this id.
pub async fn get(db: &Db, id: i64) -> Result<User, AccountError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(user_from(&row.ok_or(AccountError::NotFound)?)?)
}

/// The account with this login (case-insensitive).
pub async fn find_by_login(db: &Db, login: &str) -> Result<User, AccountError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE login = $1"))
        .bind(normalize_login(login))
        .fetch_optional(&db.pool)
        .await?;
    Ok(user_from(&row.ok_or(AccountError::NotFound)?)?)
}

/// Every account, oldest first.
pub async fn list(db: &Db) -> Result<Vec<User>, AccountError> {
    let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY id")).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(user_from).collect::<Result<_, _>>()?)
}

/// The number of accounts.
pub async fn count(db: &Db) -> Result<i64, AccountError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM app_user").fetch_one(&db.pool).await?)
}

/// The password hash and login of an account, for re-checking its password.
async fn password_hash_of(db: &Db, user_id: i64) -> Result<(String, String), AccountError> {
    let row = sqlx::query("SELECT login, password_hash FROM app_user WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AccountError::NotFound)?;
    Ok((row.try_get("login")?, row.try_get("password_hash")?))
}

/// Changes a user's own password at the system clock's time. See [`change_password_at`].
pub async fn change_password(
    db: &Db,
    user_id: i64,
    current: &str,
    new: &str,
    audit: AuditEvent,
) -> Result<(), AccountError> {
    change_password_at(db, user_id, current, new, OffsetDateTime::now_utc(), audit).await
}

/// Changes a user's own password, after checking the current one: a wrong current password
/// counts against the login name like a failed sign-in, and while its attempts wait the current
/// password is not checked ([`AccountError::Throttled`]). The new one must pass the password
/// policy and be neither the current one nor one of the newest [`PASSWORD_HISTORY`] previous
/// ones. Ends other sessions (new security stamp) and clears [`User::must_change_password`]; the
/// change, the kept old hash and its audit row (`audit` with the record `user`/ID) commit
/// together.
pub async fn change_password_at(
    db: &Db,
    user_id: i64,
    current: &str,
    new: &str,
    now: OffsetDateTime,
    audit: AuditEvent,
) -> Result<(), AccountError> {
    let (login, hash) = password_hash_of(db, user_id).await?;
    if let Some(until) = login::throttled_until(db, &login, now).await? {
        return Err(AccountError::Throttled { until });
    }
    if !verify_password(current, &hash).await {
        login::record_failure(db, &login, Some(user_id), now).await?;
        return Err(AccountError::WrongCurrentPassword);
    }
    check_password_policy(new, &login)?;
    let normalize = nimo_domain::password::normalize;
    if normalize(new) == normalize(current) {
        return Err(AccountError::SamePassword);
    }
    history::refuse_reuse(db, user_id, new).await?;
    let query = sqlx::query(
        "UPDATE app_user SET password_hash = $1, must_change_password = 0, security_stamp = $2 WHERE id = $3",
    )
    .bind(hash_password(new).await)
    .bind(security_stamp())
    .bind(user_id);
    history::replace_password(db, (user_id, &login), &hash, query, now, audit, history::RevokeTokens(false)).await?;
    tracing::info!(user_id, "password changed");
    Ok(())
}
