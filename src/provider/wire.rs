//! One exchange on the wire, without retries: the request as the API takes it (bearer auth, JSON body),
//! the reply read and decoded once, and its line in the audit log. `client.rs` wraps it in the retry policy.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;

use super::audit::AuditEntry;
use super::client::Client;
use super::reply::{Failure, Reply};
use crate::clock::rfc3339;

impl Client {
    /// One HTTP exchange, no retry: the request as the API takes it, the reply read whole (into
    /// `keep_text`, unparsed, when given and the status is 2xx), the rate-limit headers noted.
    pub(super) fn send_once(
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

    /// One line of the audit log for an attempt, whatever became of it.
    pub(super) fn audit(
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
