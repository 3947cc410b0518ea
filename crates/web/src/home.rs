//! `/`: the start page, one per role. Staff see today's work (their legal clocks, overdue and due
//! cases, reports received today, holds waiting or answered, plan reviews due); hospital staff their
//! wards and the holds waiting for an answer; 協議の場 members their municipality's sheets and
//! figures; administrators the accounts and the audit log. Sign-in and the logo lead here.
//!
//! Every page is a list of [`Section`]s of [`Item`]s, each linking to its own page; a section a
//! later capability adds (the legal clocks) is one more `Section` pushed in [`staff::today`].
//! Items come only from what the viewer's scope and 地区 select, links are offered only where
//! the policy lets the viewer follow them (`Layout::can`), and a page that shows personal data
//! writes its `read` audit row before it answers, as the worklist does.

mod others;
mod staff;

use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::access::Role;

/// One line of a section: what it is, where it leads, and an optional mark (overdue …).
pub(crate) struct Item {
    /// The page it leads to.
    pub href: String,
    /// Its first words (a 受付番号, a ward, a year).
    pub title: String,
    /// The rest of the line.
    pub detail: String,
    /// A mark and its CSS class (`overdue`, `waiting`), if any.
    pub badge: Option<(&'static str, String)>,
}

/// A part of the start page.
pub(crate) struct Section {
    /// The anchor id (`clocks`, `cases`, `holds` …).
    pub id: &'static str,
    /// Its heading.
    pub heading: &'static str,
    /// What it says when it has no item.
    pub empty: &'static str,
    /// Its lines.
    pub items: Vec<Item>,
    /// A link to the whole list (path, label), shown when the viewer may follow it.
    pub more: Option<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Layout,
    heading: String,
    lead: String,
    sections: Vec<Section>,
    /// The role's other pages (path, label), each offered only when the policy allows it.
    shortcuts: Vec<(String, &'static str)>,
}

/// GET /: the signed-in user's start page; anyone else goes to the sign-in.
pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let layout = Layout::of(&ctx);
    let Some(principal) = layout.principal.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    if layout.must_change_password {
        return Ok(Redirect::to("/account/password").into_response());
    }
    let (heading, lead, sections, shortcuts) = match principal.role {
        Role::Staff => staff::today(&state, &ctx, &layout, &principal).await?,
        Role::HospitalStaff => others::hospital(&state, &layout, &principal).await?,
        Role::CouncilMember => others::council(&state, &layout, &principal).await?,
        Role::SystemAdmin => others::admin(&state, &layout).await?,
    };
    let shortcuts = shortcuts.into_iter().filter(|(href, _)| layout.can("GET", href)).collect();
    let page = HomePage { ctx: layout, heading, lead, sections, shortcuts };
    Ok(Html(page.render()?).into_response())
}

/// What a role's start page is made of: heading, lead sentence, sections, shortcuts.
pub(crate) type Parts = (String, String, Vec<Section>, Vec<(String, &'static str)>);

/// Today's date in Japan (the date staff work by), on the app's clock.
pub(crate) fn today_in_japan(state: &AppState) -> time::Date {
    state.clock.now().to_offset(time::macros::offset!(+9)).date()
}
