//! The run protocol (docs/ingest.md): a `running` row, one transaction per resource type into which its
//! listing is streamed, deletions marked only after complete listings, then the run's final status. The
//! listings of every type are fetched together meanwhile (`Client::read_listings`); the types are written
//! one after another, each as soon as its pages come.

use super::dsn::Dsn;
use super::error::{IngestError, one_line};
use super::resources::Resource;
use super::store::{self, NewRun, Pass, Store, WriteMode};
use super::stream::{Failure, collections, stream};
use super::summary::{ResourceOutcome, ResourceStatus, RunStatus, RunSummary};
use crate::clock::{Clock, rfc3339};
use crate::provider::{Client, Listings};

/// What to ingest, and where.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub dsn: Dsn,
    /// In run order; see [`Resource::ALL`].
    pub resources: Vec<Resource>,
    pub mode: WriteMode,
}

/// Runs one ingest. `on_resource` sees each type's outcome as soon as it is known (for progress).
/// A failed resource type does not fail the call: it is in the summary (`partial`/`error`). Only a
/// database failure returns `Err`, after a best-effort attempt to record the run as `error`.
pub fn run(
    client: &Client,
    clock: &dyn Clock,
    options: &IngestOptions,
    on_resource: &mut dyn FnMut(&ResourceOutcome),
) -> Result<RunSummary, IngestError> {
    let mut db = store::open(&options.dsn, options.mode)?;
    let started = clock.instant();
    let started_at = rfc3339(clock.now());
    let names: Vec<&str> = options.resources.iter().map(|r| r.name()).collect();
    let closed_abandoned_runs = db.close_abandoned_runs(&started_at)?;
    let run_id = db.start_run(&NewRun {
        started_at: &started_at,
        resources: &names.join(","),
        api_base_url: client.base_url(),
    })?;
    let mut summary = RunSummary {
        run_id,
        status: RunStatus::Running,
        backend: options.dsn.backend().to_string(),
        database: options.dsn.redacted(),
        started_at,
        finished_at: String::new(),
        duration_ms: 0,
        rows: 0,
        deleted: 0,
        errors: 0,
        resources_failed: 0,
        last_error: None,
        resources: Vec::new(),
        closed_abandoned_runs,
    };
    client.read_listings(&collections(&options.resources), |listings| {
        for (index, &resource) in options.resources.iter().enumerate() {
            match ingest_resource(db.as_mut(), listings, clock, run_id, index, resource) {
                Ok(outcome) => {
                    db.record_event(run_id, &outcome)
                        .or_else(|e| abandon(db.as_mut(), &mut summary, clock, started, e))?;
                    summary.rows += outcome.rows;
                    summary.deleted += outcome.deleted;
                    summary.errors += outcome.errors;
                    if let Some(error) = &outcome.error {
                        summary.resources_failed += 1;
                        summary.last_error = Some(format!("{}: {error}", outcome.resource));
                    }
                    on_resource(&outcome);
                    summary.resources.push(outcome);
                }
                Err(e) => return abandon(db.as_mut(), &mut summary, clock, started, e),
            }
        }
        Ok(())
    })?;
    summary.status =
        RunStatus::from_counts(options.resources.len(), summary.resources_failed as usize);
    summary.finished_at = rfc3339(clock.now());
    summary.duration_ms = clock
        .instant()
        .saturating_duration_since(started)
        .as_millis() as u64;
    db.finish_run(&summary)?;
    Ok(summary)
}

/// The database failed mid-run: try to leave the run row saying so, then report the failure itself.
fn abandon<T>(
    db: &mut dyn Store,
    summary: &mut RunSummary,
    clock: &dyn Clock,
    started: std::time::Instant,
    error: IngestError,
) -> Result<T, IngestError> {
    summary.status = RunStatus::Error;
    summary.last_error = Some(error.to_string());
    summary.finished_at = rfc3339(clock.now());
    summary.duration_ms = clock
        .instant()
        .saturating_duration_since(started)
        .as_millis() as u64;
    let _ = db.finish_run(summary);
    Err(error)
}

/// Writes one resource type (listing `index` of `listings`) inside its own transaction. `Err` only for
/// database failures.
fn ingest_resource(
    db: &mut dyn Store,
    listings: &Listings<'_>,
    clock: &dyn Clock,
    run_id: i64,
    index: usize,
    resource: Resource,
) -> Result<ResourceOutcome, IngestError> {
    let started = clock.instant();
    let started_at = rfc3339(clock.now());
    db.begin_resource(resource)?;
    let pass = Pass {
        resource,
        run_id,
        now: &started_at,
    };
    let streamed = db
        .rows(pass)
        .map(|sink| stream(listings, index, resource, sink));
    let streamed = match streamed {
        Ok(streamed) => streamed,
        Err(e) => {
            let _ = db.rollback();
            return Err(e);
        }
    };
    let (rows, pages, attempts) = (streamed.rows, streamed.pages, streamed.attempts);
    let outcome = match streamed.outcome {
        Ok(()) => match db.complete_listing(&pass) {
            Ok(deleted) => {
                db.commit()?;
                Ok(deleted)
            }
            Err(e) => Err(Failure::Store(e)),
        },
        Err(failure) => {
            // Nothing of a failed type is kept: earlier rows and `deleted_at` stay as the last good run left them.
            let rolled_back = db.rollback();
            match failure {
                Failure::Store(e) => return Err(e),
                other => {
                    rolled_back?;
                    Err(other)
                }
            }
        }
    };
    let (status, deleted, error) = match outcome {
        Ok(deleted) => (ResourceStatus::Success, deleted, None),
        Err(Failure::Api(e)) => (ResourceStatus::Partial, 0, Some(one_line(e.as_ref()))),
        Err(Failure::Item(message)) => (
            ResourceStatus::Partial,
            0,
            Some(format!("{}: {message}", resource.collection().path())),
        ),
        Err(Failure::Store(e)) => {
            let _ = db.rollback();
            return Err(e);
        }
    };
    let failed = status == ResourceStatus::Partial;
    Ok(ResourceOutcome {
        resource: resource.name().to_string(),
        status,
        rows: if failed { 0 } else { rows },
        deleted,
        // Every attempt that did not yield a page failed (and was retried, or ended the listing).
        errors: match attempts.saturating_sub(pages) {
            0 if failed => 1,
            n => n,
        },
        pages,
        duration_ms: clock
            .instant()
            .saturating_duration_since(started)
            .as_millis() as u64,
        started_at,
        finished_at: rfc3339(clock.now()),
        error,
    })
}
