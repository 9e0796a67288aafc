//! One resource type's listing, streamed: pages are fetched on a thread of their own while the caller's
//! thread reads each arrived page into rows and writes them, so the API, the parsing and the database
//! work at the same time and memory holds a few pages, whatever the size of the account.

use std::sync::mpsc::Receiver;

use super::error::{IngestError, one_line};
use super::pages::{self, Page};
use super::resources::{Resource, Row};
use super::store::RowSink;
use crate::provider::{Client, ProviderError};

/// Why a listing was given up.
pub(crate) enum Failure {
    /// The listing failed after the client's retry budget (or at once, for a 4xx other than 429).
    Api(Box<ProviderError>),
    /// The API returned a page or an object ingest cannot read or key.
    Item(String),
    /// The database failed: the whole run stops.
    Store(IngestError),
}

/// How a listing went.
pub(crate) struct Streamed {
    /// Rows handed to the sink.
    pub rows: u64,
    /// Pages that arrived (an attempt that brought none was a failure).
    pub pages: u64,
    /// `Ok` when every page arrived, every row was written and the sink finished.
    pub outcome: Result<(), Failure>,
}

/// Lists `resource` into `sink`, finishing it when the listing is complete (and dropping it, which
/// abandons what it staged, when not).
pub(crate) fn stream(
    client: &Client,
    resource: Resource,
    mut sink: Box<dyn RowSink + '_>,
) -> Streamed {
    let (to, from) = pages::queue();
    std::thread::scope(|scope| {
        let fetcher = scope.spawn(move || pages::fetch(client, resource.collection(), to));
        let mut rows = 0u64;
        let written = write_pages(resource, &from, sink.as_mut(), &mut rows);
        // A writer that stopped early releases a fetcher waiting to hand over its next page.
        drop(from);
        let fetched = fetcher
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // The writer's failure first: it is about data that came before the fetcher's.
        let outcome = match (written, fetched.result) {
            (Err(failure), _) => Err(failure),
            (Ok(()), Err(e)) => Err(Failure::Api(e)),
            (Ok(()), Ok(())) => sink.finish().map_err(Failure::Store),
        };
        Streamed {
            rows,
            pages: fetched.pages,
            outcome,
        }
    })
}

/// Reads and writes every page that arrives, until the fetcher is done or something fails.
fn write_pages(
    resource: Resource,
    pages: &Receiver<Page>,
    sink: &mut dyn RowSink,
    rows: &mut u64,
) -> Result<(), Failure> {
    let key = resource.collection().key();
    for page in pages {
        let items = pages::items(&page.body, key).map_err(Failure::Item)?;
        // One row, refilled for every item of the page: its strings borrow from the page's text.
        let mut row = Row::new();
        for item in items {
            resource.read_row(item, &mut row).map_err(Failure::Item)?;
            sink.write(&row).map_err(Failure::Store)?;
            *rows += 1;
        }
    }
    Ok(())
}

/// The benchmark's floor: fetches and reads every page of `resources` into rows exactly as an ingest
/// does, and writes nothing. Returns the number of rows.
pub fn parse_only(client: &Client, resources: &[Resource]) -> Result<u64, IngestError> {
    struct Discard;
    impl RowSink for Discard {
        fn write(&mut self, _: &Row<'_>) -> Result<(), IngestError> {
            Ok(())
        }
        fn finish(self: Box<Self>) -> Result<(), IngestError> {
            Ok(())
        }
    }
    let mut total = 0;
    for &resource in resources {
        let streamed = stream(client, resource, Box::new(Discard));
        let failed = |message: String| IngestError::Listing {
            resource: resource.name().to_string(),
            message,
        };
        match streamed.outcome {
            Ok(()) => total += streamed.rows,
            Err(Failure::Api(e)) => return Err(failed(one_line(e.as_ref()))),
            Err(Failure::Item(message)) => return Err(failed(message)),
            Err(Failure::Store(e)) => return Err(e),
        }
    }
    Ok(total)
}
