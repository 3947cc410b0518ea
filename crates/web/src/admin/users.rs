//! The account pages of the administration (`user.admin`): the list, creating an account with a
//! temporary password shown once, resetting a password, disabling, enabling and unlocking. Each
//! change is audited by the store in its own transaction (`user_admin`, record `user`/ID).

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::accounts::{self, AccountError, NewUser, User};
use nimo_store::audit::{AuditEvent, Outcome};
use serde::Deserialize;

/// One account as the list shows it.
struct UserRow {
    id: i64,
    login: String,
    name: String,
    role: &'static str,
    scope: String,
    totp: bool,
    disabled: bool,
    locked: bool,
    is_self: bool,
}

/// The create form's values (shown again after a refusal).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    login: String,
    display_name: String,
    role: String,
    municipality: String,
    district: String,
    hospital: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ctx: Layout,
    rows: Vec<UserRow>,
    /// (code, label, selected) for the role select.
    roles: Vec<(&'static str, &'static str, bool)>,
    form: CreateForm,
    /// The create form's refusal: the field it belongs to and the reason.
    error: Option<(&'static str, String)>,
    /// The refusal at the top of the page, linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
    notice: Option<&'static str>,
}

impl UsersPage {
    /// The reason beside `name`, empty when it has none.
    fn error(&self, name: &str) -> String {
        self.error.as_ref().filter(|(field, _)| *field == name).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "admin_password.html")]
struct PasswordPage {
    ctx: Layout,
    heading: &'static str,
    login: String,
    name: String,
    password: String,
}

fn scope_text(scope: &Scope) -> String {
    let mut parts = Vec::new();
    if let Some(code) = &scope.municipality {
        parts.push(format!("自治体 {code}"));
    }
    if let Some(district) = &scope.district {
        parts.push(format!("地区 {district}"));
    }
    if let Some(hospital) = &scope.hospital {
        parts.push(format!("病院 {hospital}"));
    }
    if parts.is_empty() { "（全体）".into() } else { parts.join(" / ") }
}

fn own_id(ctx: &Ctx) -> Option<i64> {
    ctx.0.account.as_ref().map(|a| a.principal.user_id)
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    form: CreateForm,
    error: Option<(&'static str, String)>,
    notice: Option<&'static str>,
) -> Result<String, WebError> {
    let me = own_id(ctx);
    let users: Vec<User> = accounts::list(&state.db).await.map_err(account_error)?;
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            locked: u.is_throttled_at(state.clock.now()),
            login: u.login,
            name: u.display_name,
            role: u.role.label(),
            scope: scope_text(&u.scope),
            totp: u.totp_enabled,
            disabled: u.disabled,
            is_self: Some(u.id) == me,
        })
        .collect();
    let chosen = if form.role.is_empty() { Role::Staff.code() } else { form.role.as_str() };
    let roles = Role::ALL.iter().map(|r| (r.code(), r.label(), r.code() == chosen)).collect();
    let summary = error
        .iter()
        .map(|(field, message)| crate::pages::SummaryItem { target: field.to_string(), message: message.clone() })
        .collect();
    Ok(UsersPage { ctx: Layout::of(ctx), rows, roles, form, error, summary, notice }.render()?)
}

fn notice_text(key: Option<&String>) -> Option<&'static str> {
    Some(match key?.as_str() {
        "disabled" => "アカウントを利用停止にしました。このアカウントのログイン中の画面はすべて終了しました。",
        "enabled" => "アカウントの利用停止を解除しました。",
        "unlocked" => "ログインの失敗回数を消去し、ログインの待ち時間を解除しました。",
        _ => return None,
    })
}

fn account_error(error: AccountError) -> WebError {
    match crate::error::account_refusal(&error) {
        Some(refusal) => refusal.into(),
        None => match error {
            AccountError::Store(e) => e.into(),
            other => WebError::Internal(other.to_string()),
        },
    }
}

/// GET /admin/users
pub async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<crate::pages::NoticeQuery>,
) -> Result<Html<String>, WebError> {
    Ok(Html(users_page(&state, &ctx, CreateForm::default(), None, notice_text(query.notice.as_ref())).await?))
}

