//! Synthetic case records for the demo (and benchmarks): a plausible year of 23条通報, outreach
//! visits and 退院後支援計画 for one municipality, written through the same store functions the
//! app uses (so every record is sealed and audited like a real one). Names are obviously
//! fictional (見本 …). The mix of one year is chosen so that the derived section-4 figures equal
//! the 目黒区 sheet's: 40 reports in the area, 32 of 区民, of them 6 措置入院 (one after a 緊急措置),
//! 3 医療保護入院 and 3 入院なし; 1 plan started (a second person declined); 2 visits by 医師 and 77
//! by 精神保健福祉士.

pub mod directory;

use crate::audit::AuditEvent;
use crate::cases::{self, EventInput, NewCase, NewPlan, NewVisit};
use crate::people::NewPerson;
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::cases::{CaseEvent, Disposition, Finding};
use nimo_domain::plans::{EndReason, PlanEvent};

/// The 地区 of 目黒区 used by the demo (its five 住区).
pub const MEGURO_DISTRICTS: [&str; 5] = ["北部", "東部", "中央", "南部", "西部"];

const GIVEN: [(&str, &str); 8] = [
    ("いちろう", "一郎"),
    ("はなこ", "花子"),
    ("じろう", "二郎"),
    ("さくら", "さくら"),
    ("さぶろう", "三郎"),
    ("かえで", "楓"),
    ("しろう", "四郎"),
    ("あおい", "葵"),
];

/// How a synthetic case ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    NoExam,
    Exam(Disposition),
    EmergencyThenSochi,
}

/// The 40 cases of one 目黒区 year: (resident, ending).
fn meguro_mix() -> Vec<(bool, Ending)> {
    use Disposition::*;
    let mut mix = Vec::new();
    let mut add = |n: usize, resident: bool, ending: Ending| mix.extend(std::iter::repeat_n((resident, ending), n));
    add(5, true, Ending::Exam(Sochi));
    add(1, true, Ending::EmergencyThenSochi);
    add(3, true, Ending::Exam(IryoHogo));
    add(3, true, Ending::Exam(NoAdmission));
    add(4, true, Ending::Exam(Nini));
    add(2, true, Ending::Exam(Oukyu));
    add(1, true, Ending::Exam(Other));
    add(13, true, Ending::NoExam);
    add(2, false, Ending::Exam(Sochi));
    add(1, false, Ending::Exam(IryoHogo));
    add(5, false, Ending::NoExam);
    mix
}

/// A small deterministic generator (no dependency, same data on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn day(fy: FiscalYear, offset: i64) -> time::Date {
    fy.first_day() + time::Duration::days(offset.clamp(0, 364))
}

/// A synthetic birth date between 1950 and 1999.
fn birth_date(rng: &mut Lcg) -> Option<time::Date> {
    let (year, month, day) = (1950 + rng.next(50), 1 + rng.next(12), 1 + rng.next(28));
    let month = time::Month::try_from(u8::try_from(month).unwrap_or(1)).unwrap_or(time::Month::January);
    time::Date::from_calendar_date(i32::try_from(year).unwrap_or(1980), month, u8::try_from(day).unwrap_or(1)).ok()
}

/// An hour or minute drawn from the generator (always below 60).
fn hour_minute(n: u64) -> u8 {
    u8::try_from(n).unwrap_or(0)
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases.
    pub cases: usize,
    /// People.
    pub people: usize,
    /// Visits.
    pub visits: usize,
    /// Plans.
    pub plans: usize,
}

/// Who takes the cases: staff of one 地区 take that 地区's cases, the others take the rest in turn.
#[derive(Debug, Clone, Default)]
pub struct Staffing {
    /// Staff for the whole municipality (user ids); at least one.
    pub anywhere: Vec<i64>,
    /// 地区担当: (district, user id).
    pub districts: Vec<(String, i64)>,
}

impl Staffing {
    fn assign(&self, district: &str, index: usize) -> Result<i64, StoreError> {
        if let Some((_, id)) = self.districts.iter().find(|(d, _)| d == district) {
            return Ok(*id);
        }
        self.anywhere
            .get(index % self.anywhere.len().max(1))
            .copied()
            .ok_or_else(|| StoreError::Synthetic("no staff account".into()))
    }
}

