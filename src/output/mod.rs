//! Everything stagecraft prints goes through here; other modules return data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;

/// The one place that writes to the terminal. Commands get a `&Out` and never print themselves.
#[derive(Debug, Clone, Default)]
pub struct Out {
    pub quiet: bool,
    pub verbose: bool,
    pub json: bool,
    pub color: bool,
}

impl Out {
    /// A line of the command's result on stdout.
    pub fn stdout(&self, text: &str) {
        let mut lock = std::io::stdout().lock();
        let _ = writeln!(lock, "{text}");
    }

    /// Progress and notes on stderr; silenced by `-q`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    /// Errors and warnings on stderr; never silenced.
    pub fn error(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}
