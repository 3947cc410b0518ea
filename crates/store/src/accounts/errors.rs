//! How an account operation or a sign-in fails, as variants; the words a person reads are web's.

use crate::StoreError;
use nimo_domain::access::ScopeError;
use nimo_domain::password::PasswordError;
use time::OffsetDateTime;

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
    /// The new password is one of the account's previous ones (the newest
    /// [`PASSWORD_HISTORY`](super::PASSWORD_HISTORY) are kept).
    #[error("new password was used before")]
    ReusedPassword,
    /// Too many wrong passwords for this account lately: the current password was not checked.
    #[error("password checks wait until {until}")]
    Throttled {
        /// When the next attempt is checked.
        until: OffsetDateTime,
    },
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
/// are the same [`LoginError::BadCredentials`], after the same argon2 work, and failures delay an
/// unknown login name exactly as they delay a known one. [`LoginError::Disabled`] is only
/// returned together with proof of the password: for a wrong password on a disabled account the
/// answer is `BadCredentials` too. [`LoginError::Throttled`] is answered before any password is
/// looked at, so it says nothing about the password either.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown login, wrong password, or wrong, reused or unknown second-factor code.
    #[error("bad credentials")]
    BadCredentials,
    /// Too many failures lately, for this login name or from this address: nothing was checked,
    /// and nothing will be before `until`. Never a lock: the account's sessions go on.
    #[error("sign-in attempts wait until {until} ({cause:?})")]
    Throttled {
        /// When the next attempt is checked.
        until: OffsetDateTime,
        /// Whose failures: the login name's or the address's.
        cause: Throttle,
    },
    /// The account is disabled; the password was right.
    #[error("account disabled")]
    Disabled,
    /// The database failed.
    #[error("login store: {0}")]
    Store(#[from] StoreError),
}

/// Whose failed sign-ins made the next attempt wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// The login name's (whoever tried it, from wherever).
    Login,
    /// The client address's (across all login names).
    Address,
}

impl From<sqlx::Error> for LoginError {
    fn from(error: sqlx::Error) -> Self {
        LoginError::Store(StoreError::Database(error))
    }
}