/// Writes one 目黒区-like year of records for `municipality` in `fy`. Every case ends closed
/// except the last three, which stay in follow-up.
pub async fn meguro_year(db: &Db, municipality: &str, fy: FiscalYear, staff: &Staffing) -> Result<Summary, StoreError> {
    year(db, municipality, fy, staff, 1, 0).await
}

/// Writes `scale` times the 目黒区 mix for one year (for benchmarks); `seed` varies the data.
pub async fn year(
    db: &Db,
    municipality: &str,
    fy: FiscalYear,
    staff: &Staffing,
    scale: usize,
    seed: u64,
) -> Result<Summary, StoreError> {
    let municipality =
        nimo_domain::MunicipalityCode::parse(municipality).map_err(|_| StoreError::UnknownCode("municipality"))?;
    let mut rng = Lcg(0x6e69_6d6f ^ seed ^ u64::try_from(fy.year()).unwrap_or_default());
    let mut summary = Summary::default();
    let audit = || AuditEvent::cli("synthetic");
    let mix: Vec<(bool, Ending)> = (0..scale.max(1)).flat_map(|_| meguro_mix()).collect();
    let total = mix.len();
    let mut followed = Vec::new();
    for (index, (resident, ending)) in mix.into_iter().enumerate() {
        let received = i64::try_from(index * 360 / total).unwrap_or_default() + i64::try_from(rng.next(3)).unwrap_or(0);
        let received_on = day(fy, received);
        let district = MEGURO_DISTRICTS[index % MEGURO_DISTRICTS.len()];
        let (kana, kanji) = GIVEN[index % GIVEN.len()];
        let number = summary.people + 1;
        let person = NewPerson {
            municipality: municipality.clone(),
            district: district.into(),
            sex: ["f", "m", "x"][index % 3].into(),
            name_kana: format!("みほん {kana}{number}"),
            name_kanji: format!("見本 {kanji}{number}"),
            birth_date: birth_date(&mut rng),
            address: format!("見本町{}-{}", 1 + rng.next(9), 1 + rng.next(30)),
            contact: format!("000-0000-{:04}", rng.next(10_000)),
        };
        let assigned = staff.assign(district, index)?;
        let new = NewCase {
            municipality: municipality.clone(),
            district: district.into(),
            person_id: None,
            received_at: received_on
                .with_hms(hour_minute(9 + rng.next(10)), hour_minute(rng.next(60)), 0)
                .map_err(|_| StoreError::Synthetic("synthetic time".into()))?,
            article: nimo_domain::cases::ReportArticle::Police,
            police_station: ["目黒警察署", "碑文谷警察署"][index % 2].into(),
            resident,
            circumstances: "（見本データ）路上で大声を出しているとの通報。".into(),
            assigned_to: assigned,
            next_due_on: Some(day(fy, received + 1)),
            protection_started_at: None,
        };
        let case_id = cases::create(db, &new, Some(&person), audit()).await?;
        summary.cases += 1;
        summary.people += 1;
        let at = |offset: i64| day(fy, received + offset);
        let step = |event: CaseEvent, on: time::Date, due: Option<time::Date>| EventInput {
            event,
            occurred_on: on,
            occurred_at: None,
            note: String::new(),
            next_due_on: due,
            actor: assigned,
        };
        let mut events = vec![step(CaseEvent::StartInvestigation { staff: 2 }, at(0), Some(at(1)))];
        let exam = |disposition: Disposition, second: Option<Finding>| {
            let needs = matches!(disposition, Disposition::Sochi | Disposition::KinkyuSochi);
            let first = if needs { Finding::NeedsSochi } else { Finding::NoSochi };
            let required = nimo_domain::cases::exam_requirement(first, second, disposition).reason.is_some();
            CaseEvent::Examine {
                first,
                second,
                disposition,
                reason: if required { "（見本データ）処遇の理由".into() } else { String::new() },
                hospital: if matches!(disposition, Disposition::NoAdmission | Disposition::Other) {
                    String::new()
                } else {
                    "見本記念病院".into()
                },
            }
        };
        match ending {
            Ending::NoExam => events.push(step(
                CaseEvent::NoExamNeeded { reason: "自傷他害のおそれの具体的な兆候なし".into() },
                at(1),
                Some(at(14)),
            )),
            Ending::Exam(disposition) => {
                let second = if disposition == Disposition::Sochi { Finding::NeedsSochi } else { Finding::NoSochi };
                events.push(step(CaseEvent::OrderExam, at(0), Some(at(1))));
                events.push(step(exam(disposition, Some(second)), at(1), Some(at(14))));
            }
            Ending::EmergencyThenSochi => {
                events.push(step(CaseEvent::OrderExam, at(0), Some(at(0))));
                events.push(step(exam(Disposition::KinkyuSochi, None), at(0), Some(at(3))));
                events.push(step(exam(Disposition::Sochi, Some(Finding::NeedsSochi)), at(2), Some(at(14))));
            }
        }
        events.push(step(CaseEvent::FollowUpContact, at(14), Some(at(45))));
        let stays_open = index + 3 >= total;
        if !stays_open {
            events.push(step(CaseEvent::Close { reason: "支援機関につながり終結".into() }, at(45), None));
        }
        for (revision, input) in events.iter().enumerate() {
            let revision = i64::try_from(revision).unwrap_or_default();
            cases::record_event(db, case_id, revision, input, audit()).await.map_err(|e| match e {
                cases::RecordError::Store(store) => store,
                _ => StoreError::Synthetic(format!("case {case_id} refused event {revision}")),
            })?;
        }
        if resident && matches!(ending, Ending::Exam(Disposition::Sochi) | Ending::EmergencyThenSochi) {
            followed.push((case_id, summary.people, district, received));
        }
    }
    // Outreach: per unit of scale 77 visits by 精神保健福祉士 and 2 by 医師, each 医師 visit a team
    // with a 保健師 (one visit, two professions), and 20 contacts by 保健師 — home visits,
    // accompanied visits and calls — that the sheet does not count, spread over the followed 措置
    // residents. The visits the sheet counts are 訪問 only: a call (電話) is not one.
    let people_ids = person_ids_of(db, &followed).await?;
    for unit in 0..scale.max(1) {
        let plan: Vec<(&str, usize)> = vec![("psw", 77), ("doctor", 2), ("phn", 20)];
        for (profession, n) in plan {
            for k in 0..n {
                let (case_id, person_id, district, received) = people_ids[(k + unit) % people_ids.len()];
                let visit = NewVisit {
                    municipality: municipality.clone(),
                    district: district.into(),
                    person_id,
                    case_id: Some(case_id),
                    visited_on: day(fy, (received + 20 + i64::try_from(k * 3 % 300).unwrap_or(0)).min(364)),
                    profession: profession.into(),
                    team: if profession == "doctor" { vec!["phn".into()] } else { Vec::new() },
                    method: if profession == "phn" {
                        ["home", "accompanied", "phone"][k % 3]
                    } else {
                        ["home", "accompanied"][k % 2]
                    }
                    .into(),
                    outcome: "met".into(),
                    note: "（見本データ）自宅で面談。".into(),
                    actor: staff.anywhere.first().copied(),
                };
                cases::add_visit(db, &visit, audit()).await?;
                summary.visits += 1;
            }
        }
        // One plan started, one declined (the sheet's target of 2 stays entered).
        for (k, consent) in ["given", "refused"].into_iter().enumerate() {
            let (case_id, person_id, district, received) = people_ids[(k + unit) % people_ids.len()];
            let plan = NewPlan {
                municipality: municipality.clone(),
                district: district.into(),
                person_id,
                case_id: Some(case_id),
                consent: consent.into(),
                consent_on: day(fy, received + 10),
                started_on: (consent == "given").then(|| day(fy, received + 30)),
                contents: "（見本データ）通院継続と訪問看護、家族支援。".into(),
            };
            let id = cases::add_plan(db, &plan, audit()).await?;
            if consent == "given" {
                by_section(db, id).await?;
            }
            end_if_over(db, id, staff.anywhere.first().copied().unwrap_or_default()).await?;
            summary.plans += 1;
        }
    }
    Ok(summary)
}

