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

/// The demo's synthetic hospitals (names marked 架空): id, name, phone, municipality code, 圏域,
/// latitude, longitude, 精神科救急, 応急入院指定, 身体合併症.
#[allow(clippy::type_complexity)]
const HOSPITALS: [(&str, &str, &str, &str, &str, f64, f64, bool, bool, bool); 12] = [
    (
        "h-meguro-1",
        "目黒みどり病院（架空）",
        "03-0000-1001",
        "131105",
        "区南西部",
        35.6330,
        139.6880,
        true,
        true,
        false,
    ),
    (
        "h-meguro-2",
        "自由が丘こころの森病院（架空）",
        "03-0000-1002",
        "131105",
        "区南西部",
        35.6070,
        139.6690,
        false,
        false,
        false,
    ),
    (
        "h-setagaya-1",
        "世田谷さくら台病院（架空）",
        "03-0000-1003",
        "131121",
        "区西南部",
        35.6460,
        139.6300,
        true,
        true,
        true,
    ),
    (
        "h-setagaya-2",
        "砧ひだまり病院（架空）",
        "03-0000-1004",
        "131121",
        "区西南部",
        35.6390,
        139.6010,
        false,
        true,
        false,
    ),
    (
        "h-shinagawa-1",
        "品川しおかぜ病院（架空）",
        "03-0000-1005",
        "131091",
        "区南部",
        35.6090,
        139.7300,
        true,
        false,
        true,
    ),
    ("h-ota-1", "大田なぎさ病院（架空）", "03-0000-1006", "131113", "区南部", 35.5670, 139.7100, false, true, false),
    (
        "h-shibuya-1",
        "渋谷けやき坂病院（架空）",
        "03-0000-1007",
        "131130",
        "区西南部",
        35.6620,
        139.6950,
        false,
        false,
        true,
    ),
    ("h-shinjuku-1", "新宿あおば病院（架空）", "03-0000-1008", "131041", "区西部", 35.6960, 139.7000, true, true, true),
    (
        "h-nakano-1",
        "中野つばさ病院（架空）",
        "03-0000-1009",
        "131148",
        "区西部",
        35.7100,
        139.6650,
        false,
        false,
        false,
    ),
    (
        "h-suginami-1",
        "杉並せせらぎ病院（架空）",
        "03-0000-1010",
        "131156",
        "区西部",
        35.6990,
        139.6350,
        true,
        true,
        false,
    ),
    (
        "h-nerima-1",
        "練馬みずき病院（架空）",
        "03-0000-1011",
        "131211",
        "区西北部",
        35.7380,
        139.6500,
        false,
        true,
        false,
    ),
    (
        "h-itabashi-1",
        "板橋ひかり病院（架空）",
        "03-0000-1012",
        "131199",
        "区西北部",
        35.7530,
        139.7080,
        true,
        false,
        true,
    ),
];

/// A ward of the demo: id suffix, name, type, sex, ages, admission types.
type WardPattern = (
    String,
    String,
    nimo_domain::beds::WardType,
    nimo_domain::beds::Sex,
    (i64, i64),
    Vec<nimo_domain::beds::AdmissionType>,
);

