//! `nimo districts` as an administrator runs it: 地区 are added and listed, a staff account of
//! the municipality is put in charge and taken off, anything else is refused with a message that
//! says why, and every change is in the audit log.

use crate::harness::for_each_backend;
use std::process::Stdio;

#[test]
fn districts_are_added_listed_and_staffed_from_the_command_line() {
    for_each_backend(|db| {
        for (login, role) in [("tanaka", "staff"), ("kyogi", "council")] {
            let args =
                ["user", "add", "--login", login, "--name", "目黒 花子", "--role", role, "--municipality", "131105"];
            let output = db.command(&args).stdin(Stdio::null()).output().expect("user add");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        }
        let list = ["districts", "list", "--municipality", "131105"];
        let run = db.nimo(&list).succeeds();
        assert!(run.stdout_text().is_empty() && run.stderr.contains("地区はまだありません"), "{}", run.stderr);
        for name in ["東部", "西部"] {
            db.nimo(&["districts", "add", "--municipality", "131105", "--name", name]).succeeds();
        }
        let run = db.nimo(&["districts", "add", "--municipality", "131105", "--name", "東部"]).fails();
        assert!(run.stderr.contains("地区「東部」がすでにあります"), "{}", run.stderr);

        let assign = |login: &str, district: &str| {
            let mut args = vec!["districts", "assign", "--municipality", "131105", "--district", district];
            args.extend(["--login", login, "--duty", "main", "--since", "2022-04-01"]);
            db.nimo(&args)
        };
        assign("tanaka", "東部").succeeds();
        let listed = db.nimo(&list).succeeds().stdout_text();
        assert!(listed.contains("東部\t目黒 花子（主担当、2022-04-01 から）"), "{listed}");
        assert!(listed.contains("西部\t担当なし"), "{listed}");
        let run = assign("kyogi", "東部").fails();
        assert!(run.stderr.contains("staff"), "only staff accounts: {}", run.stderr);
        let run = assign("tanaka", "南部").fails();
        assert!(run.stderr.contains("地区「南部」はありません"), "{}", run.stderr);

        let unassign = ["districts", "unassign", "--municipality", "131105", "--district", "東部", "--login", "tanaka"];
        db.nimo(&unassign).succeeds();
        assert!(db.nimo(&list).succeeds().stdout_text().contains("東部\t担当なし"));
        let run = db.nimo(&unassign).fails();
        assert!(run.stderr.contains("担当ではありません"), "{}", run.stderr);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM audit_log WHERE record_type = 'district'"),
            4,
            "two added, one assigned, one taken off"
        );
    });
}

#[test]
fn the_health_centre_is_set_from_the_command_line_and_a_bad_number_refused() {
    for_each_backend(|db| {
        db.import_demo();
        let set = |phone: &str| {
            let args = ["districts", "health-centre", "--municipality", "131105", "--name", " 目黒区保健所 "];
            let mut args = args.to_vec();
            args.extend(["--phone", phone]);
            db.nimo(&args)
        };
        let run = set("3715-1111").fails();
        assert!(run.stderr.contains("--phone: 折り返しの電話番号を「03-3715-1111」の形"), "{}", run.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'health_centre_set'"), 0, "nothing written");
        let run = set("０３－３７１５－１１１１").succeeds();
        assert!(run.stderr.contains("「目黒区保健所」（折り返し 03-3715-1111）"), "{}", run.stderr);
        let stored = "SELECT COUNT(*) FROM municipality \
                      WHERE code = '131105' AND health_centre = '目黒区保健所' AND callback_phone = '03-3715-1111'";
        assert_eq!(db.count(stored), 1);
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'health_centre_set' AND actor = 'cli' \
                       AND record_type = 'municipality' AND record_id = '131105'";
        assert_eq!(db.count(audited), 1);
        let args = [
            "districts",
            "health-centre",
            "--municipality",
            "131113",
            "--name",
            "渋谷区保健所",
            "--phone",
            "03-3463-1211",
        ];
        assert!(db.nimo(&args).fails().stderr.contains("自治体 131113 はありません"));
    });
}
