//! `nimo synth`: synthetic case records for a municipality's staff, sealed and counted like real
//! ones; refused without a staff account of that municipality.

use crate::harness::for_each_backend;

#[test]
fn synth_writes_a_scaled_year_of_case_records() {
    for_each_backend(|db| {
        let args = ["synth", "--municipality", "131105", "--fy", "2021", "--scale", "2"];
        let run = db.nimo(&args).fails();
        assert!(run.stderr.contains("職員アカウントがありません"), "{}", run.stderr);
        db.nimo(&["user", "add", "--login", "sato", "--name", "佐藤", "--role", "staff", "--municipality", "131105"])
            .succeeds();
        let run = db.nimo(&args).succeeds();
        assert!(run.stdout_text().contains("23条通報 80 件"), "{}", run.stdout_text());
        assert_eq!(db.count("SELECT COUNT(*) FROM report23 WHERE fiscal_year = 2021"), 80);
        assert_eq!(db.count("SELECT COUNT(*) FROM outreach_visit WHERE profession = 'psw'"), 154);
        // Names are stored sealed, never in the clear.
        assert_eq!(db.count("SELECT COUNT(*) FROM person WHERE name_kanji_sealed LIKE '%見本%'"), 0);
    });
}
