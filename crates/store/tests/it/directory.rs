//! The resource directory on every backend: Japanese search that treats kana, width and the
//! reading alike; filters and pages; CSV and HSDS round trips; every kind of bad import refused
//! whole, changing nothing; an edit on a stale revision refused; section 1's counts.

use nimo_domain::directory::{OrgType, Organisation};
use nimo_exchange::ImportError;
use nimo_exchange::directory::{directory_from_csv, directory_to_csv, from_hsds, to_hsds};
use nimo_store::audit::AuditEvent;
use nimo_store::directory::{self, Conflict, Filter};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Db, StoreError};

const MEGURO: &str = "131105";

async fn hospital(db: &Db, id: &str, name: &str, municipality: &str) {
    let h = nimo_store::beds::Hospital {
        id: id.into(),
        name: name.into(),
        phone: "03-0000-0000".into(),
        municipality_code: nimo_domain::MunicipalityCode::parse(municipality).unwrap(),
        area: "区南西部".into(),
        latitude: 35.63,
        longitude: 139.70,
        emergency: true,
        okyu_designated: false,
        physical_care: false,
        sochi_designation: nimo_domain::beds::SochiDesignation::Shitei,
        night_holiday: true,
    };
    nimo_store::beds::upsert_hospital(db, &h, AuditEvent::cli("hospital_admin")).await.unwrap();
}

fn org(reference: &str, kind: OrgType, name: &str, kana: &str) -> Organisation {
    let mut org = Organisation::empty(kind);
    org.reference = reference.into();
    org.name = name.into();
    org.name_kana = kana.into();
    org.area = "中央地区".into();
    org
}

/// A small directory: two 相談支援 (one both 一般 and 特定), a 基幹, a 保健所, a かかりつけ clinic, a
/// 精神科病院 in 目黒区 and one in 世田谷区, and a closed 事業所.
fn sample() -> Vec<Organisation> {
    let mut both = org(
        "s-1",
        OrgType::SoudanShien,
        "目黒相談支援センターひまわり（架空）",
        "めぐろそうだんしえんせんたーひまわり",
    );
    (both.soudan_ippan, both.soudan_tokutei) = (true, true);
    both.coordinates = Some((35.64, 139.69));
    both.phone = "03-0000-2001".into();
    let mut tokutei = org("s-2", OrgType::SoudanShien, "ＮＰＯ法人　こもれび（架空）", "こもれび");
    tokutei.soudan_tokutei = true;
    tokutei.area = "東部地区".into();
    let mut clinic =
        org("c-1", OrgType::Clinic, "自由が丘メンタルクリニック（架空）", "ジユウガオカメンタルクリニック");
    clinic.memberships.ishikai = true;
    let mut closed = org("g-1", OrgType::GroupHome, "目黒グループホームあさひ（架空）", "めぐろぐるーぷほーむあさひ");
    closed.active = false;
    let mut hospital = org("h-1", OrgType::PsychHospital, "", "めぐろみどりびょういん");
    hospital.hospital_id = Some("h-meguro-1".into());
    let mut elsewhere = org("h-2", OrgType::PsychHospital, "", "");
    elsewhere.hospital_id = Some("h-setagaya-1".into());
    vec![
        both,
        tokutei,
        org("k-1", OrgType::KikanSoudan, "目黒区基幹相談支援センター（架空）", "めぐろくきかんそうだんしえんせんたー"),
        org("p-1", OrgType::Hokenjo, "目黒区保健所", "めぐろくほけんじょ"),
        clinic,
        closed,
        hospital,
        elsewhere,
    ]
}

async fn seeded(backend: nimo_store::Backend) -> TestDb {
    let t = TestDb::new(backend).await.unwrap();
    hospital(&t.db, "h-meguro-1", "目黒みどり病院（架空）", MEGURO).await;
    hospital(&t.db, "h-setagaya-1", "世田谷さくら台病院（架空）", "131121").await;
    directory::import(&t.db, MEGURO, &sample(), AuditEvent::cli("directory")).await.unwrap();
    t
}

async fn names(db: &Db, filter: Filter) -> Vec<String> {
    let page = directory::search(db, MEGURO, &filter, 0, 50).await.unwrap();
    assert_eq!(page.total as usize, page.records.len());
    page.records.into_iter().map(|r| r.org.name).collect()
}

fn query(text: &str) -> Filter {
    Filter { query: text.into(), ..Filter::default() }
}

