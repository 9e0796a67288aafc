//! What a storage backend must do for the run protocol and the action recorder, and the values passed
//! through it.

use crate::ingest::error::IngestError;
use crate::ingest::resources::{Resource, Row};
use crate::ingest::summary::{ResourceOutcome, RunSummary};

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
    /// Where the rows of the type's listing go, as they are read, inside its transaction. PostgreSQL
    /// copies them into a temporary table (`COPY ... FROM STDIN`); SQLite upserts each with one prepared
    /// statement. Nothing is kept in memory beyond a buffer.
    fn rows<'s>(&'s mut self, pass: Pass<'s>) -> Result<Box<dyn RowSink + 's>, IngestError>;
    /// After a complete listing (its sink finished): brings the rows into the table where they were
    /// staged (PostgreSQL: one upsert from the temporary table, the last copy of an object repeated in
    /// the listing winning), then marks the rows not seen by this run as deleted. Returns how many.
    fn complete_listing(&mut self, pass: &Pass<'_>) -> Result<u64, IngestError>;
    fn commit(&mut self) -> Result<(), IngestError>;
    fn rollback(&mut self) -> Result<(), IngestError>;
    /// One `ops.run_events` row (outside the resource's transaction, so failures are recorded too).
    fn record_event(&mut self, run_id: i64, event: &ResourceOutcome) -> Result<(), IngestError>;
    fn finish_run(&mut self, summary: &RunSummary) -> Result<(), IngestError>;

    /// An `ops.do_actions` row in state `pending`; returns its id.
    fn action_pending(&mut self, action: &NewAction<'_>) -> Result<i64, IngestError>;
    /// Moves an action row to `success` or `error`.
    fn action_finish(&mut self, row: i64, done: &ActionDone<'_>) -> Result<(), IngestError>;
}

/// The rows of one listing, written as they come (see [`Store::rows`]).
pub trait RowSink {
    fn write(&mut self, row: &Row<'_>) -> Result<(), IngestError>;
    /// Ends the stream. A sink dropped without `finish` abandons what it staged (the transaction is then
    /// rolled back).
    fn finish(self: Box<Self>) -> Result<(), IngestError>;
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

/// One resource type's pass in a run: what its upserts and deletions are stamped with.
#[derive(Debug, Clone, Copy)]
pub struct Pass<'a> {
    pub resource: Resource,
    pub run_id: i64,
    /// When the pass started: `last_seen_at` of the rows seen, `deleted_at` of the rows gone.
    pub now: &'a str,
}

/// The columns of a new `ops.do_actions` row, recorded before the action is sent.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    pub droplet_name: &'a str,
    pub droplet_id: Option<u64>,
    pub action: &'a str,
    pub now: &'a str,
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

/// How rows are written. `RowAtATime` is a baseline and a cross-check: on PostgreSQL it sends one
/// parameterised `INSERT ... ON CONFLICT` per row instead of the `COPY`; on SQLite, where every row is
/// one execution of a prepared statement anyway, the two are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    #[default]
    Batched,
    RowAtATime,
}
