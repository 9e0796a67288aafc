//! The SQLite backend: the file is attached as schema `ops`, so table names match PostgreSQL's.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, params};

use super::protocol::{ABANDONED, ActionDone, NewAction, NewRun, Pass, RowSink, Store};
use super::upsert::upsert_sql;
use crate::ingest::dsn::Dsn;
use crate::ingest::error::IngestError;
use crate::ingest::migrations::{self, MIGRATIONS, check_applied};
use crate::ingest::resources::{Resource, Row, SqlValue};
use crate::ingest::summary::{ResourceOutcome, RunSummary};

/// How long a writer waits for another process's transaction (a concurrent ingest holds the write lock
/// for a whole resource type, API listing included).
const BUSY_TIMEOUT: Duration = Duration::from_secs(300);

pub struct SqliteStore {
    conn: Connection,
    dsn: Dsn,
    /// `<database>-ingest.lock`: the "an ingest is running" lock, an OS file lock the kernel drops when the
    /// process dies. SQLite has no lock that outlives a statement, so a sidecar file it is.
    run_lock_path: std::path::PathBuf,
    /// Held (shared) from `close_abandoned_runs` until the store is dropped.
    run_lock: Option<std::fs::File>,
}

impl SqliteStore {
    pub fn open(dsn: &Dsn, path: &Path) -> Result<SqliteStore, IngestError> {
        let open_error = |e: rusqlite::Error| IngestError::OpenSqlite {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        // An in-memory main database with the file attached as `ops`: the same `ops.do_droplets` names as on
        // PostgreSQL, while the file itself holds plain `do_droplets` tables for any SQLite tool.
        let conn = Connection::open_in_memory().map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.execute("ATTACH DATABASE ?1 AS ops", [path.display().to_string()])
            .map_err(open_error)?;
        use_wal(&conn).map_err(open_error)?;
        conn.execute_batch("PRAGMA ops.synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(open_error)?;
        // The file exists now (ATTACH created it): its canonical path names one lock file however the
        // database is reached (relative path, symlink).
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut lock_name = path.file_name().unwrap_or_default().to_os_string();
        lock_name.push("-ingest.lock");
        let mut store = SqliteStore {
            conn,
            dsn: dsn.clone(),
            run_lock_path: path.with_file_name(lock_name),
            run_lock: None,
        };
        store.migrate()?;
        Ok(store)
    }

    fn db_error(&self, doing: &str, e: &rusqlite::Error) -> IngestError {
        IngestError::Database {
            dsn: self.dsn.redacted(),
            message: format!("{doing}: {e}"),
        }
    }

    /// Applies missing migrations inside one `BEGIN IMMEDIATE` transaction: the write lock makes a
    /// second process wait, then find the work done.
    fn migrate(&mut self) -> Result<(), IngestError> {
        let dsn = self.dsn.clone();
        let fail = |e: rusqlite::Error| IngestError::Migrate {
            dsn: dsn.redacted(),
            message: e.to_string(),
        };
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(fail)?;
        let result = (|| {
            self.conn
                .execute_batch(
                    "CREATE TABLE IF NOT EXISTS ops.schema_migrations (
                         version    INTEGER PRIMARY KEY,
                         name       TEXT NOT NULL,
                         checksum   TEXT NOT NULL,
                         applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                     );",
                )
                .map_err(fail)?;
            let applied: Vec<(i64, String, String)> = {
                let mut stmt = self
                    .conn
                    .prepare("SELECT version, name, checksum FROM ops.schema_migrations ORDER BY version")
                    .map_err(fail)?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map_err(fail)?
                    .collect::<Result<_, _>>()
                    .map_err(fail)?
            };
            check_applied(&self.dsn, &applied, |m| m.sqlite)?;
            for m in MIGRATIONS
                .iter()
                .filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version))
            {
                self.conn.execute_batch(m.sqlite).map_err(fail)?;
                self.conn
                    .execute(
                        "INSERT INTO ops.schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)",
                        params![m.version, m.name, migrations::checksum(m.sqlite)],
                    )
                    .map_err(fail)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(fail),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// One listing's rows, each upserted by one execution of a statement prepared once (its time and run id
/// bound once too: SQLite keeps bindings across executions).
struct SqliteRows<'s> {
    statement: rusqlite::CachedStatement<'s>,
    resource: Resource,
    dsn: &'s Dsn,
}

impl RowSink for SqliteRows<'_> {
    fn write(&mut self, row: &Row<'_>) -> Result<(), IngestError> {
        let s = &mut self.statement;
        let bound = std::iter::once(&row.do_id)
            .chain(&row.values)
            .enumerate()
            .try_for_each(|(i, value)| match value {
                SqlValue::Int(v) => s.raw_bind_parameter(3 + i, v),
                SqlValue::Bool(v) => s.raw_bind_parameter(3 + i, v),
                text => s.raw_bind_parameter(3 + i, text.as_text()),
            })
            .and_then(|()| s.raw_bind_parameter(3 + 1 + row.values.len(), &*row.raw))
            .and_then(|()| s.raw_execute());
        bound.map(drop).map_err(|e| IngestError::Database {
            dsn: self.dsn.redacted(),
            message: format!("upserting into {}: {e}", self.resource.table()),
        })
    }

    fn finish(self: Box<Self>) -> Result<(), IngestError> {
        Ok(())
    }
}

impl Store for SqliteStore {
    fn close_abandoned_runs(&mut self, now: &str) -> Result<Vec<i64>, IngestError> {
        let lock_error = |e: std::io::Error| IngestError::OpenSqlite {
            path: self.run_lock_path.display().to_string(),
            message: format!("cannot lock it: {e}"),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.run_lock_path)
            .map_err(lock_error)?;
        let mut closed = Vec::new();
        if file.try_lock().is_ok() {
            let result: rusqlite::Result<Vec<i64>> = self
                .conn
                .prepare(
                    "UPDATE ops.do_ingest_runs SET status = 'error', finished_at = ?1, last_error = ?2
                     WHERE status = 'running' RETURNING id",
                )
                .and_then(|mut stmt| {
                    stmt.query_map(params![now, ABANDONED], |r| r.get(0))?
                        .collect()
                });
            let _ = file.unlock();
            closed = result.map_err(|e| self.db_error("closing abandoned runs", &e))?;
            closed.sort_unstable();
        }
        file.lock_shared().map_err(lock_error)?;
        self.run_lock = Some(file);
        Ok(closed)
    }

    fn start_run(&mut self, run: &NewRun<'_>) -> Result<i64, IngestError> {
        self.conn
            .query_row(
                "INSERT INTO ops.do_ingest_runs (status, started_at, resources, api_base_url, stagecraft_version)
                 VALUES ('running', ?1, ?2, ?3, ?4) RETURNING id",
                params![run.started_at, run.resources, run.api_base_url, env!("CARGO_PKG_VERSION")],
                |r| r.get(0),
            )
            .map_err(|e| self.db_error("starting the run", &e))
    }

    fn begin_resource(&mut self, _resource: Resource) -> Result<(), IngestError> {
        // SQLite has one writer at a time: IMMEDIATE takes the write lock now, so a concurrent ingest waits
        // here (up to BUSY_TIMEOUT) rather than failing halfway through with SQLITE_BUSY.
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.db_error("starting the transaction", &e))
    }

    fn rows<'s>(&'s mut self, pass: Pass<'s>) -> Result<Box<dyn RowSink + 's>, IngestError> {
        let sql = upsert_sql(pass.resource, |i, _| format!("?{i}"));
        let prepared = self.conn.prepare_cached(&sql).and_then(|mut statement| {
            statement.raw_bind_parameter(1, pass.now)?;
            statement.raw_bind_parameter(2, pass.run_id)?;
            Ok(statement)
        });
        let statement = prepared.map_err(|e| IngestError::Database {
            dsn: self.dsn.redacted(),
            message: format!("preparing the upsert: {e}"),
        })?;
        Ok(Box::new(SqliteRows {
            statement,
            resource: pass.resource,
            dsn: &self.dsn,
        }))
    }

    fn complete_listing(&mut self, pass: &Pass<'_>) -> Result<u64, IngestError> {
        let sql = format!(
            "UPDATE {} SET deleted_at = ?1 WHERE deleted_at IS NULL AND last_seen_run_id IS NOT ?2",
            pass.resource.table()
        );
        self.conn
            .execute(&sql, params![pass.now, pass.run_id])
            .map(|n| n as u64)
            .map_err(|e| self.db_error("marking deleted rows", &e))
    }

    fn commit(&mut self) -> Result<(), IngestError> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| self.db_error("committing", &e))
    }

    fn rollback(&mut self) -> Result<(), IngestError> {
        self.conn
            .execute_batch("ROLLBACK")
            .map_err(|e| self.db_error("rolling back", &e))
    }

    fn record_event(&mut self, run_id: i64, e: &ResourceOutcome) -> Result<(), IngestError> {
        self.conn
            .execute(
                "INSERT INTO ops.run_events (run_id, resource, status, row_count, deleted_count, error_count,
                     pages, duration_ms, error, started_at, finished_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    run_id,
                    e.resource,
                    e.status.as_str(),
                    e.rows as i64,
                    e.deleted as i64,
                    e.errors as i64,
                    e.pages as i64,
                    e.duration_ms as i64,
                    e.error,
                    e.started_at,
                    e.finished_at
                ],
            )
            .map_err(|err| self.db_error("recording the resource event", &err))?;
        Ok(())
    }

    fn finish_run(&mut self, s: &RunSummary) -> Result<(), IngestError> {
        self.conn
            .execute(
                "UPDATE ops.do_ingest_runs SET status = ?2, finished_at = ?3, rows_upserted = ?4,
                     rows_deleted = ?5, resources_failed = ?6, error_count = ?7, last_error = ?8
                 WHERE id = ?1",
                params![
                    s.run_id,
                    s.status.as_str(),
                    s.finished_at,
                    s.rows as i64,
                    s.deleted as i64,
                    s.resources_failed as i64,
                    s.errors as i64,
                    s.last_error
                ],
            )
            .map_err(|e| self.db_error("finishing the run", &e))?;
        Ok(())
    }

    fn action_pending(&mut self, a: &NewAction<'_>) -> Result<i64, IngestError> {
        self.conn
            .query_row(
                "INSERT INTO ops.do_actions (droplet_name, droplet_id, action, status, requested_at)
                 VALUES (?1, ?2, ?3, 'pending', ?4) RETURNING id",
                params![a.droplet_name, a.droplet_id.map(|i| i as i64), a.action, a.now],
                |r| r.get(0),
            )
            .map_err(|e| self.db_error("recording a pending action", &e))
    }

    fn action_finish(&mut self, row: i64, done: &ActionDone<'_>) -> Result<(), IngestError> {
        let status = if done.ok { "success" } else { "error" };
        self.conn
            .execute(
                "UPDATE ops.do_actions SET status = ?2, do_action_id = ?3,
                     droplet_id = COALESCE(?4, droplet_id), error = ?5, finished_at = ?6
                 WHERE id = ?1",
                params![
                    row,
                    status,
                    done.do_action_id.map(|i| i as i64),
                    done.droplet_id.map(|i| i as i64),
                    done.error,
                    done.now
                ],
            )
            .map_err(|e| self.db_error("recording an action's outcome", &e))?;
        Ok(())
    }
}

/// Switches the file to WAL (persistent, so a no-op once done). SQLite answers `database is locked` to the
/// switch without consulting the busy handler while another connection is opening or switching the same
/// file, so two ingests started together would fail here; the switch is retried with a short backoff
/// for as long as the busy timeout.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut backoff = Duration::from_millis(5);
    loop {
        match conn.query_row("PRAGMA ops.journal_mode = WAL", [], |r| {
            r.get::<_, String>(0)
        }) {
            Ok(_) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_millis(200));
            }
            Err(e) => return Err(e),
        }
    }
}
