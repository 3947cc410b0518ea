//! Web app tests through HTTP: the same router `nimo serve` runs, on a random port, with a fresh
//! database per test, on every backend of `nimo_store::testing::backends()`; `browser` drives the
//! same app in headless Chromium (`chrome`).

mod a11y;
mod admin;
mod anonymous;
mod api_inputs;
mod auth;
mod axe;
mod bed_pages;
mod bed_refusals;
mod beds;
mod browser;
mod browsing;
mod cases;
mod chrome;
mod districts;
mod error_summaries;
mod figures;
mod finding_cases;
mod form_trust;
mod harness;
mod health_centre;
mod hold_link;
mod home;
mod home_browser;
mod imports;
mod journey_beds;
mod journeys;
mod logs;
mod matrix;
mod openapi;
mod pages;
mod password_page;
mod people;
mod phone_pages;
mod pii;
mod placement;
mod plans;
mod printing;
mod retention;
mod scope;
mod security;
mod sign_in_next;
mod sign_in_throttling;
mod sweep;
mod text_limits;
mod tokens;
mod write_path;

pub use harness::{TestApp, for_each_backend};
