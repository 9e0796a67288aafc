//! The storage backends behind one interface: the same tables and protocol on PostgreSQL and SQLite.

pub mod pg_tls;
pub mod postgres;
pub mod sqlite;

use super::dsn::Dsn;
use super::error::IngestError;
use super::resources::{Resource, Row};
use super::summary::{ResourceOutcome, RunSummary};

/// What the run protocol needs from a database. Transactions are explicit (`begin_resource` …
/// `commit`/`rollback`) so a failed resource type leaves no trace but its `ops.run_events` row.
pub trait Store {
    /// Closes as `error` the runs left `running` by ingests that stopped without finishing (killed, crashed,
    /// cut off), and returns their ids. Every ingest holds a shared "ingest running" lock until it ends,
    /// which the database or the OS drops when its process dies; only when the exclusive lock can be had,
    /// so that no ingest is running anywhere, are `running` rows known to be abandoned. Then this ingest
    /// takes its own shared lock.
    fn close_abandoned_runs(&mut self, now: &str) -> Result<Vec<i64>, IngestError>;
    /// Inserts the `running` row of a new run (committed at once, so it is visible while the run works).
    fn start_run(&mut self, run: &NewRun<'_>) -> Result<i64, IngestError>;
    /// Opens the transaction for one resource type and waits for its lock, so concurrent ingests of the
    /// same type take turns instead of racing over `last_seen_run_id` and `deleted_at`.
    fn begin_resource(&mut self, resource: Resource) -> Result<(), IngestError>;
    /// How rows go out: batched, or (the benchmark's baseline) one statement per row.
    fn write_mode(&self) -> WriteMode;
    /// Upserts already de-duplicated, non-empty `rows` in one multi-row statement.
    fn write_rows(
        &mut self,
        resource: Resource,
        run_id: i64,
        now: &str,
        rows: &[&Row],
    ) -> Result<(), IngestError>;
    /// Upserts `rows` (one multi-row statement, or one statement per row with `row_at_a_time`).
    fn upsert(
        &mut self,
        resource: Resource,
        run_id: i64,
        now: &str,
        rows: &[Row],
    ) -> Result<(), IngestError> {
        let rows = dedupe(rows);
        if rows.is_empty() {
            return Ok(());
        }
        match self.write_mode() {
            WriteMode::Batched => self.write_rows(resource, run_id, now, &rows),
            WriteMode::RowAtATime => {
                for row in rows {
                    self.write_rows(resource, run_id, now, &[row])?;
                }
                Ok(())
            }
        }
    }
    /// After a complete listing: marks rows not seen by this run as deleted. Returns how many.
    fn mark_deleted(
        &mut self,
        resource: Resource,
        run_id: i64,
        now: &str,
    ) -> Result<u64, IngestError>;
    fn commit(&mut self) -> Result<(), IngestError>;
    fn rollback(&mut self) -> Result<(), IngestError>;
    /// One `ops.run_events` row (outside the resource's transaction, so failures are recorded too).
    fn record_event(&mut self, run_id: i64, event: &ResourceOutcome) -> Result<(), IngestError>;
    fn finish_run(&mut self, summary: &RunSummary) -> Result<(), IngestError>;

    /// An `ops.do_actions` row in state `pending`; returns its id.
    fn action_pending(
        &mut self,
        droplet_name: &str,
        droplet_id: Option<u64>,
        action: &str,
        now: &str,
    ) -> Result<i64, IngestError>;
    /// Moves an action row to `success` or `error`.
    fn action_finish(&mut self, row: i64, done: &ActionDone<'_>) -> Result<(), IngestError>;
}

/// `last_error` of a run closed by [`Store::close_abandoned_runs`].
pub const ABANDONED: &str = "interrupted: the ingest stopped before finishing (killed, crashed or cut off from the database); closed by a later ingest";

/// The columns of a new `ops.do_ingest_runs` row.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub started_at: &'a str,
    pub resources: &'a str,
    pub api_base_url: &'a str,
}

/// The outcome of one dispatched action.
#[derive(Debug, Clone)]
pub struct ActionDone<'a> {
    pub ok: bool,
    pub do_action_id: Option<u64>,
    pub droplet_id: Option<u64>,
    pub error: Option<&'a str>,
    pub now: &'a str,
}

/// How rows are written; `RowAtATime` exists only as the benchmark's baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    #[default]
    Batched,
    RowAtATime,
}

/// Opens `dsn` and brings its schema up to date (safe when several processes do it at once).
pub fn open(dsn: &Dsn, mode: WriteMode) -> Result<Box<dyn Store>, IngestError> {
    Ok(match dsn {
        Dsn::Postgres { .. } => Box::new(postgres::PgStore::open(dsn, mode)?),
        Dsn::Sqlite { path } => Box::new(sqlite::SqliteStore::open(dsn, path, mode)?),
    })
}

/// The SQL text of an upsert of `rows` rows into `resource`'s table, with placeholders made by
/// `placeholder(index, type)` (1-based). Parameters 1 and 2 are the time and the run id.
pub(crate) fn upsert_sql(
    resource: Resource,
    rows: usize,
    placeholder: impl Fn(usize, Option<super::resources::ColType>) -> String,
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
    let now = placeholder(1, Some(super::resources::ColType::Time));
    let run = placeholder(2, Some(super::resources::ColType::Int));
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let base = 3 + r * per_row;
        let mut cells = vec![placeholder(base, Some(resource.id_type()))];
        for (i, (_, ty)) in columns.iter().enumerate() {
            cells.push(placeholder(base + 1 + i, Some(*ty)));
        }
        cells.push(placeholder(
            base + 1 + columns.len(),
            Some(super::resources::ColType::Json),
        ));
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
