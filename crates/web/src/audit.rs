//! Audit rows written by the web app, and what happens when one cannot be written.
//!
//! Every row is made of short ASCII codes (`nimo_store::audit::AuditEvent` refuses anything
//! else): the actor is `user:ID` or `anonymous`, the origin is the client address of the
//! [`RequestContext`], and record ids are ids or keys such as `131105/2022`. Names, typed logins,
//! passwords, codes and file contents never go in.
//!
//! **Changes** carry their row into the store: the handler builds the event ([`event`]: who,
//! from where, what) and hands it to the store function that makes the change, which sets the
//! record and appends the row with `nimo_store::audit::append_in` inside the change's own
//! transaction. A change and its row commit together, so if the row cannot be written the
//! change is rolled back, the answer is a 500 page and nothing changed: there is never a change
//! without its row, and nothing is appended after a commit.
//!
//! **Everything else that is audited** — sign-ins and failed sign-ins, second-factor checks,
//! policy and scope refusals, reads of personal data, exports, logouts — writes its row with
//! [`before`], *failing closed*: the row must exist before the request may go on or be answered,
//! and a failed append turns the answer into a 500 page with nothing further done (no session is
//! granted, no page or file is sent, the refusal stays a refusal). Sign-ins change a little
//! bookkeeping in the store (failure counts, the last TOTP step used, a used recovery code); the
//! sign-in row written with [`before`] is their record.

use crate::WebError;
use crate::context::RequestContext;
use nimo_store::Db;
use nimo_store::audit::{ACTOR_ANONYMOUS, AuditEvent, Outcome, user_actor};

/// The actor of a request: `user:ID` when the session holds an account (at any stage of its
/// sign-in), `anonymous` otherwise.
pub(crate) fn actor_of(ctx: &RequestContext) -> String {
    ctx.account.as_ref().map_or_else(|| ACTOR_ANONYMOUS.to_string(), |a| user_actor(a.principal.user_id))
}

/// The origin of a request: its client address (`unknown` when there is none).
pub(crate) fn origin_of(ctx: &RequestContext) -> String {
    if ctx.address.is_empty() { "unknown".to_string() } else { ctx.address.clone() }
}

/// An event of this request's actor, from its address.
pub(crate) fn event(ctx: &RequestContext, action: &str, outcome: Outcome) -> AuditEvent {
    AuditEvent::new(actor_of(ctx), origin_of(ctx), action, outcome)
}

/// An anonymous event from this request's address (failed sign-ins, whoever's session it is).
pub(crate) fn anonymous(ctx: &RequestContext, action: &str, outcome: Outcome) -> AuditEvent {
    AuditEvent::new(ACTOR_ANONYMOUS, origin_of(ctx), action, outcome)
}

/// Appends a row that must exist before the request goes on: a failure is a 500.
pub(crate) async fn before(db: &Db, event: &AuditEvent) -> Result<(), WebError> {
    match nimo_store::audit::append(db, event).await {
        Ok(_) => Ok(()),
        Err(error) => {
            report(event, &error);
            Err(WebError::Internal("the audit log could not be written".into()))
        }
    }
}

/// Logs a row that could not be written, with the row's own codes only.
fn report(event: &AuditEvent, error: &nimo_store::StoreError) {
    tracing::error!(
        %error,
        actor = %event.actor,
        origin = %event.origin,
        action = %event.action,
        record_type = event.record_type.as_deref().unwrap_or(""),
        record_id = event.record_id.as_deref().unwrap_or(""),
        outcome = event.outcome.as_str(),
        detail = event.detail.as_deref().unwrap_or(""),
        "audit row not written"
    );
}

/// A route pattern as an audit code: `{name}` becomes `:name` (braces are not allowed in audit
/// codes), so `/municipalities/{code}/sheets/{fy}` is recorded as `/municipalities/:code/sheets/:fy`.
pub(crate) fn route_code(pattern: &str) -> String {
    pattern.replace('{', ":").replace('}', "")
}

/// The audit record id of a sheet: `131105/2022` (as the store records a sheet's changes).
pub(crate) fn sheet_id(code: &nimo_domain::MunicipalityCode, fy: nimo_domain::FiscalYear) -> String {
    nimo_store::sheets::audit_id(code, fy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns_become_codes() {
        assert_eq!(route_code("/municipalities/{code}/sheets/{fy}"), "/municipalities/:code/sheets/:fy");
        assert_eq!(route_code("/admin/users"), "/admin/users");
    }
}