/// Gives a started plan its contents by section (fictional), in place of its one text.
async fn by_section(db: &Db, plan_id: i64) -> Result<(), StoreError> {
    use nimo_domain::plans::contents::{CrisisPlan, PlanAuthor, PlanContents, SupportRow};
    let row = |kind: &str, agency: &str, content: &str, frequency: &str| SupportRow {
        kind: kind.into(),
        agency: agency.into(),
        contact: "（見本データ）担当者".into(),
        phone: "03-0000-0000".into(),
        content: content.into(),
        frequency: frequency.into(),
    };
    let contents = PlanContents {
        person_wishes: "（見本データ）自宅で暮らし続けたい".into(),
        family_views: "（見本データ）通院が続くか心配".into(),
        living_wishes: "（見本データ）今の住まいに戻る".into(),
        supports: vec![
            row("medical", "（見本データ）見本クリニック", "外来通院と訪問看護", "2週に1回"),
            row("welfare", "（見本データ）見本相談支援センター", "生活の相談", "月1回"),
        ],
        crisis: CrisisPlan {
            signs: "（見本データ）眠れない日が続く".into(),
            own_actions: "（見本データ）頓服を飲み主治医に相談する".into(),
            day_contact: "（見本データ）見本クリニック 03-0000-0000".into(),
            night_contact: "（見本データ）精神科救急医療情報センター".into(),
        },
        author: PlanAuthor {
            authority: "（見本データ）保健予防課".into(),
            officer: "（見本データ）地区担当保健師".into(),
            contact: "03-0000-0000".into(),
        },
    };
    let json = serde_json::to_string(&contents).map_err(|e| StoreError::Synthetic(e.to_string()))?;
    sqlx::query("UPDATE discharge_plan SET contents_form_sealed = $1, contents_sealed = NULL WHERE id = $2")
        .bind(crate::sealed::PLAN_CONTENTS_FORM.seal(db.keyring()?, plan_id, &json))
        .bind(plan_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends a started plan whose support period is over by today (期間満了), as staff would have, so
/// that a past year's plans do not show as overdue reminders.
async fn end_if_over(db: &Db, plan_id: i64, actor: i64) -> Result<(), StoreError> {
    let plan = crate::plans::get(db, plan_id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let Some(end) = plan.status.period_end.filter(|end| *end < today) else { return Ok(()) };
    let input = crate::plans::PlanInput {
        event: PlanEvent::End { reason: EndReason::PeriodOver },
        occurred_on: end,
        note: "（見本データ）支援期間の満了".into(),
        contents: String::new(),
        actor,
    };
    match crate::plans::record(db, plan_id, plan.revision, &input, AuditEvent::cli("synthetic")).await {
        Ok(_) => Ok(()),
        Err(crate::plans::PlanRecordError::Store(error)) => Err(error),
        Err(_) => Err(StoreError::Synthetic(format!("plan {plan_id} refused an event"))),
    }
}

async fn person_ids_of(
    db: &Db,
    followed: &[(i64, usize, &'static str, i64)],
) -> Result<Vec<(i64, i64, &'static str, i64)>, StoreError> {
    let mut out = Vec::new();
    for (case_id, _, district, received) in followed {
        let case = cases::get(db, *case_id).await?;
        let person = case.person_id.ok_or_else(|| StoreError::Corrupt("synthetic case without person".into()))?;
        out.push((*case_id, person, *district, *received));
    }
    if out.is_empty() {
        return Err(StoreError::Synthetic("no followed cases".into()));
    }
    Ok(out)
}

/// The first `limit` people of a municipality (id and 地区), oldest record first: whom the demo's
/// admissions are for.
pub async fn first_people(db: &Db, municipality: &str, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT id, district FROM person WHERE municipality_code = $1 ORDER BY id LIMIT $2")
        .bind(municipality)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
}
