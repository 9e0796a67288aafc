//! `stagecraft exec` (stub until its branch lands).

use std::process::ExitCode;

use super::Session;

#[derive(Debug, clap::Args)]
pub struct ExecArgs {}

pub fn run(_session: &Session, _args: &ExecArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`exec` is not built yet")
}
