//! What every page's frame shows: the signed-in user, the administrator's links, the CSRF token
//! for its forms, and the footer's link to the source of the running version.

use crate::context::{Ctx, Stage};
use nimo_domain::access::{AccountState, Role};

/// Where the source of the running version is offered when nothing is configured: the
/// workspace's `repository`.
pub const DEFAULT_SOURCE_URL: &str = env!("CARGO_PKG_REPOSITORY");

/// The source URL of this process's server, set once by [`crate::router`]. A process-wide value
/// because error pages are rendered where no request state reaches (`WebError::into_response`);
/// `nimo serve` runs one server per process.
static SOURCE_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the footer's source link for this process (the first call wins).
pub(crate) fn set_source_url(url: &str) {
    let _ = SOURCE_URL.set(url.to_string());
}

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

    /// Where users get the source of the version they are using (AGPL-3.0 §13): the footer's link.
    pub fn source_url(&self) -> &'static str {
        SOURCE_URL.get().map_or(DEFAULT_SOURCE_URL, String::as_str)
    }

    /// The running version, shown beside the source link.
    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
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
