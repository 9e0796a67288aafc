//! stagecraft: make DigitalOcean droplets match a declarative `stagecraft.yml`.

pub mod apply;
pub mod exec;
pub mod ingest;
pub mod output;
pub mod sandbox;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the command line `args` (program name first) and returns the process exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let _ = args.into_iter().count();
    ExitCode::SUCCESS
}
