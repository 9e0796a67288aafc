//! The server's defences and latency, over real sockets to a sandbox on 127.0.0.1:0, with short
//! limits so nothing waits longer than the behaviour under test needs.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::sandbox::{ConnectionLimits, Sandbox, SandboxOptions};

const TOKEN: &str = "t";

fn start(tweak: impl FnOnce(&mut SandboxOptions)) -> Sandbox {
    let mut o = SandboxOptions {
        token: TOKEN.into(),
        ..SandboxOptions::default()
    };
    tweak(&mut o);
    Sandbox::start(o).unwrap_or_else(|e| panic!("start: {e}"))
}

fn connect(sb: &Sandbox) -> TcpStream {
    let s = TcpStream::connect(sb.addr()).unwrap_or_else(|e| panic!("connect: {e}"));
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    s
}

fn account_request(close: bool) -> String {
    let connection = if close { "close" } else { "keep-alive" };
    format!(
        "GET /v2/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: {connection}\r\n\r\n"
    )
}

/// Sends raw bytes on a fresh connection and reads until the server closes it.
fn exchange(sb: &Sandbox, raw: &[u8]) -> String {
    let mut s = connect(sb);
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(response: &str) -> &str {
    response.get(9..12).unwrap_or("")
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn idle_connections_beyond_the_cap_close_the_longest_idle() {
    let max = 4;
    let sb = start(|o| o.connections.max = max);
    let before = open_fds();
    let idle: Vec<TcpStream> = (0..60).map(|_| connect(&sb)).collect();
    let started = Instant::now();
    let reply = exchange(&sb, account_request(true).as_bytes());
    assert_eq!(status_of(&reply), "200", "{reply}");
    assert!(started.elapsed() < Duration::from_secs(1));
    // The server keeps at most `max` sockets of its own however many clients wait.
    std::thread::sleep(Duration::from_millis(50));
    assert!(sb.shared.conns.open() <= max);
    assert!(
        open_fds() <= before + idle.len() + max + 2,
        "{}",
        open_fds()
    );
    // The first ones waited longest and were closed to make room.
    let mut first = &idle[0];
    assert!(matches!(first.read(&mut [0u8; 1]), Ok(0) | Err(_)));
    sb.shutdown();
}

#[test]
fn a_kept_alive_connection_closes_after_the_idle_timeout() {
    let sb = start(|o| o.connections.idle_timeout = Duration::from_millis(100));
    let mut s = connect(&sb);
    let _ = s.write_all(account_request(false).as_bytes());
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(status_of(&String::from_utf8_lossy(&buf[..n])), "200");
    let started = Instant::now();
    assert!(matches!(s.read(&mut buf), Ok(0) | Err(_)));
    assert!(started.elapsed() < Duration::from_secs(2));
    sb.shutdown();
}

#[test]
fn a_request_trickling_in_is_cut_off_at_its_deadline() {
    let sb = start(|o| {
        o.connections = ConnectionLimits {
            request_timeout: Duration::from_millis(300),
            ..ConnectionLimits::default()
        }
    });
    let mut s = connect(&sb);
    let started = Instant::now();
    let _ = s.write_all(b"GET /v2/account HTTP/1.1\r\n");
    // One header byte every 50 ms: each read is quick, the whole request never completes.
    for b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if s.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let reply = String::from_utf8_lossy(&out);
    assert_eq!(status_of(&reply), "408", "{reply}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    sb.shutdown();
}

#[test]
fn oversized_and_ambiguous_bodies_are_refused() {
    let sb = start(|_| {});
    let too_big = format!(
        "POST /v2/droplets HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\n\r\n",
        crate::sandbox::http::MAX_BODY_BYTES + 1
    );
    let reply = exchange(&sb, too_big.as_bytes());
    assert_eq!(status_of(&reply), "413", "{reply}");
    assert!(reply.contains("payload_too_large"), "{reply}");
    let two = format!(
        "POST /v2/tags HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 2\r\nContent-Length: 12\r\n\r\n{{}}"
    );
    let reply = exchange(&sb, two.as_bytes());
    assert_eq!(status_of(&reply), "400", "{reply}");
    assert!(reply.contains("conflicting content-length"), "{reply}");
    // The server is still there.
    assert_eq!(
        status_of(&exchange(&sb, account_request(true).as_bytes())),
        "200"
    );
    sb.shutdown();
}

#[test]
fn latency_is_served_concurrently_and_the_burst_limit_still_answers_429() {
    let latency = Duration::from_millis(300);
    let sb = start(|o| {
        o.latency = latency;
        o.rate_limit_per_minute = 3;
    });
    let started = Instant::now();
    let replies: Vec<(String, Duration)> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let reply = exchange(&sb, account_request(true).as_bytes());
                    (reply, started.elapsed())
                })
            })
            .collect();
        requests
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("request thread")))
            .collect()
    });
    for (reply, took) in &replies {
        assert_eq!(status_of(reply), "200", "{reply}");
        assert!(*took >= latency, "{took:?}");
    }
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        status_of(&exchange(&sb, account_request(true).as_bytes())),
        "200"
    );
    let refused = exchange(&sb, account_request(true).as_bytes());
    assert_eq!(status_of(&refused), "429", "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after"),
        "{refused}"
    );
    sb.shutdown();
}
