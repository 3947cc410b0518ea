//! Web app tests through HTTP: the same router `nimo serve` runs, on a random port, with a fresh
//! database per test, on every backend of `nimo_store::testing::backends()`.

mod admin;
mod auth;
mod beds;
mod cases;
mod districts;
mod harness;
mod imports;
mod logs;
mod matrix;
mod pages;
mod security;

pub use harness::{TestApp, for_each_backend};
