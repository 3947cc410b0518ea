//! Signing in and out: password, then the one-time code (or enrolment of a second factor for
//! roles that need one), recovery codes shown once, password change, logout.
//!
//! Each step writes an audit row (see `crate::audit`): `login` (the password step passed; the
//! detail says which stage follows) or `login_failed` (actor `anonymous`, detail
//! `bad_credentials`, `throttled` (the address's failures), `throttled_login` (the login name's)
//! or `disabled`; the typed login is never stored, and the account id only for `disabled`, which
//! is answered only when the password was right), `second_factor` ok or failed, `totp_enrolled`,
//! `password_changed` and `logout`. A throttled attempt is answered 429 with `Retry-After` and the
//! time to try again, the same whether its password was right or wrong; it never ends a session.
//! Sign-in rows fail closed: if one cannot be written the answer is a 500 and no session is
//! granted. The rows of changes (a confirmed second factor, a changed password, all sessions
//! ended) are appended by the store in the change's own transaction: if one cannot be written
//! the change is rolled back and the answer is a 500. A logout's row is written before the
//! session ends; the session ends even if it cannot be (the answer is then a 500).

use crate::audit;
use crate::context::{Ctx, Stage, key, sign_in};
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use nimo_store::accounts::{self, AccountError, LoginError, Throttle};
use nimo_store::audit::{AuditEvent, Outcome, user_actor};
use serde::Deserialize;
use tower_sessions::Session;

mod password;

pub use password::{change_password, password_form};
use password::{retry_after, with_retry_after};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Layout,
    error: Option<String>,
    login: String,
    next: String,
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    ctx: Layout,
    error: Option<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    ctx: Layout,
    error: Option<String>,
    qr_base64: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage {
    ctx: Layout,
    codes: Vec<String>,
    next: String,
}

