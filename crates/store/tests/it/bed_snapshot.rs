//! The bed search's snapshot never disagrees with the database: random postings, holds,
//! cancellations, accepts, declines, expiries (swept or by the clock alone) and ward and hospital
//! changes through the store API, and after every step `search_at` (the snapshot) equals
//! `search_from_database_at` (every ward read by SQL) for several searches, on every backend. On
//! PostgreSQL a second `Db` (another server) following the notifications sees a change within a
//! second.

use nimo_domain::beds::{AdmissionType, CaseRef, Criteria, DeclineReason, Sex, SochiDesignation, WardType};
use nimo_store::Db;
use nimo_store::beds::{self, Hospital, NewHold, Ward};
use nimo_store::testing::{TestDb, backends};

const START: i64 = 1_795_000_000;
const TTL: i64 = 600;
const STALE: i64 = 3_600;

/// A small deterministic generator (xorshift64*), so that a failure replays.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

fn hospital(index: usize, dice: &mut Dice) -> Hospital {
    Hospital {
        id: format!("h-snap-{index}"),
        name: format!("スナップ病院{index}（架空）"),
        phone: "03-0000-0000".into(),
        municipality_code: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        area: "区南西部".into(),
        latitude: 35.60 + index as f64 * 0.01,
        longitude: 139.70,
        emergency: dice.below(2) == 0,
        okyu_designated: dice.below(2) == 0,
        physical_care: dice.below(3) == 0,
        sochi_designation: [SochiDesignation::Shitei, SochiDesignation::None][dice.below(2)],
        night_holiday: dice.below(4) != 0,
    }
}

fn ward(hospital: usize, index: usize, dice: &mut Dice) -> Ward {
    let admissions: Vec<AdmissionType> = AdmissionType::ALL.iter().copied().filter(|_| dice.below(4) != 0).collect();
    Ward {
        id: format!("h-snap-{hospital}-{index}"),
        hospital_id: format!("h-snap-{hospital}"),
        name: format!("{index}病棟"),
        ward_type: [WardType::Kyukyu, WardType::Heisa, WardType::Gappeisho][dice.below(3)],
        sex: Sex::ALL[dice.below(3)],
        min_age: [0, 16, 65][dice.below(3)],
        max_age: 120,
        admissions,
        seclusion_rooms: dice.below(3) as i64,
    }
}

/// The searches compared after every step.
fn searches() -> Vec<(Criteria, usize)> {
    let meguro = Some((35.6415, 139.6982));
    vec![
        (Criteria::default(), 50),
        (Criteria { include_full: true, from: meguro, ..Criteria::default() }, 50),
        (Criteria { include_full: true, from: meguro, ..Criteria::default() }, 3),
        (
            Criteria {
                admission: Some(AdmissionType::Sochi),
                sex: Some(Sex::Female),
                age: Some(34),
                from: meguro,
                ..Criteria::default()
            },
            5,
        ),
        (
            Criteria {
                admission: Some(AdmissionType::Okyu),
                needs_seclusion: true,
                night_band: true,
                ..Criteria::default()
            },
            50,
        ),
        (
            Criteria {
                needs_physical_care: true,
                include_full: true,
                ward_type: Some(WardType::Gappeisho),
                ..Criteria::default()
            },
            2,
        ),
    ]
}

async fn assert_agree(db: &Db, now: i64, step: usize, what: &str) {
    for (criteria, limit) in searches() {
        let snapshot = beds::search_at(db, &criteria, STALE, limit, now).await.unwrap();
        let database = beds::search_from_database_at(db, &criteria, STALE, limit, now).await.unwrap();
        assert_eq!(snapshot, database, "step {step} ({what}), {criteria:?} limit {limit}");
    }
}

