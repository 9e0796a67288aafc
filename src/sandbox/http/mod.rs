//! Minimal HTTP/1.1 wire format: read one request, write one response (keep-alive, Content-Length).
//! The request head is parsed by `httparse` (already built for ureq); bodies, limits and timeouts are ours.
//!
//! Written by hand instead of using `tiny_http` because the fault injector must be able to close a
//! connection without sending anything ("drop", "reply_lost"), which needs control of the socket.

use std::io::{self, BufRead, BufReader, Read};

mod deadline;
mod query;
mod response;

pub use deadline::DeadlineStream;
pub use query::{parse_query, percent_decode, percent_encode};
pub use response::{Response, write_response};

/// Largest header block we accept; anything bigger is answered with 400 and the connection closed.
const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Most header fields we accept; clients send a handful, a flood is answered with 400.
const MAX_HEADERS: usize = 128;
/// Largest body we accept (user_data is limited to 64 KiB, so 1 MiB is plenty).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query string, percent-decoding not applied.
    pub path: String,
    /// Raw query string (without `?`), empty if none.
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// False when the client asked for `Connection: close` or spoke HTTP/1.0 without keep-alive.
    pub keep_alive: bool,
}

impl Request {
    /// First header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decoded query parameters in their original order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }

    /// Value of the first query parameter with that name.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// Why reading a request failed.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection (or timed out) before sending a request: not an error.
    Closed,
    /// The bytes are not a request we understand; answer 400 and close.
    Malformed(String),
    /// The socket failed mid-request; nothing useful can be sent back.
    Io,
    /// The declared or chunked body exceeds `MAX_BODY_BYTES`; answer 413 and close.
    TooLarge,
    /// The request had begun but its time ran out (the reader's deadline); answer 408 and close.
    TooSlow,
}

/// A read that timed out is the request deadline's doing; anything else left the bytes unusable.
fn body_error(e: &io::Error, what: &str) -> ReadError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ReadError::TooSlow,
        _ => ReadError::Malformed(what.to_string()),
    }
}

