//! Time as stagecraft sees it: every wait goes through a `Clock`, so tests run without sleeping; and the one
//! duration syntax (`500ms`, `1.5s`, `10m`, `1h`) of every flag, variable and config key.

pub mod civil;
mod duration;

pub use duration::{DurationError, MAX_DURATION, MAX_WAIT, parse_duration};

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub trait Clock: Send + Sync {
    /// Wall-clock time, for timestamps and `ratelimit-reset`.
    fn now(&self) -> SystemTime;
    /// Monotonic time, for deadlines and elapsed times.
    fn instant(&self) -> Instant;
    fn sleep(&self, duration: Duration);
    /// Sleeps like `sleep`, but returns as soon as `wake` is woken (another thread has news); clears it.
    fn sleep_or_wake(&self, duration: Duration, wake: &Wake) {
        if !wake.take() {
            self.sleep(duration);
        }
    }
}

/// Lets another thread cut a [`Clock::sleep_or_wake`] short.
#[derive(Debug, Default)]
pub struct Wake {
    woken: Mutex<bool>,
    signal: Condvar,
}

impl Wake {
    pub fn wake(&self) {
        *self.lock() = true;
        self.signal.notify_all();
    }

    /// Whether it was woken since the last look; clears it.
    pub fn take(&self) -> bool {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        self.woken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
    fn instant(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
    fn sleep_or_wake(&self, duration: Duration, wake: &Wake) {
        let woken = wake.lock();
        let (mut woken, _) = wake
            .signal
            .wait_timeout_while(woken, duration, |woken| !*woken)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *woken = false;
    }
}

/// A clock that only moves when slept on or advanced; it records every sleep.
#[derive(Debug, Clone)]
pub struct FakeClock {
    inner: Arc<Mutex<FakeState>>,
}

#[derive(Debug)]
struct FakeState {
    start_wall: SystemTime,
    start_instant: Instant,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeClock {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(FakeState {
                start_wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
                start_instant: Instant::now(),
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    pub fn advance(&self, by: Duration) {
        self.lock().elapsed += by;
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        let s = self.lock();
        s.start_wall + s.elapsed
    }
    fn instant(&self) -> Instant {
        let s = self.lock();
        s.start_instant + s.elapsed
    }
    fn sleep(&self, duration: Duration) {
        let mut s = self.lock();
        s.elapsed += duration;
        s.sleeps.push(duration);
    }
}

/// Formats a time as RFC 3339 UTC with milliseconds (`2026-11-21T23:49:00.123Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let since = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil::civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_595_356_664_123);
        assert_eq!(rfc3339(t), "2020-07-21T18:37:44.123Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn fake_clock_moves_only_when_told() {
        let clock = FakeClock::new();
        let t0 = clock.instant();
        clock.sleep(Duration::from_secs(2));
        assert_eq!(clock.instant() - t0, Duration::from_secs(2));
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    }
}
