//! The PostgreSQL backend: tables in schema `ops`, raw JSON as the API's text (`json`), advisory locks against races. The
//! connection and the schema are set up in `connect`, a listing's bulk load in `copy`; this file holds the
//! run protocol's statements.

mod connect;
mod copy;

use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, Statement};

use super::protocol::{ABANDONED, ActionDone, NewAction, NewRun, Pass, RowSink, Store, WriteMode};
use super::upsert::upsert_sql;
use crate::ingest::dsn::Dsn;
use crate::ingest::error::{IngestError, one_line};
use crate::ingest::resources::{ColType, Resource, Row, SqlValue};
use crate::ingest::summary::{ResourceOutcome, RunSummary};

/// First key of every advisory lock stagecraft takes ("STGC"), so they cannot collide with the
/// application's own locks by accident. The second key: 0 = migrations, 1.. = one per resource type.
const LOCK_NAMESPACE: i32 = 0x5354_4743;
/// Second key of the "an ingest is running" lock (shared while running, exclusive to close abandoned runs).
const RUNS_LOCK: i32 = -1;
/// How long an ingest waits to announce itself (see `close_abandoned_runs`).
const RUNS_LOCK_WAIT: Duration = Duration::from_secs(30);

pub struct PgStore {
    client: Client,
    dsn: Dsn,
    mode: WriteMode,
    /// Whether the open resource transaction staged its rows in a temporary table (to be merged).
    staged: bool,
}

impl PgStore {
    /// Calls one of PostgreSQL's advisory lock functions (all answer a boolean) on the "ingest running"
    /// lock.
    fn runs_lock(&mut self, function: &str, doing: &str) -> Result<bool, IngestError> {
        self.client
            .query_one(
                &format!("SELECT {function}($1, $2)"),
                &[&LOCK_NAMESPACE, &RUNS_LOCK],
            )
            .map(|row| row.get(0))
            .map_err(|e| self.db_error(doing, &e))
    }

    fn db_error(&self, doing: &str, e: &postgres::Error) -> IngestError {
        pg_error(&self.dsn, doing, e)
    }
}

/// A driver error as ingest reports it: what was being done, the server's own text, no password.
fn pg_error(dsn: &Dsn, doing: &str, e: &postgres::Error) -> IngestError {
    IngestError::Database {
        dsn: dsn.redacted(),
        message: dsn.scrub(&format!("{doing}: {}", error_text(e))),
    }
}

/// Explicit casts make every placeholder's type independent of the column's, so `i64`/`String` bind
/// everywhere; JSON and times travel as text and are converted by the server.
fn placeholder(index: usize, ty: ColType) -> String {
    match ty {
        ColType::Int => format!("${index}::int8"),
        ColType::Bool => format!("${index}::bool"),
        ColType::Json => format!("${index}::text::jsonb"),
        ColType::Raw => format!("${index}::text::json"),
        ColType::Time => format!("${index}::text::timestamptz"),
        ColType::Text => format!("${index}::text"),
    }
}

fn bind<'v>(value: &'v SqlValue<'_>) -> &'v (dyn ToSql + Sync) {
    match value {
        SqlValue::Int(v) => v,
        SqlValue::Bool(v) => v,
        SqlValue::Text(v) | SqlValue::Json(v) | SqlValue::Time(v) => v,
    }
}

/// The row-at-a-time baseline: one parameterised upsert per row, straight into the table.
struct PgRowAtATime<'s> {
    client: &'s mut Client,
    statement: Statement,
    pass: Pass<'s>,
    dsn: &'s Dsn,
}

impl RowSink for PgRowAtATime<'_> {
    fn write(&mut self, row: &Row<'_>) -> Result<(), IngestError> {
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&self.pass.now, &self.pass.run_id];
        params.push(bind(&row.do_id));
        params.extend(row.values.iter().map(bind));
        params.push(&row.raw);
        let table = self.pass.resource.table();
        self.client
            .execute(&self.statement, &params)
            .map(drop)
            .map_err(|e| pg_error(self.dsn, &format!("upserting into {table}"), &e))
    }

    fn finish(self: Box<Self>) -> Result<(), IngestError> {
        Ok(())
    }
}

