//! Route modules (the web modules `routes.rs` names for its handlers) do not import each other:
//! what two pages share lives in a shared module (`pages.rs`, or a capability's own, such as
//! `cases/case_view.rs` or `beds/criteria.rs`), so that no page's module becomes another's library.

use nimo_tidy::{SourceFile, code_lines, repository_root, source_files};
use std::collections::BTreeSet;

const ROUTES: &str = "crates/web/src/routes.rs";

/// Module paths (`cases::intake`, `account`) whose functions `routes.rs` hands to `get(…)`,
/// `post(…)`, `put(…)` or `delete(…)`: written out (`crate::cases::print::print`) or through its
/// `use crate::…` imports and their `as` aliases.
fn route_modules(routes: &str) -> BTreeSet<String> {
    let code = code_lines(routes).join("\n");
    let mut aliases = std::collections::BTreeMap::new();
    for statement in code.split(';') {
        let Some(rest) = statement.trim().strip_prefix("use crate::") else {
            continue;
        };
        let (prefix, names) = match rest.split_once('{') {
            Some((prefix, names)) => (prefix.to_string(), names.trim_end_matches('}').to_string()),
            None => match rest.rsplit_once("::") {
                Some((prefix, name)) => (format!("{prefix}::"), name.to_string()),
                None => (String::new(), rest.to_string()),
            },
        };
        for name in names.split(',') {
            let mut parts = name.split(" as ").map(str::trim);
            let module = parts.next().unwrap_or_default();
            let alias = parts.next().unwrap_or(module);
            if !module.is_empty() {
                aliases.insert(alias.to_string(), format!("{prefix}{module}"));
            }
        }
    }
    let mut modules = BTreeSet::new();
    for method in ["get(", "post(", "put(", "delete("] {
        for (index, _) in code.match_indices(method) {
            let path: String = code[index + method.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let Some((module, _handler)) = path.rsplit_once("::") else {
                continue;
            };
            let module = match module.strip_prefix("crate::") {
                Some(full) => full.to_string(),
                None => {
                    let (first, rest) = module.split_once("::").unwrap_or((module, ""));
                    let Some(full) = aliases.get(first) else {
                        continue;
                    };
                    if rest.is_empty() { full.clone() } else { format!("{full}::{rest}") }
                }
            };
            modules.insert(module);
        }
    }
    modules
}

/// The source file of a web module path.
fn file_of(module: &str) -> String {
    format!("crates/web/src/{}.rs", module.replace("::", "/"))
}

#[test]
fn route_modules_do_not_import_each_other() {
    let files: Vec<SourceFile> = source_files(&repository_root()).unwrap_or_default();
    let routes = files.iter().find(|f| f.path == ROUTES).map(|f| f.text.clone()).unwrap_or_default();
    let modules = route_modules(&routes);
    assert!(modules.len() > 20, "routes.rs names too few route modules to be read right: {modules:?}");
    let mut problems = Vec::new();
    for module in &modules {
        let path = file_of(module);
        let Some(file) = files.iter().find(|f| f.path == path) else {
            problems.push(format!("{ROUTES} names `{module}`, but {path} does not exist"));
            continue;
        };
        let parent = module.rsplit_once("::").map(|(parent, _)| parent);
        for (number, line) in code_lines(&file.text).iter().enumerate() {
            for other in modules.iter().filter(|other| *other != module) {
                let mut spellings = vec![format!("crate::{other}::"), format!("crate::{other}}}")];
                if let Some((other_parent, name)) = other.rsplit_once("::") {
                    if Some(other_parent) == parent {
                        spellings.push(format!("super::{name}::"));
                        spellings.push(format!("super::{name};"));
                        spellings.push(format!("super::{name}}}"));
                    }
                    if let Some(p) = parent.filter(|p| *p == other_parent) {
                        spellings.push(format!("crate::{p}::{{{name}"));
                    }
                }
                if spellings.iter().any(|s| line.contains(s.as_str())) {
                    problems.push(format!("{path}:{}: a route module uses route module `{other}`", number + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
