//! The connection side of the server: accepting connections within the cap, one thread each, and
//! reading requests off a kept-alive connection until the client, a timeout or the sandbox ends it.

use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::error::ApiError;
use super::http::{self, DeadlineStream, MAX_BODY_BYTES, ReadError};
use super::pipeline::{Outcome, dispatch};
use super::shared::Shared;

pub fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(s) => Arc::new(s),
            // Out of descriptors or the like: pause instead of spinning on the same error.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Some(id) = shared.conns.admit(Arc::clone(&stream), &shared.shutdown) else {
            break;
        };
        let thread_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("sandbox-conn".into())
            .spawn(move || serve_connection(&thread_shared, stream, id));
        // A failed spawn drops this connection (the client sees it closed) and frees its place.
        if spawned.is_err() {
            shared.conns.leave(id);
        }
    }
}

/// Waits, idle, for the next request's first byte; false when the client closed, the idle timeout
/// passed, the connection was closed to make room, or the sandbox is shutting down.
fn wait_for_request(shared: &Shared, id: u64, stream: &TcpStream) -> bool {
    // Marked idle before the flag is read, so a shutdown that closes idle connections cannot miss
    // this one.
    if !shared.conns.set_idle(id, true) || shared.shutdown.load(Ordering::SeqCst) {
        return false;
    }
    let idle = shared.limits.idle_timeout.max(Duration::from_millis(1));
    let _ = stream.set_read_timeout(Some(idle));
    let mut byte = [0u8; 1];
    loop {
        match stream.peek(&mut byte) {
            Ok(n) => return n > 0 && shared.conns.set_idle(id, false),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

fn serve_connection(shared: &Shared, stream: Arc<TcpStream>, id: u64) {
    let _ = stream.set_nodelay(true);
    // A client that stops reading its answer must not hold the place for ever either.
    let _ = stream.set_write_timeout(Some(shared.limits.request_timeout));
    let mut reader = BufReader::new(DeadlineStream::new(Arc::clone(&stream)));
    loop {
        // Bytes already buffered are a pipelined request: it is under way, not idle.
        if reader.buffer().is_empty() && !wait_for_request(shared, id, reader.get_ref().stream()) {
            break;
        }
        let deadline = Instant::now() + shared.limits.request_timeout;
        reader.get_mut().set_deadline(Some(deadline));
        let read = http::read_request(&mut reader);
        reader.get_mut().set_deadline(None);
        let refusal = match read {
            Ok(req) => {
                if shared.shutdown.load(Ordering::SeqCst) || !answer(shared, &stream, &req) {
                    break;
                }
                continue;
            }
            Err(ReadError::Closed) | Err(ReadError::Io) => break,
            Err(ReadError::Malformed(msg)) => ApiError::bad_request(msg),
            Err(ReadError::TooLarge) => ApiError::payload_too_large(MAX_BODY_BYTES),
            Err(ReadError::TooSlow) => ApiError::request_timeout(),
        };
        // The rest of a refused request cannot be told from the next one: answer, then close.
        let rid = shared.lock().new_request_id();
        let resp = refusal.to_response(&rid);
        let _ = http::write_response(&mut &*stream, &resp, false, false);
        break;
    }
    shared.conns.leave(id);
}

/// Answers one request; false when the connection is to be closed afterwards.
fn answer(shared: &Shared, stream: &TcpStream, req: &http::Request) -> bool {
    match dispatch(shared, req) {
        Outcome::Close => false,
        Outcome::Respond(resp) => {
            let head = req.method == "HEAD";
            let mut writer = stream;
            http::write_response(&mut writer, &resp, req.keep_alive, head).is_ok() && req.keep_alive
        }
    }
}

/// Wakes the blocking `accept` so the loop can see the shutdown flag.
pub fn wake(addr: SocketAddr) {
    let mut target = addr;
    if target.ip().is_unspecified() {
        target.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let _ = TcpStream::connect_timeout(&target, Duration::from_secs(1));
}

#[cfg(test)]
mod tests;
