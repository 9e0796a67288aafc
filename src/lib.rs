//! stagecraft: make DigitalOcean droplets match a declarative `stagecraft.yml`.

pub mod apply;
pub mod cli;
pub mod clock;
pub mod config;
pub mod exec;
pub mod exit;
pub mod ingest;
pub mod output;
pub mod ownership;
pub mod plan;
pub mod provider;
pub mod sandbox;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the command line `args` (program name first) and returns the process exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    cli::run(args)
}
