//! Store tests, each run on every backend of `nimo_store::testing::backends()`.

mod account_rules;
mod accounts;
mod admissions;
mod app_role;
mod audit;
mod bed_snapshot;
mod beds;
mod case_rules;
mod cases;
mod consents;
mod council;
mod directory;
mod districts;
mod earlier_schemas;
mod password_history;
mod pdca;
mod plans;
mod retention;
mod schema;
mod sealed;
mod sign_in_delays;
mod sqlite_build;
mod tokens;
mod upgrades;

use nimo_domain::{FiscalYear, MunicipalityCode, demo};
use nimo_store::audit::AuditEvent;
use nimo_store::sheets::SaveMode;
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Backend, Record, StoreError, menu, municipalities, sheets};

#[tokio::test]
async fn a_saved_sheet_loads_back_equal() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let sheet = demo::meguro_r4();
        assert_eq!(sheets::save(&t.db, &sheet, SaveMode::Create, AuditEvent::cli("import")).await.unwrap(), 1);
        let stored = sheets::load(&t.db, &sheet.municipality.code, sheet.fiscal_year).await.unwrap();
        assert_eq!(stored.sheet, sheet, "{backend:?}");
        assert_eq!(stored.revision, 1);
    }
}

#[tokio::test]
async fn saving_again_bumps_the_revision_and_a_stale_save_is_a_conflict() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let mut sheet = demo::meguro_r4();
        sheets::save(&t.db, &sheet, SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        sheet.history.pop();
        assert_eq!(
            sheets::save(&t.db, &sheet, SaveMode::Update { revision: 1 }, AuditEvent::cli("import")).await.unwrap(),
            2
        );
        let err =
            sheets::save(&t.db, &sheet, SaveMode::Update { revision: 1 }, AuditEvent::cli("import")).await.unwrap_err();
        assert!(matches!(err, StoreError::StaleRevision(Record::Sheet)), "{backend:?}: {err}");
        let stored = sheets::load(&t.db, &sheet.municipality.code, sheet.fiscal_year).await.unwrap();
        assert_eq!(stored.sheet.history.len(), 8);
    }
}

#[tokio::test]
async fn an_unknown_sheet_is_not_found() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let code = MunicipalityCode::parse("131105").unwrap();
        let err = sheets::load(&t.db, &code, FiscalYear(2022)).await.unwrap_err();
        assert!(err.is_not_found(), "{backend:?}");
        assert!(municipalities::get(&t.db, &code).await.unwrap_err().is_not_found());
    }
}

#[tokio::test]
async fn the_menu_is_versioned_by_fiscal_year() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let r4 = menu::for_fiscal_year(&t.db, FiscalYear(2022)).await.unwrap();
        assert_eq!(r4.items.len(), 14);
        assert_eq!(r4.label(6), Some("アウトリーチ支援"));
        let h29 = menu::for_fiscal_year(&t.db, FiscalYear(2017)).await.unwrap();
        assert!(h29.items.is_empty(), "{backend:?}: no menu is known before FY2018");
        // Migrating twice is harmless.
        t.db.migrate().await.unwrap();
        assert_eq!(menu::for_fiscal_year(&t.db, FiscalYear(2022)).await.unwrap().items.len(), 14);
    }
}

#[tokio::test]
async fn municipalities_list_their_fiscal_years() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let sheet = demo::meguro_r4();
        let next = sheet.copy_to_next_year();
        sheets::save_all(&t.db, &[sheet.clone(), next], SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        let list = municipalities::list(&t.db).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].fiscal_years, vec![FiscalYear(2023), FiscalYear(2022)]);
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync() {
    let t = TestDb::new(Backend::Sqlite).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&t.db.pool).await.unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&t.db.pool).await.unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL is 2");
}

