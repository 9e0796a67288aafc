//! One request budget per process, shared by every request and thread: at most `max_in_flight` at once,
//! at most `per_minute` in any rolling 60 s (the API's burst limit shows itself only as a 429, so it is
//! kept on our side), counting the requests earlier commands made (from the audit log).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;

/// DigitalOcean's burst limit: requests per rolling minute.
pub const API_PER_MINUTE: u32 = 250;
/// A margin is left below it for other tools on the account.
pub const DEFAULT_PER_MINUTE: u32 = 240;
pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_in_flight: usize,
    pub per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            per_minute: DEFAULT_PER_MINUTE,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    /// When each request of the last minute was sent, oldest first.
    sent: VecDeque<SystemTime>,
    /// Time spent waiting for room in the window.
    waited: Duration,
    most_in_flight: usize,
}

pub struct Budget {
    limits: Limits,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    freed: Condvar,
}

/// A slot for one request; the slot is given back when it is dropped.
pub struct Permit<'a> {
    budget: &'a Budget,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        state.in_flight -= 1;
        self.budget.freed.notify_one();
    }
}

/// What the budget did, for `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BudgetStats {
    pub waited: Duration,
    pub most_in_flight: usize,
}

impl Budget {
    /// `earlier`: when requests of earlier commands were sent (only the last minute matters).
    pub fn new(limits: Limits, clock: Arc<dyn Clock>, earlier: &[SystemTime]) -> Budget {
        let limits = Limits {
            max_in_flight: limits.max_in_flight.max(1),
            per_minute: limits.per_minute.max(1),
        };
        let now = clock.now();
        let mut sent: Vec<SystemTime> = earlier
            .iter()
            .copied()
            .filter(|t| now.duration_since(*t).is_ok_and(|age| age < WINDOW))
            .collect();
        sent.sort();
        Budget {
            limits,
            clock,
            state: Mutex::new(State {
                sent: sent.into(),
                ..State::default()
            }),
            freed: Condvar::new(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn stats(&self) -> BudgetStats {
        let state = self.lock();
        BudgetStats {
            waited: state.waited,
            most_in_flight: state.most_in_flight,
        }
    }

    /// Waits for a free slot and for room in the rolling minute, then counts the request as sent.
    /// `on_wait` hears of a wait for room (with its length) before it starts.
    pub fn acquire(&self, on_wait: &dyn Fn(Duration)) -> Permit<'_> {
        let mut state = self.lock();
        while state.in_flight >= self.limits.max_in_flight {
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        state.in_flight += 1;
        state.most_in_flight = state.most_in_flight.max(state.in_flight);
        loop {
            let now = self.clock.now();
            while state
                .sent
                .front()
                .is_some_and(|t| now.duration_since(*t).is_ok_and(|age| age >= WINDOW))
            {
                state.sent.pop_front();
            }
            if state.sent.len() < self.limits.per_minute as usize {
                state.sent.push_back(now);
                return Permit { budget: self };
            }
            // Room comes back when the oldest request of the window leaves it.
            let oldest = state.sent[state.sent.len() - self.limits.per_minute as usize];
            let wait = (oldest + WINDOW)
                .duration_since(now)
                .unwrap_or(Duration::from_millis(1))
                .max(Duration::from_millis(1));
            state.waited += wait;
            drop(state);
            on_wait(wait);
            self.clock.sleep(wait);
            state = self.lock();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;

    fn budget(clock: &FakeClock, per_minute: u32, earlier: &[SystemTime]) -> Budget {
        let limits = Limits {
            max_in_flight: 4,
            per_minute,
        };
        Budget::new(limits, Arc::new(clock.clone()), earlier)
    }

    #[test]
    fn never_more_than_the_limit_in_any_rolling_minute() {
        let clock = FakeClock::new();
        let b = budget(&clock, 10, &[]);
        let mut sent_at = Vec::new();
        for _ in 0..35 {
            let _permit = b.acquire(&|_| {});
            sent_at.push(clock.now());
            clock.advance(Duration::from_secs(1));
        }
        for (i, t) in sent_at.iter().enumerate() {
            let in_window = sent_at[i..]
                .iter()
                .take_while(|u| u.duration_since(*t).unwrap() < WINDOW)
                .count();
            assert!(
                in_window <= 10,
                "{in_window} requests within a minute of request {i}"
            );
        }
        assert!(b.stats().waited > Duration::ZERO);
    }

    #[test]
    fn requests_of_earlier_commands_count() {
        let clock = FakeClock::new();
        let now = clock.now();
        let earlier: Vec<SystemTime> = (0..10).map(|i| now - Duration::from_secs(50 - i)).collect();
        let old = now - Duration::from_secs(3600);
        let b = budget(&clock, 10, &[earlier.as_slice(), &[old]].concat());
        let waits = Mutex::new(Vec::new());
        let _permit = b.acquire(&|w| waits.lock().unwrap().push(w));
        // The oldest of the ten leaves the window 10 s from now.
        assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(10)]);
    }

    #[test]
    fn the_in_flight_cap_holds_across_threads() {
        let clock = FakeClock::new();
        let b = budget(&clock, 1000, &[]);
        let now_in = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let _p = b.acquire(&|_| {});
                        let n = now_in.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        most.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                        std::thread::yield_now();
                        now_in.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= 4);
        assert!(b.stats().most_in_flight <= 4);
    }
}
