//! The storage backends behind one interface: the same tables and protocol on PostgreSQL and SQLite.

pub mod pg_tls;
pub mod postgres;
mod protocol;
pub mod sqlite;
mod upsert;

pub use protocol::{ABANDONED, ActionDone, NewAction, NewRun, Pass, RowSink, Store, WriteMode};

use super::dsn::Dsn;
use super::error::IngestError;

/// Opens `dsn` and brings its schema up to date (safe when several processes do it at once).
pub fn open(dsn: &Dsn, mode: WriteMode) -> Result<Box<dyn Store>, IngestError> {
    Ok(match dsn {
        Dsn::Postgres { .. } => Box::new(postgres::PgStore::open(dsn, mode)?),
        Dsn::Sqlite { path } => Box::new(sqlite::SqliteStore::open(dsn, path)?),
    })
}