#[tokio::test]
async fn create_refuses_an_existing_sheet_and_replace_overwrites_it() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let mut sheet = demo::meguro_r4();
        sheets::save(&t.db, &sheet, SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        sheet.header.slogan = "上書き".into();
        let err = sheets::save(&t.db, &sheet, SaveMode::Create, AuditEvent::cli("import")).await.unwrap_err();
        assert!(matches!(err, StoreError::SheetExists { .. }), "{backend:?}: {err}");
        assert_eq!(sheets::save(&t.db, &sheet, SaveMode::Replace, AuditEvent::cli("import")).await.unwrap(), 2);
        let stored = sheets::load(&t.db, &sheet.municipality.code, sheet.fiscal_year).await.unwrap();
        assert_eq!(stored.sheet.header.slogan, "上書き");
        let missing = nimo_domain::Sheet { fiscal_year: FiscalYear(2030), ..sheet.clone() };
        let err = sheets::save(&t.db, &missing, SaveMode::Update { revision: 1 }, AuditEvent::cli("import"))
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{backend:?}: {err}");
    }
}

/// Two editors who both started from revision 1 must not both win: on PostgreSQL a read-then-write
/// check under READ COMMITTED would let both through; the conditional UPDATE does not.
#[tokio::test]
async fn concurrent_saves_of_one_revision_have_exactly_one_winner() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let sheet = demo::meguro_r4();
        sheets::save(&t.db, &sheet, SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let db = t.db.clone();
            let mut edited = sheet.clone();
            edited.policy.goal = format!("編集者{i}");
            tasks.push(tokio::spawn(async move {
                sheets::save(&db, &edited, SaveMode::Update { revision: 1 }, AuditEvent::cli("import")).await
            }));
        }
        let mut winners = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            match task.await.unwrap() {
                Ok(revision) => winners.push((i, revision)),
                Err(StoreError::StaleRevision(Record::Sheet)) => {}
                Err(other) => panic!("{backend:?}: {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "{backend:?}: {winners:?}");
        let stored = sheets::load(&t.db, &sheet.municipality.code, sheet.fiscal_year).await.unwrap();
        assert_eq!(stored.revision, 2);
        assert_eq!(stored.sheet.policy.goal, format!("編集者{}", winners[0].0));
    }
}

#[tokio::test]
async fn concurrent_creates_of_one_sheet_have_exactly_one_winner() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let db = t.db.clone();
                tokio::spawn(async move {
                    sheets::save(&db, &demo::meguro_r4(), SaveMode::Create, AuditEvent::cli("import")).await
                })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => created += 1,
                Err(StoreError::SheetExists { .. }) => {}
                Err(other) => panic!("{backend:?}: {other}"),
            }
        }
        assert_eq!(created, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn loads_during_saves_always_see_a_whole_sheet() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let small = demo::meguro_r4();
        let mut large = small.clone();
        large.history.extend(small.history.clone());
        large.outcomes.indicators.truncate(1);
        sheets::save(&t.db, &small, SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        let writer = {
            let db = t.db.clone();
            let (small, large) = (small.clone(), large.clone());
            tokio::spawn(async move {
                for i in 0..30 {
                    let sheet = if i % 2 == 0 { &large } else { &small };
                    sheets::save(&db, sheet, SaveMode::Replace, AuditEvent::cli("import")).await.unwrap();
                }
            })
        };
        for _ in 0..30 {
            let stored = sheets::load(&t.db, &small.municipality.code, small.fiscal_year).await.unwrap();
            assert!(stored.sheet == small || stored.sheet == large, "{backend:?}: a half-written sheet was read");
        }
        writer.await.unwrap();
    }
}

#[tokio::test]
async fn a_read_only_command_does_not_create_an_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("nimo-missing-{}", std::process::id()));
    let url = format!("sqlite://{}/nimo.db", dir.display());
    let err = nimo_store::Db::connect_existing(&url).await.unwrap_err();
    assert!(matches!(err, StoreError::Missing(_)), "{err}");
    assert!(!dir.exists());
}
