//! The bodies of the network (協議の場, 部会, 連絡会, アドバイザー会議) and their members: the list
//! with the form that adds a body, and a body's page with its members and meetings and the
//! forms that change it and add a member (staff). A bad form comes back 422 with the reason
//! beside each field and nothing saved.

use super::{audit_read, check, field_id, field_refusal, may_keep, options};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, PagePath, Record, Submission, not_found, posted};
use crate::{AppState, WebError, audit};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::council::{BODY_TEXTS, BodyKind, MEMBER_TEXTS, Sector};
use nimo_store::audit::Outcome;
use nimo_store::council::{self as store, Body, BodyInput, Member, MemberInput, meetings::Meeting};

#[derive(Template)]
#[template(path = "council.html")]
struct BodiesPage {
    ctx: Layout,
    code: String,
    keep: bool,
    bodies: Vec<Body>,
    kinds: Vec<(String, String)>,
    f: Fields,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl BodiesPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
    fn parent_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.bodies.iter().find(|b| b.id == id)).map(|b| b.name.clone()).unwrap_or_default()
    }
}

/// The form that adds or changes a body, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BodyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent_id: String,
    /// `1` when ticked (the change form only).
    active: Option<String>,
}

impl BodyForm {
    fn input(&self, errors: &mut Errors, creating: bool) -> BodyInput {
        let parent = self.parent_id.trim();
        let parent_id = if parent.is_empty() {
            None
        } else {
            let id = parent.parse::<i64>().ok();
            if id.is_none() {
                errors.insert("parent_id".into(), format!("{}: 選択肢から選んでください", super::label("parent_id")));
            }
            id
        };
        BodyInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            parent_id,
            active: creating || self.active.as_deref() == Some("1"),
        }
    }
}

async fn bodies_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    f: Fields,
    errors: Errors,
) -> Result<BodiesPage, WebError> {
    let bodies = store::bodies(&state.db, code.as_str()).await?;
    audit_read(state, ctx, "council", code.to_string()).await?;
    Ok(BodiesPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        keep: may_keep(ctx, code),
        bodies,
        kinds: options(BodyKind::ALL, BodyKind::code, BodyKind::label),
        f,
        summary: crate::pages::summary(&errors, &["name", "kind", "parent_id"], field_id),
        errors,
    })
}

/// GET /municipalities/{code}/council: the bodies of the network.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    Ok(Html(bodies_page(&state, &ctx, &code, Fields::new(), Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/council: adds a body.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(form): Submission<BodyForm>,
) -> Result<Response, WebError> {
    let f = posted(&form);
    let mut errors = Errors::new();
    check(&f, BODY_TEXTS, &mut errors);
    let input = form.input(&mut errors, true);
    if errors.is_empty() {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match store::create_body(&state.db, code.as_str(), &input, event).await {
            Ok(id) => return Ok(Redirect::to(&format!("/municipalities/{code}/council/{id}")).into_response()),
            Err(error) => {
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let page = bodies_page(&state, &ctx, &code, f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "council_body.html")]
struct BodyPage {
    ctx: Layout,
    code: String,
    keep: bool,
    body: Body,
    parents: Vec<Body>,
    members: Vec<Member>,
    meetings: Vec<Meeting>,
    kinds: Vec<(String, String)>,
    sectors: Vec<(String, String)>,
    f: Fields,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl BodyPage {
    fn is_parent(&self, id: &i64) -> bool {
        self.body.parent_id == Some(*id)
    }
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

async fn body_of(state: &AppState, code: &MunicipalityCode, id: i64) -> Result<Body, WebError> {
    store::body(&state.db, code.as_str(), id).await.map_err(|e| if e.is_not_found() { not_found() } else { e.into() })
}

async fn body_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    f: Fields,
    errors: Errors,
) -> Result<BodyPage, WebError> {
    let body = body_of(state, code, id).await?;
    let parents = store::bodies(&state.db, code.as_str()).await?.into_iter().filter(|b| b.id != id).collect();
    let members = store::members(&state.db, code.as_str(), id).await?;
    let meetings =
        store::meetings::list(&state.db, code.as_str(), None).await?.into_iter().filter(|m| m.body_id == id).collect();
    audit_read(state, ctx, "council_body", id.to_string()).await?;
    Ok(BodyPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        keep: may_keep(ctx, code),
        body,
        parents,
        members,
        meetings,
        kinds: options(BodyKind::ALL, BodyKind::code, BodyKind::label),
        sectors: options(Sector::ALL, Sector::code, Sector::label),
        f,
        summary: crate::pages::summary(&errors, &[], field_id),
        errors,
    })
}

/// GET /municipalities/{code}/council/{body_id}: a body with its members and meetings.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    Ok(Html(body_page(&state, &ctx, &code, id, Fields::new(), Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/council/{body_id}: changes a body.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<BodyForm>,
) -> Result<Response, WebError> {
    body_of(&state, &code, id).await?;
    let f = posted(&form);
    let mut errors = Errors::new();
    check(&f, BODY_TEXTS, &mut errors);
    let input = form.input(&mut errors, false);
    if errors.is_empty() {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match store::update_body(&state.db, code.as_str(), id, &input, event).await {
            Ok(()) => return Ok(Redirect::to(&format!("/municipalities/{code}/council/{id}")).into_response()),
            Err(error) => {
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let page = body_page(&state, &ctx, &code, id, f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

/// The form that adds a member, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    contact: String,
}

/// POST /municipalities/{code}/council/{body_id}/members: adds a member.
pub async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<MemberForm>,
) -> Result<Response, WebError> {
    body_of(&state, &code, id).await?;
    let f: Fields = posted(&form).into_iter().map(|(k, v)| (format!("member_{k}"), v)).collect();
    let mut errors = Errors::new();
    check(&posted(&form), MEMBER_TEXTS, &mut errors);
    if Sector::parse(form.sector.trim()).is_none() {
        errors.insert("sector".into(), format!("{}: 選択肢から選んでください", super::label("sector")));
    }
    if errors.is_empty() {
        let input = MemberInput {
            name: form.name,
            organisation: form.organisation,
            sector: form.sector,
            position: form.position,
            contact: form.contact,
        };
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match store::add_member(&state.db, code.as_str(), id, &input, event).await {
            Ok(_) => return Ok(Redirect::to(&format!("/municipalities/{code}/council/{id}#members")).into_response()),
            Err(error) => {
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let errors = errors.into_iter().map(|(k, v)| (format!("member_{k}"), v)).collect();
    let page = body_page(&state, &ctx, &code, id, f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
