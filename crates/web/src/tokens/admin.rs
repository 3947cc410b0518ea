//! An administrator's view of any account's API tokens (`/admin/users/{id}/tokens`): the list
//! (never the tokens) and revoking one, for `user.admin`. Revoking is audited by the store in its
//! own transaction (`token_revoke`, record `api_token`/ID, detail `user:ID`).

use super::{TokenRow, rows};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, Record};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_store::accounts::{self, AccountError};
use nimo_store::audit::Outcome;

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct AdminTokensPage {
    ctx: Layout,
    login: String,
    rows: Vec<TokenRow>,
    revoke_base: String,
    notice: Option<&'static str>,
}

/// GET /admin/users/{id}/tokens
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(user_id, ..): PagePath<i64, Record>,
    Query(query): Query<crate::pages::NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let user = match accounts::get(&state.db, user_id).await {
        Ok(user) => user,
        Err(AccountError::NotFound) => return Err(crate::pages::not_found()),
        Err(AccountError::Store(error)) => return Err(error.into()),
        Err(other) => return Err(WebError::Internal(other.to_string())),
    };
    let page = AdminTokensPage {
        ctx: Layout::of(&ctx),
        login: user.login,
        rows: rows(&state, user_id).await?,
        revoke_base: format!("/admin/users/{user_id}/tokens"),
        notice: (query.notice.as_deref() == Some("revoked")).then_some("トークンを失効させました。"),
    };
    Ok(Html(page.render()?))
}

/// POST /admin/users/{id}/tokens/{token}/revoke: a token of another account is a 404.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((user_id, token), ..): PagePath<(i64, i64), Record>,
) -> Result<Response, WebError> {
    let event = crate::audit::event(&ctx.0, "token_revoke", Outcome::Ok);
    nimo_store::tokens::revoke(&state.db, token, Some(user_id), event).await?;
    Ok(Redirect::to(&format!("/admin/users/{user_id}/tokens?notice=revoked")).into_response())
}
