//! The bed finder (緊急入院先検索): staff search (`search`, filled from a case by `from_case`),
//! hold beds and follow their holds (`holds`) and read the placement times (`stats`); hospital
//! staff post free beds and answer holds (`hospital`) and set their designations, 夜間・休日
//! answer and 保護室 (`settings`); the pages update live (`live`), and a
//! hospital's own system uses the JSON API (`api`).

pub(crate) mod api;
pub(crate) mod criteria;
pub(crate) mod from_case;
pub(crate) mod holds;
pub(crate) mod hospital;
pub(crate) mod live;
pub(crate) mod placing;
pub(crate) mod results;
pub(crate) mod search;
pub(crate) mod settings;
pub(crate) mod stats;
pub(crate) mod views;
