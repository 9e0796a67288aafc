//! A listing into PostgreSQL in bulk: its rows stream into a temporary table with a binary
//! `COPY ... FROM STDIN` as they are read, then one `INSERT ... SELECT ... ON CONFLICT` merges them into
//! the table. Binary, so no value is escaped on our side or parsed from text on the server's (but JSON,
//! which `jsonb` takes as text in either format, and `raw`, which the `json` type only checks).

use std::io::Write;

use postgres::CopyInWriter;

use super::pg_error;
use crate::ingest::dsn::Dsn;
use crate::ingest::error::IngestError;
use crate::ingest::resources::{ColType, Resource, Row, SqlValue};
use crate::ingest::store::protocol::RowSink;
use crate::ingest::store::upsert::{SEEN_COLUMNS, on_conflict, row_columns};

/// The temporary table a listing is copied into; gone at the end of the type's transaction, however it ends.
const STAGE: &str = "pg_temp.ingest_stage";
/// The COPY stream is handed to the driver in pieces of about this size.
const FLUSH_AT: usize = 256 * 1024;

/// The staged type of a column: as the table's, but times stay text until the merge casts them (binary
/// `timestamptz` would need our own date arithmetic).
fn stage_type(ty: ColType) -> &'static str {
    match ty {
        ColType::Int => "int8",
        ColType::Bool => "bool",
        ColType::Json => "jsonb",
        ColType::Raw => "json",
        ColType::Text | ColType::Time => "text",
    }
}

/// Every column a staged row carries, with its type: `seq` (the row's place in the listing), then the
/// row's own columns.
fn staged_columns(resource: Resource) -> Vec<(&'static str, ColType)> {
    let mut columns = vec![("seq", ColType::Int), ("do_id", resource.id_type())];
    columns.extend_from_slice(resource.columns());
    columns.push(("raw", ColType::Raw));
    columns
}

/// Creates the temporary table for `resource` and returns the `COPY` statement that fills it.
pub(super) fn stage(
    client: &mut postgres::Client,
    resource: Resource,
) -> Result<String, postgres::Error> {
    let columns = staged_columns(resource);
    let definitions: Vec<String> = columns
        .iter()
        .map(|(name, ty)| format!("{name} {}", stage_type(*ty)))
        .collect();
    client.batch_execute(&format!(
        "CREATE TEMPORARY TABLE {STAGE} ({}) ON COMMIT DROP",
        definitions.join(", ")
    ))?;
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    Ok(format!(
        "COPY {STAGE} ({}) FROM STDIN (FORMAT binary)",
        names.join(", ")
    ))
}

/// The upsert of every staged row into `resource`'s table ($1 the pass's time, $2 its run id). An object
/// listed twice (the listing moved while it was paged) is taken once, as last listed: a multi-row upsert
/// may not touch a row twice. The newest copy of each id is found by hashing ids and places only (a
/// `DISTINCT ON` would sort whole rows, on disk beyond `work_mem`).
pub(super) fn merge_sql(resource: Resource) -> String {
    let selected: Vec<String> = std::iter::once(("do_id", resource.id_type()))
        .chain(resource.columns().iter().copied())
        .chain([("raw", ColType::Raw)])
        .map(|(name, ty)| match ty {
            ColType::Time => format!("{name}::timestamptz"),
            _ => name.to_string(),
        })
        .collect();
    format!(
        "INSERT INTO {table} ({columns}, {SEEN_COLUMNS})
         SELECT {selected}, $1::text::timestamptz, $1::text::timestamptz, $2::int8, NULL FROM {STAGE}
         WHERE seq IN (SELECT max(seq) FROM {STAGE} GROUP BY do_id)
         {on_conflict}",
        table = resource.table(),
        columns = row_columns(resource).join(", "),
        selected = selected.join(", "),
        on_conflict = on_conflict(resource),
    )
}

/// The rows of one listing on their way into the temporary table, in COPY's binary format.
pub(super) struct PgCopy<'s> {
    writer: Option<CopyInWriter<'s>>,
    buf: Vec<u8>,
    seq: i64,
    fields: i16,
    dsn: &'s Dsn,
}

impl<'s> PgCopy<'s> {
    pub(super) fn new(writer: CopyInWriter<'s>, resource: Resource, dsn: &'s Dsn) -> PgCopy<'s> {
        let mut buf = Vec::with_capacity(FLUSH_AT + 64 * 1024);
        // Signature, flags, header extension length.
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes());
        buf.extend_from_slice(&0i32.to_be_bytes());
        PgCopy {
            writer: Some(writer),
            buf,
            seq: 0,
            fields: staged_columns(resource).len() as i16,
            dsn,
        }
    }

    fn send(&mut self) -> Result<(), IngestError> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        writer.write_all(&self.buf).map_err(|e| {
            // The driver's own error travels inside the io::Error; it carries the server's message.
            match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<postgres::Error>())
            {
                Some(pg) => pg_error(self.dsn, "copying rows", pg),
                None => IngestError::Database {
                    dsn: self.dsn.redacted(),
                    message: self.dsn.scrub(&format!("copying rows: {e}")),
                },
            }
        })?;
        self.buf.clear();
        Ok(())
    }

    fn field(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => {
                self.buf.extend_from_slice(&(b.len() as i32).to_be_bytes());
                self.buf.extend_from_slice(b);
            }
            None => self.buf.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }

    /// `jsonb`'s binary form: a version byte, then the JSON text.
    fn json(&mut self, text: Option<&str>) {
        match text {
            Some(t) => {
                self.buf
                    .extend_from_slice(&(t.len() as i32 + 1).to_be_bytes());
                self.buf.push(1);
                self.buf.extend_from_slice(t.as_bytes());
            }
            None => self.field(None),
        }
    }

    fn value(&mut self, value: &SqlValue<'_>) {
        match value {
            SqlValue::Int(v) => self.field(v.map(i64::to_be_bytes).as_ref().map(|b| &b[..])),
            SqlValue::Bool(v) => self.field(v.map(|b| [b as u8]).as_ref().map(|b| &b[..])),
            SqlValue::Json(v) => self.json(v.as_deref()),
            SqlValue::Text(v) | SqlValue::Time(v) => self.field(v.as_deref().map(str::as_bytes)),
        }
    }
}

impl RowSink for PgCopy<'_> {
    fn write(&mut self, row: &Row<'_>) -> Result<(), IngestError> {
        self.seq += 1;
        self.buf.extend_from_slice(&self.fields.to_be_bytes());
        let seq = self.seq.to_be_bytes();
        self.field(Some(&seq));
        self.value(&row.do_id);
        for value in &row.values {
            self.value(value);
        }
        // `json`'s binary form is its text.
        self.field(Some(row.raw.as_bytes()));
        if self.buf.len() >= FLUSH_AT {
            self.send()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), IngestError> {
        // The trailer: a field count of -1.
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.send()?;
        match self.writer.take() {
            Some(writer) => writer
                .finish()
                .map(drop)
                .map_err(|e| pg_error(self.dsn, "copying rows", &e)),
            None => Ok(()),
        }
    }
}
