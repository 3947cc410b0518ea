//! The tidy checks' reading of the source tree: every `.rs` file under `crates/`, which of its
//! lines are test code, and where non-test code calls `.unwrap()` or `.expect(`.
//!
//! The rules themselves and their allow-lists live in this crate's test (`tests/it/main.rs`), so
//! that `cargo test` (and `scripts/test.sh`) enforces them. The reading is deliberately small: a
//! lexer that blanks comments and string literals, and the layout rustfmt guarantees (a
//! `#[cfg(test)]` item ends at the first `}` line with the item's own indentation).

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A Rust source file of the workspace.
pub struct SourceFile {
    /// The path relative to the repository root, with `/` separators (`crates/store/src/db.rs`).
    pub path: String,
    /// The file's text.
    pub text: String,
}

impl SourceFile {
    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.text.lines().count()
    }
}

/// One call of `.unwrap()` or `.expect(` in non-test code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnwrapSite {
    /// The file, relative to the repository root.
    pub path: String,
    /// The 1-based line.
    pub line: usize,
    /// The line's text, trimmed.
    pub text: String,
}

impl fmt::Display for UnwrapSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.text)
    }
}

/// The repository root, two folders above this crate.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `root/crates`, sorted by path; `target` and hidden folders are skipped.
pub fn source_files(root: &Path) -> io::Result<Vec<SourceFile>> {
    let mut paths = Vec::new();
    collect(&root.join("crates"), &mut paths)?;
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let relative = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        files.push(SourceFile { path: relative, text: std::fs::read_to_string(&path)? });
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            if name != "target" && !name.starts_with('.') {
                collect(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether a whole file is test code: anything in a `tests` or `benches` folder, a build script,
/// or a module file that its parent declares under `#[cfg(test)]` (see [`test_module_files`]).
pub fn is_test_file(path: &str, test_modules: &BTreeSet<String>) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    segments.iter().any(|s| *s == "tests" || *s == "benches")
        || segments.last() == Some(&"build.rs")
        || test_modules.contains(path)
}

/// The files of modules declared as `#[cfg(test)] mod name;`: `dir/name.rs` (or
/// `dir/name/mod.rs`) beside a `lib.rs`, `main.rs` or `mod.rs`, else `dir/stem/name.rs`.
pub fn test_module_files(files: &[SourceFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in files {
        let lines: Vec<&str> = file.text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            if line.trim() != "#[cfg(test)]" {
                continue;
            }
            let Some(item) = lines[index + 1..].iter().find(|l| !l.trim().starts_with("#[")) else { continue };
            let Some(name) = declared_module(item) else { continue };
            let (dir, stem) = match file.path.rsplit_once('/') {
                Some((dir, file_name)) => (dir, file_name.trim_end_matches(".rs")),
                None => ("", file.path.trim_end_matches(".rs")),
            };
            let base = if matches!(stem, "lib" | "main" | "mod") { dir.to_string() } else { format!("{dir}/{stem}") };
            out.insert(format!("{base}/{name}.rs"));
            out.insert(format!("{base}/{name}/mod.rs"));
        }
    }
    out
}

/// `name` of a line `mod name;` or `pub(crate) mod name;`.
fn declared_module(line: &str) -> Option<&str> {
    let line = line.trim();
    let rest = line.strip_prefix("pub ").or_else(|| line.split_once(") ").map(|(_, r)| r)).unwrap_or(line);
    let name = rest.strip_prefix("mod ")?.strip_suffix(';')?;
    name.chars().all(|c| c.is_alphanumeric() || c == '_').then_some(name)
}

/// Each line of `text` with comments and the contents of string and character literals replaced
/// by spaces, so that searching the result finds only code. Block comments may nest; string
/// literals (plain, byte, raw with any number of `#`) may span lines.
pub fn code_lines(text: &str) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Code,
        Str,
        RawStr(usize),
        Block(usize),
    }
    let mut state = State::Code;
    let mut out = Vec::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut code = String::with_capacity(line.len());
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match state {
                State::Code => {
                    if c == '/' && next == Some('/') {
                        break;
                    } else if c == '/' && next == Some('*') {
                        state = State::Block(1);
                        i += 2;
                        continue;
                    } else if c == '"' {
                        state = State::Str;
                        code.push('"');
                    } else if let Some(hashes) = raw_string_start(&chars, i) {
                        // `r`, `br`, then the hashes and the quote.
                        state = State::RawStr(hashes);
                        let prefix_len = if c == 'b' { 2 } else { 1 };
                        code.extend(std::iter::repeat_n(' ', prefix_len + hashes));
                        code.push('"');
                        i += prefix_len + hashes + 1;
                        continue;
                    } else if c == '\'' {
                        // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
                        let end = if next == Some('\\') {
                            // The escaped character is at i + 2; the closing quote comes after it.
                            chars
                                .get(i + 3..)
                                .and_then(|rest| rest.iter().position(|&ch| ch == '\''))
                                .map(|p| i + 3 + p)
                        } else if chars.get(i + 2) == Some(&'\'') {
                            Some(i + 2)
                        } else {
                            None
                        };
                        if let Some(end) = end {
                            code.push('\'');
                            code.extend(std::iter::repeat_n(' ', end - i - 1));
                            code.push('\'');
                            i = end + 1;
                            continue;
                        }
                        code.push(c);
                    } else {
                        code.push(c);
                    }
                }
                State::Str => {
                    if c == '\\' {
                        code.push_str("  ");
                        i += 2;
                        continue;
                    }
                    if c == '"' {
                        state = State::Code;
                        code.push('"');
                    } else {
                        code.push(' ');
                    }
                }
                State::RawStr(hashes) => {
                    if c == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                        state = State::Code;
                        code.push('"');
                        code.extend(std::iter::repeat_n(' ', hashes));
                        i += hashes + 1;
                        continue;
                    }
                    code.push(' ');
                }
                State::Block(depth) => {
                    if c == '*' && next == Some('/') {
                        state = if depth == 1 { State::Code } else { State::Block(depth - 1) };
                        i += 2;
                        continue;
                    }
                    if c == '/' && next == Some('*') {
                        state = State::Block(depth + 1);
                        i += 2;
                        continue;
                    }
                }
            }
            i += 1;
        }
        out.push(code);
    }
    out
}

