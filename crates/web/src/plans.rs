//! 退院後支援計画 pages: the list with its reminders, a plan's page with the steps its state allows,
//! 支援会議, and starting a plan from a person's page (`plan`); each step's form is read in `forms`;
//! the plan as a PDF to hand over (`print`).

pub(crate) mod forms;
pub(crate) mod plan;
pub(crate) mod print;

pub(crate) use plan::REMINDER_DAYS;

/// The person's consent as the plan page and its print say it: 同意あり/なし, who was asked and
/// when, or 未確認.
pub(crate) fn consent_text(plan: &nimo_store::plans::Plan) -> String {
    let s = &plan.status;
    match (s.consent, s.consent_party) {
        (Some(given), party) => format!(
            "{}（{}に確認、{}）",
            if given { "同意あり" } else { "同意なし" },
            party.map_or("—", |p| p.label()),
            crate::display::date_or_empty(plan.consent_on)
        ),
        (None, _) => "未確認".into(),
    }
}
