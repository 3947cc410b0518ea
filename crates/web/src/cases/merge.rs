//! Merging two records of one person: the page lists the people a person's record may duplicate
//! (same kana reading, with or without the birth date), shows the two side by side, and on
//! confirmation moves every report, visit and plan of the other record to this one (the other is
//! kept, marked merged). Both records must lie within the viewer's scope; the merge is one
//! transaction with its audit row.

use super::matching::{candidate_list, matches};
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::Candidate;
use crate::pages::person_in_scope;
use crate::pages::{Errors, PagePath, Record, Submission};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_store::audit::Outcome;
use nimo_store::people::{self, Person};
use nimo_store::{StoreError, cases};

#[derive(Template)]
#[template(path = "person_merge.html")]
struct MergePage {
    ctx: Layout,
    code: String,
    p: Person,
    p_cases: usize,
    candidates: Vec<Candidate>,
    /// Whether this person may also be recorded in another 地区 (not shown).
    elsewhere: bool,
    other: Option<(Person, usize)>,
    other_text: String,
    errors: Errors,
    /// The errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
}

impl MergePage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

async fn merge_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    person: Person,
    other: Option<Person>,
    other_text: String,
    errors: Errors,
) -> Result<MergePage, WebError> {
    let birth = crate::display::date_or_empty(person.birth_date);
    let mut found = matches(state, ctx, code, &person.name_kana, &birth).await?;
    found.visible.retain(|(p, _)| p.id != person.id);
    let elsewhere = !found.elsewhere.is_empty();
    // The page shows this person and the candidates: one read row for each kind of record.
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("person", person.id.to_string()))
        .await?;
    let candidates = candidate_list(state, ctx, &found).await?;
    let other = match other {
        Some(o) => {
            let n = cases::cases_of_person(&state.db, o.id).await?.len();
            Some((o, n))
        }
        None => None,
    };
    Ok(MergePage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        p_cases: cases::cases_of_person(&state.db, person.id).await?.len(),
        p: person,
        candidates,
        elsewhere,
        other,
        other_text,
        summary: crate::pages::summary(&errors, &["other", "confirm"], str::to_string),
        errors,
    })
}

/// The merge page's query: the number of the record to compare with, as typed (a number that
/// names no record in scope is shown beside the field, so it stays text here).
#[derive(serde::Deserialize)]
pub struct MergeQuery {
    other: Option<String>,
}

/// GET /municipalities/{code}/people/{person_id}/merge (`?other=ID` to compare with one record).
pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Query(query): Query<MergeQuery>,
) -> Result<Response, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let other_text = query.other.map(|o| o.trim().to_string()).unwrap_or_default();
    let mut errors = Errors::new();
    let other = match other_text.as_str() {
        "" => None,
        text => match other_record(&state, &ctx, &code, &person, text).await {
            Ok(o) => Some(o),
            Err(message) => {
                errors.insert("other".into(), message);
                None
            }
        },
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = merge_page(&state, &ctx, &code, person, other, other_text, errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// The record to merge into `person`, or why it cannot be (a message for the field). A record
/// outside the viewer's scope reads like one that does not exist (and the refusal is audited).
async fn other_record(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    person: &Person,
    text: &str,
) -> Result<Person, String> {
    let missing = || format!("番号 {text} の記録は見つかりません");
    let Ok(other_id) = text.trim().parse::<i64>() else { return Err(missing()) };
    let other = match person_in_scope(state, ctx, code, other_id, Permission::CaseWrite).await {
        Ok(o) => o,
        Err(WebError::NotFound(_)) => return Err(missing()),
        Err(_) => return Err("記録を読み込めませんでした。もう一度お試しください".into()),
    };
    if other.id == person.id {
        return Err("同じ記録どうしは統合できません".into());
    }
    if other.merged_into.is_some() || person.merged_into.is_some() {
        return Err("すでに統合済みの記録は統合できません".into());
    }
    Ok(other)
}

/// The merge form as posted: the record to merge in and the confirmation box.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MergeForm {
    #[serde(default)]
    other: String,
    /// `1` when ticked; absent otherwise.
    confirm: Option<String>,
}

/// POST /municipalities/{code}/people/{person_id}/merge: merges record `other` into this one.
pub async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<MergeForm>,
) -> Result<Response, WebError> {
    let person = person_in_scope(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let other_text = form.other.trim().to_string();
    let mut errors = Errors::new();
    if form.confirm.as_deref() != Some("1") {
        errors.insert("confirm".into(), "2つの記録が同じ人であることを確かめて、チェックを入れてください".into());
    }
    let other = match other_record(&state, &ctx, &code, &person, &other_text).await {
        Ok(o) => Some(o),
        Err(message) => {
            errors.insert("other".into(), message);
            None
        }
    };
    if let (Some(other), true) = (&other, errors.is_empty()) {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match people::merge(&state.db, person.id, other.id, event).await {
            Ok(()) => {
                let to = format!("/municipalities/{code}/people/{}?notice=merged", person.id);
                return Ok(Redirect::to(&to).into_response());
            }
            // Merged meanwhile, or not mergeable at all: the reason beside the other record.
            Err(error @ (StoreError::StaleRevision(_) | StoreError::NotMergeable { .. })) => {
                let refusal = crate::error::refusal_of(error)?;
                errors.insert(refusal.field.unwrap_or("other").into(), refusal.detail);
            }
            Err(other) => return Err(other.into()),
        }
    }
    let page = merge_page(&state, &ctx, &code, person, other, other_text, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
