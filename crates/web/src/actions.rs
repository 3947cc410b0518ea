//! 構築推進事業 actions (issue 17, item 4): the 3月 評価 page of a fiscal year — per menu item of
//! section 5, each action with its owner, status, progress, the meetings, 普及啓発 events and
//! action items it is linked to with their status, and what moved during the year (its steps) —,
//! the 「第5節から取組を作成」 step (idempotent: `nimo_store::actions::from_sheet`), and the form
//! that moves one action (staff, `NetworkWrite`; 協議の場 members and the administrator read).

mod form;

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, ListedSubmission, PagePath, Record, SheetMissing, SummaryItem};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use form::ActionForm;
use nimo_domain::menu::full_width_number;
use nimo_domain::pdca::ActionStatus;
use nimo_domain::{FiscalYear, MunicipalityCode, PartialDate};
use nimo_store::actions::{self, Link, TrackedAction};
use nimo_store::audit::Outcome;

fn year(fy: i32) -> Result<FiscalYear, WebError> {
    FiscalYear::new(fy).ok_or_else(|| WebError::NotFound("お探しの年度は見つかりません".into()))
}

fn day(date: time::Date) -> String {
    PartialDate { year: date.year(), month: Some(u8::from(date.month())), day: Some(date.day()) }.wareki()
}

/// A link as pages show it: kind, title, day, status, page.
pub(crate) struct LinkLine {
    kind: &'static str,
    title: String,
    day: String,
    status: &'static str,
    href: Option<String>,
}

fn link_line(code: &MunicipalityCode, link: &Link) -> LinkLine {
    LinkLine {
        kind: link.kind.label(),
        title: if link.title.is_empty() { format!("（{}番）", link.id) } else { link.title.clone() },
        day: link.on.map(day).unwrap_or_default(),
        status: link.status,
        href: Some(match link.kind {
            actions::LinkKind::Event => format!("/municipalities/{code}/events/{}", link.id),
            actions::LinkKind::Meeting => format!("/municipalities/{code}/meetings/{}", link.id),
            actions::LinkKind::ActionItem => format!("/municipalities/{code}/action-items#action-{}", link.id),
        }),
    }
}

struct ActionLine {
    id: i64,
    display: String,
    owner: String,
    status: &'static str,
    status_class: &'static str,
    progress: String,
    carried: bool,
    links: Vec<LinkLine>,
    moves: Vec<String>,
}

struct MenuGroup {
    number: String,
    label: String,
    actions: Vec<ActionLine>,
}

#[derive(Template)]
#[template(path = "actions.html")]
struct ActionsPage {
    ctx: Layout,
    code: String,
    fy: i32,
    /// The years before and after, when nimo has them.
    prev: Option<i32>,
    next: Option<i32>,
    wareki: String,
    groups: Vec<MenuGroup>,
    totals: Vec<(&'static str, usize)>,
    notice: Option<String>,
}

fn action_line(code: &MunicipalityCode, action: &TrackedAction) -> ActionLine {
    ActionLine {
        id: action.id,
        display: action.display(),
        owner: action.owner.clone(),
        status: action.status.label(),
        status_class: action.status.code(),
        progress: action.progress.clone(),
        carried: action.carried_from.is_some(),
        links: action.links.iter().map(|l| link_line(code, l)).collect(),
        moves: action
            .steps
            .iter()
            .map(|s| {
                let note = if s.progress.is_empty() { String::new() } else { format!("（{}）", s.progress) };
                format!("{} {}{note}", day(s.on), s.status.label())
            })
            .collect(),
    }
}

/// `?notice=made-N` or `?notice=saved`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ActionsQuery {
    notice: Option<String>,
}

/// GET /municipalities/{code}/actions/{fy}: the year's 評価.
pub async fn evaluation(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, i32), SheetMissing>,
    Query(query): Query<ActionsQuery>,
) -> Result<Html<String>, WebError> {
    let fy = year(fy)?;
    let listed = actions::list(&state.db, code.as_str(), fy).await?;
    let menu = nimo_store::menu::for_fiscal_year(&state.db, fy).await?;
    let mut groups: Vec<MenuGroup> = Vec::new();
    for action in &listed {
        if groups.last().is_none_or(|g| g.number != full_width_number(action.menu_code)) {
            groups.push(MenuGroup {
                number: full_width_number(action.menu_code),
                label: menu.label(action.menu_code).unwrap_or("（この年度のメニューにない番号）").to_string(),
                actions: Vec::new(),
            });
        }
        if let Some(group) = groups.last_mut() {
            group.actions.push(action_line(&code, action));
        }
    }
    let totals =
        ActionStatus::ALL.iter().map(|s| (s.label(), listed.iter().filter(|a| a.status == *s).count())).collect();
    let notice = match query.notice.as_deref() {
        Some("saved") => Some("取組を更新しました".to_string()),
        Some(made) => made.strip_prefix("made-").and_then(|n| n.parse::<usize>().ok()).map(|n| {
            if n == 0 {
                "第5節の取組はすべて作成済みです（新たに作成したものはありません）".to_string()
            } else {
                format!("第5節から取組を{n}件作成しました")
            }
        }),
        None => None,
    };
    let page = ActionsPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        fy: fy.year(),
        prev: FiscalYear::new(fy.year() - 1).map(FiscalYear::year),
        next: FiscalYear::new(fy.year() + 1).map(FiscalYear::year),
        wareki: fy.wareki(),
        groups,
        totals,
        notice,
    };
    Ok(Html(page.render()?))
}

