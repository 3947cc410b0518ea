//! nimo's storage: one pool and one set of queries for SQLite (embedded default) and PostgreSQL
//! (production), through sqlx's `Any` driver. Only migrations differ per backend.

#![warn(missing_docs)]

pub mod accounts;
pub mod actions;
pub mod admissions;
pub mod audit;
pub mod backup;
pub mod beds;
pub mod cases;
pub mod clock_moves;
mod columns;
pub mod consents;
pub mod council;
mod db;
pub mod directory;
pub mod districts;
mod error;
pub mod escalation;
pub mod events;
pub mod menu;
pub mod municipalities;
pub mod people;
pub mod plans;
pub mod schedule;
pub mod sealed;
pub mod sessions;
pub mod sheets;
pub mod synthetic;
pub mod testing;
pub mod tokens;

pub use db::{Backend, Db, Readiness, redact};
pub use error::{PostingRefusal, Record, StoreError};
