//! `nimo-bench-cases`: worklist, person-timeline and caseload latency at 10x 目黒区 volume.
//!
//! ```text
//! cargo run --release -p nimo-bench --bin nimo-bench-cases                  # 10 years × 400 reports, both backends
//! cargo run -p nimo-bench --bin nimo-bench-cases -- --years 2 --scale 2    # a quick look
//! ```
//!
//! Fills a fresh database per backend with `--years` fiscal years of `--scale` times the
//! synthetic 目黒区 year (40 reports, 99 visits, 2 plans per unit; the last three cases of each
//! year stay open), written through the app's own store functions (sealed, audited). Then times
//! `cases::worklist` for the whole municipality (opening every open case's kana name) and
//! `cases::timeline` for people picked in turn and `districts::caseload` (per staff member and
//! per 地区, five 地区 listed), `--samples` times each, and prints p50/p99. The clock board: one
//! admission per four reports, spread over the years (each 緊急措置 turned 措置入院 by its
//! 措置診察, all but the last 30 discharged), then `admissions::open_in` and `clocks::board` over
//! their clocks, as the board page and the start page call them.

use clap::Parser;
use nimo_store::testing::{TestDb, backends};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(name = "nimo-bench-cases", about = "Times the case worklist and person timeline at 10x 目黒区 volume")]
struct Options {
    /// Fiscal years of records.
    #[arg(long, default_value_t = 10)]
    years: i32,
    /// Multiples of the 目黒区 year (40 reports) per fiscal year.
    #[arg(long, default_value_t = 10)]
    scale: usize,
    /// Timed calls per measurement.
    #[arg(long, default_value_t = 200)]
    samples: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!(
        "case work at {} years × {} reports ({profile} build), {} samples each",
        options.years,
        options.scale * 40,
        options.samples
    );
    for backend in backends() {
        let t = TestDb::new(backend).await?;
        let staff = nimo_store::accounts::create_user(
            &t.db,
            &nimo_store::accounts::NewUser {
                login: "bench-nurse",
                display_name: "ベンチ 保健師",
                role: nimo_domain::access::Role::Staff,
                scope: nimo_domain::access::Scope {
                    municipality: Some(nimo_domain::MunicipalityCode::parse("131105")?),
                    ..Default::default()
                },
                password: "bench password for the case work",
                must_change_password: false,
            },
            nimo_store::audit::AuditEvent::cli("user_admin").with_detail("create"),
        )
        .await?;
        let staffing = nimo_store::synthetic::Staffing { anywhere: vec![staff.id], districts: vec![] };
        for name in nimo_store::synthetic::MEGURO_DISTRICTS {
            let audit = nimo_store::audit::AuditEvent::cli("write");
            let id = nimo_store::districts::add(&t.db, "131105", name, audit).await?;
            let audit = nimo_store::audit::AuditEvent::cli("write");
            nimo_store::districts::assign(
                &t.db,
                "131105",
                id,
                staff.id,
                nimo_store::districts::Duty::Main,
                "2013-04-01",
                audit,
            )
            .await?;
        }
        let started = Instant::now();
        let mut cases = 0;
        for year in 0..options.years {
            let fy = nimo_domain::FiscalYear(2013 + year);
            let seed = u64::try_from(year).unwrap_or(0);
            cases += nimo_store::synthetic::year(&t.db, "131105", fy, &staffing, options.scale, seed).await?.cases;
        }
        let fill = started.elapsed();
        let mut worklist = Vec::with_capacity(options.samples);
        let mut open = 0;
        for _ in 0..options.samples {
            let at = Instant::now();
            open = nimo_store::cases::worklist(&t.db, "131105", None, "2026-11-25").await?.len();
            worklist.push(at.elapsed());
        }
        let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person").fetch_one(&t.db.pool).await?;
        let mut timeline = Vec::with_capacity(options.samples);
        let mut entries = 0;
        for k in 0..options.samples {
            let person = 1 + i64::try_from(k * 7919).unwrap_or(0) % people.max(1);
            let at = Instant::now();
            entries += nimo_store::cases::timeline(&t.db, person).await?.len();
            timeline.push(at.elapsed());
        }
        let mut caseload = Vec::with_capacity(options.samples);
        let mut lines = 0;
        for _ in 0..options.samples {
            let at = Instant::now();
            let view = nimo_store::districts::View::default();
            let load = nimo_store::districts::caseload(&t.db, "131105", view, "2026-11-25").await?;
            lines = load.districts.len() + load.staff.len();
            caseload.push(at.elapsed());
        }
        let (admitted, board_lines, board) = clock_board(&t.db, staff.id, cases, options.samples).await?;
        let b = nimo_bench::Summary::of(board);
        let c = nimo_bench::Summary::of(caseload);
        let w = nimo_bench::Summary::of(worklist);
        let l = nimo_bench::Summary::of(timeline);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<8} {cases} reports, {people} people, filled in {:.0} s | worklist ({open} open): p50 {:.2} ms p99 {:.2} ms | \
             timeline (avg {:.1} entries): p50 {:.2} ms p99 {:.2} ms | caseload ({lines} lines): p50 {:.2} ms p99 {:.2} ms | \
             clock board ({admitted} admissions, {board_lines} running clocks): p50 {:.2} ms p99 {:.2} ms",
            backend.name(),
            fill.as_secs_f64(),
            ms(w.p50),
            ms(w.p99),
            entries as f64 / options.samples as f64,
            ms(l.p50),
            ms(l.p99),
            ms(c.p50),
            ms(c.p99),
            ms(b.p50),
            ms(b.p99)
        );
    }
    Ok(())
}

