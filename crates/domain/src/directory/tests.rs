//! Tests of the directory's search key, readings and checks.

use super::*;

#[test]
fn hiragana_katakana_and_half_width_share_one_key() {
    for typed in ["めぐろ", "メグロ", "ﾒｸﾞﾛ", " メ グ ロ "] {
        assert_eq!(search_key(typed), "めぐろ", "{typed}");
    }
    assert_eq!(search_key("目黒"), "目黒");
    assert_eq!(search_key("ＮＰＯ法人　ひだまり・ハウス"), "npo法人ひだまりはうす");
    assert!(is_reading("メグロ ﾐﾄﾞﾘ"));
    assert!(!is_reading("目黒"));
}

#[test]
fn every_type_and_specialty_reads_back_from_its_code_and_label() {
    for kind in OrgType::ALL {
        assert_eq!(OrgType::parse(kind.code()), Some(kind));
        assert_eq!(OrgType::parse(kind.label()), Some(kind));
    }
    assert_eq!(OrgType::ALL.len(), OrgType::ALL.iter().collect::<std::collections::BTreeSet<_>>().len());
    assert_eq!(Specialty::parse_list("高次脳機能障害、alcohol"), Ok(vec![Specialty::Alcohol, Specialty::BrainInjury]));
    assert_eq!(Specialty::parse_list("alcohol,占い"), Err("占い".into()));
}

#[test]
fn checks_name_the_field_and_the_reason() {
    let mut org = Organisation::empty(OrgType::SoudanShien);
    org.reference = "s 1".into();
    org.name_kana = "目黒".into();
    org.coordinates = Some((95.0, 139.0));
    org.memberships.ishikai = true;
    let fields: Vec<&str> = org.problems().iter().map(|p| p.field).collect();
    assert_eq!(fields, ["id", "name", "name_kana", "kakaritsuke", "soudan", "latitude"]);
    let mut hospital = Organisation::empty(OrgType::PsychHospital);
    hospital.reference = "h1".into();
    assert_eq!(hospital.problems()[0].field, "hospital_id");
    hospital.hospital_id = Some("h-meguro-1".into());
    assert!(hospital.problems().is_empty());
    assert_eq!(parse_coordinates("35.6", "").unwrap_err().field, "longitude");
    assert_eq!(parse_coordinates("３５.６", "139.7"), Ok(Some((35.6, 139.7))));
}