#[tokio::test]
async fn the_snapshot_and_the_database_never_disagree() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
        let mut now = START;
        let cli = || nimo_store::audit::AuditEvent::cli("hospital_admin");
        for h in 0..4 {
            beds::upsert_hospital(db, &hospital(h, &mut dice), cli()).await.unwrap();
            for w in 0..3 {
                beds::upsert_ward(db, &ward(h, w, &mut dice), now, cli()).await.unwrap();
                beds::post_ward_at(db, &format!("h-snap-{h}-{w}"), dice.below(4) as i64, None, "cli", "cli", now)
                    .await
                    .unwrap();
            }
        }
        // The first search loads the snapshot; every later step changes it through the store.
        assert_agree(db, now, 0, "seeded").await;
        let mut holds: Vec<i64> = Vec::new();
        let (mut placed, mut answered) = (0, 0);
        for step in 1..=300 {
            let ward_id = format!("h-snap-{}-{}", dice.below(4), dice.below(3));
            let what = match dice.below(10) {
                0 | 1 => {
                    let free = 1 + dice.below(5) as i64;
                    let seclusion = (dice.below(2) == 0).then(|| dice.below(3) as i64);
                    let _ = beds::post_ward_at(db, &ward_id, free, seclusion, "cli", "cli", now).await;
                    "posting"
                }
                2 | 3 => {
                    let new = NewHold {
                        ward_id: ward_id.clone(),
                        case_ref: CaseRef::parse("R4-023").unwrap(),
                        admission: AdmissionType::ALL[dice.below(5)],
                        placed_by: 7,
                        searched_at: now,
                        case_id: None,
                        admission_reason: None,
                    };
                    if let Ok(hold) = beds::place_hold_at(db, &new, TTL, "test", now).await {
                        holds.push(hold.id);
                        placed += 1;
                    }
                    "hold"
                }
                4 | 5 if !holds.is_empty() => {
                    // One of the latest, most of which are still waiting.
                    let hold = holds[holds.len() - 1 - dice.below(holds.len().min(3))];
                    let result = match dice.below(3) {
                        0 => beds::accept_at(db, hold, 8, "test", now).await,
                        1 => beds::decline_at(db, hold, 8, DeclineReason::NoStaff, "test", now).await,
                        _ => beds::cancel_at(db, hold, 7, "test", now).await,
                    };
                    answered += usize::from(result.is_ok());
                    "answer"
                }
                6 => {
                    beds::expire_due_at(db, now).await.unwrap();
                    "expiry sweep"
                }
                7 => {
                    let (h, w) = (dice.below(4), dice.below(3));
                    if dice.below(2) == 0 {
                        beds::upsert_ward(db, &ward(h, w, &mut dice), now, cli()).await.unwrap();
                        "ward settings"
                    } else {
                        beds::upsert_hospital(db, &hospital(h, &mut dice), cli()).await.unwrap();
                        "hospital settings"
                    }
                }
                _ => {
                    // Only the clock moves: holds expire and postings go stale without a write.
                    now += [30, 200, 599, 601, 1_800][dice.below(5)];
                    "clock"
                }
            };
            assert_agree(db, now, step, what).await;
        }
        assert!(placed > 10 && answered > 5, "the walk placed {placed} and answered {answered} holds");
    }
}

#[tokio::test]
async fn a_second_server_on_postgres_sees_a_change_within_a_second() {
    if !backends().contains(&nimo_store::Backend::Postgres) {
        return;
    }
    let t = TestDb::new(nimo_store::Backend::Postgres).await.unwrap();
    let mut dice = Dice(7);
    let cli = || nimo_store::audit::AuditEvent::cli("hospital_admin");
    beds::upsert_hospital(&t.db, &hospital(0, &mut dice), cli()).await.unwrap();
    let ward = Ward { admissions: AdmissionType::ALL.to_vec(), sex: Sex::Mixed, min_age: 0, ..ward(0, 0, &mut dice) };
    beds::upsert_ward(&t.db, &ward, START, cli()).await.unwrap();
    let other = Db::connect(&t.url).await.unwrap();
    let (sender, mut changes) = tokio::sync::mpsc::unbounded_channel::<String>();
    let follower = tokio::spawn(beds::follow_changes(other.clone(), move |hospital| {
        let _ = sender.send(hospital.to_string());
    }));
    // The listener starts by dropping what it had (empty: anything changed).
    assert_eq!(changes.recv().await.unwrap(), "");
    let criteria = Criteria::default();
    assert_eq!(beds::search_at(&other, &criteria, STALE, 10, START).await.unwrap().wards, 0, "no bed posted yet");
    beds::post_ward_at(&t.db, &ward.id, 3, None, "cli", "cli", START).await.unwrap();
    let changed = tokio::time::timeout(std::time::Duration::from_secs(1), changes.recv()).await;
    assert_eq!(changed.unwrap().unwrap(), "h-snap-0", "the other server is told which hospital changed");
    let found = beds::search_at(&other, &criteria, STALE, 10, START).await.unwrap();
    assert_eq!(found.hits.len(), 1, "the other server's search shows the posting");
    assert_eq!(found.hits[0].status.availability.left(), 3);
    follower.abort();
    other.close().await;
}
