//! `nimo sheet import`: a file round-trips byte for byte, an existing sheet is replaced only
//! when asked, and a bad file is refused with its place named and nothing changed.

use crate::harness::{demo_json, export_args, for_each_backend};
use crate::workbook::{edit, row_of, sheet};
use calamine::Data;

#[test]
fn a_json_file_imports_and_exports_byte_identical() {
    for_each_backend(|db| {
        let file = db.write("meguro.json", &demo_json());
        let run = db.nimo(&["sheet", "import", &file]).succeeds();
        assert!(run.stderr.contains("取り込みました: 目黒区 令和4年度"), "{}", run.stderr);
        assert!(run.stdout.is_empty());

        let out = db.path("out.json");
        let mut args = export_args("json").to_vec();
        args.extend(["-o", out.to_str().unwrap()]);
        let run = db.nimo(&args).succeeds();
        assert!(run.stdout.is_empty(), "with -o nothing goes to stdout");
        assert!(run.stderr.contains("に出力しました"), "{}", run.stderr);
        assert_eq!(std::fs::read(&out).unwrap(), demo_json(), "{:?}", db.backend);

        assert_eq!(db.export("json"), demo_json(), "stdout export, {:?}", db.backend);
    });
}

#[test]
fn importing_twice_needs_replace() {
    for_each_backend(|db| {
        db.import_demo();
        let mut changed = nimo_domain::demo::meguro_r4();
        changed.header.slogan = "～取り込みで更新したスローガン～".into();
        let file = db.write("changed.json", &nimo_exchange::to_json(&changed));

        let run = db.nimo(&["sheet", "import", &file]).fails();
        assert!(run.stderr.contains("すでにあります"), "{}", run.stderr);
        assert!(run.stderr.contains("--replace"), "{}", run.stderr);
        assert!(run.stderr.contains("何も変更していません"), "{}", run.stderr);
        assert_eq!(db.export("json"), demo_json());

        db.nimo(&["sheet", "import", &file, "--replace"]).succeeds();
        assert_eq!(db.export("json"), nimo_exchange::to_json(&changed), "{:?}", db.backend);
    });
}

/// Bad files, each with the words its error message must contain (its place in the file).
fn bad_files() -> Vec<(&'static str, Vec<u8>, Vec<String>)> {
    let good = String::from_utf8(demo_json()).unwrap();
    let replaced = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        good.replacen(from, to, 1).into_bytes()
    };
    let xlsx = nimo_exchange::to_xlsx(&nimo_domain::demo::meguro_r4()).unwrap();
    let mut hokenjo_row = 0;
    let fraction_in_a_count = edit(&xlsx, |cells| {
        let basic = sheet(cells, "基礎情報");
        hokenjo_row = row_of(basic, 0, "hokenjo");
        basic.insert((hokenjo_row, 4), Data::Float(12.5));
    });
    let hokenjo_place = format!("「基礎情報」シート {}行目 値", hokenjo_row + 1);
    let words = |list: &[&str]| list.iter().map(|word| word.to_string()).collect::<Vec<_>>();
    vec![
        ("menu.json", replaced("\"menu_code\": 6", "\"menu_code\": 15"), words(&["strengths.items[1].menu_code"])),
        (
            "code.json",
            replaced("\"code\": \"131105\"", "\"code\": \"131106\""),
            words(&["municipality.code", "131106", "検査数字"]),
        ),
        (
            "string.json",
            replaced("\"value\": 157988", "\"value\": \"157988\""),
            words(&["basic.figures.households", "行目"]),
        ),
        ("truncated.json", good.as_bytes()[..good.len() / 2].to_vec(), words(&["JSON", "行目"])),
        ("unknown.json", replaced("\"slogan\"", "\"slogn\""), words(&["slogn"])),
        ("truncated.xlsx", xlsx[..xlsx.len() / 2].to_vec(), words(&["XLSXファイルとして読み取れません"])),
        ("fraction.xlsx", fraction_in_a_count, vec![hokenjo_place, "整数ではありません".into()]),
    ]
}

#[test]
fn a_bad_file_is_refused_and_changes_nothing() {
    let cases = bad_files();
    for_each_backend(|db| {
        db.import_demo();
        let before = db.export("json");
        for (name, bytes, places) in &cases {
            let file = db.write(name, bytes);
            let run = db.nimo(&["sheet", "import", &file, "--replace"]).fails();
            assert!(run.stderr.contains("何も変更していません"), "{name}: {}", run.stderr);
            assert!(run.stderr.contains(name), "the file is named: {}", run.stderr);
            for place in places {
                assert!(run.stderr.contains(place), "{name} ({:?}) lacks {place}: {}", db.backend, run.stderr);
            }
            assert_eq!(db.export("json"), before, "{name} changed the sheet ({:?})", db.backend);
        }
    });
}
