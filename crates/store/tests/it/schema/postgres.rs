//! The PostgreSQL half of the schema comparison: `pg_catalog` read into facts, with its type
//! names mapped to the kinds SQLite's affinities give.

use super::{RENAMED, column_fact, foreign_key_fact, index_fact};
use sqlx::{Connection, PgConnection};
use std::collections::{BTreeMap, BTreeSet};

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

pub(super) async fn schema(url: &str) -> BTreeSet<String> {
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
