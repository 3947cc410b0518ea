//! Tests of the `nimo` binary as a user runs it: the built executable as a child process, on a
//! fresh database of every backend of `nimo_store::testing::backends()`.

mod audit;
mod backups;
mod crash;
mod database;
mod demo;
mod districts;
mod exports;
mod harness;
mod hosts;
mod imports;
mod keys;
mod retention;
mod scheduled_backups;
mod secrets;
mod shutdown;
mod synth;
mod tokens;
mod two_servers;
mod usage;
mod users;

// The report crate's hand-written seed list and poppler helpers, and the exchange crate's
// workbook editor, shared rather than copied so that the checks stay identical.
#[allow(dead_code)]
#[path = "../../../report/tests/it/poppler.rs"]
mod poppler;
#[allow(dead_code)]
#[path = "../../../report/tests/it/seed.rs"]
mod seed;
#[allow(dead_code)]
#[path = "../../../exchange/tests/it/workbook.rs"]
mod workbook;