/// Reads one request from the connection.
pub fn read_request<R: Read>(reader: &mut BufReader<R>) -> Result<Request, ReadError> {
    let mut head = Vec::new();
    // Read header lines until the blank line, bounded in size.
    loop {
        let mut line = Vec::new();
        let read = reader
            .by_ref()
            .take((MAX_HEADER_BYTES + 1 - head.len().min(MAX_HEADER_BYTES)) as u64)
            .read_until(b'\n', &mut line);
        let started = !head.is_empty() || !line.is_empty();
        let n = read.map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut if started => ReadError::TooSlow,
            io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted => ReadError::Closed,
            _ => ReadError::Io,
        })?;
        if n == 0 {
            if head.is_empty() {
                return Err(ReadError::Closed);
            }
            return Err(ReadError::Malformed("truncated request head".into()));
        }
        // Tolerate stray blank lines before a request line (RFC 9112 §2.2).
        if head.is_empty() && (line == b"\r\n" || line == b"\n") {
            continue;
        }
        let blank = line == b"\r\n" || line == b"\n";
        head.extend_from_slice(&line);
        if head.len() > MAX_HEADER_BYTES {
            return Err(ReadError::Malformed("request head too large".into()));
        }
        if blank {
            break;
        }
    }
    let RequestHead {
        method,
        target,
        http_1_0,
        headers,
    } = parse_head(&head)?;
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let connection = find("connection").unwrap_or_default().to_ascii_lowercase();
    let keep_alive = if http_1_0 {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let body = if find("transfer-encoding")
        .map(|v| v.to_ascii_lowercase().contains("chunked"))
        .unwrap_or(false)
    {
        read_chunked(reader)?
    } else if let Some(len) = content_length(&headers)? {
        if len > MAX_BODY_BYTES {
            return Err(ReadError::TooLarge);
        }
        let mut body = vec![0; len];
        reader
            .read_exact(&mut body)
            .map_err(|e| body_error(&e, "truncated body"))?;
        body
    } else {
        Vec::new()
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    Ok(Request {
        method,
        path,
        query,
        headers,
        body,
        keep_alive,
    })
}

/// The request line and headers, as `httparse` reads them.
struct RequestHead {
    /// Upper-cased, as the router compares it.
    method: String,
    target: String,
    http_1_0: bool,
    /// Names lower-cased, values trimmed.
    headers: Vec<(String, String)>,
}

/// Parses a complete head (request line, headers, blank line), already bounded to `MAX_HEADER_BYTES`.
fn parse_head(head: &[u8]) -> Result<RequestHead, ReadError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(ReadError::Malformed("truncated request head".into()));
        }
        Err(e) => return Err(ReadError::Malformed(format!("bad request head: {e}"))),
    }
    let headers = request
        .headers
        .iter()
        .map(|h| match std::str::from_utf8(h.value) {
            Ok(value) => Ok((h.name.to_ascii_lowercase(), value.trim().to_string())),
            Err(_) => Err(ReadError::Malformed(format!(
                "header {} is not UTF-8",
                h.name
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RequestHead {
        method: request.method.unwrap_or_default().to_ascii_uppercase(),
        target: request.path.unwrap_or_default().to_string(),
        http_1_0: request.version == Some(0),
        headers,
    })
}

/// The body length all `Content-Length` fields agree on. Repeats of one value are allowed; two
/// different values leave the body's end ambiguous (a request-smuggling vector), so they are refused.
fn content_length(headers: &[(String, String)]) -> Result<Option<usize>, ReadError> {
    let mut found = None;
    let values = headers.iter().filter(|(k, _)| k == "content-length");
    for v in values.flat_map(|(_, v)| v.split(',')) {
        let len: usize = v
            .trim()
            .parse()
            .map_err(|_| ReadError::Malformed("bad content-length".into()))?;
        if found.is_some_and(|f| f != len) {
            return Err(ReadError::Malformed(
                "conflicting content-length headers".into(),
            ));
        }
        found = Some(len);
    }
    Ok(found)
}

fn read_chunked<R: Read>(reader: &mut BufReader<R>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader
            .by_ref()
            .take(1024)
            .read_line(&mut line)
            .map_err(|e| body_error(&e, "bad chunk size"))?;
        let size_text = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Malformed("bad chunk size".into()))?;
        if body.len().saturating_add(size) > MAX_BODY_BYTES {
            return Err(ReadError::TooLarge);
        }
        if size == 0 {
            // Skip trailers up to the final blank line.
            loop {
                let mut t = String::new();
                let n = reader
                    .by_ref()
                    .take(8192)
                    .read_line(&mut t)
                    .map_err(|e| body_error(&e, "bad trailer"))?;
                if n == 0 || t.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        let mut crlf = [0u8; 2];
        reader
            .read_exact(&mut body[start..])
            .and_then(|()| reader.read_exact(&mut crlf))
            .map_err(|e| body_error(&e, "truncated chunk"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Request, ReadError> {
        read_request(&mut BufReader::new(raw.as_bytes()))
    }

    #[test]
    fn parses_request_with_body_and_query() {
        let r = parse("POST /v2/droplets?tag_name=a%3Ab&x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}")
            .map_err(|e| format!("{e:?}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v2/droplets");
        assert_eq!(r.query_param("tag_name").as_deref(), Some("a:b"));
        assert_eq!(r.body, b"{}");
        assert!(r.keep_alive);
    }

    #[test]
    fn parses_chunked_body() {
        let r = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
            .map_err(|e| format!("{e:?}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.body, b"{}");
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            parse("hello\r\n\r\n"),
            Err(ReadError::Malformed(_))
        ));
        assert!(matches!(parse(""), Err(ReadError::Closed)));
        assert!(matches!(
            parse("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
            Err(ReadError::Malformed(_))
        ));
    }

    #[test]
    fn head_details() {
        let r = parse("get /x HTTP/1.0\nX-Thing:  a b \n\n")
            .map_err(|e| format!("{e:?}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.method, "GET");
        assert_eq!(r.header("x-thing"), Some("a b"));
        assert!(!r.keep_alive, "HTTP/1.0 closes unless asked to keep alive");
        let flood: String = (0..=MAX_HEADERS).map(|i| format!("h{i}: v\r\n")).collect();
        for raw in [
            "GET / HTTP/2.0\r\n\r\n".to_string(),
            "GET / HTTP/1.1\r\nno colon here\r\n\r\n".into(),
            "GET / HTTP/1.1\r\nX: nul \u{0}\r\n\r\n".into(),
            format!("GET / HTTP/1.1\r\n{flood}\r\n"),
        ] {
            assert!(
                matches!(parse(&raw), Err(ReadError::Malformed(_))),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn content_length_rules() {
        let big = MAX_BODY_BYTES + 1;
        let cases: Vec<(String, &str)> = vec![
            ("Content-Length: 2\r\nContent-Length: 2".into(), "ok"),
            ("Content-Length: 2, 2".into(), "ok"),
            ("Content-Length: 2\r\nContent-Length: 3".into(), "400"),
            ("Content-Length: 2, 3".into(), "400"),
            (format!("Content-Length: {big}"), "413"),
            (
                "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff".into(),
                "413",
            ),
        ];
        for (headers, want) in cases {
            let raw = format!("POST / HTTP/1.1\r\n{headers}\r\n\r\n{{}}");
            let got = match parse(&raw) {
                Ok(r) if r.body == b"{}" => "ok",
                Ok(_) => "wrong body",
                Err(ReadError::Malformed(_)) => "400",
                Err(ReadError::TooLarge) => "413",
                Err(_) => "other",
            };
            assert_eq!(got, want, "{headers}");
        }
    }
}
