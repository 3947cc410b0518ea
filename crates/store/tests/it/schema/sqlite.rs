//! The SQLite half of the schema comparison: `sqlite_master` and the `pragma_*` table functions
//! read into facts, with SQLite's type affinities as the common kinds.

use super::{column_fact, foreign_key_fact, index_fact};
use sqlx::{Connection, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};

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

pub(super) async fn schema(url: &str) -> BTreeSet<String> {
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
