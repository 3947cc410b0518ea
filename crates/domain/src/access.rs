//! Access control as data and one pure decision: roles, their scopes, account states, the
//! permissions a route can ask for, and [`authorize`], which denies unless everything allows.
//!
//! The web layer declares one [`Permission`] per route in its policy table and asks
//! [`authorize`] with the signed-in [`Principal`] (or none) and the scope of the record the
//! request touches. Checking the role but not the account state or the record's scope is the
//! classic hole in systems like this one; here all three are one function.

use crate::municipality::MunicipalityCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a user is, which decides what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// システム管理者: accounts, audit, every municipality's sheets; no case records.
    SystemAdmin,
    /// 保健所・市区町村職員 (保健師, PSW): their municipality (and optionally one 地区).
    Staff,
    /// 病院職員: their own hospital's wards only (bed finder).
    HospitalStaff,
    /// 協議の場の構成員: read-only aggregates of their municipality, no personal data.
    CouncilMember,
}

impl Role {
    /// Every role, in the order tables list them.
    pub const ALL: [Role; 4] = [Role::SystemAdmin, Role::Staff, Role::HospitalStaff, Role::CouncilMember];

    /// The role's code in the CLI, the database and the policy table.
    pub fn code(self) -> &'static str {
        match self {
            Role::SystemAdmin => "admin",
            Role::Staff => "staff",
            Role::HospitalStaff => "hospital",
            Role::CouncilMember => "council",
        }
    }

    /// The role named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The role as staff read it.
    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "システム管理者",
            Role::Staff => "保健所・市区町村職員",
            Role::HospitalStaff => "病院職員",
            Role::CouncilMember => "協議の場 構成員（閲覧のみ）",
        }
    }

    /// Whether the role can ever see personal data, and so must sign in with a second factor.
    /// The administrator manages the accounts of those who can, so it is held to the same bar.
    pub fn requires_two_factor(self) -> bool {
        !matches!(self, Role::CouncilMember)
    }

    /// Whether the role holds a permission at all (before account state and scope).
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            Public | SignedIn => true,
            SheetRead => matches!(self, Role::SystemAdmin | Role::Staff | Role::CouncilMember),
            SheetWrite | SheetImport => matches!(self, Role::SystemAdmin | Role::Staff),
            UserAdmin | AuditRead => self == Role::SystemAdmin,
            BedSearch | BedHold => self == Role::Staff,
            WardUpdate => self == Role::HospitalStaff,
            BedStats => matches!(self, Role::SystemAdmin | Role::Staff | Role::CouncilMember),
            // Case records are personal data: staff only, never the administrator or the council.
            CaseRead | CaseWrite => self == Role::Staff,
            // The 地区 and who is in charge: no personal data. Managing them also needs a
            // municipality-wide scope (see `authorize`).
            DistrictRead | DistrictManage => matches!(self, Role::SystemAdmin | Role::Staff),
            // 市町村長同意's decision is the 区's own act: staff only, and (see `authorize`) only
            // those with a municipality-wide scope, whom the 区 makes its deciding officials.
            ConsentDecide => self == Role::Staff,
            // Moving a legal clock's deadline (coded reason, audited): the administrator only. The
            // move names the record by number, rule and start, never the person.
            ClockMove => self == Role::SystemAdmin,
            // The network's PDCA (普及啓発 events, 構築推進事業 actions): staff of the municipality
            // edit; 協議の場 members and the administrator read them with `SheetRead`.
            NetworkWrite => self == Role::Staff,
            // The 協議の場's bodies, meetings, decisions and action items: no personal data. The
            // council reads them; staff with a municipality-wide scope (see `authorize`) keep them.
            CouncilRead => matches!(self, Role::SystemAdmin | Role::Staff | Role::CouncilMember),
            CouncilWrite => self == Role::Staff,
            // The resource directory holds organisations, no personal data: the council reads it;
            // staff keep it (the administrator reads, as it reads the sheets).
            DirectoryRead => matches!(self, Role::SystemAdmin | Role::Staff | Role::CouncilMember),
            DirectoryWrite => self == Role::Staff,
            // An active account of such a role is fully signed in with its second factor.
            TokenCreate => self.requires_two_factor(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a route needs. Routes declare exactly one; a route without a declaration is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Anyone, signed in or not (login page, assets, health check).
    Public,
    /// Any active, fully signed-in account (logout, own password, own second factor).
    SignedIn,
    /// Read a 自治体情報シート and its exports, and what feeds it without personal data: 普及啓発
    /// events, 構築推進事業 actions, the schedule's calendar and its iCalendar feed.
    SheetRead,
    /// Edit a sheet, start one, copy it to the next year.
    SheetWrite,
    /// Import a sheet or its figures from a file.
    SheetImport,
    /// Manage accounts.
    UserAdmin,
    /// Read and export the audit log.
    AuditRead,
    /// Search the bed finder (staff).
    BedSearch,
    /// Place a hold on a ward's bed (staff).
    BedHold,
    /// Post a ward's free beds and answer its holds (hospital staff, own hospital only).
    WardUpdate,
    /// Read the placement-time statistics (aggregates, no case data).
    BedStats,
    /// Read case records (people, 23条通報, visits, plans): personal data.
    CaseRead,
    /// Take in and move case records.
    CaseWrite,
    /// See a municipality's 地区 and the staff in charge of each.
    DistrictRead,
    /// Add, rename and switch off 地区 and put staff in charge of them: the administrator and
    /// staff with a municipality-wide scope (not a 地区-scoped 保健師).
    DistrictManage,
    /// Decide a 市町村長同意 or its renewal (同意・不同意): staff with a municipality-wide scope, whom
    /// the 区 authorises to decide for the 区長 (専決); a 地区-scoped 保健師 records the request, the
    /// checks and the visits (`CaseWrite`) but does not decide.
    ConsentDecide,
    /// Move a legal clock's deadline with a coded reason (the administrator only; audited).
    ClockMove,
    /// Record 普及啓発 events and move 構築推進事業 actions (staff of the municipality).
    NetworkWrite,
    /// Read the bodies of the network (協議の場, 部会, 連絡会), their meetings, decisions and
    /// action items (no personal data; members' contact details stay with staff).
    CouncilRead,
    /// Keep those records: staff with a municipality-wide scope.
    CouncilWrite,
    /// Read the resource directory (社会資源名簿) and its files.
    DirectoryRead,
    /// Add, edit and import the resource directory's organisations (staff).
    DirectoryWrite,
    /// Make an API token in the UI: an account whose role signs in with a second factor (so
    /// that the session making the token has passed it; a token stands for a full sign-in).
    TokenCreate,
}