/// The scope a create form names, checked only for its format (the store checks it fits the role).
fn scope_of(form: &CreateForm) -> Result<Scope, String> {
    let blank = |text: &str| text.trim().is_empty();
    let municipality = if blank(&form.municipality) {
        None
    } else {
        let code = nimo_domain::text::nfkc(form.municipality.trim());
        Some(MunicipalityCode::parse(&code).map_err(|e| format!("地方公共団体コード: {e}"))?)
    };
    let optional = |text: &str| (!blank(text)).then(|| text.trim().to_string());
    Ok(Scope { municipality, district: optional(&form.district), hospital: optional(&form.hospital) })
}

/// The audit event of an administrator's change to an account (the store adds the account).
fn admin_event(ctx: &Ctx, detail: &str) -> AuditEvent {
    audit::event(&ctx.0, "user_admin", Outcome::Ok).with_detail(detail)
}

/// POST /admin/users: creates an account with a temporary password, shown once.
pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CreateForm>,
) -> Result<Response, WebError> {
    let (state, ctx) = (&state, &ctx);
    let refuse = |form: CreateForm, field: &'static str, message: String| async move {
        let page = users_page(state, ctx, form, Some((field, message)), None).await?;
        Ok::<_, WebError>((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
    };
    let Some(role) = Role::parse(&form.role) else {
        return refuse(form, "role", "役割を選んでください".into()).await;
    };
    let scope = match scope_of(&form) {
        Ok(scope) => scope,
        Err(message) => return refuse(form, "municipality", message).await,
    };
    let password = accounts::temporary_password(&form.login.trim().to_lowercase());
    let new = NewUser {
        login: &form.login,
        display_name: &form.display_name,
        role,
        scope,
        password: &password,
        must_change_password: true,
    };
    let user = match accounts::create_user(&state.db, &new, admin_event(ctx, "create")).await {
        Ok(user) => user,
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(error) => match crate::error::account_refusal(&error) {
            // A scope that does not fit the role belongs to the role's choice.
            Some(refusal) => return refuse(form, refusal.field.unwrap_or("role"), refusal.detail).await,
            None => return Err(WebError::Internal(error.to_string())),
        },
    };
    let page = PasswordPage {
        ctx: Layout::of(ctx),
        heading: "アカウントを作成しました",
        login: user.login,
        name: user.display_name,
        password,
    };
    Ok(Html(page.render()?).into_response())
}

/// POST /admin/users/{id}/reset-password: a new temporary password, shown once; the account's
/// sessions end and its lock is lifted.
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let password = accounts::admin_reset_password(&state.db, id, admin_event(&ctx, "reset_password"))
        .await
        .map_err(account_error)?;
    let user = accounts::get(&state.db, id).await.map_err(account_error)?;
    let page = PasswordPage {
        ctx: Layout::of(&ctx),
        heading: "仮のパスワードを発行しました",
        login: user.login,
        name: user.display_name,
        password,
    };
    Ok(Html(page.render()?).into_response())
}

/// POST /admin/users/{id}/disable: the account can no longer sign in, and its sessions end.
/// An administrator cannot disable their own account (and so lock everyone out).
pub async fn disable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, WebError> {
    if own_id(&ctx) == Some(id) {
        let page = users_page(
            &state,
            &ctx,
            CreateForm::default(),
            Some(("", "自分のアカウントは利用停止にできません".into())),
            None,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    }
    accounts::set_disabled(&state.db, id, true, admin_event(&ctx, "disable")).await.map_err(account_error)?;
    Ok(Redirect::to("/admin/users?notice=disabled").into_response())
}

/// POST /admin/users/{id}/enable
pub async fn enable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, WebError> {
    accounts::set_disabled(&state.db, id, false, admin_event(&ctx, "enable")).await.map_err(account_error)?;
    Ok(Redirect::to("/admin/users?notice=enabled").into_response())
}

/// POST /admin/users/{id}/unlock
pub async fn unlock(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Response, WebError> {
    accounts::unlock(&state.db, id, admin_event(&ctx, "unlock")).await.map_err(account_error)?;
    Ok(Redirect::to("/admin/users?notice=unlocked").into_response())
}
