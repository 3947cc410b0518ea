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
    /// The session's CSRF token.
    pub csrf: String,
    /// The fully signed-in user's role (which menu links to show; the policy still decides).
    pub role: Option<Role>,
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
        let role = full.map(|a| a.principal.role);
        Self { user, is_admin, csrf: ctx.0.csrf.clone(), role }
    }

    /// Whether to show the case-work and bed finder links (staff).
    pub fn is_staff(&self) -> bool {
        self.role == Some(Role::Staff)
    }

    /// Whether to show the hospital's page link (hospital staff).
    pub fn is_hospital(&self) -> bool {
        self.role == Some(Role::HospitalStaff)
    }

    /// Whether to show the placement statistics link.
    pub fn sees_bed_stats(&self) -> bool {
        self.role.is_some_and(|r| r.grants(nimo_domain::access::Permission::BedStats))
    }
}
