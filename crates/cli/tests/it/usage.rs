//! Arguments: Japanese help, and wrong codes, years and formats named before any work is done.

use crate::harness::{Run, for_each_backend, nimo};

#[test]
fn help_is_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::of(nimo(dir.path()).arg("--help")).succeeds();
    let help = run.stdout_text();
    for text in ["精神障害にも対応した地域包括ケアシステム", "使い方", "自治体情報シート", "マイグレーション", "デモ"]
    {
        assert!(help.contains(text), "nimo --help lacks {text}:\n{help}");
    }

    let run = Run::of(nimo(dir.path()).args(["sheet", "export", "--help"])).succeeds();
    let help = run.stdout_text();
    for text in ["シートを PDF・JSON・CSV・XLSX で出力する", "地方公共団体コード", "令和4年度", "出力形式", "標準出力"]
    {
        assert!(help.contains(text), "nimo sheet export --help lacks {text}:\n{help}");
    }

    let run = Run::of(nimo(dir.path()).args(["sheet", "import", "--help"])).succeeds();
    assert!(run.stdout_text().contains("何も変更しない"), "{}", run.stdout_text());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "help touches no database");
}

#[test]
fn a_broken_municipality_code_is_named() {
    for_each_backend(|db| {
        db.import_demo();
        let run = db.nimo(&["sheet", "export", "--municipality", "131106", "--fy", "2022", "--format", "json"]).fails();
        assert!(run.stderr.contains("131106") && run.stderr.contains("検査数字"), "{}", run.stderr);
        let run = db.nimo(&["sheet", "export", "--municipality", "目黒区", "--fy", "2022", "--format", "json"]).fails();
        assert!(run.stderr.contains("--municipality"), "{}", run.stderr);
        let run = db.nimo(&["sheet", "export", "--municipality", "131105", "--fy", "1800", "--format", "json"]).fails();
        assert!(run.stderr.contains("--fy") && run.stderr.contains("1800"), "{}", run.stderr);
    });
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    for_each_backend(|db| {
        let run = db.nimo(&["sheet", "export", "--municipality", "131105", "--fy", "2022", "--format", "docx"]);
        assert_eq!(run.status.code(), Some(2), "clap's usage error: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(run.stderr.contains("docx") && run.stderr.contains("pdf, json, csv, xlsx"), "{}", run.stderr);
        let run = db.nimo(&["sheet", "export", "--municipality", "131105", "--format", "json"]);
        assert_eq!(run.status.code(), Some(2), "--fy is required: {}", run.stderr);
        assert!(run.stderr.contains("--fy"), "{}", run.stderr);
    });
}

#[test]
fn the_policy_table_lists_every_route_with_its_roles() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::harness::Run::of(crate::harness::nimo(dir.path()).arg("policy")).succeeds();
    let table = run.stdout_text();
    for (method, path, permission) in nimo_web::policy::POLICY {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().take(2).eq([*method, *path]))
            .unwrap_or_else(|| panic!("{method} {path} missing:\n{table}"));
        assert!(line.contains(permission.code()), "{line}");
    }
    assert!(table.contains("GET     /municipalities/{code}/sheets/{fy}/edit/{section}    sheet.write   admin, staff"));
    assert!(table.contains("表にないルートはすべて拒否します"));
}
