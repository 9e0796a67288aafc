//! What is asked for next: each listing's pages as they become known (page 1's `meta.total`, or the
//! links page by page), what a reply changes, and which request the window allows.

use std::collections::{BTreeMap, HashSet};

use super::ListingStats;
use super::nav::Nav;
use super::window::Window;
use crate::provider::client::PER_PAGE;
use crate::provider::error::ProviderError;
use crate::provider::inventory::Collection;
use crate::provider::pages::{MAX_PAGES, set_query_param, with_query};

pub(super) struct State {
    pub(super) lists: Vec<List>,
    /// The listing the reader is on; it is done with the earlier ones.
    pub(super) reading: usize,
    /// The reader is gone: nothing more is sent.
    pub(super) stopped: bool,
    /// How many pages after the first may be in flight or waiting for the reader.
    pub(super) window: Window,
}

/// How the pages after the first are found.
pub(super) enum Mode {
    /// Page 1 has not arrived.
    Unknown,
    /// Page 1's `meta.total` gave the count: pages 2..=last by number, `per` items each.
    Numbered { last: usize, per: usize },
    /// Page by page: `links.pages.next`, else the next number while `meta.total` says items are missing.
    /// `next`: the next page's path, once the page before it told; `seen`: items so far.
    Linked { next: Option<String>, seen: u64 },
}

pub(super) struct List {
    pub(super) collection: Collection,
    /// Page 1's path and query.
    pub(super) first: String,
    pub(super) mode: Mode,
    /// The highest page number asked for.
    pub(super) sent: usize,
    /// Pages after the first in flight.
    pub(super) in_flight: usize,
    pub(super) first_in_flight: bool,
    /// Pages arrived and not yet taken, by number.
    pub(super) arrived: BTreeMap<usize, String>,
    /// Pages handed to the reader.
    pub(super) taken: usize,
    /// The last page, once known.
    pub(super) end: Option<usize>,
    /// The failure of the lowest page number.
    pub(super) failed: Option<(usize, ProviderError)>,
    /// The reader is done with it: what arrives is dropped, nothing more is asked for.
    pub(super) dropped: bool,
    pub(super) requested: HashSet<String>,
    pub(super) stats: ListingStats,
}

/// One request to make.
pub(super) struct Job {
    pub(super) list: usize,
    pub(super) collection: Collection,
    pub(super) number: usize,
    pub(super) path: String,
    /// Whether its navigation is needed (page 1, the last numbered page, every page followed by links).
    pub(super) skim: bool,
}

impl State {
    /// The next request the window allows: every first page, then the reader's listing, then the later
    /// ones in order (earlier ones are done with).
    pub(super) fn next_job(&mut self) -> Option<Job> {
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
    pub(super) fn new(collection: Collection) -> List {
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
    pub(super) fn held(&self) -> usize {
        self.in_flight + self.arrived.range(2..).count()
    }

    pub(super) fn over(&self) -> bool {
        self.dropped || self.failed.is_some()
    }

    /// Whether a page of it can be asked for now.
    pub(super) fn has_next(&self) -> bool {
        !self.over()
            && match &self.mode {
                Mode::Unknown => false,
                Mode::Numbered { last, .. } => self.sent < *last,
                Mode::Linked { next, .. } => next.is_some(),
            }
    }

    /// Whether nothing of it will ever be asked for again.
    pub(super) fn settled(&self) -> bool {
        self.over() || self.end.is_some_and(|end| self.sent >= end)
    }

    /// Marks the next page as asked for and returns the request (only when `sent == 0` or `has_next`).
    pub(super) fn send(&mut self, index: usize) -> Job {
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
    pub(super) fn arrive(
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
    pub(super) fn follow(&mut self, job: &Job, nav: Nav) -> Result<(), ProviderError> {
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
    pub(super) fn link(
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

    pub(super) fn fail(&mut self, number: usize, error: ProviderError) {
        if !self.dropped && self.failed.as_ref().is_none_or(|(n, _)| number < *n) {
            self.failed = Some((number, error));
        }
    }

    pub(super) fn drop_pages(&mut self) {
        self.dropped = true;
        self.arrived.clear();
    }
}

/// A listing whose pages do not add up.
pub(super) fn broken(path: &str, message: String) -> ProviderError {
    ProviderError::Decode {
        method: "GET".into(),
        path: path.to_string(),
        message,
    }
}