/// The number of `#` of a raw string literal starting at `i` (`r"`, `r#"`, `br##"` …), if one does.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    // An identifier ending in r (`for`, `bar"`) is not a raw string prefix.
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    let after_prefix = match (chars.get(i), chars.get(i + 1)) {
        (Some('r'), _) => i + 1,
        (Some('b'), Some('r')) => i + 2,
        _ => return None,
    };
    let hashes = chars[after_prefix..].iter().take_while(|&&c| c == '#').count();
    (chars.get(after_prefix + hashes) == Some(&'"')).then_some(hashes)
}

/// Which lines (0-based) belong to a `#[cfg(test)]` item: from the attribute to the item's end,
/// the first line that is `}` at the item's indentation (rustfmt's layout), or the item's own line
/// when it ends with `;`.
pub fn test_lines(code: &[String]) -> Vec<bool> {
    let mut in_test = vec![false; code.len()];
    let mut index = 0;
    while index < code.len() {
        if code[index].trim() != "#[cfg(test)]" {
            index += 1;
            continue;
        }
        let start = index;
        let mut item = index + 1;
        while item < code.len() && code[item].trim().starts_with("#[") {
            item += 1;
        }
        let end = if item >= code.len() || code[item].trim_end().ends_with(';') {
            item.min(code.len() - 1)
        } else {
            let indent = &code[item][..code[item].len() - code[item].trim_start().len()];
            let closing = format!("{indent}}}");
            (item..code.len()).find(|&l| code[l].trim_end() == closing).unwrap_or(code.len() - 1)
        };
        for flag in &mut in_test[start..=end] {
            *flag = true;
        }
        index = end + 1;
    }
    in_test
}

/// Every `.unwrap()` and `.expect(` in the non-test code of `files`, one site per call.
pub fn unwrap_sites(files: &[SourceFile]) -> Vec<UnwrapSite> {
    let test_modules = test_module_files(files);
    let mut sites = Vec::new();
    for file in files.iter().filter(|f| !is_test_file(&f.path, &test_modules)) {
        let code = code_lines(&file.text);
        let in_test = test_lines(&code);
        let originals: Vec<&str> = file.text.lines().collect();
        for (index, line) in code.iter().enumerate() {
            if in_test[index] {
                continue;
            }
            let calls = line.matches(".unwrap()").count() + line.matches(".expect(").count();
            for _ in 0..calls {
                let text = originals.get(index).map(|l| l.trim().to_string()).unwrap_or_default();
                sites.push(UnwrapSite { path: file.path.clone(), line: index + 1, text });
            }
        }
    }
    sites
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile { path: path.into(), text: text.into() }
    }

    #[test]
    fn comments_and_strings_are_blanked() {
        let code = code_lines("let a = \"x.unwrap()\"; // b.unwrap()\nlet c = '\"'; d.unwrap();\n/* e.unwrap() */ f");
        assert_eq!(code[0].trim_end(), "let a = \"          \";");
        assert!(code[1].contains("d.unwrap()"));
        assert!(!code[2].contains("unwrap"));
        assert!(code[2].ends_with('f'));
    }

    #[test]
    fn raw_and_multi_line_strings_are_blanked() {
        let code = code_lines("let q = r#\"a \"quoted\" .expect(\"#; x.expect(\"m\")\nlet s = \"one\n.unwrap()\n\"; y");
        assert_eq!(code[0].matches(".expect(").count(), 1);
        assert!(!code[2].contains("unwrap"));
        assert!(code[3].ends_with('y'));
    }

    #[test]
    fn lifetimes_are_not_character_literals() {
        let code = code_lines("fn f<'a>(x: &'a str) -> &'a str { x.unwrap() }");
        assert!(code[0].contains("x.unwrap()"));
    }

    #[test]
    fn cfg_test_modules_and_their_files_are_test_code() {
        let lib = file(
            "crates/a/src/lib.rs",
            "//! A.\nfn f() { a.unwrap() }\n\n#[cfg(test)]\nmod tests {\n    fn g() { b.unwrap() }\n}\nfn h() { c.expect(\"x\") }\n",
        );
        let parent = file("crates/a/src/beds.rs", "//! B.\n#[cfg(test)]\nmod tests;\n");
        let child = file("crates/a/src/beds/tests.rs", "//! T.\nfn t() { d.unwrap() }\n");
        let integration = file("crates/a/tests/it/main.rs", "//! I.\nfn t() { e.unwrap() }\n");
        let sites = unwrap_sites(&[lib, parent, child, integration]);
        let lines: Vec<usize> = sites.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 8], "{sites:?}");
    }

    #[test]
    fn a_cfg_test_function_ends_at_its_closing_brace() {
        let code = code_lines("#[cfg(test)]\n#[allow(dead_code)]\n    fn f() {\n        x();\n    }\nfn g() {}");
        assert_eq!(test_lines(&code), vec![true, true, true, true, true, false]);
    }
}
