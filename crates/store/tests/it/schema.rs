//! The two migration folders build the same schema: a fresh SQLite and a fresh PostgreSQL
//! database, each migrated, agree on tables, columns (through a type mapping), primary keys,
//! indexes, unique constraints, foreign keys, the number of CHECK constraints per table and
//! triggers — except the dialect differences listed here, each with its reason.
//!
//! Each backend's catalogue is read into one line per fact (`column ward.id: text, not null`), so
//! that a failure shows the facts one backend has and the other lacks, side by side.

mod postgres;
mod sqlite;

use nimo_store::Backend;
use nimo_store::testing::{TestDb, backends};
use std::collections::BTreeSet;

/// PostgreSQL tables that stand for an SQLite table of another name: (PostgreSQL, SQLite, why).
const RENAMED: &[(&str, &str, &str)] = &[(
    "tower_sessions.session",
    "tower_sessions",
    "tower-sessions-sqlx-store's PostgresStore keeps its table in a schema of its own, SqliteStore in one table",
)];

/// Facts only SQLite has, on purpose: (fact, why).
const ONLY_SQLITE: &[(&str, &str)] = &[
    ("column tower_sessions.expiry_date: integer, not null", "SqliteStore keeps the expiry as Unix seconds"),
    ("trigger audit_log.audit_log_no_update: before update", "an SQLite trigger names one event"),
    ("trigger audit_log.audit_log_no_delete: before delete", "an SQLite trigger names one event"),
    ("trigger audit_head.audit_head_no_delete: before delete", "an SQLite trigger names one event"),
    ("trigger audit_head.audit_head_forward_only: before update", "the DELETE half is audit_head_no_delete"),
    ("trigger audit_checkpoint.audit_checkpoint_no_update: before update", "an SQLite trigger names one event"),
    ("trigger audit_checkpoint.audit_checkpoint_no_delete: before delete", "an SQLite trigger names one event"),
];

/// Facts only PostgreSQL has, on purpose: (fact, why).
const ONLY_POSTGRES: &[(&str, &str)] = &[
    ("column tower_sessions.expiry_date: timestamptz, not null", "PostgresStore keeps the expiry as timestamptz"),
    ("trigger audit_log.audit_log_no_update_or_delete: before update, delete", "one PL/pgSQL function serves both"),
    ("trigger audit_log.audit_log_no_truncate: before truncate", "TRUNCATE skips row triggers; SQLite has none"),
    ("trigger audit_head.audit_head_forward_only: before update, delete", "one PL/pgSQL function serves both"),
    ("trigger audit_head.audit_head_no_truncate: before truncate", "TRUNCATE skips row triggers; SQLite has none"),
    (
        "trigger audit_checkpoint.audit_checkpoint_no_update_or_delete: before update, delete",
        "one PL/pgSQL function serves both",
    ),
    (
        "trigger audit_checkpoint.audit_checkpoint_no_truncate: before truncate",
        "TRUNCATE skips row triggers; SQLite has none",
    ),
];

#[tokio::test]
async fn sqlite_and_postgres_migrate_to_the_same_schema() {
    let wanted = backends();
    if !(wanted.contains(&Backend::Sqlite) && wanted.contains(&Backend::Postgres)) {
        eprintln!("skipped: comparing the schemas needs both backends (NIMO_TEST_BACKENDS)");
        return;
    }
    let sqlite = TestDb::new(Backend::Sqlite).await.expect("a migrated SQLite database");
    let postgres = TestDb::new(Backend::Postgres).await.expect("a migrated PostgreSQL database");
    let sqlite_facts = sqlite::schema(&sqlite.url).await;
    let postgres_facts = postgres::schema(&postgres.url).await;
    assert!(sqlite_facts.contains("table sheet") && sqlite_facts.len() > 100, "{sqlite_facts:#?}");
    assert!(postgres_facts.contains("table sheet") && postgres_facts.len() > 100, "{postgres_facts:#?}");

    let mut problems = Vec::new();
    for (backend, own, other, listed) in [
        ("SQLite", &sqlite_facts, &postgres_facts, ONLY_SQLITE),
        ("PostgreSQL", &postgres_facts, &sqlite_facts, ONLY_POSTGRES),
    ] {
        let only: BTreeSet<&String> = own.difference(other).collect();
        for fact in &only {
            if !listed.iter().any(|(expected, _)| expected == fact) {
                problems.push(format!("only {backend}: {fact}"));
            }
        }
        for (expected, _) in listed {
            if !only.iter().any(|fact| fact == expected) {
                problems.push(format!("listed as only {backend} but not so (remove it from the list): {expected}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the migrated schemas differ; fix the wrong backend with a new migration, or list an intended \
         dialect difference with its reason in {}:\n{}\n",
        file!(),
        problems.join("\n")
    );
}

/// A default as written, without PostgreSQL's casts (`'x'::text` → `'x'`); sequences are `identity`.
fn default_text(default: &str) -> String {
    if default.starts_with("nextval(") {
        return "identity".into();
    }
    let mut out = default.to_string();
    while let Some(start) = out.find("::") {
        let end = out[start + 2..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ' '))
            .map_or(out.len(), |e| start + 2 + e);
        out.replace_range(start..end, "");
    }
    out.trim_start_matches('(').trim_end_matches(')').to_string()
}

/// `column table.name: kind[, not null][, default …]`.
fn column_fact(table: &str, column: &str, kind: &str, not_null: bool, default: Option<&str>) -> String {
    let mut fact = format!("column {table}.{column}: {kind}");
    if not_null {
        fact.push_str(", not null");
    }
    if let Some(default) = default {
        fact.push_str(&format!(", default {}", default_text(default)));
    }
    fact
}

/// `index table.name (columns)[ unique][ partial]`, for indexes that back no constraint.
fn index_fact(table: &str, name: &str, columns: &[String], unique: bool, partial: bool) -> String {
    format!(
        "index {table}.{name} ({}){}{}",
        columns.join(", "),
        if unique { " unique" } else { "" },
        if partial { " partial" } else { "" }
    )
}

/// `foreign key table (columns) references parent (columns) on update … on delete …`.
fn foreign_key_fact(table: &str, from: &str, parent: &str, to: &str, on_update: &str, on_delete: &str) -> String {
    format!("foreign key {table} ({from}) references {parent} ({to}) on update {on_update} on delete {on_delete}")
}
