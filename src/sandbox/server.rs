//! The server loop: accept connections, one thread per connection, and the request pipeline
//! (faults, then auth, then rate limit, then the route), with logging and persistence.

use std::collections::BTreeMap;
use std::io::{BufReader, ErrorKind};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

use super::api::{self, Ctx};
use super::control;
use super::error::ApiError;
use super::faults::{FaultKind, Faults};
use super::http::{self, ReadError, Request, Response};
use super::ids;
use super::ratelimit::{RateLimiter, Verdict, Window};
use super::state::State;

/// Request-log entries kept at most (oldest dropped first).
pub const MAX_LOG: usize = 100_000;
/// `GET /v2/account/keys` has its own limit: 10 requests per 60 s (DIGEST §4).
const KEYS_LIMIT: u32 = 10;

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

pub struct Shared {
    pub inner: Mutex<Inner>,
    pub token: String,
    pub state_file: Option<PathBuf>,
    pub base_url: String,
    pub seed_keys: Vec<super::SeedKey>,
    pub shutdown: AtomicBool,
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

/// What to do with the connection after a request.
enum Outcome {
    Respond(Response),
    /// Close the connection without answering (faults "drop" and "reply_lost").
    Close,
}

pub fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        // A failed spawn just drops this connection; the client sees a reset.
        let _ = std::thread::Builder::new()
            .name("sandbox-conn".into())
            .spawn(move || serve_connection(&shared, stream));
    }
}

/// Waits until the client sends something; false when it closed or the sandbox is shutting down.
fn wait_readable(shared: &Shared, stream: &TcpStream) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut byte = [0u8; 1];
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
            return false;
        }
        match stream.peek(&mut byte) {
            Ok(0) => return false,
            Ok(_) => break,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return false,
        }
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    true
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        if reader.buffer().is_empty() && !wait_readable(shared, reader.get_ref()) {
            return;
        }
        let req = match http::read_request(&mut reader) {
            Ok(r) => r,
            Err(ReadError::Closed) | Err(ReadError::Io) => return,
            Err(ReadError::Malformed(msg)) => {
                let mut inner = shared.lock();
                let rid = inner.new_request_id();
                drop(inner);
                let resp = ApiError::bad_request(msg).to_response(&rid);
                let _ = http::write_response(&mut writer, &resp, false, false);
                return;
            }
        };
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        match dispatch(shared, &req) {
            Outcome::Close => return,
            Outcome::Respond(resp) => {
                let head = req.method == "HEAD";
                if http::write_response(&mut writer, &resp, req.keep_alive, head).is_err()
                    || !req.keep_alive
                {
                    return;
                }
            }
        }
    }
}

fn rate_headers(resp: &mut Response, v: &Verdict) {
    resp.set_header("ratelimit-limit", v.limit.to_string());
    resp.set_header("ratelimit-remaining", v.remaining.to_string());
    resp.set_header("ratelimit-reset", v.reset_secs.to_string());
    if let Some(s) = v.retry_after_secs {
        resp.set_header("retry-after", s.to_string());
    }
}

fn bearer_ok(req: &Request, token: &str) -> bool {
    req.header("authorization")
        .and_then(|h| {
            let (scheme, value) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
        })
        .is_some_and(|t| t == token)
}

fn base_url(shared: &Shared, req: &Request) -> String {
    match req.header("host") {
        Some(h) if !h.is_empty() => format!("http://{h}"),
        _ => shared.base_url.clone(),
    }
}

fn dispatch(shared: &Shared, req: &Request) -> Outcome {
    if req.path == "/_sandbox" || req.path.starts_with("/_sandbox/") {
        let base = base_url(shared, req);
        return Outcome::Respond(control::handle(shared, req, &base));
    }
    let (route, params) = api::route_of(&req.path);
    let fault = {
        let mut inner = shared.lock();
        inner.faults.take(&req.method, &req.path, &route)
    };
    let mut reply_lost = false;
    if let Some(f) = &fault {
        match f.kind {
            FaultKind::Latency => {
                std::thread::sleep(Duration::from_millis(f.latency_ms.unwrap_or(0)));
            }
            FaultKind::Drop => {
                let mut inner = shared.lock();
                let rid = inner.new_request_id();
                inner.record(req, &route, None, Some(FaultKind::Drop), &rid);
                return Outcome::Close;
            }
            FaultKind::Status => {
                let mut inner = shared.lock();
                let rid = inner.new_request_id();
                let status = f.status.unwrap_or(500);
                let mut resp = ApiError::for_status(status).to_response(&rid);
                let now = inner.state.now_ms();
                let v = inner.limiter.peek_allowed(now);
                rate_headers(&mut resp, &v);
                if let Some(s) = f.retry_after {
                    resp.set_header("retry-after", s.to_string());
                }
                inner.record(req, &route, Some(status), Some(FaultKind::Status), &rid);
                return Outcome::Respond(resp);
            }
            FaultKind::ReplyLost => reply_lost = true,
        }
    }
    let mut inner = shared.lock();
    let rid = inner.new_request_id();
    let now = inner.state.now_ms();
    let (mut resp, verdict) = if !req.path.starts_with("/v2/") {
        (
            ApiError::not_found().to_response(&rid),
            inner.limiter.peek_allowed(now),
        )
    } else if !bearer_ok(req, &shared.token) {
        (
            ApiError::unauthorized().to_response(&rid),
            inner.limiter.peek_allowed(now),
        )
    } else {
        let v = inner.limiter.check(now);
        let keys_refused = v.allowed
            && req.method == "GET"
            && route == "/v2/account/keys"
            && inner.keys_limiter.remaining(now) == 0;
        if !v.allowed || keys_refused {
            let mut v = v;
            if keys_refused {
                let wait = inner.keys_limiter.reset_ms(now) - now;
                v.retry_after_secs = Some((wait + 999) / 1000);
            }
            (ApiError::too_many_requests().to_response(&rid), v)
        } else {
            if req.method == "GET" && route == "/v2/account/keys" {
                inner.keys_limiter.record(now);
            }
            let base = base_url(shared, req);
            let ctx = Ctx {
                base_url: &base,
                now_ms: now,
            };
            inner.state.settle(now);
            let result = api::handle(&mut inner.state, &ctx, req, &route, &params);
            let resp = match result {
                Ok(r) => r,
                Err(e) => e.to_response(&rid),
            };
            if api::is_mutating(&req.method) && resp.status < 300 {
                shared.persist(&mut inner);
            }
            (resp, v)
        }
    };
    rate_headers(&mut resp, &verdict);
    resp.set_header("x-request-id", rid.clone());
    // reply_lost logs the status the request really had: the effect happened, only the reply is lost.
    inner.record(req, &route, Some(resp.status), fault.map(|f| f.kind), &rid);
    if reply_lost {
        return Outcome::Close;
    }
    Outcome::Respond(resp)
}

/// Wakes the blocking `accept` so the loop can see the shutdown flag.
pub fn wake(addr: SocketAddr) {
    let mut target = addr;
    if target.ip().is_unspecified() {
        target.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let _ = TcpStream::connect_timeout(&target, Duration::from_secs(1));
}

/// Builds the rate limiters from the options.
pub fn limiters(per_hour: u32, per_minute: u32) -> (RateLimiter, Window) {
    (
        RateLimiter::new(per_hour, per_minute),
        Window::new(KEYS_LIMIT, 60_000),
    )
}
