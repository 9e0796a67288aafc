//! The upsert both backends write rows with: one SQL text with backend-specific placeholders, and the
//! `ON CONFLICT` clause PostgreSQL's merge of a copied listing shares with it.

use crate::ingest::resources::{ColType, Resource};

/// The columns a row fills, in order: `do_id`, the typed columns, `raw`.
pub(crate) fn row_columns(resource: Resource) -> Vec<&'static str> {
    let mut names = vec!["do_id"];
    names.extend(resource.columns().iter().map(|(n, _)| *n));
    names.push("raw");
    names
}

/// The bookkeeping columns every upsert sets after the row's own.
pub(crate) const SEEN_COLUMNS: &str = "first_seen_at, last_seen_at, last_seen_run_id, deleted_at";

/// The SQL text of a one-row upsert into `resource`'s table, with placeholders made by
/// `placeholder(index, type)` (1-based). Parameters 1 and 2 are the time and the run id.
pub(crate) fn upsert_sql(
    resource: Resource,
    placeholder: impl Fn(usize, ColType) -> String,
) -> String {
    let now = placeholder(1, ColType::Time);
    let mut cells = vec![placeholder(3, resource.id_type())];
    for (i, (_, ty)) in resource.columns().iter().enumerate() {
        cells.push(placeholder(4 + i, *ty));
    }
    cells.push(placeholder(4 + resource.columns().len(), ColType::Raw));
    cells.extend([
        now.clone(),
        now,
        placeholder(2, ColType::Int),
        "NULL".into(),
    ]);
    format!(
        "INSERT INTO {} ({}, {SEEN_COLUMNS}) VALUES ({}) {}",
        resource.table(),
        row_columns(resource).join(", "),
        cells.join(", "),
        on_conflict(resource)
    )
}

/// What a row seen again updates: everything but `first_seen_at`.
pub(crate) fn on_conflict(resource: Resource) -> String {
    let mut updates: Vec<String> = resource
        .columns()
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
    format!("ON CONFLICT (do_id) DO UPDATE SET {}", updates.join(", "))
}