/// Adds the demo's hospitals and wards (about 40, with plausible free beds posted at different
/// times, some of them stale) to the bed finder.
pub async fn create_beds(db: &Db) -> Result<(usize, usize)> {
    use nimo_domain::beds::{AdmissionType, Sex, WardType};
    use nimo_store::beds;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let all = AdmissionType::ALL.to_vec();
    let without_sochi = vec![AdmissionType::IryoHogo, AdmissionType::Okyu, AdmissionType::Nini];
    let voluntary = vec![AdmissionType::IryoHogo, AdmissionType::Nini];
    // Ward patterns by position: suffix, name, type, sex, ages, admissions.
    let pattern = |suffix: &str, name: &str, kind, sex, ages, admissions: &Vec<AdmissionType>| -> WardPattern {
        (suffix.to_string(), name.to_string(), kind, sex, ages, admissions.clone())
    };
    let patterns = [
        pattern("a", "A病棟（精神科救急）", WardType::Kyukyu, Sex::Mixed, (16, 120), &all),
        pattern("b", "B病棟（急性期・男性）", WardType::Kyuseiki, Sex::Male, (18, 120), &without_sochi),
        pattern("c", "C病棟（閉鎖・女性）", WardType::Heisa, Sex::Female, (18, 120), &without_sochi),
        pattern("d", "D病棟（開放）", WardType::Kaiho, Sex::Mixed, (18, 120), &voluntary),
        pattern("e", "E病棟（認知症治療）", WardType::Ninchisho, Sex::Mixed, (50, 120), &voluntary),
    ];
    let mut wards = 0;
    for (index, (id, name, phone, code, area, lat, lon, emergency, okyu, physical)) in HOSPITALS.iter().enumerate() {
        let hospital = beds::Hospital {
            id: id.to_string(),
            name: name.to_string(),
            phone: phone.to_string(),
            municipality_code: nimo_domain::MunicipalityCode::parse(code)?,
            area: area.to_string(),
            latitude: *lat,
            longitude: *lon,
            emergency: *emergency,
            okyu_designated: *okyu,
            physical_care: *physical,
        };
        beds::upsert_hospital(db, &hospital, nimo_store::audit::AuditEvent::cli("hospital_admin")).await?;
        // Three of the five patterns each, chosen by the hospital's place in the list; 合併症 and
        // 児童思春期 wards where the hospital has them.
        let mut chosen: Vec<WardPattern> =
            patterns.iter().enumerate().filter(|(p, _)| (p + index) % 5 < 3).map(|(_, p)| p.clone()).collect();
        if *physical {
            chosen.push(pattern("f", "F病棟（身体合併症）", WardType::Gappeisho, Sex::Mixed, (16, 120), &all));
        }
        if index % 4 == 1 {
            chosen.push(pattern("g", "G病棟（児童思春期）", WardType::Jido, Sex::Mixed, (6, 17), &voluntary));
        }
        for (position, (suffix, ward_name, kind, sex, (min_age, max_age), admissions)) in chosen.into_iter().enumerate()
        {
            let ward_id = format!("{id}-{suffix}");
            let ward = beds::Ward {
                id: ward_id.clone(),
                hospital_id: id.to_string(),
                name: ward_name,
                ward_type: kind,
                sex,
                min_age,
                max_age,
                admissions,
            };
            beds::upsert_ward(db, &ward, now, nimo_store::audit::AuditEvent::cli("hospital_admin")).await?;
            // Free beds 0–3, posted between a few minutes and (for every seventh ward) a day ago;
            // the demo hospital account's wards have beds posted minutes ago, so that its 措置
            // ward (A病棟) comes first in a 措置 search from 目黒区 and the journey from a case
            // to an accepted hold runs in the demo.
            let seed = index * 7 + position * 3;
            let (free, age) = if *id == DEMO_HOSPITAL {
                (2 + position as i64 % 2, 5 * 60)
            } else {
                ((seed % 4) as i64, if seed % 7 == 0 { 26 * 3600 } else { ((seed % 11) as i64 + 1) * 9 * 60 })
            };
            beds::post_availability_at(db, &ward_id, free, "cli", "cli", now - age).await?;
            wards += 1;
        }
    }
    // Who asks, as the hospitals see it: 目黒区's 保健所 and an office number to call back.
    let meguro = nimo_domain::MunicipalityCode::parse("131105")?;
    let event = nimo_store::audit::AuditEvent::cli("health_centre_set").with_detail("demo");
    nimo_store::municipalities::set_health_centre(db, &meguro, "目黒区保健所（架空）", "03-0000-2001", event).await?;
    Ok((HOSPITALS.len(), wards))
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
    Ok(summary)
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
