//! What every page's frame shows: the signed-in user, the administrator's links and the CSRF
//! token for its forms.

use crate::context::{Ctx, Stage};
use nimo_domain::access::{AccountState, Role};

/// The frame of a page (header menu, forms' CSRF field).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The signed-in user's name and role label, when fully signed in.
    pub user: Option<(String, String)>,
    /// Whether to show the administration links (a fully signed-in, active system administrator).
    /// Only a convenience: the policy table is what guards the admin pages.
    pub is_admin: bool,
    /// Whether to show the case-work links (fully signed-in staff).
    pub is_staff: bool,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Layout {
    /// The frame for a request.
    pub fn of(ctx: &Ctx) -> Self {
        let full = ctx.0.account.as_ref().filter(|a| a.stage == Stage::Full);
        let user = full.map(|a| (a.display_name.clone(), a.principal.role.label().to_string()));
        let is_admin = full.is_some_and(|a| {
            a.principal.role == Role::SystemAdmin
                && a.principal.state == AccountState::Active
                && !a.must_change_password
        });
        let is_staff = full.is_some_and(|a| a.principal.role == Role::Staff);
        Self { user, is_admin, is_staff, csrf: ctx.0.csrf.clone() }
    }
}
