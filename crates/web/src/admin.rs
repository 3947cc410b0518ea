//! Administration pages: accounts (list, create, reset a password, disable, enable, unlock) for
//! `user.admin`, and the audit log (search, CSV export) for `audit.read`; the policy table keeps
//! everyone else out. A temporary password is shown once, on the answer to the POST that made
//! it, and never stored or logged in clear.
//!
//! Every change to an account writes an audit row `user_admin` (record `user`/ID, detail
//! `create`, `reset_password`, `disable`, `enable` or `unlock`) in the change's own transaction
//! (if the row cannot be written, nothing changed and the answer is a 500); the CSV
//! export writes `export` (record type `audit`, detail `csv`) before any row leaves, failing
//! closed (see `crate::audit`).

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::accounts::{self, AccountError, NewUser, User};
use nimo_store::audit::{AuditEvent, AuditFilter, AuditRow, Outcome};
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time, UtcOffset};

/// Japan Standard Time: the search form's dates are meant in it, and times are shown in it.
const JST: UtcOffset = time::macros::offset!(+9);
/// Rows on one page of the audit log.
const PAGE_ROWS: i64 = 50;
/// The most rows one CSV download holds (more: narrow the search, or use `nimo audit export`).
const MAX_CSV_ROWS: usize = 100_000;

// ---------------------------------------------------------------------------------------------
// Accounts

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
    error: Option<String>,
    notice: Option<&'static str>,
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
    error: Option<String>,
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
    Ok(UsersPage { ctx: Layout::of(ctx), rows, roles, form, error, notice }.render()?)
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
    let refuse = |form: CreateForm, message: String| async {
        let page = users_page(&state, &ctx, form, Some(message), None).await?;
        Ok::<_, WebError>((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
    };
    let Some(role) = Role::parse(&form.role) else {
        return refuse(form, "役割を選んでください".into()).await;
    };
    let scope = match scope_of(&form) {
        Ok(scope) => scope,
        Err(message) => return refuse(form, message).await,
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
    let user = match accounts::create_user(&state.db, &new, admin_event(&ctx, "create")).await {
        Ok(user) => user,
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(error) => match crate::error::account_refusal(&error) {
            Some(refusal) => return refuse(form, refusal.detail).await,
            None => return Err(WebError::Internal(error.to_string())),
        },
    };
    let page = PasswordPage {
        ctx: Layout::of(&ctx),
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
            Some("自分のアカウントは利用停止にできません".into()),
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

// ---------------------------------------------------------------------------------------------
// Audit log

/// The search form as the query string carries it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    actor: String,
    action: String,
    record_type: String,
    record_id: String,
    outcome: String,
    from: String,
    to: String,
    before: String,
}

impl AuditQuery {
    /// The search fields that are filled in, for links (without the page position).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("record_type", &self.record_type),
            ("record_id", &self.record_id),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .map(|(name, value)| (name, value.trim()))
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string(self.pairs()).unwrap_or_default()
    }

    /// The filter the fields describe, or what is wrong with them.
    fn filter(&self) -> Result<AuditFilter, String> {
        let text = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
        let outcome = match self.outcome.trim() {
            "" => None,
            "ok" => Some(Outcome::Ok),
            "denied" => Some(Outcome::Denied),
            "failed" => Some(Outcome::Failed),
            _ => return Err("結果は「成功」「拒否」「失敗」から選んでください".into()),
        };
        let from = date(&self.from, "開始日")?;
        let to = date(&self.to, "終了日")?;
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err("開始日が終了日より後になっています".into());
        }
        let before_id = match self.before.trim() {
            "" => None,
            id => Some(id.parse::<i64>().map_err(|_| "ページの指定が正しくありません".to_string())?),
        };
        Ok(AuditFilter {
            actor: text(&self.actor),
            action: text(&self.action),
            record_type: text(&self.record_type),
            record_id: text(&self.record_id),
            outcome,
            from: from.map(start_of_day),
            to: to.and_then(Date::next_day).map(start_of_day),
            before_id,
            ..AuditFilter::default()
        })
    }
}

/// A `YYYY-MM-DD` date of the form, if filled in.
fn date(text: &str, label: &str) -> Result<Option<Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map(Some).map_err(|_| format!("{label}は 2026-04-01 のように入力してください"))
}

/// The start of a day in Japan.
fn start_of_day(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_offset(JST)
}

/// One row as the page shows it.
struct AuditLine {
    at: String,
    row: AuditRow,
}

impl AuditLine {
    fn outcome_label(&self) -> &'static str {
        match self.row.outcome.as_str() {
            "ok" => "成功",
            "denied" => "拒否",
            "failed" => "失敗",
            _ => "不明",
        }
    }
}

