//! The DigitalOcean API client: its options, the typed verbs, and the retry policy around one exchange
//! (`wire.rs`), paced by the budget (`budget.rs`) and the hourly limit (`pacing.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::audit::AuditLog;
use super::budget::{Budget, BudgetStats, Limits};
use super::error::ProviderError;
use super::reply::{Failure, Reply, api_error, decode};
use super::retry::{self, Outcome, RetryMode};
use super::token::Token;
use super::url::check_base_url;
use crate::clock::{Clock, SystemClock};

pub const DEFAULT_API_URL: &str = "https://api.digitalocean.com";
/// The largest page the API serves.
pub const PER_PAGE: u32 = 200;
// Below this many requests left in the window, pace requests out instead of running into 429s.

pub struct ClientOptions {
    pub base_url: String,
    pub token: Token,
    pub clock: Arc<dyn Clock>,
    pub audit: Option<Arc<AuditLog>>,
    /// Per-request time limit; a request that takes longer counts as no response.
    pub timeout: Duration,
    /// Told of every wait longer than [`ANNOUNCE_AFTER`] (rate limits, retries), so a person watching
    /// knows why nothing moves.
    pub on_wait: Option<WaitNotice>,
    /// The request budget: requests in flight and per rolling minute.
    pub limits: Limits,
    /// When earlier commands sent their requests (from the audit log): they count against the minute.
    pub earlier_requests: Vec<SystemTime>,
}

/// Receives a one-line reason for a wait.
pub type WaitNotice = Arc<dyn Fn(&str) + Send + Sync>;

/// Waits longer than this are announced.
pub const ANNOUNCE_AFTER: Duration = Duration::from_secs(2);

impl ClientOptions {
    pub fn new(base_url: &str, token: Token) -> Self {
        Self {
            base_url: base_url.to_string(),
            token,
            clock: Arc::new(SystemClock),
            audit: None,
            timeout: Duration::from_secs(60),
            on_wait: None,
            limits: Limits::default(),
            earlier_requests: Vec::new(),
        }
    }
}

pub struct Client {
    pub(super) agent: ureq::Agent,
    budget: Budget,
    pub(super) on_wait: Option<WaitNotice>,
    pub(super) base_url: String,
    pub(super) token: Token,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) audit: Option<Arc<AuditLog>>,
    pub(super) rate: Mutex<super::pacing::RateState>,
    pub(super) requests: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .finish()
    }
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Self, ProviderError> {
        let base_url = check_base_url(&options.base_url)?;
        options.token.check()?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("stagecraft/{}", env!("CARGO_PKG_VERSION")))
            .timeout_global(Some(options.timeout))
            .max_redirects(0)
            .build();
        Ok(Self {
            agent: config.into(),
            budget: Budget::new(
                options.limits,
                options.clock.clone(),
                &options.earlier_requests,
            ),
            on_wait: options.on_wait,
            base_url,
            token: options.token,
            clock: options.clock,
            audit: options.audit,
            rate: Mutex::new(Default::default()),
            requests: AtomicU64::new(0),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What the request budget did so far (waits, the most requests in flight at once).
    pub fn budget_stats(&self) -> BudgetStats {
        self.budget.stats()
    }

    /// How many requests may be in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.budget.limits().max_in_flight
    }

    /// HTTP requests sent so far, retries included.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str, key: &str) -> Result<T, ProviderError> {
        let reply = self.send("GET", path, None, RetryMode::Idempotent)?;
        decode(&reply.body, key, "GET", path)
    }

    /// Sends a POST. Only 429 is retried: on any ambiguous failure the caller must look before sending again.
    pub fn post(&self, path: &str, body: &Value) -> Result<Reply, ProviderError> {
        self.send("POST", path, Some(body), RetryMode::RateLimitOnly)
    }

    /// Deletes `path`. Returns false when it was already gone (404), which a retried delete can see.
    pub fn delete(&self, path: &str) -> Result<bool, ProviderError> {
        match self.send("DELETE", path, None, RetryMode::Idempotent) {
            Ok(_) => Ok(true),
            Err(ProviderError::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sends one request with the retry policy of `mode`, returning the first successful reply.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        mode: RetryMode,
    ) -> Result<Reply, ProviderError> {
        self.exchange(method, path, body, mode, None, &mut 0)
    }

    /// A GET whose successful reply body is read into `text` as the API's own text, unparsed (ingest
    /// reads each page once and stores each object's bytes). `text` is cleared first and its capacity
    /// reused, so a reader of many pages can keep a few buffers instead of allocating every page anew.
    /// `attempts` counts every attempt made, retries included, whether one succeeds or not.
    pub fn get_text(
        &self,
        path: &str,
        text: &mut String,
        attempts: &mut u32,
    ) -> Result<(), ProviderError> {
        self.exchange(
            "GET",
            path,
            None,
            RetryMode::Idempotent,
            Some(text),
            attempts,
        )
        .map(drop)
    }

    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        mode: RetryMode,
        mut text: Option<&mut String>,
        attempts: &mut u32,
    ) -> Result<Reply, ProviderError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            *attempts = attempt;
            self.pace();
            let permit = self.budget.acquire(&|wait| {
                self.announce(
                    wait,
                    &format!(
                        "{} requests went out in the last minute (the API allows {} a minute; see api.per_minute)",
                        self.budget.limits().per_minute,
                        crate::provider::budget::API_PER_MINUTE,
                    ),
                )
            });
            let started = self.clock.instant();
            let result = self.send_once(method, path, body, text.as_deref_mut());
            drop(permit);
            let elapsed = self.clock.instant().saturating_duration_since(started);
            let (outcome, retry_after) = match &result {
                Ok((reply, retry_after)) => (Outcome::Status(reply.status), *retry_after),
                Err(_) => (Outcome::NoResponse, None),
            };
            self.audit(method, path, &result, elapsed, attempt);
            match result {
                Ok((reply, _)) if (200..300).contains(&reply.status) => return Ok(reply),
                Ok((reply, _)) => {
                    if let Some(wait) = retry::delay(mode, outcome, attempt, retry_after) {
                        let why = match reply.status {
                            429 => "the API's rate limit was reached".to_string(),
                            status => format!("HTTP {status}"),
                        };
                        self.wait(
                            wait,
                            &format!(
                                "{why} on {method} {path}; retry {attempt} of {}",
                                retry::MAX_RETRIES
                            ),
                        );
                        continue;
                    }
                    return Err(api_error(method, path, reply));
                }
                // Nothing left this machine: retrying cannot help, and the user must fix it.
                Err(Failure {
                    message,
                    local: true,
                }) => {
                    return Err(ProviderError::Local {
                        method: method.into(),
                        path: path.into(),
                        message,
                    });
                }
                Err(Failure { message, .. }) => {
                    if let Some(wait) = retry::delay(mode, outcome, attempt, None) {
                        self.wait(
                            wait,
                            &format!(
                                "no reply to {method} {path} ({message}); retry {attempt} of {}",
                                retry::MAX_RETRIES
                            ),
                        );
                        continue;
                    }
                    return Err(ProviderError::Transport {
                        method: method.into(),
                        path: path.into(),
                        message,
                    });
                }
            }
        }
    }
}

/// Seconds since the epoch, for tests and callers that compare with `ratelimit-reset`.
pub fn epoch_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_redacted_in_debug() {
        let client = Client::new(ClientOptions::new(
            "http://127.0.0.1:1",
            Token::new("dop_v1_canary"),
        ))
        .unwrap();
        assert!(!format!("{client:?}").contains("canary"));
    }
}
