//! The retry policy: when a failed request may be sent again, and after how long (docs/api-contract.md).

use std::time::Duration;

/// At most this many retries after the first attempt.
pub const MAX_RETRIES: u32 = 5;

/// Which failures a request may be retried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Reads and deletes: 429, 5xx and lost connections are retried.
    Idempotent,
    /// Creates: only a 429 (the API did nothing) is retried; anything ambiguous goes back to the caller,
    /// which must look before it sends again.
    RateLimitOnly,
}

/// What came back from one attempt, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Status(u16),
    /// No response at all (timeout, reset, refused).
    NoResponse,
}

/// How long to wait before retry number `retry` (1-based), or `None` to give up.
pub fn delay(
    mode: RetryMode,
    outcome: Outcome,
    retry: u32,
    retry_after: Option<u64>,
) -> Option<Duration> {
    if retry > MAX_RETRIES {
        return None;
    }
    let backoff = Duration::from_secs(1 << retry);
    match (outcome, mode) {
        (Outcome::Status(429), _) => Some(Duration::from_secs(retry_after.unwrap_or(60))),
        (Outcome::Status(500 | 502 | 503 | 504), RetryMode::Idempotent) => Some(backoff),
        (Outcome::NoResponse, RetryMode::Idempotent) => Some(backoff),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        use Outcome::*;
        use RetryMode::*;
        let s = |n| Some(Duration::from_secs(n));
        let cases = [
            (Idempotent, Status(429), 1, Some(7), s(7)),
            (Idempotent, Status(429), 1, None, s(60)),
            (RateLimitOnly, Status(429), 3, Some(2), s(2)),
            (Idempotent, Status(500), 1, None, s(2)),
            (Idempotent, Status(502), 2, None, s(4)),
            (Idempotent, Status(503), 3, None, s(8)),
            (Idempotent, Status(504), 4, None, s(16)),
            (Idempotent, Status(503), 5, None, s(32)),
            (Idempotent, Status(503), 6, None, None),
            (Idempotent, Status(501), 1, None, None),
            (Idempotent, Status(422), 1, None, None),
            (Idempotent, Status(404), 1, None, None),
            (Idempotent, Status(401), 1, None, None),
            (RateLimitOnly, Status(503), 1, None, None),
            (RateLimitOnly, NoResponse, 1, None, None),
            (Idempotent, NoResponse, 1, None, s(2)),
            (Idempotent, Status(429), 6, Some(1), None),
        ];
        for (mode, outcome, retry, after, expected) in cases {
            assert_eq!(
                delay(mode, outcome, retry, after),
                expected,
                "{mode:?} {outcome:?} retry {retry}"
            );
        }
    }
}
