//! The DigitalOcean API client: bearer auth, retries, rate-limit pacing, pagination and the audit log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::audit::{AuditEntry, AuditLog};
use super::budget::{Budget, BudgetStats, Limits};
use super::error::ProviderError;
use super::reply::{Failure, Reply, api_error, decode};
use super::retry::{self, Outcome, RetryMode};
use super::token::Token;
use super::url::check_base_url;
use crate::clock::{Clock, SystemClock, rfc3339};

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
    agent: ureq::Agent,
    budget: Budget,
    pub(super) on_wait: Option<WaitNotice>,
    base_url: String,
    token: Token,
    pub(super) clock: Arc<dyn Clock>,
    audit: Option<Arc<AuditLog>>,
    pub(super) rate: Mutex<super::pacing::RateState>,
    requests: AtomicU64,
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

    fn send_once(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        keep_text: Option<&mut String>,
    ) -> Result<(Reply, Option<u64>), Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}{}", self.base_url, path);
        let auth = format!("Bearer {}", self.token.expose());
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("DELETE", None) => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .call(),
            ("DELETE", Some(body)) => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .force_send_body()
                .send(&serde_json::to_vec(body).unwrap_or_default()[..]),
            ("PUT", body) => {
                let bytes = serde_json::to_vec(body.unwrap_or(&Value::Null)).unwrap_or_default();
                self.agent
                    .put(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(&bytes[..])
            }
            (_, body) => {
                let bytes = serde_json::to_vec(body.unwrap_or(&Value::Null)).unwrap_or_default();
                self.agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(&bytes[..])
            }
        };
        let mut response = response.map_err(|e| Failure::of(&e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
        let request_id = header("x-request-id");
        self.note_rate_limit(header("ratelimit-remaining"), header("ratelimit-reset"));
        let status = response.status().as_u16();
        // Sized from Content-Length up front: grown by doubling, a page ingest holds would take up to
        // twice its size.
        const LIMIT: u64 = 256 * 1024 * 1024;
        let size = response.body().content_length().unwrap_or(0).min(LIMIT);
        let keep = keep_text.is_some();
        let mut own = String::new();
        let text = match keep_text {
            Some(buffer) => {
                buffer.clear();
                buffer
            }
            None => &mut own,
        };
        text.reserve(size as usize);
        std::io::Read::read_to_string(
            &mut response.body_mut().with_config().limit(LIMIT).reader(),
            text,
        )
        .map_err(|e| Failure {
            message: format!(
                "reading the reply failed: {}",
                Failure::of(&ureq::Error::from(e)).message
            ),
            local: false,
        })?;
        if keep && (200..300).contains(&status) {
            let reply = Reply {
                status,
                request_id,
                body: Value::Null,
            };
            return Ok((reply, retry_after));
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(text) {
                Ok(v) => v,
                // A 2xx that is not JSON is a broken reply; an error page that is not JSON still has a status.
                Err(e) if (200..300).contains(&status) => {
                    return Err(Failure {
                        message: format!("the reply was not JSON: {e}"),
                        local: false,
                    });
                }
                Err(_) => Value::Null,
            }
        };
        let request_id = request_id.or_else(|| {
            body.get("request_id")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        Ok((
            Reply {
                status,
                request_id,
                body,
            },
            retry_after,
        ))
    }

    fn audit(
        &self,
        method: &str,
        path: &str,
        result: &Result<(Reply, Option<u64>), Failure>,
        elapsed: Duration,
        attempt: u32,
    ) {
        let Some(audit) = &self.audit else { return };
        let (status, request_id, error) = match result {
            Ok((reply, _)) => (Some(reply.status), reply.request_id.as_deref(), None),
            Err(failure) => (None, None, Some(failure.message.as_str())),
        };
        audit.record(&AuditEntry {
            time: rfc3339(self.clock.now()),
            method,
            path,
            status,
            duration_ms: elapsed.as_millis() as u64,
            attempt,
            request_id,
            error,
        });
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