impl Permission {
    /// Every permission, in the order tables list them.
    pub const ALL: [Permission; 23] = [
        Permission::Public,
        Permission::SignedIn,
        Permission::SheetRead,
        Permission::SheetWrite,
        Permission::SheetImport,
        Permission::UserAdmin,
        Permission::AuditRead,
        Permission::BedSearch,
        Permission::BedHold,
        Permission::WardUpdate,
        Permission::BedStats,
        Permission::CaseRead,
        Permission::CaseWrite,
        Permission::DistrictRead,
        Permission::DistrictManage,
        Permission::ConsentDecide,
        Permission::ClockMove,
        Permission::NetworkWrite,
        Permission::CouncilRead,
        Permission::CouncilWrite,
        Permission::DirectoryRead,
        Permission::DirectoryWrite,
        Permission::TokenCreate,
    ];

    /// The permission's code in the policy table.
    pub fn code(self) -> &'static str {
        match self {
            Permission::Public => "public",
            Permission::SignedIn => "signed_in",
            Permission::SheetRead => "sheet.read",
            Permission::SheetWrite => "sheet.write",
            Permission::SheetImport => "sheet.import",
            Permission::UserAdmin => "user.admin",
            Permission::AuditRead => "audit.read",
            Permission::BedSearch => "bed.search",
            Permission::BedHold => "bed.hold",
            Permission::WardUpdate => "ward.update",
            Permission::BedStats => "bed.stats",
            Permission::CaseRead => "case.read",
            Permission::CaseWrite => "case.write",
            Permission::DistrictRead => "district.read",
            Permission::DistrictManage => "district.manage",
            Permission::ConsentDecide => "consent.decide",
            Permission::ClockMove => "clock.move",
            Permission::NetworkWrite => "network.write",
            Permission::CouncilRead => "council.read",
            Permission::CouncilWrite => "council.write",
            Permission::DirectoryRead => "directory.read",
            Permission::DirectoryWrite => "directory.write",
            Permission::TokenCreate => "token.create",
        }
    }

    /// The roles that hold it, for the printed policy table.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| r.grants(self)).collect()
    }
}

/// Where an account may act. Staff and council members are tied to a municipality (staff
/// optionally to one 地区 of it); hospital staff to one hospital; the administrator to none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scope {
    /// The municipality (地方公共団体コード).
    pub municipality: Option<MunicipalityCode>,
    /// The 地区 within it (保健師 地区担当制).
    pub district: Option<String>,
    /// The hospital (bed finder), by its id.
    pub hospital: Option<String>,
}