/// The driver's message with the server's text: `postgres::Error`'s Display alone says only "db error".
fn error_text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; {detail}"));
        }
        return text;
    }
    one_line(e)
}

impl Store for PgStore {
    fn close_abandoned_runs(&mut self, now: &str) -> Result<Vec<i64>, IngestError> {
        let mut closed = Vec::new();
        if self.runs_lock("pg_try_advisory_lock", "checking for other ingests")? {
            let result = self.client.query(
                "UPDATE ops.do_ingest_runs SET status = 'error', finished_at = $1::text::timestamptz,
                     last_error = $2
                 WHERE status = 'running' RETURNING id",
                &[&now, &ABANDONED],
            );
            let unlock = self.runs_lock("pg_advisory_unlock", "checking for other ingests");
            closed = result
                .map_err(|e| self.db_error("closing abandoned runs", &e))?
                .iter()
                .map(|r| r.get(0))
                .collect();
            unlock?;
            closed.sort_unstable();
        }
        // Held until this connection ends, however the process ends. Another ingest holds it exclusively
        // only for one UPDATE, so a long wait means the lock is stuck on a pooled server connection.
        let deadline = std::time::Instant::now() + RUNS_LOCK_WAIT;
        loop {
            if self.runs_lock("pg_try_advisory_lock_shared", "announcing this ingest")? {
                return Ok(closed);
            }
            if std::time::Instant::now() >= deadline {
                return Err(IngestError::Database {
                    dsn: self.dsn.redacted(),
                    message: format!(
                        "announcing this ingest: the ingest lock stayed taken for {}s; if --db goes through a \
                         connection pool in transaction mode (PgBouncer, a DigitalOcean connection pool), \
                         connect to the database directly: session advisory locks need one server connection",
                        RUNS_LOCK_WAIT.as_secs()
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn start_run(&mut self, run: &NewRun<'_>) -> Result<i64, IngestError> {
        let row = self
            .client
            .query_one(
                "INSERT INTO ops.do_ingest_runs (status, started_at, resources, api_base_url, stagecraft_version)
                 VALUES ('running', $1::text::timestamptz, $2, $3, $4) RETURNING id",
                &[
                    &run.started_at,
                    &run.resources,
                    &run.api_base_url,
                    &env!("CARGO_PKG_VERSION"),
                ],
            )
            .map_err(|e| self.db_error("starting the run", &e))?;
        Ok(row.get(0))
    }

    fn begin_resource(&mut self, resource: Resource) -> Result<(), IngestError> {
        self.staged = false;
        let key = resource as i32 + 1;
        self.client
            .batch_execute("BEGIN")
            .and_then(|_| {
                self.client.execute(
                    "SELECT pg_advisory_xact_lock($1, $2)",
                    &[&LOCK_NAMESPACE, &key],
                )
            })
            .map_err(|e| self.db_error("starting the transaction", &e))?;
        Ok(())
    }

    fn rows<'s>(&'s mut self, pass: Pass<'s>) -> Result<Box<dyn RowSink + 's>, IngestError> {
        if self.mode == WriteMode::RowAtATime {
            let sql = upsert_sql(pass.resource, placeholder);
            let statement = self
                .client
                .prepare(&sql)
                .map_err(|e| self.db_error("preparing the upsert", &e))?;
            return Ok(Box::new(PgRowAtATime {
                client: &mut self.client,
                statement,
                pass,
                dsn: &self.dsn,
            }));
        }
        let writer = copy::stage(&mut self.client, pass.resource)
            .and_then(|sql| self.client.copy_in(&sql))
            .map_err(|e| pg_error(&self.dsn, "starting the copy", &e))?;
        self.staged = true;
        Ok(Box::new(copy::PgCopy::new(
            writer,
            pass.resource,
            &self.dsn,
        )))
    }

    fn complete_listing(&mut self, pass: &Pass<'_>) -> Result<u64, IngestError> {
        if std::mem::take(&mut self.staged) {
            let table = pass.resource.table();
            self.client
                .execute(&copy::merge_sql(pass.resource), &[&pass.now, &pass.run_id])
                .map_err(|e| self.db_error(&format!("upserting into {table}"), &e))?;
        }
        let sql = format!(
            "UPDATE {} SET deleted_at = $1::text::timestamptz
             WHERE deleted_at IS NULL AND last_seen_run_id IS DISTINCT FROM $2",
            pass.resource.table()
        );
        self.client
            .execute(&sql, &[&pass.now, &pass.run_id])
            .map_err(|e| self.db_error("marking deleted rows", &e))
    }

    fn commit(&mut self) -> Result<(), IngestError> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| self.db_error("committing", &e))
    }

    fn rollback(&mut self) -> Result<(), IngestError> {
        self.client
            .batch_execute("ROLLBACK")
            .map_err(|e| self.db_error("rolling back", &e))
    }

    fn record_event(&mut self, run_id: i64, e: &ResourceOutcome) -> Result<(), IngestError> {
        self.client
            .execute(
                "INSERT INTO ops.run_events (run_id, resource, status, row_count, deleted_count, error_count,
                     pages, duration_ms, error, started_at, finished_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::timestamptz, $11::text::timestamptz)",
                &[
                    &run_id,
                    &e.resource,
                    &e.status.as_str(),
                    &(e.rows as i64),
                    &(e.deleted as i64),
                    &(e.errors as i64),
                    &(e.pages as i64),
                    &(e.duration_ms as i64),
                    &e.error,
                    &e.started_at,
                    &e.finished_at,
                ],
            )
            .map_err(|err| self.db_error("recording the resource event", &err))?;
        Ok(())
    }

    fn finish_run(&mut self, s: &RunSummary) -> Result<(), IngestError> {
        self.client
            .execute(
                "UPDATE ops.do_ingest_runs SET status = $2, finished_at = $3::text::timestamptz,
                     rows_upserted = $4, rows_deleted = $5, resources_failed = $6, error_count = $7,
                     last_error = $8
                 WHERE id = $1",
                &[
                    &s.run_id,
                    &s.status.as_str(),
                    &s.finished_at,
                    &(s.rows as i64),
                    &(s.deleted as i64),
                    &(s.resources_failed as i32),
                    &(s.errors as i64),
                    &s.last_error,
                ],
            )
            .map_err(|e| self.db_error("finishing the run", &e))?;
        Ok(())
    }

    fn action_pending(&mut self, a: &NewAction<'_>) -> Result<i64, IngestError> {
        let droplet_id = a.droplet_id.map(|i| i as i64);
        let row = self
            .client
            .query_one(
                "INSERT INTO ops.do_actions (droplet_name, droplet_id, action, status, requested_at)
                 VALUES ($1, $2, $3, 'pending', $4::text::timestamptz) RETURNING id",
                &[&a.droplet_name, &droplet_id, &a.action, &a.now],
            )
            .map_err(|e| self.db_error("recording a pending action", &e))?;
        Ok(row.get(0))
    }

    fn action_finish(&mut self, row: i64, done: &ActionDone<'_>) -> Result<(), IngestError> {
        let status = if done.ok { "success" } else { "error" };
        let action_id = done.do_action_id.map(|i| i as i64);
        let droplet_id = done.droplet_id.map(|i| i as i64);
        self.client
            .execute(
                "UPDATE ops.do_actions SET status = $2, do_action_id = $3,
                     droplet_id = COALESCE($4, droplet_id), error = $5, finished_at = $6::text::timestamptz
                 WHERE id = $1",
                &[&row, &status, &action_id, &droplet_id, &done.error, &done.now],
            )
            .map_err(|e| self.db_error("recording an action's outcome", &e))?;
        Ok(())
    }
}
