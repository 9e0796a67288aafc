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
mod window;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::client::{Client, PER_PAGE};
use super::error::ProviderError;
use super::inventory::Collection;
use super::pages::{MAX_PAGES, set_query_param, with_query};
use nav::Nav;
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

struct State {
    lists: Vec<List>,
    /// The listing the reader is on; it is done with the earlier ones.
    reading: usize,
    /// The reader is gone: nothing more is sent.
    stopped: bool,
    /// How many pages after the first may be in flight or waiting for the reader.
    window: Window,
}

/// How the pages after the first are found.
enum Mode {
    /// Page 1 has not arrived.
    Unknown,
    /// Page 1's `meta.total` gave the count: pages 2..=last by number, `per` items each.
    Numbered { last: usize, per: usize },
    /// Page by page: `links.pages.next`, else the next number while `meta.total` says items are missing.
    /// `next`: the next page's path, once the page before it told; `seen`: items so far.
    Linked { next: Option<String>, seen: u64 },
}

struct List {
    collection: Collection,
    /// Page 1's path and query.
    first: String,
    mode: Mode,
    /// The highest page number asked for.
    sent: usize,
    /// Pages after the first in flight.
    in_flight: usize,
    first_in_flight: bool,
    /// Pages arrived and not yet taken, by number.
    arrived: BTreeMap<usize, String>,
    /// Pages handed to the reader.
    taken: usize,
    /// The last page, once known.
    end: Option<usize>,
    /// The failure of the lowest page number.
    failed: Option<(usize, ProviderError)>,
    /// The reader is done with it: what arrives is dropped, nothing more is asked for.
    dropped: bool,
    requested: HashSet<String>,
    stats: ListingStats,
}

/// One request to make.
struct Job {
    list: usize,
    collection: Collection,
    number: usize,
    path: String,
    /// Whether its navigation is needed (page 1, the last numbered page, every page followed by links).
    skim: bool,
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

impl State {
    /// The next request the window allows: every first page, then the reader's listing, then the later
    /// ones in order (earlier ones are done with).
    fn next_job(&mut self) -> Option<Job> {
        let ahead = self.window.size();
        if let Some(i) = self.lists.iter().position(|l| l.sent == 0 && !l.dropped) {
            return Some(self.lists[i].send(i));
        }
        let held: usize = self.lists.iter().map(List::held).sum();
        for i in self.reading..self.lists.len() {
            if !self.lists[i].has_next() {
                continue;
            }
            // The reader's listing counts only its own pages: pages of later listings, taken when the
            // window was wider, cannot hold it up.
            let room = if i == self.reading {
                self.lists[i].held() < ahead
            } else {
                held + 1 < ahead
            };
            return room.then(|| self.lists[i].send(i));
        }
        None
    }
}

impl List {
    fn new(collection: Collection) -> List {
        let first = if collection.paginated() {
            with_query(collection.path(), &format!("per_page={PER_PAGE}"))
        } else {
            collection.path().to_string()
        };
        List {
            collection,
            first,
            mode: Mode::Unknown,
            sent: 0,
            in_flight: 0,
            first_in_flight: false,
            arrived: BTreeMap::new(),
            taken: 0,
            end: None,
            failed: None,
            dropped: false,
            requested: HashSet::new(),
            stats: ListingStats::default(),
        }
    }

    /// Pages after the first in flight or waiting for the reader.
    fn held(&self) -> usize {
        self.in_flight + self.arrived.range(2..).count()
    }

    fn over(&self) -> bool {
        self.dropped || self.failed.is_some()
    }

    /// Whether a page of it can be asked for now.
    fn has_next(&self) -> bool {
        !self.over()
            && match &self.mode {
                Mode::Unknown => false,
                Mode::Numbered { last, .. } => self.sent < *last,
                Mode::Linked { next, .. } => next.is_some(),
            }
    }

    /// Whether nothing of it will ever be asked for again.
    fn settled(&self) -> bool {
        self.over() || self.end.is_some_and(|end| self.sent >= end)
    }

