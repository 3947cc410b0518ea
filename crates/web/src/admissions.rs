//! Admissions (入院) after a disposition: recording one from its case (`admit`), the admission's
//! page with its events, legal clocks and next steps (`page`), and the forms both read (`forms`).

pub(crate) mod admit;
mod forms;
pub(crate) mod page;
