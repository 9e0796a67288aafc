//! How many pages after the first may be in flight or waiting for the reader: enough requests to cover
//! one request's time with the reader's time per page (Little's law), so that the reader does not wait on
//! the network; and no more, so that pages do not pile up in memory when the reader is the slower side
//! (a fast API: then two suffice, one written while the next arrives).

use std::time::{Duration, Instant};

/// Recent request and reading times (moving averages), measured, not waited on: the clock is not needed.
pub(super) struct Window {
    max: usize,
    request: Option<Duration>,
    page: Option<Duration>,
    /// When the reader last got a page: its work on it runs until it asks for the next.
    handed_at: Option<Instant>,
}

const MIN: usize = 2;

impl Window {
    /// `max`: the requests allowed in flight.
    pub(super) fn new(max: usize) -> Window {
        Window {
            max: max.max(1),
            request: None,
            page: None,
            handed_at: None,
        }
    }

    /// The pages allowed ahead now: two until both times are known (the reader's first page takes a
    /// few milliseconds; starting wide would fetch a burst of pages a fast API then holds in memory).
    pub(super) fn size(&self) -> usize {
        match (self.request, self.page) {
            (Some(request), Some(page)) if !page.is_zero() => {
                let needed = request.as_secs_f64() / page.as_secs_f64();
                (needed.ceil() as usize + 1).clamp(MIN, self.max.max(MIN))
            }
            (_, Some(_)) => self.max,
            _ => MIN.min(self.max),
        }
    }

    /// A window that has measured `request` and `page` already.
    #[cfg(test)]
    pub(super) fn measured(max: usize, request: Duration, page: Duration) -> Window {
        Window {
            request: Some(request),
            page: Some(page),
            ..Window::new(max)
        }
    }

    pub(super) fn request_took(&mut self, took: Duration) {
        self.request = Some(average(self.request, took));
    }

    /// The reader asks for a page: it is done with the one it had.
    pub(super) fn reader_asks(&mut self) {
        if let Some(at) = self.handed_at.take() {
            self.page = Some(average(self.page, at.elapsed()));
        }
    }

    pub(super) fn reader_got_page(&mut self) {
        self.handed_at = Some(Instant::now());
    }
}

fn average(old: Option<Duration>, sample: Duration) -> Duration {
    match old {
        Some(old) => (old * 3 + sample) / 4,
        None => sample,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_a_request_with_pages_between_two_and_the_in_flight_limit() {
        let mut w = Window::new(8);
        assert_eq!(w.size(), 2, "nothing measured yet");
        w.request_took(Duration::from_millis(100));
        w.page = Some(Duration::from_millis(4));
        assert_eq!(w.size(), 8, "a slow API: every request in flight");
        w.request = Some(Duration::from_millis(9));
        w.page = Some(Duration::from_millis(3));
        assert_eq!(w.size(), 4);
        w.request = Some(Duration::from_millis(1));
        assert_eq!(
            w.size(),
            2,
            "a fast API: one page written while the next comes"
        );
        w.request_took(Duration::from_millis(5));
        assert_eq!(w.request, Some(Duration::from_millis(2)));
        assert_eq!(Window::new(1).size(), 1);
        w.request = Some(Duration::from_millis(3));
        w.page = Some(Duration::ZERO);
        assert_eq!(w.size(), 8, "the reader takes no time at all");
    }
}
