//! What every connection thread shares: the state and its helpers behind one lock, the request log
//! and counters, and the settings fixed at start. Both the `/v2/` pipeline and the `/_sandbox/`
//! controls work on it, so it lives apart from either.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use super::conns::Conns;
use super::faults::{FaultKind, Faults};
use super::http::Request;
use super::ids;
use super::options::ConnectionLimits;
use super::ratelimit::{RateLimiter, Window};
use super::state::State;

/// Request-log entries kept at most (oldest dropped first).
pub const MAX_LOG: usize = 100_000;

/// One line of the request log that `/_sandbox/requests` shows.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub query: String,
    /// None when the connection was closed without a response.
    pub status: Option<u16>,
    /// The fault applied, if any.
    pub fault: Option<FaultKind>,
    pub request_id: String,
}

/// Mutable server state behind one lock.
pub struct Inner {
    pub state: State,
    pub limiter: RateLimiter,
    pub keys_limiter: Window,
    pub faults: Faults,
    pub log: Vec<LogEntry>,
    pub counters: BTreeMap<String, u64>,
    pub next_request: u64,
    /// Last failure to write the state file, reported by `GET /_sandbox/status`.
    pub persist_error: Option<String>,
}

impl Inner {
    pub fn record(
        &mut self,
        req: &Request,
        route: &str,
        status: Option<u16>,
        fault: Option<FaultKind>,
        request_id: &str,
    ) {
        if self.log.len() >= MAX_LOG {
            self.log.drain(..MAX_LOG / 10);
        }
        self.log.push(LogEntry {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            status,
            fault,
            request_id: request_id.to_string(),
        });
        *self
            .counters
            .entry(format!("{} {route}", req.method))
            .or_default() += 1;
    }

    pub fn new_request_id(&mut self) -> String {
        self.next_request += 1;
        ids::uuid("request", self.next_request)
    }
}

/// The whole server's shared part; connection threads hold it by `Arc`.
pub struct Shared {
    pub inner: Mutex<Inner>,
    pub token: String,
    pub state_file: Option<PathBuf>,
    pub base_url: String,
    pub seed_keys: Vec<super::SeedKey>,
    pub shutdown: AtomicBool,
    pub conns: Conns,
    pub limits: ConnectionLimits,
    /// Added to every `/v2/` response, outside the lock.
    pub latency: std::time::Duration,
}

impl Shared {
    /// Locks the state; a panic in another thread must not take the whole sandbox down with it.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Saves the state file if one is configured, remembering any failure.
    pub fn persist(&self, inner: &mut Inner) {
        if let Some(path) = &self.state_file {
            inner.persist_error = inner
                .state
                .save(path)
                .err()
                .map(|e| format!("{}: {e}", path.display()));
        }
    }
}
