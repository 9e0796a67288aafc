//! The path of one request through the server: `/_sandbox/` goes to the controls; a `/v2/` request
//! meets injected faults first, then the token check, then the rate limits, then its route. Each
//! answer gets the rate-limit headers and a request id, and is logged.

use std::time::Duration;

use super::api::{self, Ctx};
use super::control;
use super::error::ApiError;
use super::faults::FaultKind;
use super::http::{Request, Response};
use super::ratelimit::{RateLimiter, Verdict, Window};
use super::shared::Shared;

/// `GET /v2/account/keys` has a tighter limit of its own: 10 requests per minute.
const KEYS_LIMIT: u32 = 10;
const KEYS_TEMPLATE: &str = "/v2/account/keys";

/// What to do with the connection after a request.
pub enum Outcome {
    Respond(Response),
    /// Close the connection without answering (faults "drop" and "reply_lost").
    Close,
}

/// Builds the rate limiters from the options.
pub fn limiters(per_hour: u32, per_minute: u32) -> (RateLimiter, Window) {
    (
        RateLimiter::new(per_hour, per_minute),
        Window::new(KEYS_LIMIT, 60_000),
    )
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

/// Links point back at the host the client used, so a proxied or port-mapped sandbox stays usable.
fn base_url(shared: &Shared, req: &Request) -> String {
    match req.header("host") {
        Some(h) if !h.is_empty() => format!("http://{h}"),
        _ => shared.base_url.clone(),
    }
}

pub fn dispatch(shared: &Shared, req: &Request) -> Outcome {
    if req.path == "/_sandbox" || req.path.starts_with("/_sandbox/") {
        let base = base_url(shared, req);
        return Outcome::Respond(control::handle(shared, req, &base));
    }
    let outcome = dispatch_api(shared, req);
    // Slept with the lock released, so concurrent requests wait side by side, not in a queue.
    if matches!(outcome, Outcome::Respond(_)) && !shared.latency.is_zero() {
        std::thread::sleep(shared.latency);
    }
    outcome
}

fn dispatch_api(shared: &Shared, req: &Request) -> Outcome {
    let target = api::route::resolve(&req.method, &req.path);
    let route = target.template.as_str();
    let fault = {
        let mut inner = shared.lock();
        inner.faults.take(&req.method, &req.path, route)
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
                inner.record(req, route, None, Some(FaultKind::Drop), &rid);
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
                inner.record(req, route, Some(status), Some(FaultKind::Status), &rid);
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
        let keys_list = req.method == "GET" && route == KEYS_TEMPLATE;
        let keys_refused = v.allowed && keys_list && inner.keys_limiter.remaining(now) == 0;
        if !v.allowed || keys_refused {
            let mut v = v;
            if keys_refused {
                let wait = inner.keys_limiter.reset_ms(now) - now;
                v.retry_after_secs = Some((wait + 999) / 1000);
            }
            (ApiError::too_many_requests().to_response(&rid), v)
        } else {
            if keys_list {
                inner.keys_limiter.record(now);
            }
            let base = base_url(shared, req);
            let ctx = Ctx {
                base_url: &base,
                now_ms: now,
            };
            inner.state.settle(now);
            let result = match &target.route {
                Some(r) => api::handle(&mut inner.state, &ctx, req, r),
                None => Err(ApiError::not_found()),
            };
            let resp = result.unwrap_or_else(|e| e.to_response(&rid));
            if api::is_mutating(&req.method) && resp.status < 300 {
                shared.persist(&mut inner);
            }
            (resp, v)
        }
    };
    rate_headers(&mut resp, &verdict);
    resp.set_header("x-request-id", rid.clone());
    // reply_lost logs the status the request really had: the effect happened, only the reply is lost.
    inner.record(req, route, Some(resp.status), fault.map(|f| f.kind), &rid);
    if reply_lost {
        return Outcome::Close;
    }
    Outcome::Respond(resp)
}
