//! What an API token may be used for: the scopes chosen when it is made, each the narrow right to
//! one kind of `/api/v1` operation, and the token lifetimes nimo allows.
//!
//! A request made with a token needs both the user's role permission (checked by
//! [`crate::access::authorize`], as for a session) and the token's scope for the operation: a
//! token never does more than its user may, and only what it was made for.

use crate::access::{Permission, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The lifetime of a token when none is chosen.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// The longest lifetime a token may have.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// One right a token may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    /// `sheets:read`: read a 自治体情報シート as JSON.
    #[serde(rename = "sheets:read")]
    SheetsRead,
    /// `beds:read`: search the bed finder.
    #[serde(rename = "beds:read")]
    BedsRead,
    /// `beds:write`: post a ward's free beds.
    #[serde(rename = "beds:write")]
    BedsWrite,
    /// `holds:write`: place a hold on a bed.
    #[serde(rename = "holds:write")]
    HoldsWrite,
    /// `holds:answer`: accept or decline a hold on the hospital's ward.
    #[serde(rename = "holds:answer")]
    HoldsAnswer,
    /// `council:read`: read the 協議の場's meetings, decisions and action items.
    #[serde(rename = "council:read")]
    CouncilRead,
    /// `directory:read`: search and read the resource directory.
    #[serde(rename = "directory:read")]
    DirectoryRead,
}

impl ApiScope {
    /// Every scope, in the order lists show them.
    pub const ALL: [ApiScope; 7] = [
        ApiScope::SheetsRead,
        ApiScope::BedsRead,
        ApiScope::BedsWrite,
        ApiScope::HoldsWrite,
        ApiScope::HoldsAnswer,
        ApiScope::CouncilRead,
        ApiScope::DirectoryRead,
    ];

    /// The scope's code (CLI, database, OpenAPI document, problem details).
    pub fn code(self) -> &'static str {
        match self {
            ApiScope::SheetsRead => "sheets:read",
            ApiScope::BedsRead => "beds:read",
            ApiScope::BedsWrite => "beds:write",
            ApiScope::HoldsWrite => "holds:write",
            ApiScope::HoldsAnswer => "holds:answer",
            ApiScope::CouncilRead => "council:read",
            ApiScope::DirectoryRead => "directory:read",
        }
    }

    /// The scope named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        ApiScope::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The scope as users read it.
    pub fn label(self) -> &'static str {
        match self {
            ApiScope::SheetsRead => "自治体情報シートの取得",
            ApiScope::BedsRead => "空床検索",
            ApiScope::BedsWrite => "空床数の登録",
            ApiScope::HoldsWrite => "仮押さえ",
            ApiScope::HoldsAnswer => "仮押さえへの回答（受入・辞退）",
            ApiScope::CouncilRead => "協議の場の会議・決定事項・対応事項の取得",
            ApiScope::DirectoryRead => "社会資源名簿の検索・取得",
        }
    }

    /// The role permission the scope's operations need as well.
    pub fn permission(self) -> Permission {
        match self {
            ApiScope::SheetsRead => Permission::SheetRead,
            ApiScope::BedsRead => Permission::BedSearch,
            ApiScope::HoldsWrite => Permission::BedHold,
            ApiScope::BedsWrite | ApiScope::HoldsAnswer => Permission::WardUpdate,
            ApiScope::CouncilRead => Permission::CouncilRead,
            ApiScope::DirectoryRead => Permission::DirectoryRead,
        }
    }

    /// The scopes a role can use at all (a token of the role is offered only these).
    pub fn for_role(role: Role) -> Vec<ApiScope> {
        ApiScope::ALL.into_iter().filter(|s| role.grants(s.permission())).collect()
    }

    /// A list of scopes as stored: their codes separated by spaces, in [`ApiScope::ALL`] order.
    pub fn join(scopes: &[ApiScope]) -> String {
        let mut sorted = scopes.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.iter().map(|s| s.code()).collect::<Vec<_>>().join(" ")
    }

    /// The scopes of a stored list; `None` if a code is unknown.
    pub fn split(stored: &str) -> Option<Vec<ApiScope>> {
        stored.split_whitespace().map(ApiScope::parse).collect()
    }
}

impl fmt::Display for ApiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_and_the_stored_list_round_trips() {
        for scope in ApiScope::ALL {
            assert_eq!(ApiScope::parse(scope.code()), Some(scope));
            assert_eq!(serde_json::to_value(scope).unwrap(), scope.code());
        }
        let stored = ApiScope::join(&[ApiScope::HoldsWrite, ApiScope::BedsRead, ApiScope::BedsRead]);
        assert_eq!(stored, "beds:read holds:write");
        assert_eq!(ApiScope::split(&stored), Some(vec![ApiScope::BedsRead, ApiScope::HoldsWrite]));
        assert_eq!(ApiScope::split("beds:read admin"), None);
    }

    #[test]
    fn a_role_is_offered_only_the_scopes_its_permissions_allow() {
        assert_eq!(
            ApiScope::for_role(Role::Staff),
            vec![
                ApiScope::SheetsRead,
                ApiScope::BedsRead,
                ApiScope::HoldsWrite,
                ApiScope::CouncilRead,
                ApiScope::DirectoryRead
            ]
        );
        assert_eq!(ApiScope::for_role(Role::HospitalStaff), vec![ApiScope::BedsWrite, ApiScope::HoldsAnswer]);
        assert_eq!(
            ApiScope::for_role(Role::SystemAdmin),
            vec![ApiScope::SheetsRead, ApiScope::CouncilRead, ApiScope::DirectoryRead]
        );
        assert_eq!(
            ApiScope::for_role(Role::CouncilMember),
            vec![ApiScope::SheetsRead, ApiScope::CouncilRead, ApiScope::DirectoryRead]
        );
    }
}
