//! Administration pages: accounts (list, create, reset a password, disable, enable, unlock) for
//! `user.admin`, and the audit log (search, CSV export) for `audit.read`; the policy table keeps
//! everyone else out. A temporary password is shown once, on the answer to the POST that made
//! it, and never stored or logged in clear.
//!
//! Every change to an account writes an audit row `user_admin` (record `user`/ID, detail
//! `create`, `reset_password`, `disable`, `enable` or `unlock`) in the change's own transaction
//! (if the row cannot be written, nothing changed and the answer is a 500); the CSV
//! export writes `export` (record type `audit`, detail `csv`) before any row leaves, failing
//! closed (see `crate::audit`).

mod actions;
mod audit_log;
mod users;

pub use audit_log::{audit, audit_csv};
pub use users::{create_user, disable, enable, reset_password, unlock, users};