/// Records one admission per four reports for the first people, spread over the years before
/// 2026-11-25, and times the clock board's query and ordering.
async fn clock_board(
    db: &nimo_store::Db,
    actor: i64,
    cases: usize,
    samples: usize,
) -> anyhow::Result<(usize, usize, Vec<Duration>)> {
    use nimo_domain::admissions::{AdmissionEvent, FormEntry, HospitalRef};
    use nimo_domain::beds::AdmissionType::{KinkyuSochi, Sochi};
    use nimo_store::admissions::{self, NewAdmission};
    let now = time::macros::datetime!(2026-11-25 12:00 +09:00);
    let n = cases / 4;
    let people = nimo_store::synthetic::first_people(db, "131105", i64::try_from(n)?).await?;
    let span = i64::try_from(n.max(1))?;
    for (k, (person_id, district)) in people.iter().enumerate() {
        let k = i64::try_from(k)?;
        let admitted_at = now - time::Duration::days(3650 * (span - k) / span) - time::Duration::hours(1);
        let new = NewAdmission {
            municipality: nimo_domain::MunicipalityCode::parse("131105")?,
            district: district.clone(),
            person_id: *person_id,
            case_id: None,
            hospital: HospitalRef::Typed("ベンチ病院".into()),
            entry: FormEntry::plain(KinkyuSochi),
            admitted_at,
            actor,
        };
        let audit = || nimo_store::audit::AuditEvent::cli("write");
        let id = admissions::admit(db, &new, audit()).await?;
        let exam = AdmissionEvent::ChangeForm(FormEntry::plain(Sochi));
        admissions::record(db, id, 0, admitted_at + time::Duration::minutes(30), &exam, actor, audit()).await?;
        if k < span - 30 {
            let out = AdmissionEvent::LiftSochi { then: None };
            admissions::record(db, id, 1, admitted_at + time::Duration::minutes(45), &out, actor, audit()).await?;
        }
    }
    let mut timings = Vec::with_capacity(samples);
    let mut lines = 0;
    for _ in 0..samples {
        let at = Instant::now();
        let open = admissions::open_in(db, "131105", None, now.to_offset(time::UtcOffset::UTC)).await?;
        let clocks: Vec<_> = open.iter().flat_map(|a| a.clocks()).collect();
        lines = nimo_domain::clocks::board(&clocks, now).len();
        timings.push(at.elapsed());
    }
    Ok((people.len(), lines, timings))
}
