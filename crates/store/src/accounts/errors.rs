//! How an account operation or a sign-in fails, as variants; the words a person reads are web's.

use super::LOCKOUT_MINUTES;
use crate::StoreError;
use nimo_domain::access::ScopeError;
use nimo_domain::password::PasswordError;

/// Why an account operation failed: which rule the input broke, or what the store found. The
/// words for a person are web's (`nimo_web::error`), for the pages and the CLI alike.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The login is not 3 to 64 of `a-z 0-9 . _ - @` (after NFKC and lower-casing).
    #[error("invalid login")]
    InvalidLogin,
    /// The display name is empty or longer than 100 characters.
    #[error("invalid display name")]
    InvalidDisplayName,
    /// The scope does not fit the role.
    #[error(transparent)]
    InvalidScope(#[from] ScopeError),
    /// The new password breaks the password policy.
    #[error(transparent)]
    WeakPassword(#[from] PasswordError),
    /// The current password given to change it is wrong.
    #[error("wrong current password")]
    WrongCurrentPassword,
    /// The new password is the current one.
    #[error("new password is the current password")]
    SamePassword,
    /// No enrolment of a second factor is pending, or another one was started meanwhile.
    #[error("no pending second-factor enrolment")]
    NoPendingEnrolment,
    /// The one-time code does not match the enrolment's secret.
    #[error("wrong one-time code")]
    WrongCode,
    /// Another account already has this login (case-insensitively).
    #[error("login taken")]
    LoginTaken,
    /// No account has this id or login.
    #[error("account not found")]
    NotFound,
    /// The database failed.
    #[error("account store: {0}")]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(error: sqlx::Error) -> Self {
        AccountError::Store(StoreError::Database(error))
    }
}

/// Why a sign-in was refused.
///
/// To not reveal which logins exist, an unknown login and a wrong password (or second factor)
/// are the same [`LoginError::BadCredentials`], after the same argon2 work. [`LoginError::Locked`]
/// and [`LoginError::Disabled`] are only returned together with proof of the password: for a
/// wrong password on a locked or disabled account the answer is `BadCredentials` too, so that
/// locking someone's account does not tell an attacker that it exists. While a lock lasts, only
/// [`MAX_FAILED_LOGINS`](super::MAX_FAILED_LOGINS) further passwords are verified at all; after that every attempt is
/// `BadCredentials` until the lock ends, so "Locked means the password was right" cannot be used
/// to keep guessing through a lock.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown login, wrong password, or wrong, reused or unknown second-factor code.
    #[error("bad credentials")]
    BadCredentials,
    /// Locked after too many failures; the password was right.
    #[error("account locked for {LOCKOUT_MINUTES} minutes")]
    Locked,
    /// Too many failures from this address; nothing was checked.
    #[error("too many failures from this address")]
    Throttled,
    /// The account is disabled; the password was right.
    #[error("account disabled")]
    Disabled,
    /// The database failed.
    #[error("login store: {0}")]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LoginError {
    fn from(error: sqlx::Error) -> Self {
        LoginError::Store(StoreError::Database(error))
    }
}
