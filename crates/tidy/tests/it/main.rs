//! Tidy checks over every `.rs` file under `crates/` (after rust-analyzer's `xtask/src/tidy.rs`):
//! each file opens with a `//!` line, no file is over 400 lines unless [`LONG_FILES`] gives its
//! reason, and non-test code calls `.unwrap()` / `.expect(` only where [`UNWRAP_ALLOWED`] says why.
//!
//! Both lists are kept honest: an entry for a file that is no longer long, or a count higher than
//! the calls left, fails too, so that fixing a file also shortens the list. Test code is exempt
//! from the unwrap rule: `tests/` and `benches/` folders, build scripts, `#[cfg(test)]` items and
//! the module files they declare.

mod route_modules;

use nimo_tidy::{SourceFile, repository_root, source_files, unwrap_sites};

/// The most lines a file may have without an entry in [`LONG_FILES`].
const MAX_LINES: usize = 400;

/// Files over [`MAX_LINES`], each with why it is still one file. Split by topic, then remove the
/// entry; add one only with a reason a reviewer would accept.
const LONG_FILES: &[(&str, &str)] = &[
    ("crates/cli/src/main.rs", "the clap command tree and its dispatch; the commands' bodies already live in modules"),
    ("crates/domain/src/access.rs", "the access rules as one decision table; 160 of its lines are the unit tests"),
    ("crates/domain/src/calendar.rs", "年度 and 和暦 arithmetic; 155 of its lines are the unit tests"),
    ("crates/domain/src/cases.rs", "the case code lists and state machine (its tests are in cases/tests.rs)"),
    ("crates/domain/src/plans.rs", "the plan state machine; 230 of its lines are the unit and property tests"),
    ("crates/store/src/beds.rs", "hospitals, wards, postings and the search (holds and stats are split out)"),
    ("crates/store/src/cases.rs", "case intake, events and the worklist (activity, figures, identity are split out)"),
    ("crates/store/src/districts.rs", "地区, their staff and the caseload queries"),
    ("crates/store/src/plans.rs", "plan events and meetings with their revision checks"),
    ("crates/web/src/error/tests.rs", "unit tests: every store and account error's page and problem, one test each"),
    ("crates/web/tests/it/beds.rs", "the bed finder's HTTP tests, contention test included"),
    ("crates/web/tests/it/matrix.rs", "the authorization matrix: principals × states × routes"),
];

/// Non-test files that may call `.unwrap()` / `.expect(`: the path, how many calls, and why none
/// of them can fail. Prefer `?`, an error variant or a default; list only what cannot fail.
const UNWRAP_ALLOWED: &[(&str, usize, &str)] = &[
    // April 1st and March 31st exist in every year the time crate holds (±9999); FiscalYear::RANGE is 1989–2100.
    ("crates/domain/src/calendar.rs", 2, "April 1st and March 31st exist in every representable year"),
    // The unit tests walk DISPOSITIONS for every variant.
    ("crates/domain/src/cases.rs", 1, "every Disposition has its entry in DISPOSITIONS"),
    // The fixture is compiled in and parsed by the unit tests.
    ("crates/domain/src/lib.rs", 1, "the bundled 目黒区 sheet is valid JSON of a Sheet"),
    // csv::Writer over a Vec<u8>: the only errors are I/O errors, which a Vec never returns.
    ("crates/exchange/src/csv.rs", 2, "writing CSV into memory cannot fail"),
    // serde_json fails only on maps with non-string keys; the envelope has none.
    ("crates/exchange/src/json.rs", 1, "serialising a sheet cannot fail"),
    // VirtualPath::new refuses only paths that escape the root; the two paths are constants.
    ("crates/report/src/world.rs", 1, "the virtual paths are fixed and valid"),
    // Params::new with the constant m, t, p; hash_password fails only on invalid parameters.
    ("crates/store/src/accounts/credentials.rs", 2, "argon2id with constant, valid parameters"),
    // csv::Writer over a Vec<u8>, as in exchange.
    ("crates/store/src/audit/search.rs", 2, "writing CSV into memory cannot fail"),
    // AES-GCM refuses only plaintexts over 64 GiB; HMAC-SHA256 takes a key of any length.
    ("crates/vault/src/keyring.rs", 2, "AES-GCM and HMAC cannot fail on these inputs"),
    // Hmac::new_from_slice refuses no key length for HMAC-SHA256 (keys are hashed or padded).
    ("crates/vault/src/signing.rs", 2, "HMAC takes a key of any length"),
];

fn files() -> Vec<SourceFile> {
    match source_files(&repository_root()) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => panic!("no .rs files under {}/crates", repository_root().display()),
        Err(e) => panic!("reading the source tree: {e}"),
    }
}

fn fail_with(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn every_file_opens_with_a_doc_line() {
    let problems = files()
        .iter()
        .filter(|f| !f.text.starts_with("//!"))
        .map(|f| format!("{}:1: does not open with a `//!` line saying what the file is for (rule: doc-line)", f.path))
        .collect();
    fail_with(problems);
}

#[test]
fn no_file_is_over_the_line_limit_unless_listed() {
    let files = files();
    let mut problems = Vec::new();
    for file in &files {
        let lines = file.line_count();
        let listed = LONG_FILES.iter().any(|(path, _)| *path == file.path);
        if lines > MAX_LINES && !listed {
            problems.push(format!(
                "{}:{}: {lines} lines, over {MAX_LINES} (rule: file-size): split it by topic, or add it with its reason to LONG_FILES in {}",
                file.path,
                MAX_LINES + 1,
                file!()
            ));
        }
        if lines <= MAX_LINES && listed {
            problems.push(format!(
                "{}: {lines} lines, within {MAX_LINES} (rule: file-size): remove its entry from LONG_FILES in {}",
                file.path,
                file!()
            ));
        }
    }
    for (path, _) in LONG_FILES {
        if !files.iter().any(|f| f.path == *path) {
            problems.push(format!("{path}: listed in LONG_FILES but missing (rule: file-size): remove the entry"));
        }
    }
    fail_with(problems);
}

#[test]
fn no_unwrap_or_expect_in_non_test_code_unless_listed() {
    let files = files();
    let sites = unwrap_sites(&files);
    let mut problems = Vec::new();
    let mut paths: Vec<&str> = sites.iter().map(|s| s.path.as_str()).collect();
    paths.dedup();
    for path in paths {
        let here: Vec<_> = sites.iter().filter(|s| s.path == path).collect();
        match UNWRAP_ALLOWED.iter().find(|(listed, _, _)| *listed == path) {
            None => problems.extend(here.iter().map(|site| {
                format!("{site}\n    `.unwrap()`/`.expect(` in non-test code (rule: no-unwrap): use `?`, an error or a default")
            })),
            Some((_, allowed, _)) if here.len() > *allowed => {
                problems.push(format!(
                    "{path}: {} calls of `.unwrap()`/`.expect(` in non-test code, {allowed} allowed in UNWRAP_ALLOWED (rule: no-unwrap):",
                    here.len()
                ));
                problems.extend(here.iter().map(|site| format!("    {site}")));
            }
            Some(_) => {}
        }
    }
    for (path, allowed, _) in UNWRAP_ALLOWED {
        let found = sites.iter().filter(|s| s.path == *path).count();
        if found < *allowed {
            problems.push(format!(
                "{path}: UNWRAP_ALLOWED allows {allowed} calls but {found} are left (rule: no-unwrap): lower the count in {}",
                file!()
            ));
        }
    }
    fail_with(problems);
}
