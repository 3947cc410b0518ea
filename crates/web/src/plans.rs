//! 退院後支援計画 pages: the list with its reminders, a plan's page with the steps its state allows,
//! 支援会議, and starting a plan from a person's page (`plan`); each step's form is read in `forms`;
//! the plan as a PDF to hand over (`print`). What the plan page and its print share is here.

pub(crate) mod contents;
pub(crate) mod forms;
pub(crate) mod list;
pub(crate) mod plan;
pub(crate) mod print;

pub(crate) use list::REMINDER_DAYS;

/// The person's consent as the plan page and its print say it: 同意あり/なし, who was asked and
/// when, or 未確認; a plan opened on a 家族等's answer alone says so, 要確認.
pub(crate) fn consent_text(plan: &nimo_store::plans::Plan) -> String {
    let s = &plan.status;
    if s.needs_person_consent() {
        return format!(
            "家族等の回答のみ（{}）・本人の同意は未確認（要確認）",
            crate::display::date_or_empty(plan.consent_on)
        );
    }
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

/// The element id of a field of the plan page's forms (`form` is the failed one), as
/// `plan.html` names them; empty for a reason shown on top of the page.
pub(crate) fn field_id(form: &str, name: &str) -> String {
    match (form, name) {
        ("none", _) => String::new(),
        (_, "state" | "event" | "consent" | "answer") => format!("action-{form}"),
        ("meeting", "police_attended") => "police_attended".into(),
        ("meeting", "occurred_on") => "held_on".into(),
        (_, "occurred_on") => format!("{form}-on"),
        (_, "next_review") => format!("{form}-review"),
        (_, "note") => format!("{form}-note"),
        ("extend", "reason") => "extend-reason".into(),
        _ => name.to_string(),
    }
}

/// The fields of the plan page's forms in the order they show them.
pub(crate) const FIELD_ORDER: &[&str] = &[
    "state",
    "held_on",
    "occurred_on",
    "purpose",
    "participants",
    "police_attended",
    "minutes",
    "contents",
    "person_wishes",
    "family_views",
    "living_wishes",
    "support_kind_0",
    "support_agency_0",
    "support_phone_0",
    "crisis_signs",
    "crisis_own_actions",
    "crisis_day_contact",
    "crisis_night_contact",
    "author_authority",
    "author_officer",
    "author_contact",
    "period_end",
    "next_review",
    "new_end",
    "reason",
    "destination",
    "consent",
    "answer",
    "end_reason",
    "note",
];

/// A destination code as the page names it: the code, then the authority's name and kind.
pub(crate) fn destination_text(code: &str) -> String {
    match nimo_domain::MunicipalityCode::parse(code).map(|c| nimo_domain::plans::authority::health_centre_authority(&c))
    {
        Ok(Ok(a)) => format!("{code}（{}・{}）", a.name, a.kind.label()),
        _ => code.to_string(),
    }
}
