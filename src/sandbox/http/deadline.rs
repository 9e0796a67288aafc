//! Reading a socket against a deadline: a request that trickles in a byte at a time (slowloris)
//! is cut off when its time is up, however steadily each byte arrives.

use std::io::{self, Read};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

pub struct DeadlineStream {
    stream: Arc<TcpStream>,
    deadline: Option<Instant>,
}

impl DeadlineStream {
    pub fn new(stream: Arc<TcpStream>) -> DeadlineStream {
        DeadlineStream {
            stream,
            deadline: None,
        }
    }

    /// Reads after this instant fail with `TimedOut`; None lifts the limit.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(deadline) = self.deadline {
            // Each read may wait only for what is left, so the sum of the waits stays bounded.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        (&*self.stream).read(buf)
    }
}
