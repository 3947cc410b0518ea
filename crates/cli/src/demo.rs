//! `nimo demo`'s accounts: one per role, printed once on stderr when the demo starts (never
//! logged). Roles that need a second factor come enrolled: add the printed key to an
//! authenticator app, or sign in with one of the printed recovery codes.

use anyhow::{Context, Result};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::Db;
use nimo_store::accounts::{self, NewUser};

mod admissions;
mod consent;
mod council;
mod hospitals;
mod pdca;
pub use hospitals::create_beds;
pub use pdca::create_pdca;

/// One demo account as printed.
pub struct DemoAccount {
    pub role: Role,
    pub login: &'static str,
    pub password: String,
    pub totp_secret: Option<String>,
    pub recovery_codes: Vec<String>,
}

/// The demo hospital account's hospital (目黒みどり病院（架空）).
pub const DEMO_HOSPITAL: &str = "h-meguro-1";

/// Creates one account per role in an empty demo database.
pub async fn create_accounts(db: &Db) -> Result<Vec<DemoAccount>> {
    let meguro_code = MunicipalityCode::parse("131105")?;
    let meguro = || Some(meguro_code.clone());
    let accounts = [
        (Role::SystemAdmin, "demo-admin", "デモ 管理者", Scope::default()),
        (Role::Staff, "demo-hokenshi", "デモ 保健師（目黒区）", Scope { municipality: meguro(), ..Scope::default() }),
        (
            Role::Staff,
            "demo-chiku",
            "デモ 地区担当保健師（目黒区 東部）",
            Scope { municipality: meguro(), district: Some("東部".into()), ..Scope::default() },
        ),
        (
            Role::CouncilMember,
            "demo-kyogikai",
            "デモ 協議の場 委員",
            Scope { municipality: meguro(), ..Scope::default() },
        ),
        (
            Role::HospitalStaff,
            "demo-byoin",
            "デモ 病院職員（目黒みどり病院）",
            Scope { hospital: Some(DEMO_HOSPITAL.into()), ..Scope::default() },
        ),
        // A second municipality and a second hospital, to try what each account may not see.
        (
            Role::Staff,
            "demo-setagaya",
            "デモ 保健師（世田谷区）",
            Scope { municipality: Some(MunicipalityCode::parse("131121")?), ..Scope::default() },
        ),
        (
            Role::HospitalStaff,
            "demo-byoin2",
            "デモ 病院職員（世田谷さくら台病院）",
            Scope { hospital: Some("h-setagaya-1".into()), ..Scope::default() },
        ),
    ];
    let mut created = Vec::new();
    for (role, login, name, scope) in accounts {
        let password = accounts::temporary_password(login);
        // The demo prints its passwords to be used as they are: no change required.
        let new = NewUser { login, display_name: name, role, scope, password: &password, must_change_password: false };
        let event = nimo_store::audit::AuditEvent::cli("user_admin").with_detail("create");
        let user = accounts::create_user(db, &new, event)
            .await
            .with_context(|| format!("デモ用アカウント {login} を作成できません"))?;
        let (totp_secret, recovery_codes) = if role.requires_two_factor() {
            let enrolment = accounts::begin_totp_enrolment(
                db,
                user.id,
                nimo_store::audit::AuditEvent::cli("totp_enrolment_started"),
            )
            .await?;
            let code = accounts::code_at(&enrolment.secret_base32, time::OffsetDateTime::now_utc())?;
            let codes = accounts::confirm_totp_enrolment(
                db,
                user.id,
                &code,
                nimo_store::audit::AuditEvent::cli("totp_enrolled"),
            )
            .await?;
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

/// Fills the demo with one synthetic year of 目黒区 case records: the year the R4 sheet's
/// section 4 reports (令和3年度), so that its derived figures equal the seed's. The 東部 cases go
/// to the 地区担当 account, the others to the demo 保健師.
pub async fn fill_cases(db: &Db) -> Result<nimo_store::synthetic::Summary> {
    let nurse = accounts::find_by_login(db, "demo-hokenshi").await.context("デモ用の保健師がいません")?;
    let district_nurse = accounts::find_by_login(db, "demo-chiku").await.context("デモ用の地区担当がいません")?;
    let staffing = nimo_store::synthetic::Staffing {
        anywhere: vec![nurse.id],
        districts: vec![("東部".into(), district_nurse.id)],
    };
    create_districts(db, nurse.id, district_nurse.id).await?;
    let fy = nimo_domain::cases::outcomes_fiscal_year(nimo_domain::FiscalYear(2022));
    let summary = nimo_store::synthetic::meguro_year(db, "131105", fy, &staffing)
        .await
        .context("デモ用の事例を作成できません")?;
    eprintln!(
        "デモ用の事例（架空）: {}の23条通報 {} 件、訪問 {} 件、退院後支援計画 {} 件",
        fy.wareki(),
        summary.cases,
        summary.visits,
        summary.plans
    );
    let meetings = council::add_council(db).await?;
    eprintln!(
        "デモ用の協議の場（構成員は架空）: 会議 {meetings} 件（令和3年度・令和4年度）、第3節を会議の記録に結びつけました"
    );
    consent::add_consent(db, nurse.id).await?;
    eprintln!("デモ用の市町村長同意（架空）: 1 件（同意済、面会の期限が近い）");
    let admitted = admissions::fill_admissions(db, nurse.id, time::OffsetDateTime::now_utc()).await?;
    eprintln!("デモ用の入院（架空）: {admitted} 件（法定期限の超過・間近・進行中・停止を1件ずつ）");
    Ok(summary)
}

/// Fills the fictional 目黒区 resource directory (the bed finder's hospitals among it) and keeps
/// the sheet's entered value, with its reason, for a count the demo's records do not reproduce
/// (精神科病院の数: the demo has two fictional 目黒区 hospitals, the sheet says 1).
pub async fn create_directory(db: &Db, sheet: &nimo_domain::Sheet) -> Result<()> {
    use nimo_store::synthetic::directory;
    let records = directory::fill_meguro(db).await.context("デモ用の社会資源名簿を作成できません")?;
    let kept = directory::keep_sheet_values(db, sheet).await.context("デモ用の社会資源名簿を作成できません")?;
    eprintln!("社会資源名簿のデモデータ: 架空の {records} か所（シートの入力値を残した項目 {}）", kept.join(", "));
    Ok(())
}

/// Lists the demo's five 目黒区 地区: the 地区担当 account in charge (主担当) of 東部, the demo
/// 保健師 of the other four. Case figures do not depend on it.
async fn create_districts(db: &Db, nurse: i64, district_nurse: i64) -> Result<()> {
    use nimo_store::districts::{self, Duty};
    for name in nimo_store::synthetic::MEGURO_DISTRICTS {
        let audit = || nimo_store::audit::AuditEvent::cli("write");
        let id = districts::add(db, "131105", name, audit()).await.context("デモ用の地区を作成できません")?;
        let staff = if name == "東部" { district_nurse } else { nurse };
        districts::assign(db, "131105", id, staff, Duty::Main, "2021-04-01", audit())
            .await
            .context("デモ用の地区担当を登録できません")?;
    }
    Ok(())
}

/// `nimo synth`: `scale` times a 目黒区 year of synthetic records for a municipality and fiscal
/// year, assigned to that municipality's staff accounts (one is needed).
pub async fn synth(db: &Db, municipality: &str, fy: i32, scale: usize) -> Result<()> {
    let code = MunicipalityCode::parse(municipality)
        .map_err(|e| anyhow::anyhow!("地方公共団体コードが正しくありません: {e}"))?;
    let fy = nimo_domain::FiscalYear::new(fy).context("年度が範囲外です")?;
    let staff: Vec<i64> = accounts::list(db)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Staff && u.scope.municipality.as_ref() == Some(&code))
        .map(|u| u.id)
        .collect();
    anyhow::ensure!(
        !staff.is_empty(),
        "自治体 {code} の職員アカウントがありません。先に nimo user add で作成してください"
    );
    let started = std::time::Instant::now();
    let staffing = nimo_store::synthetic::Staffing { anywhere: staff, districts: Vec::new() };
    let summary = nimo_store::synthetic::year(
        db,
        code.as_str(),
        fy,
        &staffing,
        scale.max(1),
        u64::try_from(fy.year()).unwrap_or(0),
    )
    .await
    .context("架空の事例を作成できません")?;
    println!(
        "{} {}: 23条通報 {} 件、本人 {} 人、訪問 {} 件、退院後支援計画 {} 件（{:.1} 秒）",
        code,
        fy.wareki(),
        summary.cases,
        summary.people,
        summary.visits,
        summary.plans,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
