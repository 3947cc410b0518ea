//! How holds read on every page that shows them (the staff's list, the case page, the hospital's
//! inbox): `HoldView`, `span` (a time to placement), and `ConfirmForm`, the confirmation box of a
//! withdrawal or an acceptance.

use nimo_domain::beds::{AdmissionChange, age_label};
use nimo_store::beds;

/// A time to placement as staff read it: 「45分」, 「3時間5分」, 「2日4時間」.
pub fn span(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0..60 => format!("{minutes}分"),
        60..1440 => format!("{}時間{}分", minutes / 60, minutes % 60),
        _ => format!("{}日{}時間", minutes / 1440, minutes % 1440 / 60),
    }
}

/// A hold as the staff's list, the case page and the hospital's inbox show it.
#[derive(Clone)]
pub struct HoldView {
    pub id: i64,
    pub hospital_name: String,
    pub ward_name: String,
    pub case_ref: String,
    /// The case's page (empty when the hold was placed with a typed 受付番号).
    pub case_link: String,
    pub admission: &'static str,
    /// Why the 入院形態 differs from the case's (empty when it does not).
    pub admission_reason: &'static str,
    pub state: &'static str,
    pub waiting: bool,
    pub accepted: bool,
    pub held: String,
    pub remaining: String,
    pub reason: String,
    /// Who asks (the 保健所) and the number to call back.
    pub requester: String,
    pub callback_phone: String,
}

impl HoldView {
    pub fn of(hold: &beds::Hold, now: i64) -> Self {
        let state = hold.state_at(now);
        let waiting = state == nimo_domain::beds::HoldState::Held;
        Self {
            id: hold.id,
            hospital_name: hold.hospital_name.clone(),
            ward_name: hold.ward_name.clone(),
            case_ref: hold.case_ref.clone(),
            case_link: match (hold.case_id, &hold.case_municipality) {
                (Some(id), Some(code)) => format!("/municipalities/{code}/cases/{id}"),
                _ => String::new(),
            },
            admission: hold.admission.label(),
            admission_reason: hold.admission_reason.map_or("", AdmissionChange::label),
            state: state.label(),
            waiting,
            accepted: state == nimo_domain::beds::HoldState::Accepted,
            held: age_label(now - hold.held_at),
            remaining: if waiting { format!("残り{}分", (hold.expires_at - now + 59) / 60) } else { String::new() },
            reason: hold.decline_reason.map(|r| r.label().to_string()).unwrap_or_default(),
            requester: hold.requester.clone(),
            callback_phone: hold.callback_phone.clone(),
        }
    }
}

/// A withdrawal or an acceptance, as posted: the box that confirms it must be ticked (the
/// page's `required` holds the form back in the browser; the server checks it too).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    pub(crate) confirm: Option<String>,
}
