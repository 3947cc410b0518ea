//! The password page: a user's own password change, refused beside its field (wrong or
//! throttled current password, a new one the policy or the history refuses), and the
//! `Retry-After` of throttled attempts, which the sign-in pages share.

use super::account_error;
use crate::audit;
use crate::context::{Ctx, Stage, sign_in};
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_store::accounts::{self, AccountError, LoginError, Throttle};
use nimo_store::audit::Outcome;
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Layout,
    error: Option<String>,
    /// The field the error belongs to (`current` or `new`); none: above the form.
    field: Option<&'static str>,
    forced: bool,
}

/// The seconds until a throttled attempt may be made again, at least one; `None` for any other
/// refusal.
pub(super) fn retry_after(error: &LoginError, now: time::OffsetDateTime) -> Option<i64> {
    match error {
        LoginError::Throttled { until, .. } => Some((*until - now).as_seconds_f64().ceil().max(1.0) as i64),
        _ => None,
    }
}

/// A refusal with its `Retry-After` header, when it has one.
pub(super) fn with_retry_after(mut response: Response, seconds: Option<i64>) -> Response {
    if let Some(value) = seconds.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

/// GET /account/password
pub async fn password_form(ctx: Ctx) -> Result<Response, WebError> {
    let forced = ctx.0.account.as_ref().is_some_and(|a| a.must_change_password);
    Ok(Html(PasswordPage { ctx: Layout::of(&ctx), error: None, field: None, forced }.render()?).into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

/// POST /account/password: the account's other sessions end (its security stamp changes).
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let account = ctx.0.account.as_ref().ok_or(WebError::Unauthorized)?;
    let user_id = account.principal.user_id;
    let event = audit::event(&ctx.0, "password_changed", Outcome::Ok);
    let now = state.clock.now();
    match accounts::change_password_at(&state.db, user_id, &form.current, &form.new, now, event).await {
        Ok(()) => {
            let user = accounts::get(&state.db, user_id).await.map_err(account_error)?;
            sign_in(&session, &user, Stage::Full, state.clock.unix()).await?;
            Ok(Redirect::to("/municipalities?notice=password").into_response())
        }
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(error) => {
            // A wrong current password counts toward the sign-in delays like a failed sign-in,
            // so its row fails closed like one.
            let event = audit::event(&ctx.0, "password_changed", Outcome::Failed)
                .with_record("user", user_id.to_string())
                .with_detail("rejected");
            audit::before(&state.db, &event).await?;
            let refusal = crate::error::account_refusal(&error).ok_or_else(|| WebError::Internal(error.to_string()))?;
            // The policy's field is `password` wherever an account is made; here it is `new`.
            let field = refusal.field.map(|field| if field == "password" { "new" } else { field });
            let page = PasswordPage {
                ctx: Layout::of(&ctx),
                error: Some(refusal.detail),
                field,
                forced: account.must_change_password,
            };
            let retry = match error {
                AccountError::Throttled { until } => {
                    retry_after(&LoginError::Throttled { until, cause: Throttle::Login }, now)
                }
                _ => None,
            };
            Ok(with_retry_after((refusal.status, Html(page.render()?)).into_response(), retry))
        }
    }
}
