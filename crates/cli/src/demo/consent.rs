//! The demo's 市町村長同意 in progress: a fictional request received six days ago, checked and
//! consented to the same day, so that its visit after consent is due soon on the clock.

use anyhow::{Context, Result};
use nimo_domain::MunicipalityCode;
use nimo_domain::consents::{ConsentEvent, FamilyFinding, ResidenceBasis};
use nimo_store::Db;
use nimo_store::audit::AuditEvent;
use nimo_store::consents::{self, ConsentInput, NewRequest};
use time::{Duration, OffsetDateTime};

/// Adds one 市町村長同意 (consented, visit due) for the first person of the synthetic year.
pub async fn add_consent(db: &Db, actor: i64) -> Result<i64> {
    let person = nimo_store::people::get(db, 1).await.context("デモ用の本人がいません")?;
    let requested_at = OffsetDateTime::now_utc() - Duration::days(6);
    let request = NewRequest {
        municipality: MunicipalityCode::parse("131105").context("目黒区のコード")?,
        person_id: person.id,
        hospital_id: None,
        hospital_name: "目黒みどり病院（架空）".into(),
        requested_at,
        admission_on: Some(requested_at.to_offset(nimo_domain::clocks::JST).date()),
        note: "（架空）単身で、親族の所在は不明".into(),
        actor,
    };
    let id = consents::receive(db, &request, AuditEvent::cli("create")).await.context("デモ用の市町村長同意")?;
    let steps = [
        (Duration::minutes(30), ConsentEvent::CheckResidence(ResidenceBasis::Residence)),
        (Duration::minutes(60), ConsentEvent::CheckFamily { finding: FamilyFinding::NoFamily, excluded: vec![] }),
        (
            Duration::minutes(120),
            ConsentEvent::Decide {
                consent: true,
                official: "健康推進部長（架空）".into(),
                period_end: Some(nimo_domain::clocks::after_months(requested_at, 3)),
            },
        ),
    ];
    for (revision, (after, event)) in (0i64..).zip(steps) {
        let input = ConsentInput { event, occurred_at: requested_at + after, note: String::new(), actor };
        consents::record(db, id, revision, &input, AuditEvent::cli("write")).await.context("デモ用の市町村長同意")?;
    }
    Ok(id)
}
