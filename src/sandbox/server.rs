//! The connection side of the server: accepting connections, one thread each, and reading requests
//! off a kept-alive connection until the client or the sandbox closes it.

use std::io::{BufReader, ErrorKind};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::error::ApiError;
use super::http::{self, ReadError};
use super::pipeline::{Outcome, dispatch};
use super::shared::Shared;

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

/// Wakes the blocking `accept` so the loop can see the shutdown flag.
pub fn wake(addr: SocketAddr) {
    let mut target = addr;
    if target.ip().is_unspecified() {
        target.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let _ = TcpStream::connect_timeout(&target, Duration::from_secs(1));
}
