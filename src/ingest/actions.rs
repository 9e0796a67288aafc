//! `ops.do_actions`: what `apply --db` dispatched, recorded `pending` before each call and finished after.

use std::sync::Arc;

use super::dsn::Dsn;
use super::error::IngestError;
use super::store::{self, ActionDone, NewAction, Store, WriteMode};
use crate::clock::{Clock, SystemClock, rfc3339};

/// Records dispatched actions. Opening it applies the same migrations as ingest, so `apply --db` works on
/// a fresh database.
pub struct ActionRecorder {
    store: Box<dyn Store>,
    dsn: Dsn,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ActionRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionRecorder")
            .field("db", &self.dsn.redacted())
            .finish()
    }
}

impl ActionRecorder {
    /// Opens `db` with the `--db` rules (`postgres://…`, `sqlite:PATH` or a bare path) and migrates it.
    pub fn open(db: &str) -> Result<ActionRecorder, IngestError> {
        Self::open_with_clock(db, Arc::new(SystemClock))
    }

    pub fn open_with_clock(db: &str, clock: Arc<dyn Clock>) -> Result<ActionRecorder, IngestError> {
        let dsn = Dsn::parse(db)?;
        let store = store::open(&dsn, WriteMode::Batched)?;
        Ok(ActionRecorder { store, dsn, clock })
    }

    /// The database, password redacted, for messages.
    pub fn database(&self) -> String {
        self.dsn.redacted()
    }

    /// Records an action about to be sent (`create`, `delete`, `resize`, `power_off`, …); returns the row id.
    /// Call it before the API call, so a crash in between leaves a `pending` row to investigate.
    pub fn pending(
        &mut self,
        droplet_name: &str,
        droplet_id: Option<u64>,
        action: &str,
    ) -> Result<i64, IngestError> {
        let now = rfc3339(self.clock.now());
        self.store.action_pending(&NewAction {
            droplet_name,
            droplet_id,
            action,
            now: &now,
        })
    }

    /// Finishes row `row`: `success` (with DigitalOcean's action id, and the droplet id a create learned)
    /// or `error` with its message.
    pub fn finish(
        &mut self,
        row: i64,
        ok: bool,
        do_action_id: Option<u64>,
        droplet_id: Option<u64>,
        error: Option<&str>,
    ) -> Result<(), IngestError> {
        let now = rfc3339(self.clock.now());
        self.store.action_finish(
            row,
            &ActionDone {
                ok,
                do_action_id,
                droplet_id,
                error,
                now: &now,
            },
        )
    }
}
