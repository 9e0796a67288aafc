//! Rolling-window rate limiter: every request counts for exactly one window after it is made.

use std::collections::VecDeque;

/// One rolling window (e.g. 5000 per 3600 s, or 250 per 60 s).
#[derive(Debug, Clone)]
pub struct Window {
    pub limit: u32,
    pub span_ms: i64,
    hits: VecDeque<i64>,
}

impl Window {
    pub fn new(limit: u32, span_ms: i64) -> Window {
        Window {
            limit,
            span_ms,
            hits: VecDeque::new(),
        }
    }

    fn expire(&mut self, now_ms: i64) {
        while let Some(&t) = self.hits.front() {
            if t + self.span_ms <= now_ms {
                self.hits.pop_front();
            } else {
                break;
            }
        }
    }

    /// Requests still allowed in the window at `now_ms`.
    pub fn remaining(&mut self, now_ms: i64) -> u32 {
        self.expire(now_ms);
        self.limit.saturating_sub(self.hits.len() as u32)
    }

    /// When the oldest counted request leaves the window (ms); `now_ms` if the window is empty.
    pub fn reset_ms(&mut self, now_ms: i64) -> i64 {
        self.expire(now_ms);
        self.hits
            .front()
            .map(|t| t + self.span_ms)
            .unwrap_or(now_ms)
    }

    pub fn record(&mut self, now_ms: i64) {
        self.hits.push_back(now_ms);
    }

    pub fn clear(&mut self) {
        self.hits.clear();
    }
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// `ratelimit-limit`: the hourly limit.
    pub limit: u32,
    /// `ratelimit-remaining`: left in the rolling hour (0 also when the burst limit is hit).
    pub remaining: u32,
    /// `ratelimit-reset`: Unix seconds when the oldest counted request expires.
    pub reset_secs: i64,
    /// `retry-after` seconds, only for a refused request.
    pub retry_after_secs: Option<i64>,
}

/// The hourly limit plus the per-minute burst limit of one token.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    pub hour: Window,
    pub minute: Window,
}

impl RateLimiter {
    pub fn new(per_hour: u32, per_minute: u32) -> RateLimiter {
        RateLimiter {
            hour: Window::new(per_hour, 3_600_000),
            minute: Window::new(per_minute, 60_000),
        }
    }

    /// Counts the request if both windows have room; a refused request is not counted.
    pub fn check(&mut self, now_ms: i64) -> Verdict {
        let hour_left = self.hour.remaining(now_ms);
        let minute_left = self.minute.remaining(now_ms);
        if hour_left == 0 || minute_left == 0 {
            let wait_ms = if hour_left == 0 {
                self.hour.reset_ms(now_ms)
            } else {
                self.minute.reset_ms(now_ms)
            } - now_ms;
            return Verdict {
                allowed: false,
                limit: self.hour.limit,
                remaining: 0,
                reset_secs: ceil_secs(self.hour.reset_ms(now_ms)),
                retry_after_secs: Some(ceil_secs(wait_ms).max(1)),
            };
        }
        self.hour.record(now_ms);
        self.minute.record(now_ms);
        self.peek_allowed(now_ms)
    }

    /// Headers for a response that is not counted (e.g. 401).
    pub fn peek_allowed(&mut self, now_ms: i64) -> Verdict {
        let hour_left = self.hour.remaining(now_ms);
        let minute_left = self.minute.remaining(now_ms);
        Verdict {
            allowed: true,
            limit: self.hour.limit,
            remaining: if minute_left == 0 { 0 } else { hour_left },
            reset_secs: ceil_secs(self.hour.reset_ms(now_ms)),
            retry_after_secs: None,
        }
    }

    pub fn clear(&mut self) {
        self.hour.clear();
        self.minute.clear();
    }
}

fn ceil_secs(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_window_rolls() {
        let mut rl = RateLimiter::new(3, 100);
        let t0 = 1_000_000_000_000;
        // (offset ms, allowed, remaining)
        let steps: &[(i64, bool, u32)] = &[
            (0, true, 2),
            (1_000, true, 1),
            (2_000, true, 0),
            (3_000, false, 0),
            (3_600_000, true, 0), // first hit expired, this one takes its place
            (3_600_999, false, 0),
            (3_601_000, true, 0), // second expired
            (3_602_000, true, 0),
        ];
        for (off, allowed, remaining) in steps {
            let v = rl.check(t0 + off);
            assert_eq!(
                (v.allowed, v.remaining),
                (*allowed, *remaining),
                "at +{off}ms"
            );
        }
    }

    #[test]
    fn burst_limit_gives_retry_after() {
        let mut rl = RateLimiter::new(5000, 2);
        let t0 = 10_000_000;
        assert!(rl.check(t0).allowed);
        assert!(rl.check(t0 + 500).allowed);
        let v = rl.check(t0 + 1_000);
        assert!(!v.allowed);
        assert_eq!(v.retry_after_secs, Some(59));
        assert_eq!(v.remaining, 0);
        assert!(rl.check(t0 + 60_000).allowed);
    }

    #[test]
    fn reset_is_oldest_plus_hour() {
        let mut rl = RateLimiter::new(10, 10);
        let v = rl.check(5_000);
        assert_eq!(v.reset_secs, 3_605);
        assert_eq!(v.limit, 10);
    }
}