/// Where to go after signing in: a clean local path of a known page only (never another site),
/// decided before anything is granted (`crate::local_path`).
fn safe_next(next: Option<&str>) -> String {
    crate::local_path::after_sign_in(next)
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// GET /login
pub async fn login_form(ctx: Ctx, Query(query): Query<NextQuery>) -> Result<Response, WebError> {
    let next = safe_next(query.next.as_deref());
    if ctx.0.account.as_ref().is_some_and(|a| a.stage == Stage::Full) {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(Html(LoginPage { ctx: Layout::of(&ctx), error: None, login: String::new(), next }.render()?).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// POST /login
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref());
    let refused = |status: StatusCode, message: &str| -> Result<Response, WebError> {
        let page = LoginPage {
            ctx: Layout::of(&ctx),
            error: Some(message.into()),
            login: form.login.clone(),
            next: next.clone(),
        };
        Ok((status, Html(page.render()?)).into_response())
    };
    let now = state.clock.now();
    let user = match accounts::check_password_at(&state.db, &form.login, &form.password, &ctx.0.address, now).await {
        Ok(user) => user,
        Err(LoginError::Store(e)) => return Err(e.into()),
        Err(error) => {
            audit_failed_login(&state, &ctx, &form.login, &error).await?;
            let retry = retry_after(&error, now);
            return refuse_login(error, refused).map(|page| with_retry_after(page, retry));
        }
    };
    let stage = if user.totp_enabled {
        Stage::SecondFactor
    } else if user.role.requires_two_factor() {
        Stage::Enrol
    } else {
        Stage::Full
    };
    let event = AuditEvent::new(user_actor(user.id), audit::origin_of(&ctx.0), "login", Outcome::Ok)
        .with_record("user", user.id.to_string())
        .with_detail(stage.code());
    audit::before(&state.db, &event).await?;
    sign_in(&session, &user, stage, state.clock.unix()).await?;
    Ok(match stage {
        Stage::SecondFactor => {
            Redirect::to(&format!("/login/totp?next={}", crate::policy::urlencode(&next))).into_response()
        }
        Stage::Enrol => Redirect::to("/account/2fa").into_response(),
        Stage::Full => Redirect::to(&next).into_response(),
    })
}

/// Writes the `login_failed` row of a refused password step (failing closed). The typed login is
/// only used to find the account's id, and only when the refusal says the password was right.
async fn audit_failed_login(state: &AppState, ctx: &Ctx, login: &str, error: &LoginError) -> Result<(), WebError> {
    let detail = match error {
        LoginError::BadCredentials => "bad_credentials",
        LoginError::Throttled { cause: Throttle::Login, .. } => "throttled_login",
        LoginError::Throttled { cause: Throttle::Address, .. } => "throttled",
        LoginError::Disabled => "disabled",
        LoginError::Store(_) => "error",
    };
    let mut event = audit::anonymous(&ctx.0, "login_failed", Outcome::Failed).with_detail(detail);
    if matches!(error, LoginError::Disabled)
        && let Ok(user) = accounts::find_by_login(&state.db, login).await
    {
        event = event.with_record("user", user.id.to_string());
    }
    audit::before(&state.db, &event).await
}

/// The login page again with what a refusal means for the user.
fn refuse_login(
    error: LoginError,
    refused: impl Fn(StatusCode, &str) -> Result<Response, WebError>,
) -> Result<Response, WebError> {
    match crate::error::login_refusal(&error) {
        Some(refusal) => refused(refusal.status, &refusal.detail),
        None => match error {
            LoginError::Store(e) => Err(e.into()),
            other => Err(WebError::Internal(other.to_string())),
        },
    }
}

fn pending(ctx: &Ctx, stage: Stage) -> Option<i64> {
    ctx.0.account.as_ref().filter(|a| a.stage == stage).map(|a| a.principal.user_id)
}

/// GET /login/totp
pub async fn totp_form(ctx: Ctx, Query(query): Query<NextQuery>) -> Result<Response, WebError> {
    if pending(&ctx, Stage::SecondFactor).is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    let page = TotpPage { ctx: Layout::of(&ctx), error: None, next: safe_next(query.next.as_deref()) };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    next: Option<String>,
}

/// POST /login/totp
pub async fn totp(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let Some(user_id) = pending(&ctx, Stage::SecondFactor) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let next = safe_next(form.next.as_deref());
    let now = state.clock.now();
    let result = accounts::check_second_factor_at(&state.db, user_id, form.code.trim(), now).await;
    let detail = match &result {
        Ok(()) | Err(LoginError::Store(_)) => None,
        Err(LoginError::Disabled) => Some("disabled"),
        Err(LoginError::Throttled { .. }) => Some("throttled_login"),
        Err(LoginError::BadCredentials) => Some("bad_code"),
    };
    if !matches!(result, Err(LoginError::Store(_))) {
        let outcome = if result.is_ok() { Outcome::Ok } else { Outcome::Failed };
        let mut event = audit::event(&ctx.0, "second_factor", outcome).with_record("user", user_id.to_string());
        event.detail = detail.map(str::to_string);
        audit::before(&state.db, &event).await?;
    }
    match result {
        Ok(()) => {
            let user = accounts::get(&state.db, user_id).await.map_err(account_error)?;
            sign_in(&session, &user, Stage::Full, state.clock.unix()).await?;
            Ok(Redirect::to(&next).into_response())
        }
        Err(LoginError::Store(e)) => Err(e.into()),
        Err(error @ LoginError::Throttled { .. }) => {
            let retry = retry_after(&error, now);
            let refusal = crate::error::login_refusal(&error).map(|refusal| refusal.detail);
            let page = TotpPage { ctx: Layout::of(&ctx), error: refusal, next };
            Ok(with_retry_after((StatusCode::TOO_MANY_REQUESTS, Html(page.render()?)).into_response(), retry))
        }
        Err(_) => {
            let page = TotpPage {
                ctx: Layout::of(&ctx),
                error: Some("コードが正しくないか、すでに使われています".into()),
                next,
            };
            Ok((StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response())
        }
    }
}

/// An account error on the user's own pages: an account gone from under its session is signed
/// out; the rest as the translation says.
fn account_error(error: AccountError) -> WebError {
    match error {
        AccountError::Store(e) => e.into(),
        AccountError::NotFound => WebError::Unauthorized,
        other => {
            crate::error::account_refusal(&other).map_or_else(|| WebError::Internal(other.to_string()), WebError::from)
        }
    }
}

/// GET /account/2fa: a new secret and its QR code for the authenticator app.
pub async fn enrol_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let Some(user_id) = pending(&ctx, Stage::Enrol) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let enrolment =
        accounts::begin_totp_enrolment(&state.db, user_id, audit::event(&ctx.0, "totp_enrolment_started", Outcome::Ok))
            .await
            .map_err(account_error)?;
    let page = EnrolPage {
        ctx: Layout::of(&ctx),
        error: None,
        qr_base64: base64::engine::general_purpose::STANDARD.encode(&enrolment.qr_png),
        secret: enrolment.secret_base32,
    };
    Ok(Html(page.render()?).into_response())
}

/// POST /account/2fa: confirms the first code, then shows the recovery codes once.
pub async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let Some(user_id) = pending(&ctx, Stage::Enrol) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let event = audit::event(&ctx.0, "totp_enrolled", Outcome::Ok);
    match accounts::confirm_totp_enrolment(&state.db, user_id, form.code.trim(), event).await {
        Ok(codes) => {
            let user = accounts::get(&state.db, user_id).await.map_err(account_error)?;
            sign_in(&session, &user, Stage::Full, state.clock.unix()).await?;
            let csrf: String = session.get(key::CSRF).await.ok().flatten().unwrap_or_default();
            let principal = nimo_domain::access::Principal {
                user_id: user.id,
                role: user.role,
                scope: user.scope.clone(),
                state: nimo_domain::access::AccountState::Active,
            };
            let layout = Layout {
                user: Some((user.display_name.clone(), user.role.label().to_string())),
                csrf,
                principal: Some(principal),
                must_change_password: user.must_change_password,
            };
            let page = RecoveryPage { ctx: layout, codes, next: crate::local_path::START.into() };
            Ok(Html(page.render()?).into_response())
        }
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(_) => {
            let event = audit::event(&ctx.0, "totp_enrolled", Outcome::Failed)
                .with_record("user", user_id.to_string())
                .with_detail("bad_code");
            audit::before(&state.db, &event).await?;
            let enrolment = accounts::begin_totp_enrolment(
                &state.db,
                user_id,
                audit::event(&ctx.0, "totp_enrolment_started", Outcome::Ok),
            )
            .await
            .map_err(account_error)?;
            let page = EnrolPage {
                ctx: Layout::of(&ctx),
                error: Some("コードが正しくありません。新しい QR コードを読み取り直してください".into()),
                qr_base64: base64::engine::general_purpose::STANDARD.encode(&enrolment.qr_png),
                secret: enrolment.secret_base32,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

/// POST /logout: the audit row is written first, then the session ends. The session ends even
/// when the row cannot be written (refusing to sign someone out would be worse); the answer is
/// then a 500, as for every row that cannot be written.
pub async fn logout(State(state): State<AppState>, ctx: Ctx, session: Session) -> Result<Response, WebError> {
    let recorded = match &ctx.0.account {
        Some(account) => {
            let event =
                audit::event(&ctx.0, "logout", Outcome::Ok).with_record("user", account.principal.user_id.to_string());
            audit::before(&state.db, &event).await
        }
        None => Ok(()),
    };
    session.flush().await.map_err(|e| WebError::Internal(format!("session: {e}")))?;
    recorded?;
    Ok(Redirect::to("/login").into_response())
}

/// POST /account/logout-everywhere: ends every session of the account, this one included (for a
/// lost phone or a shared PC left signed in).
pub async fn logout_everywhere(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
) -> Result<Response, WebError> {
    let account = ctx.0.account.as_ref().ok_or(WebError::Unauthorized)?;
    let event = audit::event(&ctx.0, "logout_everywhere", Outcome::Ok);
    accounts::end_sessions(&state.db, account.principal.user_id, event).await.map_err(account_error)?;
    session.flush().await.map_err(|e| WebError::Internal(format!("session: {e}")))?;
    Ok(Redirect::to("/login").into_response())
}