/// POST /municipalities/{code}/actions/{fy}/from-sheet: makes the actions of the year's sheet's
/// section 5 that were not made before.
pub async fn from_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, i32), SheetMissing>,
) -> Result<Response, WebError> {
    let fy = year(fy)?;
    let sheet = nimo_store::sheets::load(&state.db, &code, fy).await?.sheet;
    let event = audit::event(&ctx.0, "action_from_sheet", Outcome::Ok);
    let today = crate::display::jst_date(state.clock.now());
    let made = actions::from_sheet(&state.db, code.as_str(), fy, &sheet.strengths, today, event).await?;
    let to = format!("/municipalities/{code}/actions/{}?notice=made-{made}", fy.year());
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage {
    ctx: Layout,
    code: String,
    fy: i32,
    id: i64,
    display: String,
    f: ActionForm,
    linked: Vec<String>,
    statuses: Vec<(&'static str, &'static str)>,
    candidates: Vec<(String, LinkLine)>,
    moves: Vec<String>,
    errors: Errors,
    summary: Vec<SummaryItem>,
}

impl ActionPage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }

    async fn new(
        state: &AppState,
        ctx: &Ctx,
        code: &MunicipalityCode,
        action: &TrackedAction,
        form: Option<(ActionForm, Vec<String>)>,
        errors: Errors,
    ) -> Result<Self, WebError> {
        let (f, linked) = form.unwrap_or_else(|| ActionForm::of(action));
        let candidates = actions::linkable(&state.db, code.as_str(), action.fiscal_year).await?;
        let line = action_line(code, action);
        Ok(Self {
            ctx: Layout::of(ctx),
            code: code.to_string(),
            fy: action.fiscal_year.year(),
            id: action.id,
            display: line.display,
            f,
            linked,
            statuses: ActionStatus::ALL.iter().map(|s| (s.code(), s.label())).collect(),
            candidates: candidates.iter().map(|l| (l.key(), link_line(code, l))).collect(),
            moves: line.moves,
            summary: crate::pages::summary(&errors, form::ORDER, str::to_string),
            errors,
        })
    }
}

/// GET /municipalities/{code}/actions/{fy}/{action_id}
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, id), ..): PagePath<(MunicipalityCode, i32, i64), Record>,
) -> Result<Html<String>, WebError> {
    let action = actions::get(&state.db, code.as_str(), id).await?;
    if action.fiscal_year.year() != fy {
        return Err(crate::pages::not_found());
    }
    Ok(Html(ActionPage::new(&state, &ctx, &code, &action, None, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/actions/{fy}/{action_id}: saves owner, status, progress and links
/// at the form's revision (409 when somebody saved first), or shows the form again (422).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, id), ..): PagePath<(MunicipalityCode, i32, i64), Record>,
    ListedSubmission(f, linked): ListedSubmission<ActionForm>,
) -> Result<Response, WebError> {
    let action = actions::get(&state.db, code.as_str(), id).await?;
    if action.fiscal_year.year() != fy {
        return Err(crate::pages::not_found());
    }
    let errors = match f.check(&linked) {
        Ok((revision, change)) => {
            let event = audit::event(&ctx.0, "action_update", Outcome::Ok);
            let today = crate::display::jst_date(state.clock.now());
            match actions::update(&state.db, code.as_str(), id, revision, &change, today, event).await {
                Ok(()) => {
                    let to = format!("/municipalities/{code}/actions/{fy}?notice=saved#action-{id}");
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(nimo_store::StoreError::UnknownCode("link")) => Errors::from([(
                    "links".to_string(),
                    "関連する記録: この年度の会議・普及啓発・アクションアイテムから選んでください".to_string(),
                )]),
                Err(other) => return Err(other.into()),
            }
        }
        Err(errors) => errors,
    };
    let page = ActionPage::new(&state, &ctx, &code, &action, Some((f, linked)), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
