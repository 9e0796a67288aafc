//! The DigitalOcean API client: bearer auth, retries, rate-limit pacing, pagination and the audit log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::audit::{AuditEntry, AuditLog};
use super::error::{ApiErrorBody, ProviderError};
use super::retry::{self, Outcome, RetryMode};
use crate::clock::{Clock, SystemClock, rfc3339};

pub const DEFAULT_API_URL: &str = "https://api.digitalocean.com";
/// The largest page the API serves.
pub const PER_PAGE: u32 = 200;
// Past this many pages a listing is surely looping on a broken `next` link.
const MAX_PAGES: usize = 100_000;
// Below this many requests left in the window, pace requests out instead of running into 429s.
const PACE_BELOW: u64 = 10;
const MAX_PACE: Duration = Duration::from_secs(5);

/// The API token. It is only ever written into the `Authorization` header.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

pub struct ClientOptions {
    pub base_url: String,
    pub token: Token,
    pub clock: Arc<dyn Clock>,
    pub audit: Option<Arc<AuditLog>>,
    /// Per-request time limit; a request that takes longer counts as no response.
    pub timeout: Duration,
}

impl ClientOptions {
    pub fn new(base_url: &str, token: Token) -> Self {
        Self {
            base_url: base_url.to_string(),
            token,
            clock: Arc::new(SystemClock),
            audit: None,
            timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct RateState {
    remaining: Option<u64>,
    reset: Option<u64>,
}

pub struct Client {
    agent: ureq::Agent,
    base_url: String,
    token: Token,
    clock: Arc<dyn Clock>,
    audit: Option<Arc<AuditLog>>,
    rate: Mutex<RateState>,
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

/// One parsed reply: status, request id and JSON body (`Null` for an empty body).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Value,
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Self, ProviderError> {
        let base_url = check_base_url(&options.base_url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(format!("stagecraft/{}", env!("CARGO_PKG_VERSION")))
            .timeout_global(Some(options.timeout))
            .max_redirects(0)
            .build();
        Ok(Self {
            agent: config.into(),
            base_url,
            token: options.token,
            clock: options.clock,
            audit: options.audit,
            rate: Mutex::new(RateState::default()),
            requests: AtomicU64::new(0),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
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

    /// Every item of a paginated collection, as typed values.
    pub fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, ProviderError> {
        let mut all = Vec::new();
        self.list_pages(path, key, |items| {
            for item in items {
                all.push(
                    serde_json::from_value(item).map_err(|e| ProviderError::Decode {
                        method: "GET".into(),
                        path: path.to_string(),
                        message: format!("an item of `{key}`: {e}"),
                    })?,
                );
            }
            Ok(())
        })?;
        Ok(all)
    }

    /// Walks every page of `path` (`per_page=200`), handing each page's `key` items to `on_page` as it
    /// arrives. Any failed page fails the whole listing: a partial listing must never be acted on.
    pub fn list_pages<E>(
        &self,
        path: &str,
        key: &str,
        mut on_page: impl FnMut(Vec<Value>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<ProviderError>,
    {
        let mut next = Some(with_query(path, &format!("per_page={PER_PAGE}")));
        let mut page = 0usize;
        let mut seen = 0u64;
        let mut requested = std::collections::HashSet::new();
        while let Some(current) = next.take() {
            if !requested.insert(current.clone()) {
                return Err(ProviderError::Decode {
                    method: "GET".into(),
                    path: current,
                    message: "the `next` page link points back to a page already read".into(),
                }
                .into());
            }
            page += 1;
            let reply = self
                .send("GET", &current, None, RetryMode::Idempotent)
                .map_err(|e| ProviderError::PartialListing {
                    path: path.to_string(),
                    page,
                    source: Box::new(e),
                })?;
            let items = match reply.body.get(key) {
                Some(Value::Array(items)) => items.clone(),
                Some(Value::Null) | None => Vec::new(),
                Some(_) => {
                    return Err(ProviderError::Decode {
                        method: "GET".into(),
                        path: current,
                        message: format!("`{key}` is not a list"),
                    }
                    .into());
                }
            };
            seen += items.len() as u64;
            let count = items.len();
            on_page(items)?;
            next = next_page(&reply.body, &current, page, count, seen);
            if page >= MAX_PAGES && next.is_some() {
                return Err(ProviderError::Decode {
                    method: "GET".into(),
                    path: path.to_string(),
                    message: format!("more than {MAX_PAGES} pages"),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Sends one request with the retry policy of `mode`, returning the first successful reply.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        mode: RetryMode,
    ) -> Result<Reply, ProviderError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.pace();
            let started = self.clock.instant();
            let result = self.send_once(method, path, body);
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
                        self.clock.sleep(wait);
                        continue;
                    }
                    return Err(api_error(method, path, reply));
                }
                Err(message) => {
                    if let Some(wait) = retry::delay(mode, outcome, attempt, None) {
                        self.clock.sleep(wait);
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
    ) -> Result<(Reply, Option<u64>), String> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}{}", self.base_url, path);
        let auth = format!("Bearer {}", self.token.0);
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
            (_, body) => {
                let bytes = serde_json::to_vec(body.unwrap_or(&Value::Null)).unwrap_or_default();
                self.agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(&bytes[..])
            }
        };
        let mut response = response.map_err(|e| describe_transport_error(&e))?;
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
        let text = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("reading the reply failed: {}", describe_transport_error(&e)))?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            match serde_json::from_str(&text) {
                Ok(v) => v,
                // A 2xx that is not JSON is a broken reply; an error page that is not JSON still has a status.
                Err(e) if (200..300).contains(&status) => {
                    return Err(format!("the reply was not JSON: {e}"));
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

    fn note_rate_limit(&self, remaining: Option<String>, reset: Option<String>) {
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
    fn pace(&self) {
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
            self.clock.sleep(wait.min(MAX_PACE));
        }
    }

    fn audit(
        &self,
        method: &str,
        path: &str,
        result: &Result<(Reply, Option<u64>), String>,
        elapsed: Duration,
        attempt: u32,
    ) {
        let Some(audit) = &self.audit else { return };
        let (status, request_id, error) = match result {
            Ok((reply, _)) => (Some(reply.status), reply.request_id.as_deref(), None),
            Err(message) => (None, None, Some(message.as_str())),
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

fn decode<T: DeserializeOwned>(
    body: &Value,
    key: &str,
    method: &str,
    path: &str,
) -> Result<T, ProviderError> {
    let value = body.get(key).ok_or_else(|| ProviderError::Decode {
        method: method.into(),
        path: path.into(),
        message: format!("the reply has no `{key}`"),
    })?;
    serde_json::from_value(value.clone()).map_err(|e| ProviderError::Decode {
        method: method.into(),
        path: path.into(),
        message: format!("`{key}`: {e}"),
    })
}

fn api_error(method: &str, path: &str, reply: Reply) -> ProviderError {
    let mut body: ApiErrorBody = serde_json::from_value(reply.body).unwrap_or(ApiErrorBody {
        id: String::new(),
        message: String::new(),
        request_id: None,
    });
    if body.id.is_empty() {
        body.id = "unknown_error".into();
    }
    if body.message.is_empty() {
        body.message = "(no message)".into();
    }
    if body.request_id.is_none() {
        body.request_id = reply.request_id;
    }
    ProviderError::Api {
        method: method.into(),
        path: path.into(),
        status: reply.status,
        body: Box::new(body),
    }
}

fn describe_transport_error(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timed out".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::HostNotFound => "host not found".to_string(),
        other => other.to_string(),
    }
}

/// The path+query of the next page: `links.pages.next` when given (every key of `links` is optional in
/// the spec), else the following page number while `meta.total` says items are missing.
fn next_page(body: &Value, current: &str, page: usize, count: usize, seen: u64) -> Option<String> {
    if let Some(next) = body.pointer("/links/pages/next").and_then(Value::as_str) {
        // Only the path and query are kept: the token goes to the configured host and no other.
        return Some(path_and_query(next));
    }
    let total = body.pointer("/meta/total").and_then(Value::as_u64)?;
    if count == 0 || seen >= total {
        return None;
    }
    Some(set_query_param(current, "page", &(page + 1).to_string()))
}

fn path_and_query(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/')
                .map(|j| rest[j..].to_string())
                .unwrap_or_else(|| "/".into())
        }
        None => url.to_string(),
    }
}

fn with_query(path: &str, param: &str) -> String {
    if path.contains('?') {
        format!("{path}&{param}")
    } else {
        format!("{path}?{param}")
    }
}

fn set_query_param(path: &str, key: &str, value: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    parts.push(format!("{key}={value}"));
    format!("{base}?{}", parts.join("&"))
}

/// Percent-encodes a query value (tag names may hold `:`, which is kept readable).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Accepts `https://` URLs, and `http://` only for loopback hosts (the sandbox and tests).
pub fn check_base_url(url: &str) -> Result<String, ProviderError> {
    let bad = |reason: &str| ProviderError::BadUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = url.trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| bad("is not a URL such as https://api.digitalocean.com"))?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(bad(
            "has no host (or carries credentials, which do not belong in a URL)",
        ));
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    match scheme {
        "https" => Ok(trimmed.to_string()),
        "http" if is_loopback(host) => Ok(trimmed.to_string()),
        "http" => Err(bad(
            "must use https; plain http is allowed only for loopback addresses (127.0.0.1, localhost, ::1)",
        )),
        _ => Err(bad("must start with https://")),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
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
    fn base_urls() {
        let cases = [
            ("https://api.digitalocean.com", true),
            ("https://api.digitalocean.com/", true),
            ("http://127.0.0.1:8080", true),
            ("http://localhost:1", true),
            ("http://[::1]:9", true),
            ("http://api.digitalocean.com", false),
            ("http://10.0.0.1", false),
            ("ftp://x", false),
            ("api.digitalocean.com", false),
            ("https://user:pw@host", false),
        ];
        for (url, ok) in cases {
            assert_eq!(check_base_url(url).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn next_page_handles_every_links_variant() {
        let cur = "/v2/droplets?tag_name=a&per_page=200";
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(next_page(&v(r#"{"links":{}}"#), cur, 1, 3, 3), None);
        assert_eq!(
            next_page(
                &v(r#"{"links":{"pages":{}},"meta":{"total":3}}"#),
                cur,
                1,
                3,
                3
            ),
            None
        );
        assert_eq!(next_page(&v(r#"{}"#), cur, 1, 3, 3), None);
        assert_eq!(
            next_page(
                &v(
                    r#"{"links":{"pages":{"next":"https://api.digitalocean.com/v2/droplets?page=2&per_page=200","last":"x"}}}"#
                ),
                cur,
                1,
                200,
                200
            ),
            Some("/v2/droplets?page=2&per_page=200".to_string())
        );
        // No links at all but meta says more: ask for the next page number.
        assert_eq!(
            next_page(&v(r#"{"meta":{"total":250}}"#), cur, 1, 200, 200),
            Some("/v2/droplets?tag_name=a&per_page=200&page=2".to_string())
        );
    }

    #[test]
    fn token_is_redacted_in_debug() {
        let client = Client::new(ClientOptions::new(
            "http://127.0.0.1:1",
            Token::new("dop_v1_canary"),
        ))
        .unwrap();
        assert!(!format!("{client:?}").contains("canary"));
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("stagecraft:env:staging"), "stagecraft:env:staging");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