impl Scope {
    /// Checks that a scope fits a role: what each role needs, and nothing it may not have.
    pub fn check_for(&self, role: Role) -> Result<(), ScopeError> {
        let fits = match role {
            Role::SystemAdmin => *self == Scope::default(),
            Role::Staff => self.municipality.is_some() && self.hospital.is_none(),
            Role::CouncilMember => self.municipality.is_some() && self.district.is_none() && self.hospital.is_none(),
            Role::HospitalStaff => self.hospital.is_some() && self.municipality.is_none() && self.district.is_none(),
        };
        if fits { Ok(()) } else { Err(ScopeError { role }) }
    }
}

/// A scope that does not fit its role (see [`Scope::check_for`]); the role says what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the scope does not fit the role {}", role.code())]
pub struct ScopeError {
    /// The role the scope was checked for.
    pub role: Role,
}

/// The state of an account, checked on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Signed in with every factor the role needs.
    Active,
    /// Switched off by an administrator.
    Disabled,
    /// Password accepted, but the role needs a second factor that is not yet enrolled.
    TwoFactorPending,
}

impl AccountState {
    /// Every state, for tests and tables.
    pub const ALL: [AccountState; 3] = [AccountState::Active, AccountState::Disabled, AccountState::TwoFactorPending];
}

/// The signed-in user a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account's id.
    pub user_id: i64,
    /// Its role.
    pub role: Role,
    /// Where it may act.
    pub scope: Scope,
    /// Its state at the time of the request.
    pub state: AccountState,
}

/// The scope of what a request touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing in particular (lists, the user's own settings, admin pages).
    Nothing,
    /// A municipality's records (its sheets; later its cases).
    Municipality(MunicipalityCode),
    /// A record of one 地区 of a municipality.
    District(MunicipalityCode, String),
    /// A hospital's records (its wards and holds).
    Hospital(String),
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// Nobody is signed in: send to the login page (401/redirect).
    SignInRequired,
    /// The account may not act now (disabled, second factor pending): 403.
    AccountState(AccountState),
    /// The role does not hold the permission: 403.
    Role,
    /// The role holds it, but not for this municipality, 地区 or hospital: 403 (or 404, to not
    /// reveal that the record exists).
    Scope,
}

/// Decides whether a principal may use a permission on a target. Denies unless the permission
/// is public, or an active account's role holds it and the target lies within its scope.
pub fn authorize(principal: Option<&Principal>, permission: Permission, target: &Target) -> Result<(), Denial> {
    if permission == Permission::Public {
        return Ok(());
    }
    let principal = principal.ok_or(Denial::SignInRequired)?;
    if principal.state != AccountState::Active {
        return Err(Denial::AccountState(principal.state));
    }
    if !principal.role.grants(permission) {
        return Err(Denial::Role);
    }
    let whole_municipality =
        matches!(permission, Permission::DistrictManage | Permission::ConsentDecide | Permission::CouncilWrite);
    if whole_municipality && principal.scope.district.is_some() {
        return Err(Denial::Scope);
    }
    if within_scope(principal, target) { Ok(()) } else { Err(Denial::Scope) }
}