/// A stored UTC time shown in Japan time: `2026-05-01 18:30:00`.
fn in_jst(at: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(JST).format(&format).ok())
        .unwrap_or_else(|| at.to_string())
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    ctx: Layout,
    q: AuditQuery,
    /// (value, label, selected) for the outcome select.
    outcomes: Vec<(&'static str, &'static str, bool)>,
    lines: Vec<AuditLine>,
    error: Option<String>,
    /// The link to the next (older) page, if there is one.
    older: Option<String>,
    csv: String,
    filtered: bool,
    retention: crate::retention::RetentionSummary,
}

/// GET /admin/audit: the search form and a page of rows, newest first, paged by id.
pub async fn audit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Result<Response, WebError> {
    let (lines, older, error) = match q.filter() {
        Ok(mut filter) => {
            filter.limit = PAGE_ROWS + 1;
            let mut rows = nimo_store::audit::search(&state.db, &filter).await?;
            let more = rows.len() as i64 > PAGE_ROWS;
            rows.truncate(PAGE_ROWS as usize);
            let older = match (more, rows.last()) {
                (true, Some(last)) => {
                    let query = q.query_string();
                    let sep = if query.is_empty() { "" } else { "&" };
                    Some(format!("/admin/audit?{query}{sep}before={}", last.id))
                }
                _ => None,
            };
            let lines = rows.into_iter().map(|row| AuditLine { at: in_jst(&row.at), row }).collect();
            (lines, older, None)
        }
        Err(message) => (Vec::new(), None, Some(message)),
    };
    let query = q.query_string();
    let csv = if query.is_empty() { "/admin/audit.csv".to_string() } else { format!("/admin/audit.csv?{query}") };
    let outcomes = [("", "すべて"), ("ok", "成功"), ("denied", "拒否"), ("failed", "失敗")]
        .into_iter()
        .map(|(value, label)| (value, label, q.outcome.trim() == value))
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let filtered = !q.pairs().is_empty();
    let retention = crate::retention::summary(&state).await?;
    let page = AuditPage { ctx: Layout::of(&ctx), q, outcomes, lines, error, older, csv, filtered, retention };
    Ok((status, Html(page.render()?)).into_response())
}

/// GET /admin/audit.csv: every row the search selects (not just one page), oldest first, as CSV
/// with BOM. The download is itself audited, before any row leaves.
pub async fn audit_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let mut filter = q.filter().map_err(WebError::BadRequest)?;
    filter.before_id = None;
    filter.oldest_first = true;
    filter.limit = nimo_store::audit::BATCH;
    let mut rows = Vec::new();
    loop {
        let batch = nimo_store::audit::search(&state.db, &filter).await?;
        let Some(last) = batch.last() else { break };
        filter.after_id = Some(last.id);
        let full = batch.len() as i64 == filter.limit;
        rows.extend(batch);
        if rows.len() > MAX_CSV_ROWS {
            return Err(WebError::BadRequest(format!(
                "{MAX_CSV_ROWS} 行を超えるため CSV にできません。期間などで絞り込むか、サーバーで nimo audit export を使ってください"
            )));
        }
        if !full {
            break;
        }
    }
    let mut event = audit::event(&ctx.0, "export", Outcome::Ok).with_detail("csv");
    event.record_type = Some("audit".into());
    audit::before(&state.db, &event).await?;
    let today = OffsetDateTime::now_utc().to_offset(JST).date();
    let filename = format!("nimo-audit-{}.csv", today.to_string().replace('-', ""));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        nimo_store::audit::to_csv(&rows),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_form_becomes_a_filter() {
        let q = AuditQuery {
            actor: " user:3 ".into(),
            outcome: "denied".into(),
            from: "2026-04-01".into(),
            to: "2026-04-01".into(),
            ..AuditQuery::default()
        };
        let filter = q.filter().unwrap();
        assert_eq!(filter.actor.as_deref(), Some("user:3"));
        assert_eq!(filter.action, None);
        assert_eq!(filter.outcome, Some(Outcome::Denied));
        let day = filter.to.unwrap() - filter.from.unwrap();
        assert_eq!(day, time::Duration::days(1), "the end date is included");
        assert_eq!(q.query_string(), "actor=user%3A3&outcome=denied&from=2026-04-01&to=2026-04-01");
        assert!(AuditQuery { from: "4/1".into(), ..AuditQuery::default() }.filter().is_err());
        assert!(AuditQuery { outcome: "maybe".into(), ..AuditQuery::default() }.filter().is_err());
    }

    #[test]
    fn times_are_shown_in_japan_time() {
        assert_eq!(in_jst("2026-05-01T09:30:00.123456Z"), "2026-05-01 18:30:00");
    }
}
