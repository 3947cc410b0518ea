//! Store tests, each run on every backend of `nimo_store::testing::backends()`.

use nimo_domain::{FiscalYear, MunicipalityCode, demo};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{StoreError, menu, municipalities, sheets};

#[tokio::test]
async fn a_saved_sheet_loads_back_equal() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let sheet = demo::meguro_r4();
        assert_eq!(sheets::save(&t.db, &sheet, None).await.unwrap(), 1);
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
        sheets::save(&t.db, &sheet, None).await.unwrap();
        sheet.history.pop();
        assert_eq!(sheets::save(&t.db, &sheet, Some(1)).await.unwrap(), 2);
        let err = sheets::save(&t.db, &sheet, Some(1)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{backend:?}: {err}");
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
        sheets::save_all(&t.db, &[sheet.clone(), next]).await.unwrap();
        let list = municipalities::list(&t.db).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].fiscal_years, vec![FiscalYear(2023), FiscalYear(2022)]);
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync() {
    let t = TestDb::new(nimo_store::Backend::Sqlite).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&t.db.pool).await.unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&t.db.pool).await.unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL is 2");
}
