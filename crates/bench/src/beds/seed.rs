//! The bed bench's data: synthetic hospitals spread over the 23 wards of Tokyo (five wards each,
//! free beds 0–4 posted at different times, some stale), through the store's own API, and the
//! accounts with API tokens that the requests authenticate with.

use super::BedSizes;
use nimo_domain::access::{Role, Scope};
use nimo_domain::beds::{AdmissionType, Sex, TOKYO_WARD_CENTRES, WardType};
use nimo_store::Db;
use nimo_store::beds::{self, Hospital, Ward};

/// Seeds `sizes.hospitals` hospitals; the race ward gets `sizes.hold_beds` free beds. Returns how
/// many hospitals and wards the database holds.
pub(super) async fn seed(db: &Db, sizes: BedSizes, race_ward: &str, now: i64) -> anyhow::Result<(i64, i64)> {
    let kinds = [WardType::Kyukyu, WardType::Kyuseiki, WardType::Heisa, WardType::Kaiho, WardType::Ninchisho];
    let sexes = [Sex::Mixed, Sex::Male, Sex::Female, Sex::Mixed, Sex::Mixed];
    for index in 0..sizes.hospitals {
        let (code, _, lat, lon) = TOKYO_WARD_CENTRES[index % TOKYO_WARD_CENTRES.len()];
        let spread = (index / TOKYO_WARD_CENTRES.len()) as f64 * 0.002;
        let id = format!("h-bench-{index}");
        let hospital = Hospital {
            id: id.clone(),
            name: format!("ベンチ病院{index}（架空）"),
            phone: "03-0000-0000".into(),
            municipality_code: nimo_domain::MunicipalityCode::parse(code)?,
            area: "ベンチ".into(),
            latitude: lat + spread,
            longitude: lon - spread,
            emergency: index % 3 == 0,
            okyu_designated: index % 2 == 0,
            physical_care: index % 5 == 0,
            sochi_designation: if index % 3 == 2 {
                nimo_domain::beds::SochiDesignation::None
            } else {
                nimo_domain::beds::SochiDesignation::Shitei
            },
            night_holiday: index % 4 != 3,
        };
        beds::upsert_hospital(db, &hospital, nimo_store::audit::AuditEvent::cli("hospital_admin")).await?;
        let mut postings = Vec::new();
        for w in 0..sizes.wards_per_hospital {
            let ward = Ward {
                id: format!("{id}-{w}"),
                hospital_id: id.clone(),
                name: format!("{w}病棟"),
                ward_type: kinds[w % kinds.len()],
                sex: sexes[w % sexes.len()],
                min_age: 16,
                max_age: 120,
                admissions: AdmissionType::ALL.to_vec(),
                seclusion_rooms: 2,
            };
            beds::upsert_ward(db, &ward, now, nimo_store::audit::AuditEvent::cli("hospital_admin")).await?;
            postings.push((ward.id, ((index + w) % 5) as i64));
        }
        let age = if index % 10 == 0 { 8 * 3600 } else { (index % 60) as i64 * 60 };
        beds::post_many_at(db, Some(&id), &postings, "cli", "cli", now - age).await?;
    }
    beds::post_availability_at(db, race_ward, sizes.hold_beds, "cli", "cli", now).await?;
    Ok(beds::counts(db).await?)
}

/// An account with a second factor and `count` API tokens of it.
pub(super) async fn tokens(
    db: &Db,
    login: &str,
    role: Role,
    scope: Scope,
    count: usize,
    now: i64,
) -> anyhow::Result<Vec<String>> {
    let new = nimo_store::accounts::NewUser {
        login,
        display_name: "ベンチ 職員",
        role,
        scope,
        password: "ベンチマーク用の長いパスフレーズです",
        must_change_password: false,
    };
    let audit = nimo_store::audit::AuditEvent::cli("user_admin").with_detail("create");
    let user = nimo_store::accounts::create_user(db, &new, audit).await?;
    let enrolment = nimo_store::accounts::begin_totp_enrolment(
        db,
        user.id,
        nimo_store::audit::AuditEvent::cli("totp_enrolment_started"),
    )
    .await?;
    let code = nimo_store::accounts::code_at(&enrolment.secret_base32, time::OffsetDateTime::now_utc())?;
    nimo_store::accounts::confirm_totp_enrolment(
        db,
        user.id,
        &code,
        nimo_store::audit::AuditEvent::cli("totp_enrolled"),
    )
    .await?;
    let mut tokens = Vec::new();
    for _ in 0..count {
        let audit = nimo_store::audit::AuditEvent::cli("token_create");
        tokens.push(nimo_store::tokens::create_token(db, user.id, "bench", now, audit).await?);
    }
    Ok(tokens)
}
