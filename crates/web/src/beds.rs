//! The bed finder (緊急入院先検索): staff search and hold beds (`search`), hospital staff post free
//! beds and answer holds (`hospital`), both pages update live (`live`), and a hospital's own system
//! uses the JSON API (`api`).

pub(crate) mod api;
pub(crate) mod hospital;
pub(crate) mod live;
pub(crate) mod search;
