//! What a page may offer: the one answer to "may this user use this link, button or form?",
//! read from [`POLICY`](super::POLICY) itself. A concrete path (`/municipalities/131105/sheets/2022/copy`)
//! is matched against the table's patterns as the router matches it (a literal segment before a
//! `{name}` one), and the principal is asked through `authorize` with the scope the path names,
//! exactly as the policy layer will ask when the link is followed. Templates call it through
//! `Layout::can`; nothing in a template decides by role.
//!
//! The policy layer resolves `{ward}` and `{hold}` to their hospital in the database; a page
//! cannot, so here they stand for the viewer's own hospital: the only pages that name a ward or a
//! hold (the hospital's) list only the viewer's own. Checks that handlers make after the policy
//! (a case's 地区, the municipality named in a form's body) stay where they are: pages offer only
//! records the viewer's scope already selected.

use super::POLICY;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Permission, Principal, Target, authorize};

/// A route of the table that serves a path: its pattern, its permission, and the path's values
/// of the pattern's `{name}` segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// The pattern as registered (`/municipalities/{code}`).
    pub pattern: &'static str,
    /// The permission the route needs.
    pub permission: Permission,
    /// `{name}` → the path's segment.
    pub params: Vec<(&'static str, String)>,
}

/// The route of [`POLICY`] that serves `method` on `path` (query and fragment ignored), as the
/// router would pick it: of the patterns that match, the one whose first differing segment is
/// literal. `None` when no route serves it.
pub fn route_of(method: &str, path: &str) -> Option<RouteMatch> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(Vec<bool>, RouteMatch)> = None;
    for (m, pattern, permission) in POLICY {
        if !m.eq_ignore_ascii_case(method) {
            continue;
        }
        let parts: Vec<&'static str> = pattern.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literal = Vec::with_capacity(parts.len());
        let mut params = Vec::new();
        let mut fits = true;
        for (part, segment) in parts.iter().zip(&segments) {
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                if segment.is_empty() {
                    fits = false;
                    break;
                }
                literal.push(false);
                params.push((name, (*segment).to_string()));
            } else if part == segment {
                literal.push(true);
            } else {
                fits = false;
                break;
            }
        }
        if !fits {
            continue;
        }
        let found = RouteMatch { pattern, permission: *permission, params };
        if best.as_ref().is_none_or(|(score, _)| literal > *score) {
            best = Some((literal, found));
        }
    }
    best.map(|(_, found)| found)
}

/// Whether `principal` may use `method` on `path`: the route's permission on the scope its path
/// names (see the module doc for `{ward}` and `{hold}`). A path no route serves is refused, as
/// the policy layer refuses it.
pub fn allows(principal: Option<&Principal>, method: &str, path: &str) -> bool {
    let Some(route) = route_of(method, path) else { return false };
    let target = target_of(principal, &route.params);
    authorize(principal, route.permission, &target).is_ok()
}

/// The scope a path names, as `super::target_of` decides it for a request.
fn target_of(principal: Option<&Principal>, params: &[(&str, String)]) -> Target {
    for (name, value) in params {
        match *name {
            "code" => return MunicipalityCode::parse(value).map_or(Target::Nothing, Target::Municipality),
            "ward" | "hold" => {
                let own = principal.and_then(|p| p.scope.hospital.clone()).unwrap_or_default();
                return Target::Hospital(own);
            }
            _ => {}
        }
    }
    Target::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimo_domain::access::{AccountState, Role, Scope};

    fn principal(role: Role, municipality: Option<&str>) -> Principal {
        Principal {
            user_id: 1,
            role,
            scope: Scope {
                municipality: municipality.map(|m| MunicipalityCode::parse(m).unwrap()),
                district: None,
                hospital: (role == Role::HospitalStaff).then(|| "h1".to_string()),
            },
            state: AccountState::Active,
        }
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter_as_in_the_router() {
        let found = route_of("GET", "/municipalities/131105/cases/new").unwrap();
        assert_eq!(found.pattern, "/municipalities/{code}/cases/new");
        let found = route_of("GET", "/municipalities/131105/cases/12?x=1").unwrap();
        assert_eq!(found.pattern, "/municipalities/{code}/cases/{case_id}");
        assert_eq!(found.params, vec![("code", "131105".to_string()), ("case_id", "12".to_string())]);
        let found = route_of("POST", "/municipalities/131105/sheets/2022/figures.csv").unwrap();
        assert_eq!(found.permission, Permission::SheetImport);
        assert_eq!(route_of("GET", "/nowhere"), None);
        assert_eq!(route_of("DELETE", "/municipalities"), None);
    }

    #[test]
    fn what_is_offered_follows_role_and_scope() {
        let council = principal(Role::CouncilMember, Some("131105"));
        let staff = principal(Role::Staff, Some("131105"));
        let hospital = principal(Role::HospitalStaff, None);
        let edit = "/municipalities/131105/sheets/2022/edit/basic";
        assert!(allows(Some(&council), "GET", "/municipalities/131105/sheets/2022"));
        assert!(!allows(Some(&council), "GET", edit));
        assert!(!allows(Some(&council), "POST", "/municipalities/131105/sheets/2022/copy"));
        assert!(allows(Some(&staff), "GET", edit));
        assert!(!allows(Some(&staff), "GET", "/municipalities/131130/sheets/2022/edit/basic"));
        assert!(allows(Some(&hospital), "POST", "/hospital/wards/w1/availability"));
        assert!(!allows(Some(&staff), "POST", "/hospital/wards/w1/availability"));
        assert!(!allows(None, "GET", "/municipalities"));
        assert!(allows(None, "GET", "/login"));
        let mut disabled = staff.clone();
        disabled.state = AccountState::Disabled;
        assert!(!allows(Some(&disabled), "GET", edit));
    }
}
