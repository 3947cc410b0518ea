//! A fictional 目黒区 resource directory (every name marked 架空) for `nimo demo`, the tests and
//! the bench, and a directory of any size for the bench.
//!
//! Its counts are chosen to equal the 目黒区 R4 sheet's section 1 (令和4年7月時点): 保健所 1,
//! 一般相談支援事業所 7 and 特定相談支援事業所 88 (5 offices give both, 2 only 一般, 83 only 特定),
//! 基幹相談支援センター 1. Every hospital of the bed finder becomes a 精神科病院 record (those
//! outside 目黒区 as neighbouring resources, not counted); where the bed finder's 目黒区 hospitals
//! are not as many as the sheet's 精神科病院の数, the sheet's entered value is kept with its reason
//! ([`keep_sheet_values`]). 精神科病床数 is never counted (the bed finder knows free beds only).

use crate::audit::AuditEvent;
use crate::{Db, StoreError};
use nimo_domain::directory::{OrgType, Organisation, Specialty};

/// Places of 目黒区 that names are made of (fictional offices).
const PLACES: [(&str, &str); 12] = [
    ("中目黒", "なかめぐろ"),
    ("自由が丘", "じゆうがおか"),
    ("祐天寺", "ゆうてんじ"),
    ("学芸大学", "がくげいだいがく"),
    ("都立大学", "とりつだいがく"),
    ("目黒本町", "めぐろほんちょう"),
    ("駒場", "こまば"),
    ("碑文谷", "ひもんや"),
    ("洗足", "せんぞく"),
    ("大岡山", "おおおかやま"),
    ("青葉台", "あおばだい"),
    ("柿の木坂", "かきのきざか"),
];

/// Words that tell offices of one place apart.
const MOTTOS: [(&str, &str); 8] = [
    ("ひだまり", "ひだまり"),
    ("こもれび", "こもれび"),
    ("みなも", "みなも"),
    ("あおぞら", "あおぞら"),
    ("そよかぜ", "そよかぜ"),
    ("ともしび", "ともしび"),
    ("わかば", "わかば"),
    ("すずらん", "すずらん"),
];

fn record(reference: String, kind: OrgType, name: String, kana: String, n: usize) -> Organisation {
    let mut org = Organisation::empty(kind);
    org.reference = reference;
    org.name = name;
    org.name_kana = kana;
    let district = crate::synthetic::MEGURO_DISTRICTS[n % 5];
    org.area = format!("{district}地区");
    org.address = format!("東京都目黒区（架空）{}丁目{}番", n % 5 + 1, n % 20 + 1);
    org.phone = format!("03-0000-{:04}", 3000 + n);
    // Spread over 目黒区 (about 35.60–35.66 N, 139.66–139.71 E).
    let (lat, lon) = (35.60 + (n * 37 % 60) as f64 / 1000.0, 139.66 + (n * 53 % 50) as f64 / 1000.0);
    org.coordinates = Some((lat, lon));
    org
}

