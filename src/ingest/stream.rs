//! One resource type's listing, streamed: its pages arrive from the run's fetching threads (all listings
//! of the run at once, see `Client::read_listings`) while this thread reads each page into rows and writes
//! them, so the API, the parsing and the database work at the same time and memory holds a few pages,
//! whatever the size of the account.

use super::error::{IngestError, one_line};
use super::pages;
use super::resources::{Resource, Row};
use super::store::RowSink;
use crate::provider::{Client, Collection, Listings, ProviderError};

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
    /// Requests sent for the listing, retries included.
    pub attempts: u64,
    /// `Ok` when every page arrived, every row was written and the sink finished.
    pub outcome: Result<(), Failure>,
}

/// Lists `resource` (listing `index` of `listings`) into `sink`, finishing it when the listing is
/// complete (and dropping it, which abandons what it staged, when not).
pub(crate) fn stream(
    listings: &Listings<'_>,
    index: usize,
    resource: Resource,
    mut sink: Box<dyn RowSink + '_>,
) -> Streamed {
    let mut rows = 0u64;
    let outcome = write_pages(listings, index, resource, sink.as_mut(), &mut rows)
        .and_then(|()| sink.finish().map_err(Failure::Store));
    // After a failure nothing more of the listing is fetched.
    let stats = listings.finish(index);
    Streamed {
        rows,
        pages: stats.pages,
        attempts: stats.attempts,
        outcome,
    }
}

/// Reads and writes every page as it comes, in order, until the listing ends or something fails.
fn write_pages(
    listings: &Listings<'_>,
    index: usize,
    resource: Resource,
    sink: &mut dyn RowSink,
    rows: &mut u64,
) -> Result<(), Failure> {
    let key = resource.collection().key();
    while let Some(page) = listings.next_page(index) {
        let page = page.map_err(|e| Failure::Api(Box::new(e)))?;
        let items = pages::items(page.text(), key).map_err(Failure::Item)?;
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

/// The collections of `resources`, in the same order: the listings of a run.
pub(crate) fn collections(resources: &[Resource]) -> Vec<Collection> {
    resources.iter().map(|r| r.collection()).collect()
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
    client.read_listings(&collections(resources), |listings| {
        let mut total = 0;
        for (index, &resource) in resources.iter().enumerate() {
            let streamed = stream(listings, index, resource, Box::new(Discard));
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
    })
}
