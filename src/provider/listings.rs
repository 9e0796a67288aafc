//! Several listings at once, each page as the API's own text (for ingest, which reads every page once and
//! stores each object's bytes): the first page of every listing together, then every other page of all of
//! them through one sliding window of requests, handed to the reader listing by listing in page order.
//!
//! The window: at most `max_in_flight` requests at once (the budget's limit, one worker thread each), and
//! at most as many pages after the first in flight or waiting for the reader, fewer when the reader is
//! the slower side (`window`). The reader's own listing comes first and counts only its own pages against
//! the window, so pages of later listings (fetched while the reader's had nothing left to ask for, or
//! when the window was wider) never hold it up; a later listing is fetched only while all of them
//! together leave a place free. So the reader never waits
//! for a whole listing, the requests of all listings overlap, and memory holds a bounded number of pages
//! whatever the size of the account.

mod nav;
mod plan;
mod window;

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::client::Client;
use super::error::ProviderError;
use super::inventory::Collection;
use nav::Nav;
pub use nav::read_whole;
use plan::{Job, List, State};
use window::Window;

/// One page of a listing, as the API sent it. Its buffer goes back to the fetching threads when it is
/// dropped: they read into a few buffers over and over instead of allocating every page on one of eight
/// threads (where the allocator's per-thread arenas would keep a few pages' worth each).
#[derive(Debug)]
pub struct TextPage<'l> {
    pub number: usize,
    text: String,
    spare: &'l Mutex<Vec<String>>,
}

/// Buffers kept for reuse; more never circulate at once with the default window.
const SPARE: usize = 16;

impl TextPage<'_> {
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Drop for TextPage<'_> {
    fn drop(&mut self) {
        let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
        if spare.len() < SPARE {
            spare.push(std::mem::take(&mut self.text));
        }
    }
}

/// What fetching one listing took so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingStats {
    /// Replies that brought a page.
    pub pages: u64,
    /// Requests sent, retries included.
    pub attempts: u64,
}

/// The reader's side of [`Client::read_listings`].
pub struct Listings<'c> {
    client: &'c Client,
    state: Mutex<State>,
    changed: Condvar,
    /// Page buffers to read into (see [`TextPage`]).
    spare: Mutex<Vec<String>>,
}

impl Client {
    /// Runs `read` on this thread while the pages of `collections` are fetched on others; `read` takes them
    /// through [`Listings::next_page`], listing by listing, in the order given. When `read` returns (or
    /// unwinds), nothing more is sent and the requests in flight are waited for.
    pub fn read_listings<R>(
        &self,
        collections: &[Collection],
        read: impl FnOnce(&Listings<'_>) -> R,
    ) -> R {
        let listings = Listings {
            client: self,
            state: Mutex::new(State {
                lists: collections.iter().map(|&c| List::new(c)).collect(),
                reading: 0,
                stopped: false,
                window: Window::new(self.max_in_flight()),
            }),
            changed: Condvar::new(),
            spare: Mutex::new(Vec::new()),
        };
        /// Stops the workers however `read` ends, so the scope's join cannot wait forever.
        struct Stop<'a, 'c>(&'a Listings<'c>);
        impl Drop for Stop<'_, '_> {
            fn drop(&mut self) {
                self.0.lock().stopped = true;
                self.0.changed.notify_all();
            }
        }
        std::thread::scope(|scope| {
            for _ in 0..self.max_in_flight() {
                scope.spawn(|| listings.work());
            }
            let _stop = Stop(&listings);
            read(&listings)
        })
    }
}

impl Listings<'_> {
    /// The next page of listing `index` (the position in `read_listings`' collections), `None` once the
    /// listing is complete, or the failure that ended it (then `None` after it). Moving to a listing ends
    /// the earlier ones: what was fetched of them is dropped.
    pub fn next_page(&self, index: usize) -> Option<Result<TextPage<'_>, ProviderError>> {
        let mut state = self.lock();
        state.window.reader_asks();
        while state.reading < index {
            let reading = state.reading;
            state.lists[reading].drop_pages();
            state.reading += 1;
        }
        loop {
            let list = &mut state.lists[index];
            if let Some((_, error)) = list.failed.take() {
                list.drop_pages();
                self.changed.notify_all();
                return Some(Err(error));
            }
            if list.dropped {
                return None;
            }
            let number = list.taken + 1;
            if let Some(text) = list.arrived.remove(&number) {
                list.taken = number;
                state.window.reader_got_page();
                // A place in the window is free.
                self.changed.notify_all();
                return Some(Ok(TextPage {
                    number,
                    text,
                    spare: &self.spare,
                }));
            }
            if list.end.is_some_and(|end| list.taken >= end) {
                return None;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Ends listing `index` for the reader (complete, failed, or given up because the reader failed):
    /// nothing more of it is asked for or kept. Returns what it took once its requests in flight are over,
    /// so that every attempt, retries included, is counted.
    pub fn finish(&self, index: usize) -> ListingStats {
        let mut state = self.lock();
        state.lists[index].drop_pages();
        self.changed.notify_all();
        while state.lists[index].in_flight > 0 || state.lists[index].first_in_flight {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.lists[index].stats
    }

    /// A worker: sends the next request the window allows, until nothing is left to send.
    fn work(&self) {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return;
            }
            if let Some(job) = state.next_job() {
                drop(state);
                let mut attempts = 0;
                let started = std::time::Instant::now();
                let fetched = self.fetch(&job, &mut attempts);
                state = self.lock();
                state.window.request_took(started.elapsed());
                state.lists[job.list].arrive(&job, fetched, attempts);
                self.changed.notify_all();
                continue;
            }
            if state.lists.iter().all(List::settled) {
                return;
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// One page and, when wanted, its navigation.
    fn fetch(&self, job: &Job, attempts: &mut u32) -> Result<(String, Option<Nav>), ProviderError> {
        let collection = job.collection;
        let mut text = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        self.client
            .get_text(&job.path, &mut text, attempts)
            .map_err(|e| ProviderError::PartialListing {
                path: collection.path().to_string(),
                page: job.number,
                source: Box::new(e),
            })?;
        if !job.skim {
            return Ok((text, None));
        }
        let nav = nav::skim(&text, collection.key()).map_err(|message| ProviderError::Decode {
            method: "GET".into(),
            path: job.path.clone(),
            message,
        })?;
        Ok((text, Some(nav)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
