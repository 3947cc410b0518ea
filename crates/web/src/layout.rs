//! What every page's frame shows: the signed-in user and the CSRF token for its forms.

use crate::context::{Ctx, Stage};

/// The frame of a page (header menu, forms' CSRF field).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The signed-in user's name and role label, when fully signed in.
    pub user: Option<(String, String)>,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Layout {
    /// The frame for a request.
    pub fn of(ctx: &Ctx) -> Self {
        let user = ctx
            .0
            .account
            .as_ref()
            .filter(|a| a.stage == Stage::Full)
            .map(|a| (a.display_name.clone(), a.principal.role.label().to_string()));
        Self { user, csrf: ctx.0.csrf.clone() }
    }
}
