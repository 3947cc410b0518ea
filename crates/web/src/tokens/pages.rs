//! The account's API tokens page (`/account/tokens`): the user's tokens (name, scopes, made,
//! expiry, last use, state; never the token), a form to make one (name, scopes as checkboxes,
//! lifetime) whose answer shows the new token exactly once, and revoking one. Making a token
//! needs `token.create` (an account that signed in with its second factor); listing and revoking
//! one's own need only a full sign-in. Both changes are audited by the store in their own
//! transaction (`token_create` / `token_revoke`, record `api_token`/ID, detail `user:ID`).

use super::{TokenRow, rows, shown};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{ListedSubmission, PagePath, WithList};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::access::Role;
use nimo_domain::api_scope::{ApiScope, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS};
use nimo_store::audit::Outcome;
use nimo_store::tokens::{self, NewToken};

/// What the form held (shown again after a refusal).
struct FormValues {
    name: String,
    days: String,
    scopes: Vec<ApiScope>,
}

/// The posted form: a name and a lifetime, each at most once and nothing else; the checked
/// scopes come as the repeated field `scope`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_days: String,
}

impl WithList for TokenForm {
    const LIST: &'static str = "scope";
}

/// A token just made, shown once.
struct Created {
    name: String,
    secret: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct TokensPage {
    ctx: Layout,
    rows: Vec<TokenRow>,
    revoke_base: &'static str,
    can_create: bool,
    /// (code, label, checked) for each scope the role can use.
    scopes: Vec<(&'static str, &'static str, bool)>,
    form: FormValues,
    created: Option<Created>,
    error: Option<String>,
    /// The field the error is about.
    field: &'static str,
    notice: Option<&'static str>,
    max_days: i64,
    default_days: i64,
}

impl TokensPage {
    /// The refusal at the top of the page, linking to its field.
    fn summary(&self) -> Vec<crate::pages::SummaryItem> {
        let target = self.field.to_string();
        self.error
            .iter()
            .map(|message| crate::pages::SummaryItem { target: target.clone(), message: message.clone() })
            .collect()
    }
    /// The reason beside `name`, empty when it has none.
    fn error_of(&self, name: &str) -> String {
        self.error.as_ref().filter(|_| self.field == name).cloned().unwrap_or_default()
    }
}

fn signed_in(ctx: &Ctx) -> Result<(i64, Role), WebError> {
    let account = ctx.0.account.as_ref().ok_or(WebError::Unauthorized)?;
    Ok((account.principal.user_id, account.principal.role))
}

async fn page(state: &AppState, ctx: &Ctx, form: FormValues) -> Result<TokensPage, WebError> {
    let (user_id, role) = signed_in(ctx)?;
    let can_create = Layout::of(ctx).can("POST", "/account/tokens");
    let scopes =
        ApiScope::for_role(role).into_iter().map(|s| (s.code(), s.label(), form.scopes.contains(&s))).collect();
    Ok(TokensPage {
        ctx: Layout::of(ctx),
        rows: rows(state, user_id).await?,
        revoke_base: "/account/tokens",
        can_create,
        scopes,
        form,
        created: None,
        error: None,
        field: "",
        notice: None,
        max_days: MAX_TOKEN_DAYS,
        default_days: DEFAULT_TOKEN_DAYS,
    })
}

/// GET /account/tokens
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<crate::pages::NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let (_, role) = signed_in(&ctx)?;
    let form =
        FormValues { name: String::new(), days: DEFAULT_TOKEN_DAYS.to_string(), scopes: ApiScope::for_role(role) };
    let mut page = page(&state, &ctx, form).await?;
    page.notice = (query.notice.as_deref() == Some("revoked")).then_some("トークンを失効させました。");
    Ok(Html(page.render()?))
}

/// POST /account/tokens: makes a token and shows it once (the answer is not cached: every page
/// is `no-store`). A refusal shows the form again with what was typed and the reason beside
/// its field.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ListedSubmission(posted, codes): ListedSubmission<TokenForm>,
) -> Result<Response, WebError> {
    let (user_id, _) = signed_in(&ctx)?;
    let mut form = FormValues {
        name: posted.name,
        days: posted.expires_days,
        scopes: codes.iter().filter_map(|c| ApiScope::parse(c)).collect(),
    };
    let refuse = |mut page: TokensPage, field: &'static str, message: String| -> Result<Response, WebError> {
        page.error = Some(message);
        page.field = field;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
    };
    // Every code one of the scopes, each once (a code twice is not what the checkboxes send).
    let distinct: std::collections::HashSet<&ApiScope> = form.scopes.iter().collect();
    if codes.len() != form.scopes.len() || distinct.len() != form.scopes.len() {
        let page = page(&state, &ctx, form).await?;
        return refuse(page, "scope", "スコープは一覧から選んでください".into());
    }
    let Ok(days) = form.days.trim().parse::<i64>() else {
        let page = page(&state, &ctx, form).await?;
        return refuse(page, "expires_days", format!("有効期間を1〜{MAX_TOKEN_DAYS}日の数字で入力してください"));
    };
    let new = NewToken { user_id, name: &form.name, scopes: Some(form.scopes.clone()), days: Some(days) };
    let event = crate::audit::event(&ctx.0, "token_create", Outcome::Ok);
    let made = tokens::create(&state.db, &new, state.clock.unix(), event).await;
    match made {
        Ok(made) => {
            let name = std::mem::take(&mut form.name).trim().to_string();
            let mut page = page(&state, &ctx, form).await?;
            page.created = Some(Created { name, secret: made.secret, expires: shown(made.expires_at) });
            Ok(Html(page.render()?).into_response())
        }
        Err(error) => match crate::error::store_refusal(&error) {
            Some(refusal) => {
                let field = refusal.field.unwrap_or("name");
                let page = page(&state, &ctx, form).await?;
                refuse(page, field, refusal.detail)
            }
            None => Err(error.into()),
        },
    }
}

/// POST /account/tokens/{token}/revoke: revokes one of the user's own tokens (another's is a
/// 404, as if it did not exist).
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(token, ..): PagePath<i64, crate::pages::Record>,
) -> Result<Response, WebError> {
    let (user_id, _) = signed_in(&ctx)?;
    let event = crate::audit::event(&ctx.0, "token_revoke", Outcome::Ok);
    tokens::revoke(&state.db, token, Some(user_id), event).await?;
    Ok(Redirect::to("/account/tokens?notice=revoked").into_response())
}
