//! Waiting out a booting droplet: connection refusals are retried with capped exponential back-off until a deadline.

use std::time::Duration;

use crate::clock::Clock;

/// How long to keep trying and how fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Give up once this much time has passed since the first attempt.
    pub budget: Duration,
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// Starts quick (a refused port usually opens within a second or two of sshd starting), then settles at
    /// one try every 2 s so a slow boot costs few attempts.
    pub fn new(budget: Duration) -> Backoff {
        Backoff {
            budget,
            first: Duration::from_millis(200),
            max: Duration::from_secs(2),
        }
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt<T> {
    /// Finished, successfully or not; never retried.
    Done(T),
    /// The port refused the connection; worth another try. Carries the result to return if time is up.
    Refused(T),
}

/// Runs `attempt` until it is `Done` or the budget is spent. `attempt` receives the time left, so it can bound
/// its own connect timeout; `on_retry` hears about each wait before it happens (for a progress note).
pub fn retry_refused<T>(
    clock: &dyn Clock,
    backoff: Backoff,
    mut attempt: impl FnMut(Duration) -> Attempt<T>,
    mut on_retry: impl FnMut(u32, Duration),
) -> T {
    let start = clock.instant();
    let mut wait = backoff.first;
    let mut retries = 0;
    loop {
        let left = backoff.budget.saturating_sub(clock.instant() - start);
        match attempt(left) {
            Attempt::Done(result) => return result,
            Attempt::Refused(result) => {
                let left = backoff.budget.saturating_sub(clock.instant() - start);
                if left.is_zero() {
                    return result;
                }
                // Never sleep past the deadline: the last try happens right at it.
                let pause = wait.min(left);
                retries += 1;
                on_retry(retries, pause);
                clock.sleep(pause);
                wait = (wait * 2).min(backoff.max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn success_on_first_try_never_sleeps() {
        let clock = FakeClock::new();
        let got = retry_refused(
            &clock,
            Backoff::new(ms(5000)),
            |_| Attempt::Done(7),
            |_, _| {},
        );
        assert_eq!(got, 7);
        assert!(clock.sleeps().is_empty());
    }

    #[test]
    fn refusals_back_off_exponentially_then_succeed() {
        let clock = FakeClock::new();
        let mut calls = 0;
        let got = retry_refused(
            &clock,
            Backoff::new(ms(60_000)),
            |_| {
                calls += 1;
                if calls < 6 {
                    Attempt::Refused(255)
                } else {
                    Attempt::Done(0)
                }
            },
            |_, _| {},
        );
        assert_eq!(got, 0);
        assert_eq!(calls, 6);
        assert_eq!(
            clock.sleeps(),
            vec![ms(200), ms(400), ms(800), ms(1600), ms(2000)]
        );
    }

    #[test]
    fn gives_up_at_the_deadline_with_the_last_result() {
        let clock = FakeClock::new();
        let mut calls = 0;
        let got = retry_refused(
            &clock,
            Backoff::new(ms(2500)),
            |_| {
                calls += 1;
                Attempt::Refused(calls)
            },
            |_, _| {},
        );
        // 200 + 400 + 800 + 1600 would pass 2.5 s: the last wait is clipped to the 1100 ms left.
        assert_eq!(clock.sleeps(), vec![ms(200), ms(400), ms(800), ms(1100)]);
        assert_eq!(got, 5);
        assert_eq!(calls, 5);
    }

    #[test]
    fn time_spent_in_attempts_counts_against_the_budget() {
        let clock = FakeClock::new();
        let mut lefts = Vec::new();
        let got = retry_refused(
            &clock,
            Backoff::new(ms(1000)),
            |left| {
                lefts.push(left);
                clock.advance(ms(450)); // a slow refusal
                Attempt::Refused("refused")
            },
            |_, _| {},
        );
        assert_eq!(got, "refused");
        assert_eq!(lefts, vec![ms(1000), ms(350)]);
        assert_eq!(clock.sleeps(), vec![ms(200)]);
    }

    #[test]
    fn other_failures_are_not_retried() {
        let clock = FakeClock::new();
        let mut calls = 0;
        let got = retry_refused(
            &clock,
            Backoff::new(ms(60_000)),
            |_| {
                calls += 1;
                Attempt::Done(255)
            },
            |_, _| {},
        );
        assert_eq!((got, calls), (255, 1));
        assert!(clock.sleeps().is_empty());
    }

    #[test]
    fn zero_budget_tries_once() {
        let clock = FakeClock::new();
        let mut retries = Vec::new();
        let got = retry_refused(
            &clock,
            Backoff::new(Duration::ZERO),
            |_| Attempt::Refused(1),
            |n, d| retries.push((n, d)),
        );
        assert_eq!(got, 1);
        assert!(retries.is_empty());
    }
}