#[tokio::test]
async fn kana_kanji_and_width_variants_find_the_same_records() {
    for backend in backends() {
        let t = seeded(backend).await;
        let meguro = names(&t.db, query("目黒")).await;
        assert_eq!(meguro.len(), 4, "{backend:?}: {meguro:?}");
        for typed in ["めぐろ", "メグロ", "ﾒｸﾞﾛ", "ﾒｸﾞﾛ "] {
            assert_eq!(names(&t.db, query(typed)).await, meguro, "{backend:?} {typed}");
        }
        // The hospital is found by the bed finder's name and by its reading.
        assert_eq!(names(&t.db, query("みどり病院")).await, ["目黒みどり病院（架空）"]);
        // Full-width letters and a katakana reading typed as hiragana.
        assert_eq!(names(&t.db, query("npo")).await, ["ＮＰＯ法人　こもれび（架空）"]);
        assert_eq!(names(&t.db, query("じゆうがおか")).await, ["自由が丘メンタルクリニック（架空）"]);
        // LIKE's own characters are taken literally.
        assert!(names(&t.db, query("%")).await.is_empty());
        // The closed group home only when asked for.
        let all = Filter { query: "めぐろ".into(), include_inactive: true, ..Filter::default() };
        assert_eq!(names(&t.db, all).await.len(), 5);
        let kakaritsuke = Filter { kakaritsuke: true, ..Filter::default() };
        assert_eq!(names(&t.db, kakaritsuke).await, ["自由が丘メンタルクリニック（架空）"]);
        let by_type =
            Filter { org_type: Some(OrgType::SoudanShien), area: Some("東部地区".into()), ..Filter::default() };
        assert_eq!(names(&t.db, by_type).await, ["ＮＰＯ法人　こもれび（架空）"]);
        // Pages of 3: the total stays, the pages do not overlap.
        let first = directory::search(&t.db, MEGURO, &Filter::default(), 0, 3).await.unwrap();
        let third = directory::search(&t.db, MEGURO, &Filter::default(), 2, 3).await.unwrap();
        assert_eq!((first.total, first.records.len(), third.records.len()), (7, 3, 1));
        // Another municipality sees none of it.
        assert_eq!(directory::search(&t.db, "131121", &Filter::default(), 0, 10).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn section_one_counts_come_from_the_records_in_operation() {
    for backend in backends() {
        let t = seeded(backend).await;
        let counts = directory::counts(&t.db, MEGURO).await.unwrap();
        assert_eq!(
            counts.values,
            [
                ("hokenjo", 1),
                ("soudan_ippan", 1),
                ("soudan_tokutei", 2),
                ("kikan_soudan_center", 1),
                ("psych_hospitals", 1)
            ],
            "{backend:?}: the 世田谷 hospital is not counted for 目黒区"
        );
        assert!(counts.as_of.is_some());
        let listed = directory::counted(&t.db, MEGURO, "soudan_tokutei").await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(directory::counts(&t.db, "131121").await.unwrap().values.is_empty());
    }
}

async fn row_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM directory_org").fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn csv_and_hsds_round_trip_into_an_empty_municipality() {
    for backend in backends() {
        let t = seeded(backend).await;
        let stored: Vec<Organisation> =
            directory::all(&t.db, MEGURO).await.unwrap().into_iter().map(|r| r.org).collect();
        let csv = directory_to_csv(&stored);
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let read: Vec<Organisation> = directory_from_csv(&csv).unwrap().into_iter().map(|(_, o)| o).collect();
        let hsds = to_hsds(MEGURO, &stored);
        let from_hsds = from_hsds(&hsds).unwrap();
        for (target, orgs) in [("131121", read), ("131130", from_hsds)] {
            assert_eq!(directory::import(&t.db, target, &orgs, AuditEvent::cli("directory")).await.unwrap(), 8);
            let again: Vec<Organisation> =
                directory::all(&t.db, target).await.unwrap().into_iter().map(|r| r.org).collect();
            assert_eq!(again, stored, "{backend:?} {target}");
        }
        // An export of the same records is the same file.
        assert_eq!(to_hsds(MEGURO, &stored), hsds);
    }
}

fn csv_lines(lines: &[&str]) -> Vec<u8> {
    let mut text = "ID,種別,名称,よみがな,一般相談,特定相談,緯度,経度\n".to_string();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.into_bytes()
}

fn places(errors: &[ImportError]) -> Vec<(usize, String)> {
    errors
        .iter()
        .map(|e| match e {
            ImportError::Csv { row, column, .. } => (*row, column.clone()),
            other => (0, other.to_string()),
        })
        .collect()
}

#[tokio::test]
async fn bad_files_are_refused_whole_with_their_line_and_column() {
    let good = "n-1,相談支援事業所,なかよし相談室,なかよし,○,,35.6,139.7";
    // Shift_JIS and a BOM read like UTF-8.
    let utf8 = String::from_utf8(csv_lines(&[good])).unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&utf8);
    let sjis = directory_from_csv(&sjis).unwrap();
    let bom = directory_from_csv(&[b"\xEF\xBB\xBF".as_slice(), &csv_lines(&[good])].concat()).unwrap();
    assert_eq!(sjis, bom);
    assert_eq!(sjis[0].1.name, "なかよし相談室");
    let refused = |lines: &[&str]| places(&directory_from_csv(&csv_lines(lines)).unwrap_err());
    assert_eq!(refused(&[good, "n-2,占い,なにか,,,,,"]), [(3, "種別".to_string())]);
    assert_eq!(refused(&[good, "n-2,相談支援事業所,緯度だけ,,○,,91,"]), [(3, "経度".to_string())]);
    assert_eq!(refused(&[good, "n-2,相談支援事業所,ずれ,,○"]), [(3, String::new())]);
    assert_eq!(refused(&["n-2,相談支援事業所,\"閉じない,,○,,,", good]), [(2, String::new())]);
    assert_eq!(refused(&[good, "n-3,保健所,北緯,,,,abc,139"]), [(3, "緯度".to_string())]);
    // Duplicates in the file and against the database are the store's refusals, and change nothing.
    for backend in backends() {
        let t = seeded(backend).await;
        let before = row_count(&t.db).await;
        let orgs: Vec<Organisation> = directory_from_csv(&csv_lines(&[
            good,
            "n-1,保健所,同じID,,,,,",
            "n-3,相談支援事業所,なかよし相談室,,,○,,",
            "s-1,保健所,名簿にあるID,,,,,",
            "n-4,相談支援事業所,目黒相談支援センターひまわり（架空）,,○,,,",
        ]))
        .unwrap()
        .into_iter()
        .map(|(_, o)| o)
        .collect();
        let Err(StoreError::Directory(refusals)) =
            directory::import(&t.db, MEGURO, &orgs, AuditEvent::cli("directory")).await
        else {
            panic!("{backend:?}: the import was not refused");
        };
        let seen: Vec<(usize, &str, Conflict)> =
            refusals.into_iter().map(|r| (r.position, r.field, r.conflict)).collect();
        assert_eq!(
            seen,
            [
                (1, "id", Conflict::RepeatedInBatch { first: 0 }),
                (2, "name", Conflict::RepeatedInBatch { first: 0 }),
                (3, "id", Conflict::TakenInDirectory),
                (4, "name", Conflict::TakenInDirectory),
            ]
        );
        assert_eq!(row_count(&t.db).await, before, "{backend:?}: nothing was written");
        let mut unknown = org("x-1", OrgType::PsychHospital, "", "");
        unknown.hospital_id = Some("h-nowhere".into());
        let refused = directory::import(&t.db, MEGURO, &[unknown], AuditEvent::cli("directory")).await;
        assert!(matches!(refused, Err(StoreError::Directory(r)) if r[0].conflict == Conflict::UnknownHospital));
        assert_eq!(row_count(&t.db).await, before);
    }
}

#[tokio::test]
async fn an_edit_on_a_stale_revision_changes_nothing() {
    for backend in backends() {
        let t = seeded(backend).await;
        let record = directory::search(&t.db, MEGURO, &query("保健所"), 0, 1).await.unwrap().records.remove(0);
        let mut edited = record.org.clone();
        edited.phone = "03-0000-9999".into();
        let next = directory::update(&t.db, MEGURO, record.id, record.revision, &edited, AuditEvent::cli("directory"))
            .await
            .unwrap();
        assert_eq!(next, record.revision + 1);
        edited.phone = "03-0000-1111".into();
        let stale =
            directory::update(&t.db, MEGURO, record.id, record.revision, &edited, AuditEvent::cli("directory")).await;
        assert!(matches!(stale, Err(StoreError::StaleRevision(_))), "{backend:?}");
        assert_eq!(directory::get(&t.db, MEGURO, record.id).await.unwrap().org.phone, "03-0000-9999");
        // Another municipality cannot reach the record.
        assert!(matches!(directory::get(&t.db, "131121", record.id).await, Err(StoreError::NotFound(_))));
    }
}
