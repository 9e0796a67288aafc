//! Everything stagecraft prints goes through here; other modules return data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod account;
pub mod apply;
pub mod exec;
pub mod inventory;
pub mod plan;
pub mod progress;
pub mod status;

use std::io::Write;

/// What `sandbox reset` did.
pub fn render_sandbox_reset(state: &std::path::Path, existed: bool) -> String {
    if existed {
        format!(
            "The sandbox account is empty again (removed {}).",
            state.display()
        )
    } else {
        format!(
            "The sandbox account was already empty (no {}).",
            state.display()
        )
    }
}

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

    /// Detail shown only with `-v`.
    pub fn verbose_note(&self, text: &str) {
        if self.verbose && !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    /// Asks a question on stderr and reads one line of the answer from stdin.
    pub fn prompt(&self, question: &str) -> std::io::Result<String> {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        Ok(answer)
    }

    /// Errors and warnings on stderr; never silenced.
    /// From a signal handler, with no `Out` at hand: straight to stderr.
    pub fn interrupted(text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    pub fn error(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

impl Out {
    /// Text already ending in a newline, on stdout.
    pub fn stdout_raw(&self, text: &str) {
        let mut lock = std::io::stdout().lock();
        let _ = lock.write_all(text.as_bytes());
        let _ = lock.flush();
    }

    /// `value` as pretty JSON on stdout, for commands whose `--json` result is a small record.
    pub fn stdout_json<T: serde::Serialize>(&self, value: &T) {
        let mut text = serde_json::to_string_pretty(value).expect("plain data");
        text.push('\n');
        self.stdout_raw(&text);
    }

    /// An error with its chain of causes, rendered once at the top.
    pub fn render_error(&self, error: &anyhow::Error) {
        let mut text = format!("error: {error}");
        let mut last = error.to_string();
        for cause in error.chain().skip(1) {
            let line = cause.to_string();
            // thiserror messages often embed their source; do not print the same words twice.
            if !last.contains(&line) {
                text.push_str(&format!("\n  caused by: {line}"));
            }
            last = line;
        }
        self.error(&text);
    }
}