    /// Marks the next page as asked for and returns the request (only when `sent == 0` or `has_next`).
    fn send(&mut self, index: usize) -> Job {
        let number = self.sent + 1;
        let (path, skim) = match &mut self.mode {
            Mode::Unknown => (self.first.clone(), self.collection.paginated()),
            Mode::Numbered { last, .. } => (
                set_query_param(&self.first, "page", &number.to_string()),
                number == *last,
            ),
            Mode::Linked { next, .. } => (next.take().unwrap_or_default(), true),
        };
        self.sent = number;
        if number > 1 {
            self.in_flight += 1;
        } else {
            self.first_in_flight = true;
        }
        self.requested.insert(path.clone());
        Job {
            list: index,
            collection: self.collection,
            number,
            path,
            skim,
        }
    }

    /// A reply (or the failure) for `job`.
    fn arrive(
        &mut self,
        job: &Job,
        fetched: Result<(String, Option<Nav>), ProviderError>,
        attempts: u32,
    ) {
        self.stats.attempts += u64::from(attempts);
        if job.number > 1 {
            self.in_flight -= 1;
        } else {
            self.first_in_flight = false;
        }
        let (text, nav) = match fetched {
            Ok(page) => page,
            Err(e) => return self.fail(job.number, e),
        };
        self.stats.pages += 1;
        if self.dropped {
            return;
        }
        if !self.collection.paginated() {
            self.end = Some(1);
        } else if let Some(nav) = nav
            && let Err(e) = self.follow(job, nav)
        {
            return self.fail(job.number, e);
        }
        self.arrived.insert(job.number, text);
    }

    /// What a page's navigation says of the pages after it.
    fn follow(&mut self, job: &Job, nav: Nav) -> Result<(), ProviderError> {
        let n = job.number;
        let count = nav.count as u64;
        match self.mode {
            Mode::Unknown => match nav.total {
                // The count is known: the rest can all be asked for together.
                Some(total) if count > 0 && total > count => {
                    let last = total.div_ceil(count) as usize;
                    if last > MAX_PAGES {
                        return Err(broken(&job.path, format!("more than {MAX_PAGES} pages")));
                    }
                    self.mode = Mode::Numbered {
                        last,
                        per: nav.count,
                    };
                    Ok(())
                }
                _ => self.link(job, nav, count, false),
            },
            // Items added while listing can spill onto one more page: then pages are followed one by one.
            Mode::Numbered { last, per } if n == last => {
                self.link(job, nav, ((last - 1) * per) as u64 + count, true)
            }
            Mode::Numbered { .. } => Ok(()),
            Mode::Linked { seen, .. } => self.link(job, nav, seen + count, false),
        }
    }

    /// Follows from page `job` to the next one, if any; `seen`: the items up to and including it.
    /// `after_numbered`: a link back to a page already read ends the listing rather than failing it.
    fn link(
        &mut self,
        job: &Job,
        nav: Nav,
        seen: u64,
        after_numbered: bool,
    ) -> Result<(), ProviderError> {
        let n = job.number;
        let next = nav.next.or_else(|| match nav.total {
            Some(total) if nav.count > 0 && seen < total => {
                Some(set_query_param(&self.first, "page", &(n + 1).to_string()))
            }
            _ => None,
        });
        let next = match next {
            Some(path) if self.requested.contains(&path) => {
                if !after_numbered {
                    return Err(broken(
                        &job.path,
                        "the `next` page link points back to a page already read".into(),
                    ));
                }
                None
            }
            other => other,
        };
        if next.is_some() && n >= MAX_PAGES {
            return Err(broken(&job.path, format!("more than {MAX_PAGES} pages")));
        }
        if next.is_none() {
            self.end = Some(n);
        }
        self.mode = Mode::Linked { next, seen };
        Ok(())
    }

    fn fail(&mut self, number: usize, error: ProviderError) {
        if !self.dropped && self.failed.as_ref().is_none_or(|(n, _)| number < *n) {
            self.failed = Some((number, error));
        }
    }

    fn drop_pages(&mut self) {
        self.dropped = true;
        self.arrived.clear();
    }
}

/// A listing whose pages do not add up.
fn broken(path: &str, message: String) -> ProviderError {
    ProviderError::Decode {
        method: "GET".into(),
        path: path.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests;
