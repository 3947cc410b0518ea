//! Accounts the store refuses to create, each with the rule it breaks (as a variant; the words a
//! person reads are web's).

use super::accounts::{PASSWORD, meguro};
use nimo_domain::access::{Role, Scope, ScopeError};
use nimo_domain::password::PasswordError::{Common, ContainsLogin, TooShort};
use nimo_store::accounts::{self, AccountError, NewUser};
use nimo_store::audit::AuditEvent;
use nimo_store::testing::{TestDb, backends};

/// Whether an error names the rule a case expects.
type Names = fn(&AccountError) -> bool;

#[tokio::test]
async fn invalid_accounts_are_refused_with_the_rule_named() {
    use AccountError::{InvalidDisplayName, InvalidLogin, InvalidScope, WeakPassword};
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let base = NewUser {
            login: "sato",
            display_name: "佐藤",
            role: Role::Staff,
            scope: meguro(),
            password: PASSWORD,
            must_change_password: false,
        };
        let cases: [(NewUser, Names); 9] = [
            (NewUser { scope: Scope::default(), ..base }, |e| {
                matches!(e, InvalidScope(ScopeError { role: Role::Staff }))
            }),
            (NewUser { role: Role::HospitalStaff, scope: meguro(), ..base }, |e| {
                matches!(e, InvalidScope(ScopeError { role: Role::HospitalStaff }))
            }),
            (NewUser { role: Role::SystemAdmin, scope: meguro(), ..base }, |e| {
                matches!(e, InvalidScope(ScopeError { role: Role::SystemAdmin }))
            }),
            (NewUser { login: "佐藤", scope: meguro(), ..base }, |e| matches!(e, InvalidLogin)),
            (NewUser { login: "ab", scope: meguro(), ..base }, |e| matches!(e, InvalidLogin)),
            (NewUser { display_name: " ", scope: meguro(), ..base }, |e| matches!(e, InvalidDisplayName)),
            (NewUser { password: "short", scope: meguro(), ..base }, |e| {
                matches!(e, WeakPassword(TooShort { chars: 5 }))
            }),
            (NewUser { password: "password1234", scope: meguro(), ..base }, |e| matches!(e, WeakPassword(Common))),
            (NewUser { password: "i-am-sato-at-work", scope: meguro(), ..base }, |e| {
                matches!(e, WeakPassword(ContainsLogin))
            }),
        ];
        for (new, expected) in cases {
            match accounts::create_user(&t.db, &new, AuditEvent::cli("user_admin")).await {
                Err(error) => assert!(expected(&error), "{backend:?}: {new:?} gave {error:?}"),
                Ok(user) => panic!("{backend:?}: {new:?} made {user:?}"),
            }
        }
        assert_eq!(accounts::count(&t.db).await.unwrap(), 0);
    }
}
