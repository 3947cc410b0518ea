//! The two migration folders build the same schema: a fresh SQLite and a fresh PostgreSQL
//! database, each migrated, agree on tables, columns (through a type mapping), primary keys,
//! indexes, unique constraints, foreign keys, the number of CHECK constraints per table and
//! triggers — except the dialect differences listed here, each with its reason.
//!
//! Each backend's catalogue is read into one line per fact (`column ward.id: text, not null`), so
//! that a failure shows the facts one backend has and the other lacks, side by side.

use nimo_store::Backend;
use nimo_store::testing::{TestDb, backends};
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};

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
];

/// Facts only PostgreSQL has, on purpose: (fact, why).
const ONLY_POSTGRES: &[(&str, &str)] = &[
    ("column tower_sessions.expiry_date: timestamptz, not null", "PostgresStore keeps the expiry as timestamptz"),
    ("trigger audit_log.audit_log_no_update_or_delete: before update, delete", "one PL/pgSQL function serves both"),
    ("trigger audit_log.audit_log_no_truncate: before truncate", "TRUNCATE skips row triggers; SQLite has none"),
    ("trigger audit_head.audit_head_forward_only: before update, delete", "one PL/pgSQL function serves both"),
    ("trigger audit_head.audit_head_no_truncate: before truncate", "TRUNCATE skips row triggers; SQLite has none"),
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
    let sqlite_facts = sqlite_schema(&sqlite.url).await;
    let postgres_facts = postgres_schema(&postgres.url).await;
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

/// SQLite's type affinity (the rules of its `CREATE TABLE` type names), as a common kind.
fn sqlite_kind(declared: &str) -> String {
    let upper = declared.to_uppercase();
    if upper.contains("INT") {
        "integer".into()
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| upper.contains(t)) {
        "text".into()
    } else if upper.is_empty() || upper.contains("BLOB") {
        "blob".into()
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|t| upper.contains(t)) {
        "real".into()
    } else {
        declared.to_lowercase()
    }
}

/// PostgreSQL's type names as the same kinds.
fn postgres_kind(type_name: &str) -> String {
    match type_name {
        "bigint" | "integer" | "smallint" => "integer".into(),
        "text" => "text".into(),
        name if name.starts_with("character") => "text".into(),
        "bytea" => "blob".into(),
        "double precision" | "real" => "real".into(),
        "timestamp with time zone" => "timestamptz".into(),
        other => other.into(),
    }
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

async fn sqlite_schema(url: &str) -> BTreeSet<String> {
    let mut conn = SqliteConnection::connect(url).await.expect("connect to SQLite");
    let mut facts = BTreeSet::new();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .expect("list tables");
    for (table, sql) in &tables {
        facts.insert(format!("table {table}"));
        let autoincrement = sql.to_uppercase().contains("AUTOINCREMENT");
        let columns: Vec<(String, String, i64, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)")
                .bind(table)
                .fetch_all(&mut conn)
                .await
                .expect("table columns");
        let key_columns = columns.iter().filter(|c| c.4 > 0).count();
        let mut key = Vec::new();
        for (column, declared, not_null, default, pk) in &columns {
            // An INTEGER PRIMARY KEY is the rowid: never NULL, numbered by SQLite. Any other
            // primary key column takes NULL unless it says NOT NULL (an SQLite quirk).
            let rowid = *pk == 1 && key_columns == 1 && declared.eq_ignore_ascii_case("INTEGER");
            let default = if rowid && autoincrement { Some("nextval(rowid)") } else { default.as_deref() };
            facts.insert(column_fact(table, column, &sqlite_kind(declared), *not_null == 1 || rowid, default));
            if *pk > 0 {
                key.push((*pk, column.clone()));
            }
        }
        if !key.is_empty() {
            key.sort();
            let names: Vec<String> = key.into_iter().map(|(_, c)| c).collect();
            facts.insert(format!("primary key {table} ({})", names.join(", ")));
        }
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")
                .bind(table)
                .fetch_all(&mut conn)
                .await
                .expect("table indexes");
        for (index, unique, origin, partial) in indexes {
            let columns: Vec<(Option<String>,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut conn)
                    .await
                    .expect("index columns");
            let columns: Vec<String> =
                columns.into_iter().map(|(c,)| c.unwrap_or_else(|| "<expression>".into())).collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    facts.insert(format!("unique {table} ({})", columns.join(", ")));
                }
                _ => {
                    facts.insert(index_fact(table, &index, &columns, unique == 1, partial == 1));
                }
            }
        }
        let keys: Vec<SqliteForeignKey> = sqlx::query_as(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) \
             ORDER BY id, seq",
        )
        .bind(table)
        .fetch_all(&mut conn)
        .await
        .expect("foreign keys");
        let mut by_id: BTreeMap<i64, Vec<SqliteForeignKey>> = BTreeMap::new();
        for key in keys {
            by_id.entry(key.id).or_default().push(key);
        }
        for parts in by_id.values() {
            let first = &parts[0];
            let from: Vec<&str> = parts.iter().map(|p| p.from.as_str()).collect();
            let mut to: Vec<String> = parts.iter().filter_map(|p| p.to.clone()).collect();
            if to.len() != from.len() {
                // `REFERENCES parent` without columns means the parent's primary key.
                let parent_key: Vec<(String,)> =
                    sqlx::query_as("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
                        .bind(&first.table)
                        .fetch_all(&mut conn)
                        .await
                        .expect("parent key");
                to = parent_key.into_iter().map(|(c,)| c).collect();
            }
            let (from, to) = (from.join(", "), to.join(", "));
            facts.insert(foreign_key_fact(table, &from, &first.table, &to, &first.on_update, &first.on_delete));
        }
        facts.insert(format!("checks on {table}: {}", sqlite_check_count(sql)));
    }
    let triggers: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut conn)
            .await
            .expect("triggers");
    for (name, table, sql) in triggers {
        // CREATE TRIGGER name BEFORE|AFTER|INSTEAD OF DELETE|INSERT|UPDATE [OF cols] ON table …
        let upper = sql.to_uppercase();
        let after_name = upper.find(&name.to_uppercase()).map_or(0, |at| at + name.len());
        let head = &upper[after_name..upper[after_name..].find(" ON ").map_or(upper.len(), |at| after_name + at)];
        let timing = if head.contains("BEFORE") {
            "before"
        } else if head.contains("INSTEAD") {
            "instead of"
        } else {
            "after"
        };
        let events: Vec<&str> =
            ["insert", "update", "delete"].into_iter().filter(|e| head.contains(&e.to_uppercase())).collect();
        facts.insert(format!("trigger {table}.{name}: {timing} {}", events.join(", ")));
    }
    conn.close().await.ok();
    facts
}

