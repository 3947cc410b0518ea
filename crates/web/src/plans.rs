//! 退院後支援計画 pages: the list with its reminders, a plan's page with the steps its state allows,
//! 支援会議, and starting a plan from a person's page (`plan`); each step's form is read in `forms`;
//! the plan as a PDF to hand over (`print`).

pub(crate) mod forms;
pub(crate) mod plan;
pub(crate) mod print;

pub(crate) use plan::REMINDER_DAYS;
