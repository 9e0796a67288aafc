//! One HTTP response: its parts, and how it is written to the socket.

use std::io::{self, Write};

/// One response to write.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response from already-serialized bytes.
    pub fn json_bytes(status: u16, body: Vec<u8>) -> Response {
        let mut r = Response::new(status);
        r.headers.push((
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        ));
        r.body = body;
        r
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        // Serializing a Value cannot fail (all keys are strings).
        Response::json_bytes(status, serde_json::to_vec(value).unwrap_or_default())
    }

    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        if let Some(slot) = self.headers.iter_mut().find(|(k, _)| k == name) {
            slot.1 = value;
        } else {
            self.headers.push((name.to_string(), value));
        }
    }
}

/// Writes a response; `head_only` leaves the body out (HEAD) but keeps its Content-Length.
pub fn write_response<W: Write>(
    w: &mut W,
    resp: &Response,
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    // Head and body are written separately so a large page is not copied once more.
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).as_bytes(),
    );
    for (k, v) in &resp.headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n", resp.body.len()).as_bytes());
    if !keep_alive {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if head_only || resp.body.len() < 16 * 1024 {
        if !head_only {
            out.extend_from_slice(&resp.body);
        }
        w.write_all(&out)?;
    } else {
        w.write_all(&out)?;
        w.write_all(&resp.body)?;
    }
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
