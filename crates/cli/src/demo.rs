//! `nimo demo`'s accounts: one per role, printed once on stderr when the demo starts (never
//! logged). Roles that need a second factor come enrolled: add the printed key to an
//! authenticator app, or sign in with one of the printed recovery codes.

use anyhow::{Context, Result};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::Db;
use nimo_store::accounts::{self, NewUser};

/// One demo account as printed.
pub struct DemoAccount {
    pub role: Role,
    pub login: &'static str,
    pub password: String,
    pub totp_secret: Option<String>,
    pub recovery_codes: Vec<String>,
}

/// The demo's hospital id (the bed finder's hospitals come with a later issue).
pub const DEMO_HOSPITAL: &str = "demo-hospital";

/// Creates one account per role in an empty demo database.
pub async fn create_accounts(db: &Db) -> Result<Vec<DemoAccount>> {
    let meguro = || Some(MunicipalityCode::parse("131105").expect("valid code"));
    let accounts = [
        (Role::SystemAdmin, "demo-admin", "デモ 管理者", Scope::default()),
        (Role::Staff, "demo-hokenshi", "デモ 保健師（目黒区）", Scope { municipality: meguro(), ..Scope::default() }),
        (
            Role::CouncilMember,
            "demo-kyogikai",
            "デモ 協議の場 委員",
            Scope { municipality: meguro(), ..Scope::default() },
        ),
        (
            Role::HospitalStaff,
            "demo-byoin",
            "デモ 病院職員",
            Scope { hospital: Some(DEMO_HOSPITAL.into()), ..Scope::default() },
        ),
    ];
    let mut created = Vec::new();
    for (role, login, name, scope) in accounts {
        let password = accounts::temporary_password(login);
        let new = NewUser { login, display_name: name, role, scope, password: &password };
        let user = accounts::create_user(db, &new)
            .await
            .with_context(|| format!("デモ用アカウント {login} を作成できません"))?;
        let (totp_secret, recovery_codes) = if role.requires_two_factor() {
            let enrolment = accounts::begin_totp_enrolment(db, user.id).await?;
            let code = accounts::code_at(&enrolment.secret_base32, time::OffsetDateTime::now_utc())?;
            let codes = accounts::confirm_totp_enrolment(db, user.id, &code).await?;
            (Some(enrolment.secret_base32), codes)
        } else {
            (None, Vec::new())
        };
        created.push(DemoAccount { role, login, password, totp_secret, recovery_codes });
    }
    Ok(created)
}

/// Prints the accounts for the person who started the demo (stderr only).
pub fn print_accounts(accounts: &[DemoAccount]) {
    eprintln!("デモ用アカウント（このデモ用データベースだけで有効。起動のたびに作り直します）:");
    for account in accounts {
        eprintln!("  {}: ログイン名 {} / パスワード {}", account.role.label(), account.login, account.password);
        if let Some(secret) = &account.totp_secret {
            eprintln!("    認証アプリのキー {secret}");
            eprintln!("    リカバリーコード（1回ずつ使えます） {}", account.recovery_codes.join(" "));
        }
    }
}
