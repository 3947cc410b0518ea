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

#[test]
fn the_synthetic_meguro_year_shows_as_derived_figures_in_every_way_out() {
    for_each_backend(|db| {
        db.import_demo();
        let figures = ["sheet", "figures", "--municipality", "131105", "--fy", "2022"];
        let before = db.nimo(&figures).succeeds().stdout_text();
        assert!(
            before.contains(
                "report23.in_area\t②措置入院者退院後支援：（参考）目黒区内 23条通報\t—\t40\t入力値（記録なし）"
            ),
            "{before}"
        );
        db.nimo(&["user", "add", "--login", "sato", "--name", "佐藤", "--role", "staff", "--municipality", "131105"])
            .succeeds();
        db.nimo(&["synth", "--municipality", "131105", "--fy", "2021"]).succeeds();
        let after = db.nimo(&figures).succeeds().stdout_text();
        assert!(after.contains("令和3年度の記録から集計: 2021-04-01 〜 2022-03-31"), "{after}");
        for (key, n) in [
            ("report23.in_area", "40"),
            ("report23.residents", "32"),
            ("report23.residents.sochi", "6"),
            ("report23.residents.iryo_hogo", "3"),
            ("report23.residents.no_admission", "3"),
            ("discharge_support.plans", "1"),
            ("outreach.visits.doctor", "2"),
            ("outreach.visits.psw", "77"),
        ] {
            let line = after.lines().find(|l| l.starts_with(&format!("{key}\t"))).unwrap_or_else(|| panic!("{key}"));
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!((cells[2], cells[4]), (n, "集計値"), "{line}");
        }
        // The exported sheet carries the derived values, marked as such.
        let json: serde_json::Value = serde_json::from_slice(&db.export("json")).unwrap();
        let lines = json["sheet"]["outcomes"]["indicators"][1]["breakdown"].as_array().unwrap().clone();
        assert!(lines.iter().all(|l| l["value"]["source"] == "derived"), "{lines:?}");
        assert_eq!(lines[0]["value"]["value"], 40);
    });
}
