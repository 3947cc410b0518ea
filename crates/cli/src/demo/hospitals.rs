//! `nimo demo`'s synthetic hospitals and wards for the bed finder (names marked 架空), with
//! free beds posted at different times; the demo hospital account's 措置 ward is fresh. Their
//! designations show each case: 国等の設置, 指定病院, neither (not offered for 措置), hospitals
//! that take no 夜間・休日 admissions, and wards with and without 保護室.

use super::DEMO_HOSPITAL;
use anyhow::Result;
use nimo_store::Db;

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

/// The hospitals of the demo that take no admissions in the 夜間・休日 band.
const DAYTIME_ONLY: [&str; 3] = ["h-meguro-2", "h-nakano-1", "h-nerima-1"];

/// Each demo hospital's designation for 措置 (法29条1項, 19条の8): two 国等の設置, one that is
/// neither (自由が丘, whose A病棟 lists 措置 but is not offered for it), the rest 指定病院.
fn sochi_designation(id: &str) -> nimo_domain::beds::SochiDesignation {
    use nimo_domain::beds::SochiDesignation;
    match id {
        "h-setagaya-1" | "h-itabashi-1" => SochiDesignation::Kokuto,
        "h-meguro-2" | "h-ota-1" => SochiDesignation::None,
        _ => SochiDesignation::Shitei,
    }
}

/// The 保護室 of a demo ward by its type.
fn seclusion_rooms(kind: nimo_domain::beds::WardType) -> i64 {
    use nimo_domain::beds::WardType;
    match kind {
        WardType::Kyukyu => 4,
        WardType::Kyuseiki | WardType::Heisa | WardType::Gappeisho => 2,
        _ => 0,
    }
}

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
            sochi_designation: sochi_designation(id),
            night_holiday: !DAYTIME_ONLY.contains(id),
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
                seclusion_rooms: seclusion_rooms(kind),
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
            let seclusion = (seed as i64 % 3).min(seclusion_rooms(kind));
            beds::post_ward_at(db, &ward_id, free, Some(seclusion), "cli", "cli", now - age).await?;
            wards += 1;
        }
    }
    // Who asks, as the hospitals see it: 目黒区's 保健所 and an office number to call back.
    let meguro = nimo_domain::MunicipalityCode::parse("131105")?;
    let event = nimo_store::audit::AuditEvent::cli("health_centre_set").with_detail("demo");
    nimo_store::municipalities::set_health_centre(db, &meguro, "目黒区保健所（架空）", "03-0000-2001", event).await?;
    Ok((HOSPITALS.len(), wards))
}
