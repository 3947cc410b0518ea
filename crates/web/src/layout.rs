//! What every page's frame shows: the signed-in user, the menu, the CSRF token for its forms,
//! and the footer's link to the source of the running version. [`Layout::can`] is what every
//! template asks before it offers a link, a button or a form: the policy table's answer for this
//! user (`crate::policy::allows`), never a condition on the role written in a template.

use crate::context::{Ctx, Stage};
use nimo_domain::access::Principal;

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
    /// The session's CSRF token.
    pub csrf: String,
    /// Who the page is for, as the policy decides on them (`None` for anyone not fully signed
    /// in: such a page offers only public links).
    pub principal: Option<Principal>,
    /// The account must choose a new password first: the policy sends every other page there.
    pub must_change_password: bool,
}

/// A link of the menu: its path and label.
pub struct MenuLink {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
}

/// Every link the menu may show, in its order; each is shown only when [`Layout::can`] allows it.
const MENU: &[(&str, &str)] = &[
    ("/", "ホーム"),
    ("/cases", "事例一覧"),
    ("/plans", "支援計画"),
    ("/clocks", "法定期限"),
    ("/consents", "市町村長同意"),
    ("/beds", "空床検索"),
    ("/beds/holds", "仮押さえ"),
    ("/hospital", "病棟・受入れ"),
    ("/municipalities", "自治体一覧"),
    ("/import", "取り込み"),
    ("/beds/stats", "入院調整の統計"),
    ("/admin/users", "アカウント管理"),
    ("/admin/audit", "監査ログ"),
];

impl Layout {
    /// The frame for a request.
    pub fn of(ctx: &Ctx) -> Self {
        let full = ctx.0.account.as_ref().filter(|a| a.stage == Stage::Full);
        let user = full.map(|a| (a.display_name.clone(), a.principal.role.label().to_string()));
        let principal = full.and_then(|_| ctx.0.principal());
        let must_change_password = full.is_some_and(|a| a.must_change_password);
        Self { user, csrf: ctx.0.csrf.clone(), principal, must_change_password }
    }

    /// Whether this page may offer `method` on `path` to its user: what the policy layer will
    /// decide when it is followed (see `crate::policy::allows`). A user who must change their
    /// password is offered nothing but that page until they have.
    pub fn can(&self, method: &str, path: impl AsRef<str>) -> bool {
        let path = path.as_ref();
        if self.must_change_password && path != "/account/password" {
            return crate::policy::route_of(method, path)
                .is_some_and(|r| r.permission == nimo_domain::access::Permission::Public);
        }
        crate::policy::allows(self.principal.as_ref(), method, path)
    }

    /// The menu: the links of the frame this user may follow.
    pub fn menu(&self) -> Vec<MenuLink> {
        if self.principal.is_none() {
            return Vec::new();
        }
        MENU.iter().filter(|(href, _)| self.can("GET", href)).map(|(href, label)| MenuLink { href, label }).collect()
    }

    /// Where users get the source of the version they are using (AGPL-3.0 §13): the footer's link.
    pub fn source_url(&self) -> &'static str {
        SOURCE_URL.get().map_or(DEFAULT_SOURCE_URL, String::as_str)
    }

    /// The running version, shown beside the source link.
    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}
