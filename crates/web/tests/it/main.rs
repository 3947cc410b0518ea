//! Web app tests through HTTP: the same router `nimo serve` runs, on a random port, with a fresh
//! database per test, on every backend of `nimo_store::testing::backends()`; `browser` drives the
//! same app in headless Chromium (`chrome`).

mod admin;
mod auth;
mod bed_pages;
mod beds;
mod browser;
mod cases;
mod chrome;
mod districts;
mod figures;
mod harness;
mod imports;
mod logs;
mod matrix;
mod openapi;
mod pages;
mod people;
mod pii;
mod placement;
mod plans;
mod security;
mod tokens;
mod write_path;

pub use harness::{TestApp, for_each_backend};
