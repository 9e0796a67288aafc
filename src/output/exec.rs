//! `exec` output: remote bytes passed through, or whole lines prefixed with the host, never torn or interleaved.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::sync::Mutex;

use super::Out;

/// Which of the remote command's streams a line came from; it goes to the same stream locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Shared by every host's reader threads. One mutex covers both stdout and stderr, so when both go to the
/// same terminal or file, a line from one stream can never land inside a line from the other.
#[derive(Debug)]
pub struct ExecOut {
    out: Out,
    /// Host names are padded to this width so the `|` column lines up.
    width: usize,
    lock: Mutex<()>,
}

impl ExecOut {
    pub fn new(out: &Out, host_names: &[&str]) -> ExecOut {
        ExecOut {
            out: out.clone(),
            width: host_names.iter().map(|n| n.len()).max().unwrap_or(0),
            lock: Mutex::new(()),
        }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One whole line of a host's output (without its newline), as `app-1 | text`, written in one piece.
    pub fn line(&self, host: &str, stream: Stream, line: &[u8]) {
        let mut buf = Vec::with_capacity(self.width + line.len() + 4);
        buf.extend_from_slice(format!("{host:<width$} | ", width = self.width).as_bytes());
        buf.extend_from_slice(line);
        buf.push(b'\n');
        let _guard = self.guard();
        let _ = match stream {
            Stream::Stdout => {
                let mut lock = std::io::stdout().lock();
                lock.write_all(&buf).and_then(|()| lock.flush())
            }
            Stream::Stderr => std::io::stderr().lock().write_all(&buf),
        };
    }

    /// Bytes of a single host's stderr, passed through as they come (a prompt may not end in a newline).
    pub fn stderr_raw(&self, bytes: &[u8]) {
        let _guard = self.guard();
        let mut lock = std::io::stderr().lock();
        let _ = lock.write_all(bytes).and_then(|()| lock.flush());
    }

    /// Progress on stderr; silenced by `-q`.
    pub fn note(&self, text: &str) {
        let _guard = self.guard();
        self.out.note(text);
    }

    /// An error or the failure summary on stderr; never silenced.
    pub fn error(&self, text: &str) {
        let _guard = self.guard();
        self.out.error(text);
    }
}
