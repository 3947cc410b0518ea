//! The municipality's action items: every item of every meeting, filtered by status, those
//! still open after their due date marked 期限超過, each with the form that changes it from the
//! revision it shows (staff).

use super::{ActionForm, audit_read, field_id, field_refusal, may_keep, options};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, PagePath, Record, Submission, not_found, today};
use crate::{AppState, WebError, audit};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::council::ActionStatus;
use nimo_store::audit::Outcome;
use nimo_store::council::actions::{self, ActionItem};

/// `?status=open`: the status listed (all when absent or empty).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusQuery {
    status: Option<String>,
}

#[derive(Template)]
#[template(path = "action_items.html")]
struct ActionsPage {
    ctx: Layout,
    code: String,
    keep: bool,
    today: String,
    status: String,
    items: Vec<ActionItem>,
    statuses: Vec<(String, String)>,
    /// The item whose form came back, with its reasons.
    failed: Option<i64>,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl ActionsPage {
    fn is_failed(&self, id: &i64) -> bool {
        self.failed == Some(*id)
    }
    fn error(&self, id: &i64, name: &str) -> String {
        if self.failed != Some(*id) {
            return String::new();
        }
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

async fn actions_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    status: Option<ActionStatus>,
    failed: Option<i64>,
    errors: Errors,
) -> Result<ActionsPage, WebError> {
    let items = actions::list(&state.db, code.as_str(), status).await?;
    audit_read(state, ctx, "action_items", code.to_string()).await?;
    let prefix = failed.map(|id| format!("action-{id}-")).unwrap_or_default();
    Ok(ActionsPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        keep: may_keep(ctx, code),
        today: today(),
        status: status.map(|s| s.code().to_string()).unwrap_or_default(),
        items,
        statuses: options(ActionStatus::ALL, ActionStatus::code, ActionStatus::label),
        failed,
        summary: crate::pages::summary(&errors, &[], |name| field_id(&format!("{prefix}{name}"))),
        errors,
    })
}

/// GET /municipalities/{code}/action-items?status=: the action items.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Query(query): Query<StatusQuery>,
) -> Result<Html<String>, WebError> {
    let status = query.status.as_deref().filter(|s| !s.is_empty()).and_then(ActionStatus::parse);
    Ok(Html(actions_page(&state, &ctx, &code, status, None, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/action-items/{action_id}: changes an item made from the revision the
/// form carries.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<ActionForm>,
) -> Result<Response, WebError> {
    actions::get(&state.db, code.as_str(), id)
        .await
        .map_err(|e| if e.is_not_found() { not_found() } else { e.into() })?;
    let mut errors = Errors::new();
    let input = form.input(&mut errors);
    let revision = form.revision.trim().parse::<i64>().ok();
    if revision.is_none() {
        errors.insert("revision".into(), "更新: 画面を読み込み直してからやり直してください".into());
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (true, Some(revision)) = (errors.is_empty(), revision) {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match actions::update(&state.db, code.as_str(), id, revision, &input, event).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/municipalities/{code}/action-items#action-{id}")).into_response());
            }
            Err(error) => {
                if matches!(error, nimo_store::StoreError::StaleRevision(_)) {
                    status = StatusCode::CONFLICT;
                }
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let page = actions_page(&state, &ctx, &code, None, Some(id), errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}
