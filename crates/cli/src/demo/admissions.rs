//! `nimo demo`'s admissions, placed relative to now so that the clock board shows a clock in each
//! state: a 緊急措置入院 whose 72 hours ran out (overdue), one with 12 hours left (due soon), a
//! 医療保護入院 admitted two days ago (running: its 入院届 and period), and a 緊急措置入院 that the
//! 措置診察 turned into a 措置入院 (its 72-hour clock stopped; the admission whose form changed).
//! The people are the synthetic year's (架空); the hospital names are marked 架空.

use anyhow::{Context, Result};
use nimo_domain::MunicipalityCode;
use nimo_domain::admissions::{AdmissionEvent, Consent, FormEntry, HospitalRef};
use nimo_domain::beds::AdmissionType::{IryoHogo, KinkyuSochi, Sochi};
use nimo_store::Db;
use nimo_store::admissions::{self, NewAdmission};
use nimo_store::audit::AuditEvent;
use time::{Duration, OffsetDateTime};

/// Records the demo's four admissions for the first people of 目黒区, as of `now`.
pub async fn fill_admissions(db: &Db, actor: i64, now: OffsetDateTime) -> Result<usize> {
    let people =
        nimo_store::synthetic::first_people(db, "131105", 4).await.context("デモ用の入院の対象者を読めません")?;
    let family = FormEntry {
        consent: Some(Consent::Family),
        period_end: Some(now + Duration::days(88)),
        ..FormEntry::plain(IryoHogo)
    };
    let plans = [
        (KinkyuSochi, Duration::hours(80), FormEntry::plain(KinkyuSochi), "目黒みどり病院（架空）"),
        (KinkyuSochi, Duration::hours(60), FormEntry::plain(KinkyuSochi), "自由が丘こころの森病院（架空）"),
        (IryoHogo, Duration::days(2), family, "目黒みどり病院（架空）"),
        (KinkyuSochi, Duration::days(10), FormEntry::plain(KinkyuSochi), "自由が丘こころの森病院（架空）"),
    ];
    let municipality = MunicipalityCode::parse("131105").map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut recorded = 0;
    for ((person_id, district), (form, ago, entry, hospital)) in people.into_iter().zip(plans) {
        let admitted_at = now - ago;
        let new = NewAdmission {
            municipality: municipality.clone(),
            district,
            person_id,
            case_id: None,
            hospital: HospitalRef::Typed(hospital.into()),
            entry,
            admitted_at,
            actor,
        };
        let id =
            admissions::admit(db, &new, AuditEvent::cli("create")).await.context("デモ用の入院を記録できません")?;
        if form == KinkyuSochi && ago > Duration::days(5) {
            let exam = AdmissionEvent::ChangeForm(FormEntry::plain(Sochi));
            admissions::record(db, id, 0, admitted_at + Duration::hours(30), &exam, actor, AuditEvent::cli("write"))
                .await
                .context("デモ用の措置診察を記録できません")?;
        }
        recorded += 1;
    }
    Ok(recorded)
}
