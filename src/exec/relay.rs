//! Relaying ssh's stderr: shown as it comes, except the lines stagecraft reads and acts on itself
//! (a refused connection, a changed host key, a container problem, multiplexing noise).

use std::io::{BufRead, BufReader, Read};

use super::container::MARKER as CONTAINER_MARKER;
use super::ssh::Mode;
use crate::output::exec::{ExecOut, Stream};

/// What ssh prints when the host key no longer matches the one on file.
const KEY_CHANGED: &str = "REMOTE HOST IDENTIFICATION HAS CHANGED";
const REFUSAL_PREFIX: &[u8] = b"ssh: connect to host ";

/// What the stderr relay noticed.
#[derive(Debug, Default)]
pub struct Relayed {
    /// ssh's "Connection refused" lines, held back rather than shown.
    pub refused: Vec<u8>,
    pub key_changed: bool,
    /// The container wrapper's own complaint (no docker, no such container), without its marker.
    pub container: Option<String>,
}

pub fn is_refusal(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    line.starts_with(REFUSAL_PREFIX) && line.ends_with(b": Connection refused")
}

/// Two runs racing to become a host's shared connection: the loser says so and simply connects on its
/// own, which is no news to the user.
fn is_mux_noise(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    line.starts_with(b"ControlSocket ") && line.ends_with(b"already exists, disabling multiplexing")
}

/// Relays stderr, holding back the lines stagecraft interprets. In single and interactive mode partial
/// lines are relayed at once (a remote prompt may not end in a newline); only a partial line that could
/// still become a held line waits for the rest.
pub fn relay_stderr(stderr: impl Read, host: &str, mode: Mode, out: &ExecOut) -> Relayed {
    let mut seen = Relayed::default();
    let mut on_line = |line: &[u8]| {
        if is_refusal(line) {
            seen.refused.extend_from_slice(line);
            return;
        }
        if is_mux_noise(line) {
            return;
        }
        if let Some(rest) = line.strip_prefix(CONTAINER_MARKER.as_bytes()) {
            seen.container = Some(String::from_utf8_lossy(rest).trim().to_string());
            return;
        }
        if line
            .windows(KEY_CHANGED.len())
            .any(|w| w == KEY_CHANGED.as_bytes())
        {
            seen.key_changed = true;
        }
        show_stderr(line, host, mode, out);
    };
    if mode == Mode::Prefixed {
        relay_lines(stderr, |line| {
            let mut whole = line.to_vec();
            whole.push(b'\n');
            on_line(&whole);
        });
        return seen;
    }
    let mut reader = stderr;
    let mut pending: Vec<u8> = Vec::new();
    // Set once part of the current line has been shown: the rest of it goes straight through.
    let mut mid_line = false;
    let mut chunk = [0u8; 8192];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&chunk[..n]);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            if mid_line {
                out.stderr_raw(&line);
                mid_line = false;
            } else {
                on_line(&line);
            }
        }
        if !pending.is_empty() && !mid_line && !could_be_held(&pending) {
            out.stderr_raw(&pending);
            pending.clear();
            mid_line = true;
        }
    }
    if !pending.is_empty() {
        on_line(&pending);
    }
    seen
}

/// Whether a partial line may still turn out to be one of the held ones.
fn could_be_held(partial: &[u8]) -> bool {
    [
        REFUSAL_PREFIX,
        CONTAINER_MARKER.as_bytes(),
        b"ControlSocket ".as_slice(),
    ]
    .iter()
    .any(|prefix| prefix.starts_with(partial) || partial.starts_with(prefix))
}

pub fn show_stderr(bytes: &[u8], host: &str, mode: Mode, out: &ExecOut) {
    if bytes.is_empty() {
        return;
    }
    match mode {
        Mode::Single | Mode::Interactive => out.stderr_raw(bytes),
        Mode::Prefixed => {
            for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                out.line(
                    host,
                    Stream::Stderr,
                    line.strip_suffix(b"\r").unwrap_or(line),
                );
            }
        }
    }
}

/// Calls `on_line` with each line of `input` (without its newline); a last line without one counts too.
pub fn relay_lines(input: impl Read, mut on_line: impl FnMut(&[u8])) {
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                on_line(text.strip_suffix(b"\r").unwrap_or(text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ssh_refusal_lines_only() {
        assert!(is_refusal(
            b"ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n"
        ));
        assert!(!is_refusal(
            b"ssh: connect to host 10.0.0.1 port 22: Connection timed out\n"
        ));
        assert!(!is_refusal(b"curl: (7) Connection refused\n"));
    }

    #[test]
    fn recognises_the_lost_race_for_a_shared_connection() {
        assert!(is_mux_noise(
            b"ControlSocket /run/user/0/stagecraft/4001-ab already exists, disabling multiplexing\r\n"
        ));
        assert!(!is_mux_noise(b"ControlSocket: something else\n"));
    }

    #[test]
    fn holds_partial_lines_only_while_they_may_become_held_ones() {
        assert!(could_be_held(b"ssh: conn"));
        assert!(could_be_held(b"stagecraft-cont"));
        assert!(!could_be_held(b"Password: "));
    }
}
