//! The multi-row upsert both backends run, one SQL text with backend-specific placeholders.

use crate::ingest::resources::{ColType, Resource, Row};

/// The SQL text of an upsert of `rows` rows into `resource`'s table, with placeholders made by
/// `placeholder(index, type)` (1-based). Parameters 1 and 2 are the time and the run id.
pub(crate) fn upsert_sql(
    resource: Resource,
    rows: usize,
    placeholder: impl Fn(usize, Option<ColType>) -> String,
) -> String {
    let columns = resource.columns();
    let mut names = vec!["do_id"];
    names.extend(columns.iter().map(|(n, _)| *n));
    names.extend([
        "raw",
        "first_seen_at",
        "last_seen_at",
        "last_seen_run_id",
        "deleted_at",
    ]);
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        resource.table(),
        names.join(", ")
    );
    let per_row = columns.len() + 2;
    let now = placeholder(1, Some(ColType::Time));
    let run = placeholder(2, Some(ColType::Int));
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let base = 3 + r * per_row;
        let mut cells = vec![placeholder(base, Some(resource.id_type()))];
        for (i, (_, ty)) in columns.iter().enumerate() {
            cells.push(placeholder(base + 1 + i, Some(*ty)));
        }
        cells.push(placeholder(base + 1 + columns.len(), Some(ColType::Json)));
        cells.extend([now.clone(), now.clone(), run.clone(), "NULL".to_string()]);
        sql.push('(');
        sql.push_str(&cells.join(", "));
        sql.push(')');
    }
    let mut updates: Vec<String> = columns
        .iter()
        .map(|(n, _)| format!("{n} = excluded.{n}"))
        .collect();
    updates.extend([
        "raw = excluded.raw".to_string(),
        "last_seen_at = excluded.last_seen_at".to_string(),
        "last_seen_run_id = excluded.last_seen_run_id".to_string(),
        // Seen again: it exists (again).
        "deleted_at = NULL".to_string(),
    ]);
    sql.push_str(" ON CONFLICT (do_id) DO UPDATE SET ");
    sql.push_str(&updates.join(", "));
    sql
}

/// Drops repeated keys within one batch (keeping the last), which a multi-row `ON CONFLICT DO UPDATE`
/// would reject on PostgreSQL ("cannot affect row a second time").
pub(crate) fn dedupe(rows: &[Row]) -> Vec<&Row> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    let mut out: Vec<&Row> = rows
        .iter()
        .rev()
        .filter(|r| seen.insert(r.do_id.key_text()))
        .collect();
    out.reverse();
    out
}
