//! The server itself: auth before routing, rate limits, state across restarts, malformed HTTP.

use serde_json::json;
use stagecraft::sandbox::{Sandbox, SandboxError, SandboxOptions};

use super::{assert_error, create_body, options, start, start_with};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(auth_is_checked_first),
        case!(rate_limit_gives_429_with_retry_after),
        case!(state_persists_across_restarts),
        case!(malformed_http_gets_400_and_server_survives),
    ]
}

fn auth_is_checked_first() {
    let sb = start();
    let r = sb
        .try_call("GET", "/v2/droplets", None, false)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_error(&r, 401, "unauthorized");
    assert!(r.header("ratelimit-limit").is_some());
    let r = sb.with_token("nope").get("/v2/nothing");
    assert_error(&r, 401, "unauthorized");
    let r = sb.get("/v2/nothing/at/all");
    assert_error(&r, 404, "not_found");
    sb.shutdown();
}

fn rate_limit_gives_429_with_retry_after() {
    let sb = start_with(|o| {
        o.rate_limit_per_minute = 3;
        o.rate_limit_per_hour = 100;
    });
    // The third request uses up the burst, so remaining reads 0 although the hour has room.
    for left in ["99", "98", "0"] {
        let r = sb.get("/v2/account");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("ratelimit-limit"), Some("100"));
        assert_eq!(r.header("ratelimit-remaining"), Some(left));
        assert!(
            r.header("ratelimit-reset")
                .and_then(|v| v.parse::<i64>().ok())
                .is_some()
        );
    }
    let r = sb.get("/v2/account");
    assert_error(&r, 429, "too_many_requests");
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&wait), "retry-after {wait}");
    sb.advance(wait);
    assert_eq!(sb.get("/v2/account").status, 200);
    sb.shutdown();
}

fn state_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("sub").join("state.json");
    let keep = |o: &mut SandboxOptions| o.state_file = Some(file.clone());
    let sb = start_with(keep);
    let id = sb.post("/v2/droplets", create_body("keep-1")).json["droplet"]["id"].clone();
    sb.seed(json!({"firewalls": 2}));
    assert!(file.exists());
    sb.shutdown();
    let sb = start_with(keep);
    let r = sb.get(&format!("/v2/droplets/{id}"));
    assert_eq!(r.json["droplet"]["name"], "keep-1");
    assert_eq!(sb.get("/v2/firewalls").json["meta"]["total"], 2);
    // The seeded key was not duplicated.
    assert_eq!(sb.get("/v2/account/keys").json["meta"]["total"], 1);
    // New ids continue after the old ones.
    let id2 = sb.post("/v2/droplets", create_body("keep-2")).json["droplet"]["id"].clone();
    assert!(id2.as_u64() > id.as_u64());
    sb.reset(); // insists on its 204
    assert_eq!(sb.get("/v2/droplets").json["meta"]["total"], 0);
    assert_eq!(sb.get("/v2/account/keys").json["meta"]["total"], 1);
    sb.shutdown();
    std::fs::write(&file, b"{ corrupt").unwrap_or_else(|e| panic!("{e}"));
    let mut corrupt = SandboxOptions::default();
    options(&mut corrupt);
    keep(&mut corrupt);
    match Sandbox::start(corrupt) {
        Err(SandboxError::StateCorrupt { path, .. }) => assert_eq!(path, file),
        other => panic!("expected StateCorrupt, got {other:?}"),
    }
}

fn malformed_http_gets_400_and_server_survives() {
    use std::io::{Read, Write};
    let sb = start();
    let mut s = std::net::TcpStream::connect(sb.addr()).unwrap_or_else(|e| panic!("{e}"));
    s.write_all(b"NONSENSE\r\n\r\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert_eq!(sb.get("/v2/account").status, 200);
    sb.shutdown();
}