fn within_scope(principal: &Principal, target: &Target) -> bool {
    let scope = &principal.scope;
    match (principal.role, target) {
        (_, Target::Nothing) => true,
        (Role::SystemAdmin, Target::Municipality(_) | Target::District(..)) => true,
        (Role::SystemAdmin, Target::Hospital(_)) => false,
        (Role::Staff | Role::CouncilMember, Target::Municipality(code)) => scope.municipality.as_ref() == Some(code),
        (Role::Staff | Role::CouncilMember, Target::District(code, district)) => {
            scope.municipality.as_ref() == Some(code) && scope.district.as_ref().is_none_or(|own| own == district)
        }
        (Role::HospitalStaff, Target::Hospital(id)) => scope.hospital.as_ref() == Some(id),
        (Role::HospitalStaff, _) | (Role::Staff | Role::CouncilMember, Target::Hospital(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(text: &str) -> MunicipalityCode {
        MunicipalityCode::parse(text).unwrap()
    }

    fn staff(municipality: &str, district: Option<&str>) -> Principal {
        Principal {
            user_id: 1,
            role: Role::Staff,
            scope: Scope {
                municipality: Some(code(municipality)),
                district: district.map(str::to_string),
                hospital: None,
            },
            state: AccountState::Active,
        }
    }

    #[test]
    fn nobody_signed_in_gets_only_public_routes() {
        for permission in Permission::ALL {
            let decision = authorize(None, permission, &Target::Nothing);
            assert_eq!(decision.is_ok(), permission == Permission::Public, "{permission:?}");
        }
    }

    #[test]
    fn staff_edit_their_own_municipality_only() {
        let meguro = staff("131105", None);
        assert_eq!(authorize(Some(&meguro), Permission::SheetWrite, &Target::Municipality(code("131105"))), Ok(()));
        assert_eq!(
            authorize(Some(&meguro), Permission::SheetWrite, &Target::Municipality(code("131016"))),
            Err(Denial::Scope)
        );
        assert_eq!(authorize(Some(&meguro), Permission::UserAdmin, &Target::Nothing), Err(Denial::Role));
    }

    #[test]
    fn a_district_nurse_sees_only_her_district() {
        let nurse = staff("131105", Some("東部"));
        let target = |d: &str| Target::District(code("131105"), d.to_string());
        assert_eq!(authorize(Some(&nurse), Permission::SheetRead, &target("東部")), Ok(()));
        assert_eq!(authorize(Some(&nurse), Permission::SheetRead, &target("西部")), Err(Denial::Scope));
        let whole_ward = staff("131105", None);
        assert_eq!(authorize(Some(&whole_ward), Permission::SheetRead, &target("西部")), Ok(()));
    }

    #[test]
    fn only_staff_see_case_records_and_only_in_their_district() {
        let target = |district: &str| Target::District(code("131105"), district.into());
        let nurse = staff("131105", Some("east"));
        assert_eq!(authorize(Some(&nurse), Permission::CaseRead, &target("east")), Ok(()));
        assert_eq!(authorize(Some(&nurse), Permission::CaseWrite, &target("west")), Err(Denial::Scope));
        for role in [Role::SystemAdmin, Role::CouncilMember, Role::HospitalStaff] {
            assert!(!role.grants(Permission::CaseRead) && !role.grants(Permission::CaseWrite), "{role:?}");
        }
    }

    #[test]
    fn only_municipality_wide_staff_decide_a_mayors_consent() {
        let meguro = Target::District(code("131105"), "東部".into());
        assert_eq!(authorize(Some(&staff("131105", None)), Permission::ConsentDecide, &meguro), Ok(()));
        let nurse = staff("131105", Some("東部"));
        assert_eq!(authorize(Some(&nurse), Permission::ConsentDecide, &meguro), Err(Denial::Scope));
        assert_eq!(authorize(Some(&nurse), Permission::CaseWrite, &meguro), Ok(()));
        assert_eq!(authorize(Some(&staff("131016", None)), Permission::ConsentDecide, &meguro), Err(Denial::Scope));
        for role in [Role::SystemAdmin, Role::CouncilMember, Role::HospitalStaff] {
            assert!(!role.grants(Permission::ConsentDecide), "{role:?}");
        }
    }

    #[test]
    fn only_municipality_wide_staff_and_the_administrator_manage_districts() {
        let meguro = Target::Municipality(code("131105"));
        let whole_ward = staff("131105", None);
        assert_eq!(authorize(Some(&whole_ward), Permission::DistrictManage, &meguro), Ok(()));
        assert_eq!(
            authorize(Some(&whole_ward), Permission::DistrictManage, &Target::Municipality(code("131016"))),
            Err(Denial::Scope)
        );
        let nurse = staff("131105", Some("東部"));
        assert_eq!(authorize(Some(&nurse), Permission::DistrictManage, &meguro), Err(Denial::Scope));
        assert_eq!(authorize(Some(&nurse), Permission::DistrictRead, &meguro), Ok(()));
        let admin = Principal { role: Role::SystemAdmin, scope: Scope::default(), ..whole_ward.clone() };
        assert_eq!(authorize(Some(&admin), Permission::DistrictManage, &meguro), Ok(()));
        for role in [Role::CouncilMember, Role::HospitalStaff] {
            assert!(!role.grants(Permission::DistrictManage) && !role.grants(Permission::DistrictRead), "{role:?}");
        }
        let disabled = Principal { state: AccountState::Disabled, ..whole_ward };
        assert!(authorize(Some(&disabled), Permission::DistrictManage, &meguro).is_err());
    }

    #[test]
    fn only_the_administrator_moves_a_clock_deadline() {
        assert_eq!(Permission::ClockMove.roles(), vec![Role::SystemAdmin]);
        let meguro = Target::Municipality(code("131105"));
        let whole_ward = staff("131105", None);
        assert_eq!(authorize(Some(&whole_ward), Permission::ClockMove, &meguro), Err(Denial::Role));
        let admin = Principal { role: Role::SystemAdmin, scope: Scope::default(), ..whole_ward };
        assert_eq!(authorize(Some(&admin), Permission::ClockMove, &meguro), Ok(()));
        let disabled = Principal { state: AccountState::Disabled, ..admin };
        assert!(authorize(Some(&disabled), Permission::ClockMove, &meguro).is_err());
    }

    #[test]
    fn council_members_read_but_never_write() {
        let member = Principal { role: Role::CouncilMember, ..staff("131105", None) };
        let meguro = Target::Municipality(code("131105"));
        assert_eq!(authorize(Some(&member), Permission::SheetRead, &meguro), Ok(()));
        assert_eq!(authorize(Some(&member), Permission::SheetWrite, &meguro), Err(Denial::Role));
        assert!(!Role::CouncilMember.requires_two_factor());
    }

    #[test]
    fn hospital_staff_act_for_their_hospital_only() {
        let nurse = Principal {
            user_id: 2,
            role: Role::HospitalStaff,
            scope: Scope { hospital: Some("h1".into()), ..Scope::default() },
            state: AccountState::Active,
        };
        assert_eq!(authorize(Some(&nurse), Permission::SignedIn, &Target::Hospital("h1".into())), Ok(()));
        assert_eq!(authorize(Some(&nurse), Permission::SignedIn, &Target::Hospital("h2".into())), Err(Denial::Scope));
        assert_eq!(
            authorize(Some(&nurse), Permission::SheetRead, &Target::Municipality(code("131105"))),
            Err(Denial::Role)
        );
    }

    #[test]
    fn hospital_staff_update_only_their_own_wards_and_staff_search_and_hold() {
        let nurse = Principal {
            user_id: 3,
            role: Role::HospitalStaff,
            scope: Scope { hospital: Some("h-meguro-1".into()), ..Scope::default() },
            state: AccountState::Active,
        };
        let own = Target::Hospital("h-meguro-1".into());
        let other = Target::Hospital("h-setagaya-1".into());
        assert_eq!(authorize(Some(&nurse), Permission::WardUpdate, &own), Ok(()));
        assert_eq!(authorize(Some(&nurse), Permission::WardUpdate, &other), Err(Denial::Scope));
        assert_eq!(authorize(Some(&nurse), Permission::BedHold, &Target::Nothing), Err(Denial::Role));
        let meguro = staff("131105", None);
        assert_eq!(authorize(Some(&meguro), Permission::BedSearch, &Target::Nothing), Ok(()));
        assert_eq!(authorize(Some(&meguro), Permission::BedHold, &Target::Nothing), Ok(()));
        assert_eq!(authorize(Some(&meguro), Permission::WardUpdate, &own), Err(Denial::Role));
        assert_eq!(Permission::BedStats.roles(), vec![Role::SystemAdmin, Role::Staff, Role::CouncilMember]);
    }

    #[test]
    fn scopes_must_fit_their_role() {
        assert!(Scope::default().check_for(Role::SystemAdmin).is_ok());
        assert!(Scope::default().check_for(Role::Staff).is_err());
        let meguro = Scope { municipality: Some(code("131105")), ..Scope::default() };
        assert!(meguro.check_for(Role::Staff).is_ok());
        assert!(meguro.check_for(Role::HospitalStaff).is_err());
        assert!(meguro.check_for(Role::SystemAdmin).is_err());
    }

    fn any_state() -> impl Strategy<Value = AccountState> {
        proptest::sample::select(AccountState::ALL.to_vec())
    }

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }

    fn any_permission() -> impl Strategy<Value = Permission> {
        proptest::sample::select(Permission::ALL.to_vec())
    }

    proptest! {
        /// Deny by default: a non-public permission is granted only to an active account whose
        /// role holds it.
        #[test]
        fn only_active_accounts_with_the_role_get_through(role in any_role(), state in any_state(), permission in any_permission()) {
            let principal = Principal { user_id: 1, role, scope: Scope::default(), state };
            let allowed = authorize(Some(&principal), permission, &Target::Nothing).is_ok();
            let expected = permission == Permission::Public || (state == AccountState::Active && role.grants(permission));
            prop_assert_eq!(allowed, expected);
        }
    }
}