/// The fictional 目黒区 directory, linking the bed finder's hospitals (`hospitals`: id, 圏域).
pub fn meguro(hospitals: &[(String, String)]) -> Vec<Organisation> {
    let mut orgs = Vec::new();
    let mut add = |kind: OrgType, name: String, kana: String, tweak: &dyn Fn(&mut Organisation)| {
        let n = orgs.len();
        let mut org = record(format!("{}-{n:03}", kind.code()), kind, name, kana, n);
        tweak(&mut org);
        orgs.push(org);
    };
    let named = |i: usize, what: &str, what_kana: &str| {
        let (place, place_kana) = PLACES[i % PLACES.len()];
        let (motto, motto_kana) = MOTTOS[i / PLACES.len() % MOTTOS.len()];
        (format!("{place}{motto}{what}（架空）"), format!("{place_kana}{motto_kana}{what_kana}"))
    };
    add(OrgType::Hokenjo, "目黒区保健所（架空）".into(), "めぐろくほけんじょ".into(), &|o| {
        o.hours = "平日 8:30〜17:15".into()
    });
    add(
        OrgType::KikanSoudan,
        "目黒区基幹相談支援センター（架空）".into(),
        "めぐろくきかんそうだんしえんせんたー".into(),
        &|_| {},
    );
    for i in 0..90 {
        let (name, kana) = named(i, "相談支援事業所", "そうだんしえんじぎょうしょ");
        add(OrgType::SoudanShien, name, kana, &|o| {
            o.soudan_ippan = i < 7;
            o.soudan_tokutei = !(5..7).contains(&i);
        });
    }
    for (i, (kind, what, what_kana)) in [
        (OrgType::Clinic, "メンタルクリニック", "めんたるくりにっく"),
        (OrgType::Clinic, "内科クリニック", "ないかくりにっく"),
        (OrgType::Dental, "歯科医院", "しかいいん"),
        (OrgType::Pharmacy, "薬局", "やっきょく"),
        (OrgType::ChiikiKatsudo, "地域活動支援センター", "ちいきかつどうしえんせんたー"),
        (OrgType::GroupHome, "グループホーム", "ぐるーぷほーむ"),
        (OrgType::Shuro, "就労支援センター", "しゅうろうしえんせんたー"),
        (OrgType::HoumonKango, "訪問看護ステーション", "ほうもんかんごすてーしょん"),
    ]
    .into_iter()
    .enumerate()
    {
        let (name, kana) = named(i + 3, what, what_kana);
        add(kind, name, kana, &|o| {
            o.memberships.ishikai = kind == OrgType::Clinic;
            o.memberships.shikaishikai = kind == OrgType::Dental;
            o.memberships.yakuzaishikai = kind == OrgType::Pharmacy;
            o.capacity = (kind == OrgType::GroupHome).then_some(7);
        });
    }
    add(OrgType::Kazokukai, "目黒つばさ家族会（架空）".into(), "めぐろつばさかぞくかい".into(), &|_| {});
    add(OrgType::Peer, "目黒ピアサポートの会（架空）".into(), "めぐろぴあさぽーとのかい".into(), &|_| {});
    add(
        OrgType::Specialised,
        "目黒アルコール相談室（架空）".into(),
        "めぐろあるこーるそうだんしつ".into(),
        &|o| {
            o.specialties = vec![Specialty::Alcohol, Specialty::Drug, Specialty::Gambling];
        },
    );
    add(
        OrgType::Specialised,
        "高次脳機能障害支援室 目黒（架空）".into(),
        "こうじのうきのうしょうがいしえんしつめぐろ".into(),
        &|o| {
            o.specialties = vec![Specialty::BrainInjury];
        },
    );
    for (id, area) in hospitals {
        add(OrgType::PsychHospital, String::new(), String::new(), &|o| {
            o.reference = format!("hospital-{id}");
            o.hospital_id = Some(id.clone());
            o.area = area.clone();
            o.coordinates = None;
        });
    }
    orgs
}

/// Writes the fictional 目黒区 directory (one import, audited), linking every hospital of the bed
/// finder; how many records.
pub async fn fill_meguro(db: &Db) -> Result<usize, StoreError> {
    let hospitals: Vec<(String, String)> =
        sqlx::query_as("SELECT id, area FROM hospital ORDER BY id").fetch_all(&db.pool).await?;
    crate::directory::import(db, "131105", &meguro(&hospitals), AuditEvent::cli("directory").with_detail("demo")).await
}

/// Keeps the sheet's entered value (with a reason) for each count the directory makes that
/// differs from it; the keys kept.
pub async fn keep_sheet_values(db: &Db, sheet: &nimo_domain::Sheet) -> Result<Vec<&'static str>, StoreError> {
    let counts = crate::directory::counts(db, sheet.municipality.code.as_str()).await?;
    let mut kept = Vec::new();
    for (key, n) in counts.values {
        let entered = sheet.basic.figures.get(key).and_then(|f| f.as_count());
        if entered.is_some_and(|e| e != n) {
            let reason = format!(
                "デモの名簿（架空）では{n}。シートには令和4年7月時点の値を残す（緊急入院先検索のデモの病院は架空で、実在の数と合わない）"
            );
            let audit = AuditEvent::cli("directory").with_detail("demo");
            crate::cases::figures::set_override(
                db,
                sheet.municipality.code.as_str(),
                sheet.fiscal_year,
                key,
                &reason,
                None,
                audit,
            )
            .await?;
            kept.push(key);
        }
    }
    Ok(kept)
}

/// A directory of `size` synthetic organisations (all types, names from the same parts, every
/// tenth without a reading) for the bench.
pub fn scaled(size: usize) -> Vec<Organisation> {
    let kinds: Vec<OrgType> = OrgType::ALL.into_iter().filter(|k| *k != OrgType::PsychHospital).collect();
    (0..size)
        .map(|n| {
            let kind = kinds[n % kinds.len()];
            let (place, place_kana) = PLACES[n % PLACES.len()];
            let (motto, motto_kana) = MOTTOS[n / PLACES.len() % MOTTOS.len()];
            let name = format!("{place}{motto}{}{n}（架空）", kind.label());
            let kana = if n % 10 == 9 { String::new() } else { format!("{place_kana}{motto_kana}") };
            let mut org = record(format!("org-{n:06}"), kind, name, kana, n);
            org.soudan_ippan = kind == OrgType::SoudanShien && n % 2 == 0;
            org.soudan_tokutei = kind == OrgType::SoudanShien;
            org
        })
        .collect()
}
