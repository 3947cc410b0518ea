//! Identifying the person of a case taken in as 本人不明: the case page's form for who it was,
//! matched against known people (same kana reading, with or without the birth date) before a
//! new person is registered, exactly as at intake.

use super::case_view::{case_page, load_case};
use super::matching::{NOT_A_CANDIDATE, candidate_list, chosen_person, matches};
use super::person_fields::{PersonFields, WithPerson, person_errors};
use crate::audit;
use crate::context::Ctx;
use crate::pages::{Errors, PagePath, Record, Submission, Submitted, user_id, valid_date};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::cases::{self, Identity};

/// The form that names the person of a case taken in as 本人不明, as posted, without the
/// person's fields (read into [`PersonFields`]).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdentifyForm {
    identified_on: Option<String>,
    revision: Option<String>,
}

/// POST /municipalities/{code}/cases/{case_id}/person: ties a case whose person is unknown to a
/// known person or a new one. When the typed kana may be someone already recorded, the case page
/// comes back with the candidates to choose from (or 「新しい人として登録」); nothing is saved until
/// then. A bad field comes back 422 beside the field; a case changed meanwhile is a 409.
pub async fn identify(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<WithPerson<IdentifyForm>>,
) -> Result<Response, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = form.posted();
    let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut errors = Errors::new();
    person_errors(&f, &mut errors);
    if !valid_date(&get("identified_on")) {
        errors.insert("identified_on".into(), "特定した日を「2022-05-10」の形で入力してください".into());
    }
    let revision: Option<i64> = get("revision").parse().ok();
    if case.person_id.is_some() || revision.is_none() {
        errors.insert("state".into(), "この事例の本人はすでに登録されています。ページを読み込み直してください".into());
    }
    let mut candidates = Vec::new();
    let mut elsewhere = false;
    let mut identity = None;
    if errors.is_empty() {
        let found = matches(&state, &ctx, &code, &get("name_kana"), &get("birth_date")).await?;
        match get("person_choice").as_str() {
            "" if !found.visible.is_empty() || !found.elsewhere.is_empty() => {
                candidates = candidate_list(&state, &ctx, &found).await?;
                elsewhere = !found.elsewhere.is_empty();
            }
            "" | "new" => {
                identity = Some(Identity::New(PersonFields::new_person(&f, &code, &case.district)));
            }
            choice => match chosen_person(&state, &ctx, &found, choice).await? {
                Some(id) => identity = Some(Identity::Known(id)),
                None => {
                    errors.insert("person_choice".into(), NOT_A_CANDIDATE.into());
                }
            },
        }
    }
    let mut status =
        if candidates.is_empty() && !elsewhere { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    if let (Some(identity), Some(revision)) = (identity, revision) {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        let when = get("identified_on");
        match cases::identify(&state.db, case.id, revision, &identity, &when, user_id(&ctx)?, event).await {
            Ok(_) => {
                let to = format!("/municipalities/{code}/cases/{}?notice=identified", case.id);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::StaleRevision(record)) => {
                let refusal = crate::error::stale_refusal(record);
                errors.insert(refusal.field.unwrap_or("state").into(), refusal.detail);
                status = refusal.status;
            }
            Err(error @ StoreError::PersonNotLinkable { .. }) => {
                let refusal = crate::error::refusal_of(error)?;
                errors.insert(refusal.field.unwrap_or("person_choice").into(), refusal.detail);
            }
            Err(other) => return Err(other.into()),
        }
    }
    // The page shows the case again (personal data): audited as a read.
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case", case.id.to_string()))
        .await?;
    let fresh = cases::get(&state.db, case.id).await?;
    // Once the person is known the form is gone: its message shows on top of the page.
    let failed = if fresh.person_id.is_none() { "identify" } else { "none" };
    let submitted = Submitted { f, errors, failed: failed.into(), candidates, elsewhere };
    let page = case_page(&state, &ctx, &code, fresh, submitted, None).await?;
    Ok((status, Html(page.render()?)).into_response())
}
