//! The hourly budget the API reports in its `ratelimit-*` headers: requests slow down as it runs low, so
//! it is not run to 0 while other work could wait. Every wait long enough to be noticed is announced.

use std::time::{Duration, UNIX_EPOCH};

use super::client::{ANNOUNCE_AFTER, Client};

// Below this many requests left in the window, pace requests out instead of running into 429s.
const PACE_BELOW: u64 = 10;
const MAX_PACE: Duration = Duration::from_secs(5);

#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RateState {
    pub(super) remaining: Option<u64>,
    pub(super) reset: Option<u64>,
}

impl Client {
    pub(super) fn note_rate_limit(&self, remaining: Option<String>, reset: Option<String>) {
        let mut rate = self
            .rate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(r) = remaining.and_then(|v| v.trim().parse().ok()) {
            rate.remaining = Some(r);
        }
        if let Some(r) = reset.and_then(|v| v.trim().parse().ok()) {
            rate.reset = Some(r);
        }
    }

    /// Slows down as the rate-limit window runs dry, so we rarely meet a 429 at all.
    pub(super) fn pace(&self) {
        let rate = *self
            .rate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (Some(remaining), Some(reset)) = (rate.remaining, rate.reset) else {
            return;
        };
        if remaining >= PACE_BELOW {
            return;
        }
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let until_reset = Duration::from_secs(reset.saturating_sub(now));
        let wait = until_reset / (remaining as u32 + 1);
        if !wait.is_zero() {
            self.wait(
                wait.min(MAX_PACE),
                &format!("{remaining} requests left in the API's hourly budget; spacing them out"),
            );
        }
    }

    /// Sleeps on the clock, saying why first when it is long enough to be noticed.
    pub(super) fn wait(&self, wait: Duration, why: &str) {
        self.announce(wait, why);
        self.clock.sleep(wait);
    }

    /// Says why a wait of `wait` is coming, when it is long enough to be noticed.
    pub(super) fn announce(&self, wait: Duration, why: &str) {
        if wait > ANNOUNCE_AFTER
            && let Some(notice) = &self.on_wait
        {
            notice(&format!("waiting {:.0}s: {why}", wait.as_secs_f64()));
        }
    }
}