/// The number of CHECK constraints in a `CREATE TABLE` statement (comments skipped).
fn sqlite_check_count(sql: &str) -> usize {
    let code: String = sql.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let upper = code.to_uppercase();
    upper.match_indices("CHECK").filter(|(at, _)| upper[at + 5..].trim_start().starts_with('(')).count()
}

fn index_fact(table: &str, name: &str, columns: &[String], unique: bool, partial: bool) -> String {
    format!(
        "index {table}.{name} ({}){}{}",
        columns.join(", "),
        if unique { " unique" } else { "" },
        if partial { " partial" } else { "" }
    )
}

fn foreign_key_fact(table: &str, from: &str, parent: &str, to: &str, on_update: &str, on_delete: &str) -> String {
    format!("foreign key {table} ({from}) references {parent} ({to}) on update {on_update} on delete {on_delete}")
}

/// A row of `pragma_foreign_key_list`: one column of a foreign key (`id` groups a key's columns).
#[derive(sqlx::FromRow)]
struct SqliteForeignKey {
    id: i64,
    table: String,
    from: String,
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

/// A primary key, unique, foreign key or CHECK constraint of PostgreSQL, columns in key order.
#[derive(sqlx::FromRow)]
struct PgConstraint {
    table_name: String,
    kind: String,
    columns: Option<String>,
    parent: Option<String>,
    parent_columns: Option<String>,
    on_update: String,
    on_delete: String,
}

/// How PostgreSQL names a table: `name` in `public`, `schema.name` elsewhere.
const PG_TABLE: &str = "CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END";

/// The user tables' filter (the migration history table is sqlx's own).
const PG_USER_TABLE: &str = "c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg_toast%' AND c.relname <> '_sqlx_migrations'";

async fn postgres_schema(url: &str) -> BTreeSet<String> {
    let mut conn = PgConnection::connect(url).await.expect("connect to PostgreSQL");
    let renamed = |table: String| {
        RENAMED.iter().find(|(pg, _, _)| *pg == table).map_or(table.clone(), |(_, sqlite, _)| sqlite.to_string())
    };
    let mut facts = BTreeSet::new();
    let columns: Vec<(String, String, String, bool, Option<String>)> = sqlx::query_as(&format!(
        "SELECT {PG_TABLE}, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                pg_get_expr(d.adbin, d.adrelid) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE {PG_USER_TABLE} AND a.attnum > 0 AND NOT a.attisdropped"
    ))
    .fetch_all(&mut conn)
    .await
    .expect("columns");
    for (table, column, type_name, not_null, default) in columns {
        let table = renamed(table);
        facts.insert(format!("table {table}"));
        facts.insert(column_fact(&table, &column, &postgres_kind(&type_name), not_null, default.as_deref()));
    }
    // Column lists in key order; an expression in an index has attnum 0 and no attribute.
    let key_columns = |keys: &str, relation: &str| {
        format!(
            "(SELECT string_agg(coalesce(a.attname::text, '<expression>'), ', ' ORDER BY k.n) \
              FROM unnest({keys}) WITH ORDINALITY k(attnum, n) \
              LEFT JOIN pg_attribute a ON a.attrelid = {relation} AND a.attnum = k.attnum)"
        )
    };
    let constraints: Vec<PgConstraint> = sqlx::query_as(&format!(
        "SELECT {PG_TABLE} AS table_name, con.contype::text AS kind, {} AS columns, r.relname::text AS parent, \
                    {} AS parent_columns, con.confupdtype::text AS on_update, con.confdeltype::text AS on_delete \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class r ON r.oid = con.confrelid \
             WHERE {PG_USER_TABLE}",
        key_columns("con.conkey", "c.oid"),
        key_columns("con.confkey", "r.oid"),
    ))
    .fetch_all(&mut conn)
    .await
    .expect("constraints");
    let mut checks: BTreeMap<String, usize> = BTreeMap::new();
    for constraint in constraints {
        let table = renamed(constraint.table_name);
        let columns = constraint.columns.unwrap_or_default();
        match constraint.kind.as_str() {
            "p" => {
                facts.insert(format!("primary key {table} ({columns})"));
            }
            "u" => {
                facts.insert(format!("unique {table} ({columns})"));
            }
            "f" => {
                let parent = renamed(constraint.parent.unwrap_or_default());
                let to = constraint.parent_columns.unwrap_or_default();
                let action = |code: &str| match code {
                    "r" => "RESTRICT",
                    "c" => "CASCADE",
                    "n" => "SET NULL",
                    "d" => "SET DEFAULT",
                    _ => "NO ACTION",
                };
                facts.insert(foreign_key_fact(
                    &table,
                    &columns,
                    &parent,
                    &to,
                    action(&constraint.on_update),
                    action(&constraint.on_delete),
                ));
            }
            "c" => *checks.entry(table).or_default() += 1,
            _ => {}
        }
    }
    let tables: Vec<String> = facts.iter().filter_map(|f| f.strip_prefix("table ")).map(str::to_string).collect();
    for table in tables {
        facts.insert(format!("checks on {table}: {}", checks.get(&table).copied().unwrap_or(0)));
    }
    // Indexes that back no primary key or unique constraint (those are facts of their own).
    let indexes: Vec<(String, String, Option<String>, bool, bool)> = sqlx::query_as(&format!(
        "SELECT {PG_TABLE}, i.relname::text, {}, x.indisunique, x.indpred IS NOT NULL \
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {PG_USER_TABLE} AND NOT EXISTS \
             (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u'))",
        key_columns("x.indkey", "c.oid"),
    ))
    .fetch_all(&mut conn)
    .await
    .expect("indexes");
    for (table, index, columns, unique, partial) in indexes {
        let columns: Vec<String> = columns.unwrap_or_default().split(", ").map(str::to_string).collect();
        facts.insert(index_fact(&renamed(table), &index, &columns, unique, partial));
    }
    // tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead of.
    let triggers: Vec<(String, String, i16)> = sqlx::query_as(&format!(
        "SELECT {PG_TABLE}, t.tgname::text, t.tgtype \
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT t.tgisinternal AND {PG_USER_TABLE}"
    ))
    .fetch_all(&mut conn)
    .await
    .expect("triggers");
    for (table, name, bits) in triggers {
        let timing = if bits & 2 != 0 {
            "before"
        } else if bits & 64 != 0 {
            "instead of"
        } else {
            "after"
        };
        let events: Vec<&str> = [(4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")]
            .into_iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|(_, event)| event)
            .collect();
        facts.insert(format!("trigger {}.{name}: {timing} {}", renamed(table), events.join(", ")));
    }
    conn.close().await.ok();
    facts
}
