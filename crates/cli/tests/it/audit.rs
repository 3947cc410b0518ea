//! `nimo audit`: verify passes on an untouched log and names the first broken row of a tampered
//! one; export writes CSV with a BOM; `sheet import` leaves an audit row, and a command whose
//! audit row cannot be written changes nothing.

use crate::harness::{Run, TestDatabase, for_each_backend, nimo};

#[test]
fn a_command_whose_audit_row_cannot_be_written_changes_nothing() {
    for_each_backend(|db| {
        db.import_demo();
        db.refuse_audit_appends(true);
        let mut sheet = nimo_domain::demo::meguro_r4();
        sheet.header.slogan = "監査ログに残らない取り込み".into();
        let file = db.write("changed.json", &nimo_exchange::to_json(&sheet));
        let run = db.nimo(&["sheet", "import", &file, "--replace"]).fails();
        assert!(run.stderr.contains("何も変更していません"), "{}", run.stderr);
        assert_eq!(db.count("SELECT revision FROM sheet"), 1, "{:?}: the import was rolled back", db.backend);
        let add =
            ["user", "add", "--login", "tanaka", "--name", "目黒 花子", "--role", "staff", "--municipality", "131105"];
        let run = db.nimo(&add).fails();
        assert!(run.stderr.contains("audit refused"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "no password printed for an account that was not made");
        assert_eq!(db.count("SELECT COUNT(*) FROM app_user"), 0, "no account made");
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log"), 1, "only the first import's row");
    });
}

/// Imports the demo sheet `times` times (the later ones with --replace): one audit row each.
fn import_demo_times(db: &TestDatabase, times: usize) {
    db.import_demo();
    let file = db.path("demo.json");
    for _ in 1..times {
        db.nimo(&["sheet", "import", file.to_str().unwrap(), "--replace"]).succeeds();
    }
}

#[test]
fn a_sheet_import_appends_an_audit_row() {
    for_each_backend(|db| {
        import_demo_times(db, 1);
        let rows = "SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND origin = 'cli' AND action = 'import'
                    AND record_type = 'sheet' AND record_id = '131105/2022' AND outcome = 'ok'";
        assert_eq!(db.count(rows), 1, "{:?}", db.backend);
        let refused = db.write("bad.json", b"{");
        db.nimo(&["sheet", "import", &refused]).fails();
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log"), 1, "a refused import changes nothing, so logs nothing");
    });
}

#[test]
fn verify_passes_on_an_untouched_log() {
    for_each_backend(|db| {
        import_demo_times(db, 3);
        let run = db.nimo(&["audit", "verify"]).succeeds();
        assert!(run.stderr.contains("監査ログ 3 行を検証しました。改ざんは見つかりません"), "{}", run.stderr);
        assert!(run.stderr.contains("最終行のハッシュ: "), "{}", run.stderr);
    });
}

#[test]
fn verify_names_the_first_broken_row() {
    for_each_backend(|db| {
        import_demo_times(db, 3);
        db.behind_the_triggers_back("audit_log", "DELETE FROM audit_log WHERE id = 2");
        let run = db.nimo(&["audit", "verify"]).fails();
        assert!(run.stderr.contains("監査ログの行 2 で改ざんを検出しました"), "{:?}: {}", db.backend, run.stderr);
        assert!(run.stderr.contains("削除されています"), "{}", run.stderr);
        assert!(run.stderr.contains("それより前の 1 行は正常です"), "{}", run.stderr);

        db.behind_the_triggers_back("audit_log", "UPDATE audit_log SET record_id = '131113/2022' WHERE id = 1");
        let run = db.nimo(&["audit", "verify"]).fails();
        assert!(run.stderr.contains("監査ログの行 1 で改ざんを検出しました"), "{:?}: {}", db.backend, run.stderr);
        assert!(run.stderr.contains("書き換えられています"), "{}", run.stderr);
    });
}

#[test]
fn export_writes_csv_with_a_bom_and_every_row() {
    for_each_backend(|db| {
        import_demo_times(db, 2);
        let run = db.nimo(&["audit", "export"]).succeeds();
        let csv = run.stdout;
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id,at,actor,origin,action,record_type,record_id,outcome,detail,prev_hash,hash");
        assert_eq!(lines.len(), 3, "{text}");
        // The detail says the format, and whether the import replaced a sheet (as on the web).
        for (i, (line, detail)) in lines[1..].iter().zip(["json", "json_replace"]).enumerate() {
            assert!(line.starts_with(&format!("{},", i + 1)), "{line}");
            assert!(line.contains(&format!("Z,cli,cli,import,sheet,131105/2022,ok,{detail},")), "{line}");
        }

        let out = db.path("audit.csv");
        let run = db.nimo(&["audit", "export", "-o", out.to_str().unwrap()]).succeeds();
        assert!(run.stdout.is_empty(), "with -o nothing goes to stdout");
        assert!(run.stderr.contains("監査ログ 2 行を出力しました"), "{}", run.stderr);
        assert_eq!(std::fs::read(&out).unwrap(), csv);
    });
}

#[test]
fn export_keeps_the_days_asked_for_in_japan_time() {
    for_each_backend(|db| {
        import_demo_times(db, 2);
        let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9)).date();
        let day = |date: time::Date| date.to_string();
        let lines = |args: &[&str]| {
            let mut all = vec!["audit", "export"];
            all.extend(args);
            String::from_utf8(db.nimo(&all).succeeds().stdout).unwrap().lines().count() - 1
        };
        let (yesterday, tomorrow) = (today.previous_day().unwrap(), today.next_day().unwrap());
        assert_eq!(lines(&["--from", &day(today), "--to", &day(today)]), 2, "{:?}", db.backend);
        assert_eq!(lines(&["--to", &day(yesterday)]), 0);
        assert_eq!(lines(&["--from", &day(tomorrow)]), 0);

        let run = db.nimo(&["audit", "export", "--from", &day(tomorrow), "--to", &day(today)]).fails();
        assert!(run.stderr.contains("--to"), "{}", run.stderr);
        let run = db.nimo(&["audit", "export", "--from", "2026/04/01"]);
        assert_eq!(run.status.code(), Some(2), "a usage error: {}", run.stderr);
        assert!(run.stderr.contains("日付ではありません"), "{}", run.stderr);
    });
}

#[test]
fn audit_help_is_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let help = Run::of(nimo(dir.path()).args(["audit", "--help"])).succeeds().stdout_text();
    assert!(help.contains("監査ログのハッシュの連鎖を検証") && help.contains("CSV"), "{help}");
    let help = Run::of(nimo(dir.path()).args(["audit", "export", "--help"])).succeeds().stdout_text();
    assert!(help.contains("日本時間") && help.contains("標準出力"), "{help}");
}
